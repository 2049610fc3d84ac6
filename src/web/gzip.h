/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GZIP_H
#define GZIP_H

#include <stdbool.h>

#include "util/strbuf.h"

/* Whether an Accept-Encoding header value accepts gzip. */
bool gzip_accepted(const char *accept_encoding);
/* Compress in into out (gzip format); 0 or -1. */
int gzip_compress(const struct strbuf *in, struct strbuf *out);

#endif
