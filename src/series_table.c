// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "series_table.h"

void series_table_free(struct series_table *t)
{
	free(t->slots);
	*t = (struct series_table){ 0 };
}

/* FNV-1a over the whole key; keys are zero-padded so equal keys hash equal. */
static uint64_t series_key_hash(const struct series_key *key)
{
	const unsigned char *p = (const unsigned char *)key;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < sizeof(*key); i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct series *series_slot(struct series *slots, size_t capacity, const struct series_key *key)
{
	size_t i = series_key_hash(key) & (capacity - 1);

	while (slots[i].used && memcmp(&slots[i].key, key, sizeof(*key)) != 0)
		i = (i + 1) & (capacity - 1);
	return &slots[i];
}

static int series_table_grow(struct series_table *t)
{
	size_t capacity = t->capacity ? t->capacity * 2 : 1024;
	struct series *slots = calloc(capacity, sizeof(*slots));
	size_t i;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < t->capacity; i++)
		if (t->slots[i].used)
			*series_slot(slots, capacity, &t->slots[i].key) = t->slots[i];
	free(t->slots);
	t->slots = slots;
	t->capacity = capacity;
	return 0;
}

int series_table_add(struct series_table *t, const struct series_key *key, uint64_t messages,
		     uint64_t bytes)
{
	struct series *s;

	/* Keep the load under 3/4 so probes stay short. */
	if ((t->count + 1) * 4 > t->capacity * 3 && series_table_grow(t) < 0)
		return -ENOMEM;
	s = series_slot(t->slots, t->capacity, key);
	if (!s->used) {
		s->used = 1;
		s->key = *key;
		t->count++;
	}
	s->messages += messages;
	s->bytes += bytes;
	return 0;
}

const struct series *series_table_find(const struct series_table *t, const struct series_key *key)
{
	const struct series *s;

	if (!t->capacity)
		return NULL;
	s = series_slot(t->slots, t->capacity, key);
	return s->used ? s : NULL;
}

static int compare_optional(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int series_compare(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;
	int c;

	if (x->key.mechanism != y->key.mechanism)
		return x->key.mechanism < y->key.mechanism ? -1 : 1;
	if (x->key.signal != y->key.signal)
		return x->key.signal < y->key.signal ? -1 : 1;
	c = strcmp(x->key.src_comm, y->key.src_comm);
	if (!c)
		c = strcmp(x->key.dst_comm, y->key.dst_comm);
	if (!c && x->key.src_pid != y->key.src_pid)
		c = x->key.src_pid < y->key.src_pid ? -1 : 1;
	if (!c && x->key.dst_pid != y->key.dst_pid)
		c = x->key.dst_pid < y->key.dst_pid ? -1 : 1;
	if (!c)
		c = compare_optional(x->key.src_exe, y->key.src_exe);
	if (!c)
		c = compare_optional(x->key.dst_exe, y->key.dst_exe);
	if (!c)
		c = compare_optional(x->key.src_cgroup, y->key.src_cgroup);
	if (!c)
		c = compare_optional(x->key.dst_cgroup, y->key.dst_cgroup);
	return c;
}

const struct series **series_table_sorted(const struct series_table *t)
{
	const struct series **sorted = malloc((t->count ? t->count : 1) * sizeof(*sorted));
	size_t i, n = 0;

	if (!sorted)
		return NULL;
	for (i = 0; i < t->capacity; i++)
		if (t->slots[i].used)
			sorted[n++] = &t->slots[i];
	qsort(sorted, n, sizeof(*sorted), series_compare);
	return sorted;
}
