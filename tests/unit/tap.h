/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP output for the unit tests (read by automake's tap-driver). */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

#define tap_ok(cond, ...)                                                   \
	do {                                                                \
		int tap_cond_ = !!(cond);                                   \
		printf("%s %d - ", tap_cond_ ? "ok" : "not ok", ++tap_count); \
		printf(__VA_ARGS__);                                        \
		printf("\n");                                               \
		if (!tap_cond_) {                                           \
			tap_failed++;                                       \
			printf("#   failed at %s:%d\n", __FILE__, __LINE__);    \
		}                                                           \
	} while (0)

#define tap_str_eq(got, want, ...)                                          \
	do {                                                                \
		const char *tap_got_ = (got), *tap_want_ = (want);         \
		tap_ok(strcmp(tap_got_, tap_want_) == 0, __VA_ARGS__);      \
		if (strcmp(tap_got_, tap_want_) != 0)                       \
			printf("#   got:  \"%s\"\n#   want: \"%s\"\n", tap_got_, tap_want_); \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
