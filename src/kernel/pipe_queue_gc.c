// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipc_exporter.skel.h"
#include "kernel/bpf_loader.h"
#include "kernel/pipe_queue_gc.h"
#include "kernel/table_fill.h"
#include "pipe_queue.h"
#include "util/log.h"

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

void pipe_queue_gc(const struct probe *p, struct pipe_queue_gc_counts *counts)
{
	struct bpf_map *map = p->skel->maps.pipe_queues;
	int fd = bpf_map__fd(map);
	__u32 capacity = bpf_map__max_entries(map);
	struct pipe_key key, next, *victims;
	struct pipe_queue q;
	__u64 now = monotonic_ns(), stale = 0;
	__u32 entries, nvictims = 0;
	void *cursor = NULL;

	victims = calloc(capacity, sizeof(*victims));
	if (!victims)
		return;
	/* First pass: count, to know whether data-holding queues may go. */
	entries = table_fill_count_keys(map);
	while (bpf_map_get_next_key(fd, cursor, &next) == 0 && nvictims < capacity) {
		__u64 idle;

		key = next;
		cursor = &key;
		if (bpf_map_lookup_elem_flags(fd, &key, &q, BPF_F_LOCK) != 0)
			continue;
		/*
		 * The kernel's stamps may be a tick behind the time of use
		 * (pipe_coarse_now: idleness overstated by milliseconds), and
		 * a queue used since `now` was read is stamped after it: not idle.
		 */
		idle = q.last_active_ns < now ? now - q.last_active_ns : 0;
		if (q.count == 0 && q.pooled == 0 && idle > PIPE_QUEUE_IDLE_EMPTY_SECONDS * 1000000000ULL) {
			victims[nvictims++] = key;
		} else if ((q.count || q.pooled) && entries * 2 > capacity &&
			   idle > PIPE_QUEUE_IDLE_DATA_SECONDS * 1000000000ULL) {
			victims[nvictims++] = key;
			stale += pipe_queue_credit(&q);
		}
	}
	for (__u32 i = 0; i < nvictims; i++)
		bpf_map_delete_elem(fd, &victims[i]);
	free(victims);

	counts->collected += nvictims;
	counts->stale_bytes += stale;
	if (nvictims)
		log_debug("collected %u idle pipe queues of %u", nvictims, entries);
}
