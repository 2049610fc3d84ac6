// SPDX-License-Identifier: GPL-2.0
/*
 * The exposition writer: escaping, UTF-8 repair, number formats, families,
 * in the text format and OpenMetrics; and the Accept header's negotiation
 * between them.
 */
#include <math.h>

#include "metrics/exposition.h"
#include "tap.h"
#include "web/negotiate.h"

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
	struct exposition x = { .page = &sb, .format = EXPOSITION_TEXT };

	strbuf_reset(&sb);
	exposition_sample_double(&x, "m", NULL, 0, v);
	return sb.data;
}

/* A family of one sample, then the page's end, in format. */
static const char *one_family(enum exposition_format format, const char *name, const char *type, const char *help)
{
	static struct strbuf sb;
	struct exposition x = { .page = &sb, .format = format };

	strbuf_reset(&sb);
	exposition_family(&x, name, type, help);
	exposition_sample_u64(&x, name, NULL, 0, 7);
	exposition_end(&x);
	return sb.data;
}

static const char *format_name(enum exposition_format f)
{
	return f == EXPOSITION_OPENMETRICS ? "openmetrics" : "text";
}

static void negotiates(const char *accept, enum exposition_format want)
{
	enum exposition_format got = negotiate_exposition_format(accept);

	tap_ok(got == want, "Accept: %s -> %s", accept ? accept : "(none)", format_name(want));
	if (got != want)
		printf("#   got %s\n", format_name(got));
}

static void test_negotiation(void)
{
	const enum exposition_format T = EXPOSITION_TEXT, OM = EXPOSITION_OPENMETRICS;

	/* what Prometheus 2.42 and later send by default */
	negotiates("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
		   "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", OM);
	/* scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0] */
	negotiates("text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,*/*;q=0.1", T);
	negotiates(NULL, T);
	negotiates("", T);
	negotiates("*/*", T);
	negotiates("application/*", T);
	negotiates("text/html", T);
	negotiates("application/openmetrics-text", OM);
	negotiates("application/openmetrics-text; version=1.0.0; charset=utf-8", OM);
	negotiates("Application/OpenMetrics-Text;Version=\"1.0.0\"", OM);
	negotiates("application/openmetrics-text;version=0.0.1", T);
	negotiates("application/openmetrics-text;version=2.0.0", T);
	negotiates("application/openmetrics-text;q=0", T);
	negotiates("application/openmetrics-text;q=0.000", T);
	negotiates("application/openmetrics-text;q=banana", T);
	negotiates("application/openmetrics-text;q=0.001", OM);
	negotiates("text/plain;q=0.9, application/openmetrics-text;q=0.8", T);
	negotiates("text/plain;q=0.8, application/openmetrics-text;q=0.9", OM);
	negotiates("text/plain;q=0.5, application/openmetrics-text;q=0.5", T);
	negotiates("application/openmetrics-text;q=0.5, text/plain;q=0.5", OM);
	negotiates("text/plain;version=0.0.3, application/openmetrics-text;q=0.1", OM);
	negotiates("application/openmetrics-text;q=0.12345, text/plain;q=0.1", OM);
	negotiates("*/*;q=1, application/openmetrics-text;q=0.2", OM);
	negotiates("  application/openmetrics-text  ;  q=1  ,", OM);
	negotiates(",,;;=,application/openmetrics-text;=;q", OM);
	negotiates("application/openmetrics-textx", T);
	negotiates("application/openmetrics-tex", T);
}

static void test_openmetrics(void)
{
	struct strbuf sb = { 0 };
	struct exposition x = { .page = &sb, .format = EXPOSITION_OPENMETRICS };
	struct metric_label label = { "mechanism", "pipe" };

	tap_str_eq(exposition_content_type(EXPOSITION_OPENMETRICS),
		   "application/openmetrics-text; version=1.0.0; charset=utf-8", "OpenMetrics content type");
	tap_str_eq(exposition_content_type(EXPOSITION_TEXT), "text/plain; version=0.0.4; charset=utf-8",
		   "text format content type");
	tap_str_eq(one_family(EXPOSITION_OPENMETRICS, "x_total", "counter", "Counted."),
		   "# HELP x Counted.\n# TYPE x counter\nx_total 7\n# EOF\n",
		   "OpenMetrics counter: family without _total, sample with it, # EOF last");
	tap_str_eq(one_family(EXPOSITION_TEXT, "x_total", "counter", "Counted."),
		   "# HELP x_total Counted.\n# TYPE x_total counter\nx_total 7\n",
		   "text counter: family and sample named alike, no # EOF");
	tap_str_eq(one_family(EXPOSITION_OPENMETRICS, "y", "counter", "No suffix."),
		   "# HELP y No suffix.\n# TYPE y counter\ny_total 7\n# EOF\n",
		   "OpenMetrics counter named without _total: its samples get it");
	tap_str_eq(one_family(EXPOSITION_TEXT, "y", "counter", "No suffix."),
		   "# HELP y No suffix.\n# TYPE y counter\ny 7\n", "text counter without _total left as named");
	tap_str_eq(one_family(EXPOSITION_OPENMETRICS, "g_total_bytes", "gauge", "A gauge."),
		   "# HELP g_total_bytes A gauge.\n# TYPE g_total_bytes gauge\ng_total_bytes 7\n# EOF\n",
		   "OpenMetrics gauge named as it is");
	tap_str_eq(one_family(EXPOSITION_OPENMETRICS, "b_info", "gauge", "Build."),
		   "# HELP b_info Build.\n# TYPE b_info gauge\nb_info 7\n# EOF\n", "info-like gauge stays a gauge");
	tap_str_eq(one_family(EXPOSITION_OPENMETRICS, "h_total", "counter", "a \"q\" \\ and\nline"),
		   "# HELP h a \\\"q\\\" \\\\ and\\nline\n# TYPE h counter\nh_total 7\n# EOF\n",
		   "OpenMetrics HELP escapes double quote, backslash, newline");
	tap_str_eq(one_family(EXPOSITION_TEXT, "h_total", "counter", "a \"q\" \\ and\nline"),
		   "# HELP h_total a \"q\" \\\\ and\\nline\n# TYPE h_total counter\nh_total 7\n",
		   "text HELP leaves the double quote alone");

	/* a gauge after a counter without _total: no suffix carried over */
	exposition_family(&x, "c", "counter", "C.");
	exposition_sample_u64(&x, "c", &label, 1, 1);
	exposition_family(&x, "g", "gauge", "G.");
	exposition_sample_double(&x, "g", &label, 1, 0.5);
	exposition_end(&x);
	tap_str_eq(sb.data,
		   "# HELP c C.\n# TYPE c counter\nc_total{mechanism=\"pipe\"} 1\n"
		   "# HELP g G.\n# TYPE g gauge\ng{mechanism=\"pipe\"} 0.5\n# EOF\n",
		   "the _total of one counter family is not carried to the next family");
	strbuf_free(&sb);
}

int main(void)
{
	struct strbuf sb = { 0 };
	struct exposition x = { .page = &sb, .format = EXPOSITION_TEXT };
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

	exposition_sample_u64(&x, "ipc_messages_total", labels, 2, 18446744073709551615ULL);
	tap_str_eq(sb.data, "ipc_messages_total{mechanism=\"pipe\",src_comm=\"a\\\"b\\\\c\\nd\"} 18446744073709551615\n",
		   "sample with escaped labels and the largest u64");
	strbuf_reset(&sb);
	exposition_sample_u64(&x, "up", NULL, 0, 0);
	tap_str_eq(sb.data, "up 0\n", "sample without labels");
	strbuf_reset(&sb);
	exposition_family(&x, "x_total", "counter", "Help with \\ and\nnewline.");
	tap_str_eq(sb.data, "# HELP x_total Help with \\\\ and\\nnewline.\n# TYPE x_total counter\n",
		   "HELP escapes backslash and newline");

	tap_str_eq(sample_double(0.1), "m 0.1\n", "shortest round-trip decimal");
	tap_str_eq(sample_double(1e-9), "m 1e-09\n", "small number");
	tap_str_eq(sample_double(123456789.0), "m 123456789\n", "integral double");
	tap_str_eq(sample_double(NAN), "m NaN\n", "NaN spelled as Prometheus wants");
	tap_str_eq(sample_double(INFINITY), "m +Inf\n", "+Inf");
	tap_str_eq(sample_double(-INFINITY), "m -Inf\n", "-Inf");
	strbuf_free(&sb);
	test_openmetrics();
	test_negotiation();
	return tap_done();
}
