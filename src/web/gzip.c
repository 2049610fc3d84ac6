// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "web/gzip.h"

/* "gzip" or "*" as a coding, unless given q=0. */
bool gzip_accepted(const char *value)
{
	const char *p = value;

	if (!value)
		return false;
	while (*p) {
		const char *end = p + strcspn(p, ",");
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *name_end = semi ? semi : end;
		size_t len;

		while (p < name_end && isspace((unsigned char)*p))
			p++;
		while (name_end > p && isspace((unsigned char)name_end[-1]))
			name_end--;
		len = (size_t)(name_end - p);
		if ((len == 4 && strncasecmp(p, "gzip", 4) == 0) || (len == 1 && *p == '*')) {
			const char *q = semi ? strstr(semi, "q=") : NULL;

			if (!q || q >= end || strtod(q + 2, NULL) > 0)
				return true;
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

int gzip_compress(const struct strbuf *in, struct strbuf *out)
{
	z_stream zs = { 0 };
	char chunk[16384];
	int ret;

	/* windowBits 15 + 16: a gzip header instead of zlib's. */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)in->data;
	zs.avail_in = (uInt)in->len;
	do {
		zs.next_out = (Bytef *)chunk;
		zs.avail_out = sizeof(chunk);
		ret = deflate(&zs, Z_FINISH);
		strbuf_append(out, chunk, sizeof(chunk) - zs.avail_out);
	} while (ret == Z_OK);
	deflateEnd(&zs);
	return ret == Z_STREAM_END && !out->failed ? 0 : -1;
}
