// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int option_parse_choice(const char *option, const char *text, const char *const names[], unsigned int *out)
{
	char list[256] = "";
	size_t used = 0;

	for (unsigned int i = 0; names[i]; i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = i;
			return 0;
		}
		used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0, "%s%s",
					 i ? ", " : "", names[i]);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
	}
	log_warnx("%s: \"%s\" is not one of %s", option, text, list);
	return -1;
}
