// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/series_table.h"

void series_table_free(struct series_table *t)
{
	free(t->entries);
	free(t->index);
	*t = (struct series_table){ 0 };
}

/*
 * The key a word at a time (it is zero-padded, so equal keys hash equal):
 * each word multiplied and rotated in, then MurmurHash3's finalizer, so
 * that a difference anywhere reaches the low bits the index uses.
 */
static uint64_t series_key_hash(const struct series_key *key)
{
	const unsigned char *p = (const unsigned char *)key;
	uint64_t h = sizeof(*key), word;
	size_t i;

	for (i = 0; i + sizeof(word) <= sizeof(*key); i += sizeof(word)) {
		memcpy(&word, p + i, sizeof(word));
		h ^= word * 0x87c37b91114253d5ULL;
		h = ((h << 27) | (h >> 37)) * 0x4cf5ad432745937fULL;
	}
	for (; i < sizeof(*key); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* The index slot of key: the one naming it, or the free one where it would go. */
static uint32_t *series_slot(const struct series_table *t, uint32_t *index, size_t capacity,
			     const struct series_key *key)
{
	size_t i = series_key_hash(key) & (capacity - 1);

	while (index[i] && memcmp(&t->entries[index[i] - 1].key, key, sizeof(*key)) != 0)
		i = (i + 1) & (capacity - 1);
	return &index[i];
}

static int series_index_grow(struct series_table *t)
{
	size_t capacity = t->capacity ? t->capacity * 2 : 1024;
	uint32_t *index = calloc(capacity, sizeof(*index));
	size_t i;

	if (!index)
		return -ENOMEM;
	for (i = 0; i < t->count; i++)
		*series_slot(t, index, capacity, &t->entries[i].key) = i + 1;
	free(t->index);
	t->index = index;
	t->capacity = capacity;
	return 0;
}

static int series_entries_grow(struct series_table *t)
{
	size_t allocated = t->allocated ? t->allocated * 2 : 256;
	struct series *entries;

	if (allocated > UINT32_MAX - 1)
		return -ENOMEM;
	entries = realloc(t->entries, allocated * sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	t->entries = entries;
	t->allocated = allocated;
	return 0;
}

struct series *series_table_entry(struct series_table *t, const struct series_key *key)
{
	uint32_t *slot;

	/* Keep the index under 3/4 full so probes stay short. */
	if ((t->count + 1) * 4 > t->capacity * 3 && series_index_grow(t) < 0)
		return NULL;
	slot = series_slot(t, t->index, t->capacity, key);
	if (!*slot) {
		if (t->count == t->allocated && series_entries_grow(t) < 0)
			return NULL;
		t->entries[t->count++] = (struct series){ .key = *key };
		*slot = t->count;
	}
	return &t->entries[*slot - 1];
}

int series_table_add(struct series_table *t, const struct series_key *key, uint64_t messages,
		     uint64_t bytes)
{
	struct series *s = series_table_entry(t, key);

	if (!s)
		return -ENOMEM;
	s->messages += messages;
	s->bytes += bytes;
	return 0;
}

const struct series *series_table_find(const struct series_table *t, const struct series_key *key)
{
	uint32_t *slot;

	if (!t->capacity)
		return NULL;
	slot = series_slot(t, t->index, t->capacity, key);
	return *slot ? &t->entries[*slot - 1] : NULL;
}

static int compare_optional(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int series_key_compare(const struct series_key *x, const struct series_key *y)
{
	int c;

	if (x->mechanism != y->mechanism)
		return x->mechanism < y->mechanism ? -1 : 1;
	if (x->signal != y->signal)
		return x->signal < y->signal ? -1 : 1;
	c = strcmp(x->src_comm, y->src_comm);
	if (!c)
		c = strcmp(x->dst_comm, y->dst_comm);
	if (!c && x->src_pid != y->src_pid)
		c = x->src_pid < y->src_pid ? -1 : 1;
	if (!c && x->dst_pid != y->dst_pid)
		c = x->dst_pid < y->dst_pid ? -1 : 1;
	if (!c)
		c = compare_optional(x->src_exe, y->src_exe);
	if (!c)
		c = compare_optional(x->dst_exe, y->dst_exe);
	if (!c)
		c = compare_optional(x->src_cgroup, y->src_cgroup);
	if (!c)
		c = compare_optional(x->dst_cgroup, y->dst_cgroup);
	return c;
}

static int series_compare(const void *a, const void *b)
{
	return series_key_compare(&((const struct series *)a)->key, &((const struct series *)b)->key);
}

void series_table_sort(struct series_table *t)
{
	size_t i;

	if (t->sorted_count == t->count)
		return;
	qsort(t->entries, t->count, sizeof(*t->entries), series_compare);
	memset(t->index, 0, t->capacity * sizeof(*t->index));
	for (i = 0; i < t->count; i++)
		*series_slot(t, t->index, t->capacity, &t->entries[i].key) = i + 1;
	t->sorted_count = t->count;
}
