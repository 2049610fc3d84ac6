// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/exposition.h"

/* HELP text escapes only backslash and newline. */
static void append_help(struct strbuf *out, const char *help)
{
	for (; *help; help++) {
		if (*help == '\\')
			strbuf_puts(out, "\\\\");
		else if (*help == '\n')
			strbuf_puts(out, "\\n");
		else
			strbuf_append(out, help, 1);
	}
}

void exposition_family(struct strbuf *out, const char *name, const char *type, const char *help)
{
	strbuf_printf(out, "# HELP %s ", name);
	append_help(out, help);
	strbuf_printf(out, "\n# TYPE %s %s\n", name, type);
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

static void append_series(struct strbuf *out, const char *name, const struct metric_label *labels,
			  unsigned int nlabels)
{
	unsigned int i;

	strbuf_puts(out, name);
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
void exposition_sample_u64(struct strbuf *out, const char *name, const struct metric_label *labels,
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
	strbuf_append(out, text + at, sizeof(text) - at);
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

void exposition_sample_double(struct strbuf *out, const char *name, const struct metric_label *labels,
			      unsigned int nlabels, double value)
{
	char text[32];

	append_series(out, name, labels, nlabels);
	if (isnan(value))
		strbuf_puts(out, " NaN\n");
	else if (isinf(value))
		strbuf_puts(out, value > 0 ? " +Inf\n" : " -Inf\n");
	else
		strbuf_printf(out, " %s\n", shortest_double(value, text, sizeof(text)));
}
