// SPDX-License-Identifier: GPL-2.0
/* The exposition writer: escaping, UTF-8 repair, number formats, families. */
#include <math.h>

#include "metrics/exposition.h"
#include "tap.h"

static const char *label_value(const char *in)
{
	static struct strbuf sb;

	strbuf_reset(&sb);
	exposition_label_value(&sb, in);
	return sb.data ? sb.data : "";
}

static const char *sample_double(double v)
{
	static struct strbuf sb;

	strbuf_reset(&sb);
	exposition_sample_double(&sb, "m", NULL, 0, v);
	return sb.data;
}

int main(void)
{
	struct strbuf sb = { 0 };
	struct metric_label labels[] = { { "mechanism", "pipe" }, { "src_comm", "a\"b\\c\nd" } };

	tap_str_eq(label_value("plain"), "plain", "plain value unchanged");
	tap_str_eq(label_value("a\"b"), "a\\\"b", "double quote escaped");
	tap_str_eq(label_value("a\\b"), "a\\\\b", "backslash escaped");
	tap_str_eq(label_value("a\nb"), "a\\nb", "newline escaped");
	tap_str_eq(label_value("tab\there"), "tab\there", "tab kept as is");
	tap_str_eq(label_value("caf\xc3\xa9"), "caf\xc3\xa9", "valid UTF-8 kept");
	tap_str_eq(label_value("\xe2\x82\xac"), "\xe2\x82\xac", "three-byte UTF-8 kept");
	tap_str_eq(label_value("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80", "four-byte UTF-8 kept");
	tap_str_eq(label_value("a\xff" "b"), "a\xef\xbf\xbd" "b", "invalid byte becomes U+FFFD");
	tap_str_eq(label_value("\xc3"), "\xef\xbf\xbd", "truncated sequence becomes U+FFFD");
	tap_str_eq(label_value("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd", "overlong encoding rejected");
	tap_str_eq(label_value("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogate rejected");
	tap_str_eq(label_value(""), "", "empty value");

	exposition_sample_u64(&sb, "ipc_messages_total", labels, 2, 18446744073709551615ULL);
	tap_str_eq(sb.data, "ipc_messages_total{mechanism=\"pipe\",src_comm=\"a\\\"b\\\\c\\nd\"} 18446744073709551615\n",
		   "sample with escaped labels and the largest u64");
	strbuf_reset(&sb);
	exposition_sample_u64(&sb, "up", NULL, 0, 0);
	tap_str_eq(sb.data, "up 0\n", "sample without labels");
	strbuf_reset(&sb);
	exposition_family(&sb, "x_total", "counter", "Help with \\ and\nnewline.");
	tap_str_eq(sb.data, "# HELP x_total Help with \\\\ and\\nnewline.\n# TYPE x_total counter\n",
		   "HELP escapes backslash and newline");

	tap_str_eq(sample_double(0.1), "m 0.1\n", "shortest round-trip decimal");
	tap_str_eq(sample_double(1e-9), "m 1e-09\n", "small number");
	tap_str_eq(sample_double(123456789.0), "m 123456789\n", "integral double");
	tap_str_eq(sample_double(NAN), "m NaN\n", "NaN spelled as Prometheus wants");
	tap_str_eq(sample_double(INFINITY), "m +Inf\n", "+Inf");
	tap_str_eq(sample_double(-INFINITY), "m -Inf\n", "-Inf");
	strbuf_free(&sb);
	return tap_done();
}
