// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the parsers of command-line values: --web.listen-address,
 * --process-labels, and the numbers and choices of the other flags.  The
 * first byte picks the parser, the rest is the value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity/process_labels.h"
#include "util/log.h"
#include "util/option_parse.h"
#include "web/listen_address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hooks[] = { "auto", "sys-exit", "mechanisms", NULL };
	struct listen_address addr;
	unsigned int labels, n;
	char *text, err[256];

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		/* a host name would be resolved (DNS, with its timeouts): numeric hosts only */
		if (!strpbrk(text, "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ"))
			listen_address_parse(text, &addr, err, sizeof(err));
		break;
	case 1:
		process_labels_parse(text, &labels, err, sizeof(err));
		break;
	case 2:
		option_parse_uint("--series-limit", text, 1, 1u << 24, &n);
		break;
	default:
		option_parse_choice("--hooks", text, hooks, &n);
		break;
	}
	free(text);
	return 0;
}
