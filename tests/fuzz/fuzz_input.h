/* SPDX-License-Identifier: GPL-2.0 */
/* The input of a fuzz target that holds several parsers. */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The first byte picks the parser (*choice), the rest is its text: a
 * NUL-terminated copy for the caller to free, or NULL for an empty input.
 */
static inline char *fuzz_text(const uint8_t *data, size_t size, unsigned int *choice)
{
	char *text;

	if (size < 1 || !(text = malloc(size)))
		return NULL;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	*choice = data[0];
	return text;
}

#endif
