// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/exposition.h"

const char *exposition_content_type(enum exposition_format format)
{
	return format == EXPOSITION_OPENMETRICS ? EXPOSITION_OPENMETRICS_CONTENT_TYPE : EXPOSITION_TEXT_CONTENT_TYPE;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/*
 * HELP text escapes backslash and newline; OpenMetrics' also the double
 * quote (its escaped-string), which the text format must leave alone.
 */
static void append_help(struct exposition *out, const char *help)
{
	for (; *help; help++) {
		if (*help == '\\')
			strbuf_puts(out->page, "\\\\");
		else if (*help == '\n')
			strbuf_puts(out->page, "\\n");
		else if (*help == '"' && out->format == EXPOSITION_OPENMETRICS)
			strbuf_puts(out->page, "\\\"");
		else
			strbuf_append(out->page, help, 1);
	}
}

void exposition_family(struct exposition *out, const char *name, const char *type, const char *help)
{
	size_t len = strlen(name);
	bool counter = strcmp(type, "counter") == 0;

	out->add_total = false;
	if (out->format == EXPOSITION_OPENMETRICS && counter) {
		/* the family is the name without _total; a sample named without it gets it */
		if (ends_with(name, len, "_total"))
			len -= strlen("_total");
		else
			out->add_total = true;
	}
	strbuf_puts(out->page, "# HELP ");
	strbuf_append(out->page, name, len);
	strbuf_append(out->page, " ", 1);
	append_help(out, help);
	strbuf_puts(out->page, "\n# TYPE ");
	strbuf_append(out->page, name, len);
	strbuf_printf(out->page, " %s\n", type);
}

void exposition_end(struct exposition *out)
{
	if (out->format == EXPOSITION_OPENMETRICS)
		strbuf_puts(out->page, "# EOF\n");
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not valid. */
static size_t utf8_sequence_length(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (s[0] == 0xed && s[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Escape backslash, double quote and newline; a byte that is not valid
 * UTF-8 (a process name is any bytes) becomes U+FFFD so that the page
 * stays valid for every parser.
 */
void exposition_label_value(struct strbuf *out, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t plain = 0;

	/* Most names are printable ASCII with nothing to escape: one copy. */
	while (s[plain] >= 0x20 && s[plain] < 0x80 && s[plain] != '\\' && s[plain] != '"')
		plain++;
	strbuf_append(out, value, plain);
	s += plain;

	while (*s) {
		size_t n = utf8_sequence_length(s);

		if (n == 0) {
			strbuf_puts(out, "\xef\xbf\xbd");
			s++;
			continue;
		}
		if (*s == '\\')
			strbuf_puts(out, "\\\\");
		else if (*s == '"')
			strbuf_puts(out, "\\\"");
		else if (*s == '\n')
			strbuf_puts(out, "\\n");
		else
			strbuf_append(out, (const char *)s, n);
		s += n;
	}
}

static void append_series(struct exposition *x, const char *name, const struct metric_label *labels,
			  unsigned int nlabels)
{
	struct strbuf *out = x->page;
	unsigned int i;

	strbuf_puts(out, name);
	if (x->add_total)
		strbuf_puts(out, "_total");
	if (!nlabels)
		return;
	strbuf_append(out, "{", 1);
	for (i = 0; i < nlabels; i++) {
		if (i)
			strbuf_append(out, ",", 1);
		strbuf_puts(out, labels[i].name);
		strbuf_append(out, "=\"", 2);
		exposition_label_value(out, labels[i].value);
		strbuf_append(out, "\"", 1);
	}
	strbuf_append(out, "}", 1);
}

/* A page of 100,000 series is mostly this: no printf on the way. */
void exposition_sample_u64(struct exposition *out, const char *name, const struct metric_label *labels,
			   unsigned int nlabels, uint64_t value)
{
	char text[24];
	size_t at = sizeof(text);

	append_series(out, name, labels, nlabels);
	text[--at] = '\n';
	do {
		text[--at] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	text[--at] = ' ';
	strbuf_append(out->page, text + at, sizeof(text) - at);
}

/* The shortest decimal form that reads back as the same double. */
static const char *shortest_double(double value, char *text, size_t size)
{
	int precision;

	for (precision = 1; precision < 17; precision++) {
		snprintf(text, size, "%.*g", precision, value);
		if (strtod(text, NULL) == value)
			return text;
	}
	snprintf(text, size, "%.17g", value);
	return text;
}

void exposition_sample_double(struct exposition *out, const char *name, const struct metric_label *labels,
			      unsigned int nlabels, double value)
{
	char text[32];

	append_series(out, name, labels, nlabels);
	if (isnan(value))
		strbuf_puts(out->page, " NaN\n");
	else if (isinf(value))
		strbuf_puts(out->page, value > 0 ? " +Inf\n" : " -Inf\n");
	else
		strbuf_printf(out->page, " %s\n", shortest_double(value, text, sizeof(text)));
}
