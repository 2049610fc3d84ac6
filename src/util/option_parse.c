// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "util/log.h"
#include "util/option_parse.h"

int option_parse_uint(const char *option, const char *text, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	unsigned long value;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)text[0]) || (value = strtoul(text, &end, 10), errno) || *end) {
		log_warnx("%s: \"%s\" is not a whole number", option, text);
		return -1;
	}
	if (value < min || value > max) {
		log_warnx("%s: %lu is out of range (%u to %u)", option, value, min, max);
		return -1;
	}
	*out = (unsigned int)value;
	return 0;
}
