/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running totals per exported label set.  Kernel flow entries are drained
 * into it at every scrape and then removed from the kernel, so the totals
 * keep going up after the processes behind them are gone.
 */
#ifndef SERIES_TABLE_H
#define SERIES_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIES_COMM_LEN 16

/*
 * Zero the whole key before filling it: keys are hashed and compared as
 * bytes.  The optional labels are 0/NULL when they are not exported; their
 * strings are interned (src/string_pool.h), so pointers compare them.
 */
struct series_key {
	uint8_t mechanism;
	uint8_t signal;		/* signal number for the signal mechanism, else 0 */
	char src_comm[SERIES_COMM_LEN];	/* NUL-terminated */
	char dst_comm[SERIES_COMM_LEN];
	uint32_t src_pid, dst_pid;
	const char *src_exe, *dst_exe;
	const char *src_cgroup, *dst_cgroup;
};

struct series {
	struct series_key key;
	uint64_t messages;
	uint64_t bytes;
	/* what was counted while the policy in force did not allow the flow (metrics/flow_collector.c) */
	uint64_t unexpected_messages;
	uint64_t unexpected_bytes;
	uint32_t policy_gen;	/* the policy `unexpected` was judged by; 0: none yet */
	bool unexpected;
};

/*
 * The series themselves sit densely in `entries` (a series costs its own
 * size, however sparse the hash); `index` is the open-addressing hash over
 * them: entry number + 1, 0 for a free slot.  100,000 series take about
 * 10 MB and 1 MB.
 */
struct series_table {
	struct series *entries;
	size_t count, allocated;
	size_t sorted_count;	/* entries[0..sorted_count) are in key order */
	uint32_t *index;
	size_t capacity;	/* of index, a power of two */
};

void series_table_free(struct series_table *t);
/* Adds to the totals of key, creating the entry; -ENOMEM on failure. */
int series_table_add(struct series_table *t, const struct series_key *key, uint64_t messages,
		     uint64_t bytes);
/* The entry of key, made (all zero) if need be; NULL when out of memory.  Valid until the next add or sort. */
struct series *series_table_entry(struct series_table *t, const struct series_key *key);
const struct series *series_table_find(const struct series_table *t, const struct series_key *key);
/*
 * Puts the entries in key order in place (the page lists them so): a no-op
 * unless series were added since the last call, else a sort of them all
 * and a new index.  Pointers from series_table_find() do not survive it.
 */
void series_table_sort(struct series_table *t);

#endif
