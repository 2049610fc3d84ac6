/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The life of an attribution queue (pipe_queues): made at the first
 * transfer of its pipe, FIFO, socket or pty, gone with that object.
 *
 * - Made against a per-user share of the table: a user (uid, as the host
 *   numbers it) that already holds queue_quota queues gets no more, so
 *   nobody can fill the table for everyone else (pipe(); write; close, in
 *   a loop).  The kernel side counts what each user was given and what it
 *   dropped itself (queue_owned); user space counts what it removed
 *   (queue_released).  Each map has one writer, so neither needs a lock.
 * - Dropped where the kernel says the object ends or starts afresh: a
 *   TCP socket closed by its owner (its incoming direction: nobody will
 *   read it), a connection set up (both directions), a UNIX stream made,
 *   a pty pair opened.
 * - Everything else is found by the sweep (src/kernel/queue_sweep.c):
 *   user space bumps queue_sweep_gen, runs ipc_queue_sweep over every open
 *   file of every task, which stamps the queues of live objects (a
 *   socket's both ways: what it sent and its peer has not read yet is
 *   alive too), and removes the queues made before the sweep that no live
 *   object stamped.
 */
#ifndef QUEUE_LIFECYCLE_BPF_H
#define QUEUE_LIFECYCLE_BPF_H

#include "flow_counts.bpf.h"
#include "pipe_queue.h"

#define QUEUE_OWNERS_MAX 4096

/* The most queues one user may hold at once; 0: no limit (set before loading). */
const volatile __u32 queue_quota = 0;

/* Written by user space before each sweep; stamped into queues. */
volatile __u32 queue_sweep_gen = 1;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, QUEUE_OWNERS_MAX);
	__type(key, __u32);	/* uid */
	__type(value, __s64);	/* queues made minus those the kernel side dropped */
} queue_owned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, QUEUE_OWNERS_MAX);
	__type(key, __u32);	/* uid */
	__type(value, __s64);	/* queues user space removed; written by user space only */
} queue_released SEC(".maps");

/* The queues a user holds now, or NULL with *held unset when it has no entry yet. */
static __always_inline __s64 *queue_owner(__u32 uid, __s64 *held)
{
	__s64 *owned = bpf_map_lookup_elem(&queue_owned, &uid), *released;

	if (!owned) {
		__s64 zero = 0;

		bpf_map_update_elem(&queue_owned, &uid, &zero, BPF_NOEXIST);
		owned = bpf_map_lookup_elem(&queue_owned, &uid);
		if (!owned)
			return NULL;
	}
	released = bpf_map_lookup_elem(&queue_released, &uid);
	*held = *owned - (released ? *released : 0);
	return owned;
}

/*
 * Make the queue of `key` for the current user, unless it is over its
 * share: 0, or -EDQUOT.  `fresh`: room for a struct pipe_queue (off the
 * stack).  Not inlined: the transfer path pays for it once per object, and
 * its frame stays out of the chain that counts (5.10: 512 bytes for all).
 */
static __noinline int pipe_queue_create(const struct pipe_key *key, struct pipe_queue *fresh)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	__s64 held = 0, *owned = queue_owner(uid, &held);

	if (owned && queue_quota && held >= queue_quota) {
		health_add(IPC_HEALTH_QUEUE_QUOTA, 1);
		return -1;
	}
	__builtin_memset(fresh, 0, sizeof(*fresh));
	fresh->owner = *key;
	fresh->born_sweep = queue_sweep_gen;
	fresh->creator_uid = uid;
	if (bpf_map_update_elem(&pipe_queues, key, fresh, BPF_NOEXIST) == 0) {
		if (owned)
			__sync_fetch_and_add(owned, 1);
		health_add(IPC_HEALTH_QUEUES_CREATED, 1);
	}
	return 0;
}

/*
 * The object behind `key` ended or starts afresh: drop its queue, and
 * count what it still held (a queue that holds debts holds no data).
 */
static __always_inline void queue_drop(const struct pipe_key *key)
{
	struct pipe_queue *q = bpf_map_lookup_elem(&pipe_queues, key);
	__u32 uid;
	__u64 stale;
	__s64 *owned;

	if (!q)
		return;
	uid = q->creator_uid;
	stale = q->holds_debts ? 0 : pipe_queue_credit(q);
	if (bpf_map_delete_elem(&pipe_queues, key))
		return;
	health_add(IPC_HEALTH_QUEUES_DROPPED, 1);
	if (stale)
		health_add(IPC_HEALTH_PIPE_STALE_BYTES, stale);
	owned = bpf_map_lookup_elem(&queue_owned, &uid);
	if (owned)
		__sync_fetch_and_add(owned, -1);
}

/* The sweep found the object of `key` alive. */
static __always_inline void queue_seen(const struct pipe_key *key, __u32 gen)
{
	struct pipe_queue *q = bpf_map_lookup_elem(&pipe_queues, key);

	if (q)
		q->seen_sweep = gen;
}

#endif
