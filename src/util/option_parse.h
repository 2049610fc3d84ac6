/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing numeric command-line values with errors that name the option. */
#ifndef OPTION_PARSE_H
#define OPTION_PARSE_H

/* 0, or -1 after logging "OPTION: ..." */
int option_parse_uint(const char *option, const char *text, unsigned int min, unsigned int max,
		      unsigned int *out);

#endif
