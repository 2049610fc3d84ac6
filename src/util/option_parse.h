/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing command-line values with errors that name the option. */
#ifndef OPTION_PARSE_H
#define OPTION_PARSE_H

/* 0, or -1 after logging "OPTION: ..." */
int option_parse_uint(const char *option, const char *text, unsigned int min, unsigned int max,
		      unsigned int *out);

/*
 * `text` as one of `names` (NULL-terminated): its index into *out; 0, or
 * -1 after logging "OPTION: "x" is not one of a, b, c".
 */
int option_parse_choice(const char *option, const char *text, const char *const names[], unsigned int *out);

#endif
