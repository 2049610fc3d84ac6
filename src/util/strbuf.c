// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

void strbuf_free(struct strbuf *sb)
{
	free(sb->data);
	*sb = (struct strbuf){ 0 };
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->failed = false;
	if (sb->data)
		sb->data[0] = '\0';
}

static bool strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;
	size_t cap = sb->cap ? sb->cap : 256;
	char *grown;

	if (sb->failed)
		return false;
	if (want <= sb->cap)
		return true;
	while (cap < want)
		cap *= 2;
	grown = realloc(sb->data, cap);
	if (!grown) {
		sb->failed = true;
		return false;
	}
	sb->data = grown;
	sb->cap = cap;
	return true;
}

void strbuf_append(struct strbuf *sb, const char *bytes, size_t n)
{
	if (!strbuf_reserve(sb, n))
		return;
	memcpy(sb->data + sb->len, bytes, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}
