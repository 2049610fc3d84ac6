// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "web/negotiate.h"

/* A piece of the header: [start, end). */
struct span {
	const char *start, *end;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static struct span trim(const char *start, const char *end)
{
	while (start < end && is_space(*start))
		start++;
	while (end > start && is_space(end[-1]))
		end--;
	return (struct span){ start, end };
}

static bool span_is(struct span s, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(s.end - s.start) == n && strncasecmp(s.start, word, n) == 0;
}

/* The first of [start, end) that is c, or end. */
static const char *find(const char *start, const char *end, char c)
{
	const char *p = memchr(start, c, (size_t)(end - start));

	return p ? p : end;
}

/*
 * A qvalue (RFC 9110: "0", "0.5", "1.000") in thousandths; what is not one
 * counts as 0, not acceptable, as a failed parse does in expfmt.
 */
static int qvalue(struct span v)
{
	const char *p = v.start;
	int q, scale = 100;

	if (p == v.end || (*p != '0' && *p != '1'))
		return 0;
	q = (*p++ - '0') * 1000;
	if (p < v.end && *p == '.')
		for (p++; p < v.end && *p >= '0' && *p <= '9'; p++, scale /= 10)
			q += (*p - '0') * scale;	/* past three digits: scale 0 */
	if (p != v.end)
		return 0;
	return q > 1000 ? 1000 : q;
}

/* A quoted parameter value without its quotes (nothing in a version needs escaping). */
static struct span unquote(struct span v)
{
	if (v.end - v.start >= 2 && *v.start == '"' && v.end[-1] == '"')
		return (struct span){ v.start + 1, v.end - 1 };
	return v;
}

/*
 * One media range of the header: the format it names (-1 for none we
 * serve) and its q in thousandths.
 */
static int media_range(const char *start, const char *end, int *q)
{
	const char *semi = find(start, end, ';');
	struct span type = trim(start, semi), version = { NULL, NULL };
	bool has_version = false;

	*q = 1000;
	while (semi < end) {
		const char *param = semi + 1, *eq;

		semi = find(param, end, ';');
		eq = find(param, semi, '=');
		if (eq == semi)
			continue;	/* a parameter without a value: ignored */
		if (span_is(trim(param, eq), "q")) {
			*q = qvalue(trim(eq + 1, semi));
		} else if (span_is(trim(param, eq), "version")) {
			version = unquote(trim(eq + 1, semi));
			has_version = true;
		}
	}
	if (span_is(type, "application/openmetrics-text") && (!has_version || span_is(version, "1.0.0")))
		return EXPOSITION_OPENMETRICS;
	if (span_is(type, "text/plain") && (!has_version || span_is(version, "0.0.4")))
		return EXPOSITION_TEXT;
	return -1;
}

enum exposition_format negotiate_exposition_format(const char *accept)
{
	enum exposition_format best = EXPOSITION_TEXT;
	int best_q = 0;
	const char *p, *end;

	if (!accept)
		return EXPOSITION_TEXT;
	for (p = accept; *p; p = *end ? end + 1 : end) {
		int format, q;

		end = p + strcspn(p, ",");
		format = media_range(p, end, &q);
		if (format >= 0 && q > best_q) {
			best = (enum exposition_format)format;
			best_q = q;
		}
	}
	return best;
}
