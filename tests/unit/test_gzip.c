// SPDX-License-Identifier: GPL-2.0
/* Accept-Encoding negotiation and a gzip round trip. */
#include <zlib.h>

#include "tap.h"
#include "web/gzip.h"

int main(void)
{
	struct strbuf in = { 0 }, out = { 0 };
	char back[8192];
	z_stream zs = { 0 };

	tap_ok(gzip_accepted("gzip"), "gzip");
	tap_ok(gzip_accepted("deflate, gzip;q=1.0, *;q=0.5"), "gzip among others");
	tap_ok(gzip_accepted(" GZIP "), "case and spaces");
	tap_ok(gzip_accepted("*"), "wildcard");
	tap_ok(!gzip_accepted("gzip;q=0"), "q=0 refuses gzip");
	tap_ok(!gzip_accepted("identity"), "identity only");
	tap_ok(!gzip_accepted("xgzip"), "a longer token is not gzip");
	tap_ok(!gzip_accepted(NULL), "no header");

	for (int i = 0; i < 100; i++)
		strbuf_printf(&in, "ipc_messages_total{mechanism=\"pipe\"} %d\n", i);
	tap_ok(gzip_compress(&in, &out) == 0 && out.len > 10 && out.len < in.len, "compresses (%zu -> %zu)", in.len,
	       out.len);
	tap_ok((unsigned char)out.data[0] == 0x1f && (unsigned char)out.data[1] == 0x8b, "gzip magic");
	inflateInit2(&zs, 15 + 16);
	zs.next_in = (Bytef *)out.data;
	zs.avail_in = (uInt)out.len;
	zs.next_out = (Bytef *)back;
	zs.avail_out = sizeof(back);
	tap_ok(inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == in.len && memcmp(back, in.data, in.len) == 0,
	       "round trip gives the same bytes");
	inflateEnd(&zs);
	strbuf_free(&in);
	strbuf_free(&out);
	return tap_done();
}
