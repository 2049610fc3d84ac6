// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the /debug/events query string, as libmicrohttpd hands it
 * over: key and value pairs (split here at '&' and the first '='), each
 * to the filter's parser, in order, until one is refused.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events/event_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *query = malloc(size + 1), *pair, *next, *value;
	struct event_filter f;
	char err[256];

	if (!query)
		return 0;
	memcpy(query, data, size);
	query[size] = '\0';
	event_filter_init(&f);
	for (pair = query; pair; pair = next) {
		next = strchr(pair, '&');
		if (next)
			*next++ = '\0';
		value = strchr(pair, '=');
		if (value)
			*value++ = '\0';
		/* a key without '=' comes with a NULL value, as from libmicrohttpd */
		if (event_filter_parse_param(&f, pair, value, size & 1, err, sizeof(err)) < 0)
			break;
	}
	free(query);
	return 0;
}
