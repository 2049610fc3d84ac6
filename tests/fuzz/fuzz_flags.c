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

#include "fuzz_input.h"
#include "identity/process_labels.h"
#include "util/log.h"
#include "util/option_parse.h"
#include "web/listen_address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hooks[] = { "auto", "sys-exit", "mechanisms", NULL };
	struct listen_address addr;
	unsigned int labels, n;
	unsigned int choice;
	char *text, err[256];

	text = fuzz_text(data, size, &choice);
	if (!text)
		return 0;
	switch (choice % 4) {
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
