// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipc_exporter.skel.h"
#include "kernel/bpf_loader.h"
#include "kernel/queue_sweep.h"
#include "kernel/table_fill.h"
#include "pipe_queue.h"
#include "util/log.h"
#include "util/monotonic.h"

/* Queue kinds (pipe_key.ino) the sweep treats apart (bpf/socket_flow.bpf.h). */
#define UDP_QUEUE_TAG 0x55445000	/* an unconnected socket cannot tell which are its own; low 32 bits */
#define UNIX_DGRAM_QUEUE_TAG 0x44475241	/* a sender's datagrams outlive its socket */

/* Runs ipc_queue_sweep over every open file: live objects stamp their queues with gen. */
static int stamp_live_queues(const struct probe *p, __u32 gen)
{
	p->skel->data->queue_sweep_gen = gen;
	return probe_iterate(p->skel->links.ipc_queue_sweep);
}

struct victim {
	struct pipe_key key;
	__u32 uid;
	__u32 stale;
	bool dead;
};

static int by_uid(const void *a, const void *b)
{
	__u32 x = ((const struct victim *)a)->uid, y = ((const struct victim *)b)->uid;

	return x < y ? -1 : x > y;
}

/* Give each user back the queues removed from its share (user space is queue_released's only writer). */
static void release_to_owners(const struct probe *p, struct victim *v, __u32 n)
{
	int fd = bpf_map__fd(p->skel->maps.queue_released);

	qsort(v, n, sizeof(*v), by_uid);
	for (__u32 i = 0; i < n;) {
		__u32 uid = v[i].uid, j = i;
		__s64 released = 0;

		while (j < n && v[j].uid == uid)
			j++;
		bpf_map_lookup_elem(fd, &uid, &released);
		released += j - i;
		bpf_map_update_elem(fd, &uid, &released, BPF_ANY);
		i = j;
	}
}

void queue_sweep(const struct probe *p, struct queue_sweep_counts *counts)
{
	struct bpf_map *map = p->skel->maps.pipe_queues;
	int fd = bpf_map__fd(map);
	__u32 capacity = bpf_map__max_entries(map), gen = p->skel->data->queue_sweep_gen + 1;
	struct pipe_key key, next;
	struct victim *victims;
	struct pipe_queue q;
	__u32 entries, nvictims = 0, removed = 0;
	bool swept;
	void *cursor = NULL;
	__u64 now;

	victims = calloc(capacity, sizeof(*victims));
	if (!victims)
		return;
	swept = stamp_live_queues(p, gen) == 0;
	if (!swept)
		log_warnx("the queue sweep could not run: only idle queues are collected");
	/* whether data-holding idle queues may go (the table over half full) */
	entries = table_fill_count_keys(map);
	now = monotonic_ns();
	while (bpf_map_get_next_key(fd, cursor, &next) == 0 && nvictims < capacity) {
		__u64 idle;
		bool dead, empty, go;

		key = next;
		cursor = &key;
		if (bpf_map_lookup_elem_flags(fd, &key, &q, BPF_F_LOCK) != 0)
			continue;
		/*
		 * The kernel's stamps may be a tick behind the time of use
		 * (idleness overstated by milliseconds), and a queue used
		 * since `now` was read is stamped after it: not idle.
		 */
		idle = q.last_active_ns < now ? now - q.last_active_ns : 0;
		empty = q.count == 0 && q.pooled == 0;
		/* made before this sweep began and found by no open file */
		dead = swept && q.born_sweep != gen && q.seen_sweep != gen && (key.ino & 0xffffffff) != UDP_QUEUE_TAG &&
		       (key.ino != UNIX_DGRAM_QUEUE_TAG || idle >= QUEUE_DEAD_GRACE_SECONDS * NS_PER_SECOND);
		go = dead || (empty && idle > PIPE_QUEUE_IDLE_EMPTY_SECONDS * NS_PER_SECOND) ||
		     (!empty && entries * 2 > capacity && idle > PIPE_QUEUE_IDLE_DATA_SECONDS * NS_PER_SECOND);
		if (!go)
			continue;
		victims[nvictims++] = (struct victim){ key, q.creator_uid, q.holds_debts ? 0 : pipe_queue_credit(&q),
						       dead };
	}
	for (__u32 i = 0; i < nvictims; i++) {
		/* a queue the kernel side dropped meanwhile was given back by it */
		if (bpf_map_delete_elem(fd, &victims[i].key) == 0) {
			counts->stale_bytes += victims[i].stale;
			if (victims[i].dead)
				counts->dead++;
			else
				counts->idle++;
			victims[removed++] = victims[i];
		}
	}
	release_to_owners(p, victims, removed);
	counts->removed += removed;
	free(victims);
	counts->sweeps++;
	if (removed)
		log_debug("sweep %u: removed %u of %u queues", gen, removed, entries);
}

bool queue_sweep_due(const struct probe *p, struct queue_sweep_counts *counts)
{
	uint64_t quota = 0, full = 0, made = 0, dropped = 0, refused;
	bool due;

	probe_health(p, IPC_HEALTH_QUEUE_QUOTA, &quota);
	probe_health(p, IPC_HEALTH_PIPE_TABLE_FULL, &full);
	probe_health(p, IPC_HEALTH_QUEUES_CREATED, &made);
	probe_health(p, IPC_HEALTH_QUEUES_DROPPED, &dropped);
	refused = quota + full;
	/*
	 * made - dropped - removed: the queues in the table now.  A quarter
	 * full is early enough that a user churning thousands of pipes a
	 * second is swept every second, well before its share is used up.
	 */
	due = refused != counts->refused_seen ||
	      (made - dropped - counts->removed) * 4 > bpf_map__max_entries(p->skel->maps.pipe_queues);
	counts->refused_seen = refused;
	return due;
}
