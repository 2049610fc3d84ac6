/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How full the kernel's bounded hash maps are, for gauges beside their
 * capacity.  The kernel tells a map's size only from 6.6 on
 * (bpf_map_sum_elem_count), so user space reads them all to count them.
 */
#ifndef TABLE_FILL_H
#define TABLE_FILL_H

#include <stdint.h>

struct bpf_map;
struct probe;

struct table_fill {
	uint32_t entries;
	uint32_t capacity;
};

/* Keys in a hash map now, at most its capacity. */
uint32_t table_fill_count_keys(const struct bpf_map *map);
/* The attribution queue table: one queue per pipe, FIFO, socket direction or pty with state. */
struct table_fill table_fill_queues(const struct probe *p);

#endif
