/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interned strings: equal strings get one pointer, so label values can be
 * kept in fixed-size series keys and compared as pointers.  Strings live as
 * long as the pool; the pool only holds distinct names (executables,
 * cgroups), not one per event.
 */
#ifndef STRING_POOL_H
#define STRING_POOL_H

#include <stddef.h>

struct string_pool {
	char **slots;
	size_t capacity;	/* a power of two */
	size_t count;
};

/* The pool's copy of s, or NULL when out of memory. */
const char *string_pool_intern(struct string_pool *p, const char *s);
void string_pool_free(struct string_pool *p);

#endif
