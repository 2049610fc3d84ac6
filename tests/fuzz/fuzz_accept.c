// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the headers of a scrape that choose its answer: Accept (the
 * exposition format) and Accept-Encoding (gzip).  The first byte picks
 * the parser, the rest is the header's value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "web/gzip.h"
#include "web/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum exposition_format format;
	unsigned int choice;
	char *text;

	text = fuzz_text(data, size, &choice);
	if (!text)
		return 0;
	if (choice % 2 == 0) {
		format = negotiate_exposition_format(text);
		if (format != EXPOSITION_TEXT && format != EXPOSITION_OPENMETRICS)
			abort();
	} else {
		gzip_accepted(text);
	}
	free(text);
	return 0;
}
