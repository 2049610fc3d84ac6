// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/string_pool.h"

static uint64_t string_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static char **string_slot(char **slots, size_t capacity, const char *s)
{
	size_t i = string_hash(s) & (capacity - 1);

	while (slots[i] && strcmp(slots[i], s) != 0)
		i = (i + 1) & (capacity - 1);
	return &slots[i];
}

static int string_pool_grow(struct string_pool *p)
{
	size_t capacity = p->capacity ? p->capacity * 2 : 256;
	char **slots = calloc(capacity, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < p->capacity; i++)
		if (p->slots[i])
			*string_slot(slots, capacity, p->slots[i]) = p->slots[i];
	free(p->slots);
	p->slots = slots;
	p->capacity = capacity;
	return 0;
}

const char *string_pool_intern(struct string_pool *p, const char *s)
{
	char **slot;

	if ((p->count + 1) * 4 > p->capacity * 3 && string_pool_grow(p) < 0)
		return NULL;
	slot = string_slot(p->slots, p->capacity, s);
	if (!*slot) {
		*slot = strdup(s);
		if (!*slot)
			return NULL;
		p->count++;
	}
	return *slot;
}

void string_pool_free(struct string_pool *p)
{
	for (size_t i = 0; i < p->capacity; i++)
		free(p->slots[i]);
	free(p->slots);
	*p = (struct string_pool){ 0 };
}
