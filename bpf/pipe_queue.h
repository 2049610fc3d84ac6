/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact writer -> reader attribution for pipes and FIFOs: the queue.
 *
 * A pipe is a byte FIFO, so the n-th byte read is the n-th byte written.
 * Each pipe keeps a queue of shares: (process, bytes) that one side has
 * moved and the other side has not matched yet.  A write whose syscall
 * exits first leaves a credit; a read that exits first (a reader can leave
 * read() before the writer leaves write()) leaves a debt.  The other side
 * then matches the queue from its head, byte for byte.  A queue holds
 * either credits or debts, never both.
 *
 * The ordered part has PIPE_QUEUE_SLOTS shares.  When it is full, a share
 * from the same process as the last one merges into it; any other goes to
 * a small pool behind the ordered part, one entry per process, where order
 * is lost: the pool is consumed in proportion to each entry's bytes.  With
 * one reader (or one writer) every pooled byte still reaches the right pair,
 * so totals per pair stay exact; only with several on both sides at once
 * is a pooled split an estimate (measured in tests/integration).
 *
 * Messages: a write counts once, for the reader that consumes its first
 * byte.  A merged or pooled share hands its messages out in proportion to
 * the bytes taken, rounded up, which is the first-byte rule again when its
 * writes had equal sizes, and all of them once it is drained.
 */
#ifndef PIPE_QUEUE_H
#define PIPE_QUEUE_H

/*
 * Pure logic, no helpers: compiled into the BPF program and into the unit
 * test (tests/unit/test_pipe_queue.c).  Callers hold the queue's lock.
 */
#include "ipc_types.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define PIPE_MATCHES_MAX (PIPE_QUEUE_SLOTS + PIPE_POOL_SLOTS)
/* Room for the matches, a power of two: indexes are masked, which every
 * kernel's verifier (5.10's too) can bound. */
#define PIPE_MATCH_SLOTS 16
#define PIPE_MATCH_MASK (PIPE_MATCH_SLOTS - 1)

/*
 * Small fixed loops are unrolled: 5.10's and 6.1's verifiers refuse some
 * loop layouts clang emits ("back-edge"), and unrolled code has none.
 */
#ifdef __bpf__
#define UNROLL _Pragma("unroll")
#else
#define UNROLL
#endif

/*
 * i & mask, with the AND kept even where the compiler can prove it a no-op:
 * older verifiers lose a bound checked on another copy of the register.
 */
#ifdef __bpf__
#define compiler_barrier_var(v) asm volatile("" : "+r"(v))
#else
#define compiler_barrier_var(v) ((void)0)
#endif

#ifdef __bpf__
#define masked_index(i, mask) ({ __u32 masked_ = (i); asm volatile("" : "+r"(masked_)); masked_ & (mask); })
#else
#define masked_index(i, mask) ((i) & (mask))
#endif

/* What one operation settled; `who` is the counterpart of the current task. */
struct pipe_settlements {
	struct pipe_share matched[PIPE_MATCH_SLOTS];
	struct pipe_share unmatched;	/* no room: settled against [unknown]; bytes == 0: none */
	__u32 count;
	__u32 unsourced;	/* bytes read that no write produced (a pty's line discipline) */
};

static __always_inline int same_endpoint(const struct ipc_endpoint *a, const struct ipc_endpoint *b)
{
	const __u32 *x = (const __u32 *)a->comm, *y = (const __u32 *)b->comm;

	return a->tgid == b->tgid && x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] &&
	       a->cgroup == b->cgroup && a->exe == b->exe;
}

static __always_inline void settle(struct pipe_settlements *out, const struct pipe_share *from, __u32 bytes,
				   __u32 messages)
{
	__u32 index = out->count;
	struct pipe_share *m;

	if (index >= PIPE_MATCHES_MAX)
		return;
	m = &out->matched[masked_index(index, PIPE_MATCH_MASK)];
	m->who = from->who;
	m->bytes = bytes;
	m->messages = messages;
	out->count++;
}

/* Messages that go with `take` of a share's `bytes`: ceil, all when drained. */
static __always_inline __u32 messages_for(const struct pipe_share *share, __u32 take)
{
	__u32 n;

	if (!share->bytes)
		return 0;
	n = ((__u64)share->messages * take + share->bytes - 1) / share->bytes;
	return n > share->messages ? share->messages : n;
}

/* Bytes queued, credits or debts. */
static __always_inline __u32 pipe_queue_held(const struct pipe_queue *q)
{
	__u32 total = 0;
	int i;

	/* summed as it goes (compiler_barrier_var): loaded all at once they would spill */
	UNROLL
	for (i = 0; i < PIPE_QUEUE_SLOTS; i++) {
		total += i < q->count ? q->shares[(q->first + i) & PIPE_QUEUE_MASK].bytes : 0;
		compiler_barrier_var(total);
	}
	UNROLL
	for (i = 0; i < PIPE_POOL_SLOTS; i++) {
		total += q->pool[i].bytes;
		compiler_barrier_var(total);
	}
	return total;
}

/* Bytes written and not read yet: the credits queued (0 when it holds debts). */
static __always_inline __u32 pipe_queue_credit(const struct pipe_queue *q)
{
	if (q->holds_debts)
		return 0;
	return pipe_queue_held(q);
}

/*
 * A pty master's queue: the slave echoed `bytes` of a master write.  They
 * pay the debts of master reads that returned before the write did (the
 * return value: match them as a write), the rest waits for the next reads.
 */
static __always_inline __u32 pipe_queue_echo_arrived(struct pipe_queue *q, __u32 bytes)
{
	__u32 debts = q->holds_debts ? pipe_queue_held(q) : 0, pay;

	q->echo_pending += bytes;
	pay = debts < q->echo_pending ? debts : q->echo_pending;
	q->echo_pending -= pay;
	return pay;
}

/*
 * A read of `bytes` of which the line discipline made `made`: pending echo
 * is taken too.  Returns all the bytes no process wrote.
 */
static __always_inline __u32 pipe_queue_echo_read(struct pipe_queue *q, __u32 bytes, __u32 made)
{
	__u32 echo;

	if (made >= bytes)
		return bytes;
	echo = bytes - made < q->echo_pending ? bytes - made : q->echo_pending;
	q->echo_pending -= echo;
	return made + echo;
}

/* Add a share behind everything queued.  Caller holds the lock. */
static __always_inline void pipe_queue_push(struct pipe_queue *q, const struct ipc_endpoint *who, __u32 bytes,
					    __u32 messages, int debt, struct pipe_settlements *out)
{
	struct pipe_share *share;
	int i, free_slot = -1;

	if (q->count == 0 && q->pooled == 0)
		q->holds_debts = debt;
	if (q->pooled == 0 && q->count < PIPE_QUEUE_SLOTS) {
		share = &q->shares[(q->first + q->count) & PIPE_QUEUE_MASK];
		share->who = *who;
		share->bytes = bytes;
		share->messages = messages;
		q->count++;
		return;
	}
	if (q->pooled == 0) {
		share = &q->shares[(q->first + PIPE_QUEUE_SLOTS - 1) & PIPE_QUEUE_MASK];
		if (same_endpoint(&share->who, who)) {
			share->bytes += bytes;
			share->messages += messages;
			return;
		}
	}
	UNROLL
	for (i = 0; i < PIPE_POOL_SLOTS; i++) {
		share = &q->pool[i];
		if (share->bytes && same_endpoint(&share->who, who)) {
			share->bytes += bytes;
			share->messages += messages;
			return;
		}
		if (!share->bytes && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		share = &q->pool[masked_index(free_slot, PIPE_POOL_SLOTS - 1)];
		share->who = *who;
		share->bytes = bytes;
		share->messages = messages;
		q->pooled++;
		return;
	}
	/* More distinct processes than the pool holds: count, never drop. */
	out->unmatched.who = *who;
	out->unmatched.bytes = bytes;
	out->unmatched.messages = messages;
}

/* Take up to `bytes` from the pool, in proportion to each entry.  Returns what was taken. */
static __always_inline __u32 pipe_pool_take(struct pipe_queue *q, __u32 bytes, int is_read,
					    struct pipe_settlements *out)
{
	__u32 total = 0, taken = 0, want, take, messages, share_of[PIPE_POOL_SLOTS] = {};
	int i;

	UNROLL
	for (i = 0; i < PIPE_POOL_SLOTS; i++)
		total += q->pool[i].bytes;
	if (!total)
		return 0;
	want = bytes < total ? bytes : total;
	UNROLL
	for (i = 0; i < PIPE_POOL_SLOTS; i++) {
		share_of[i] = ((__u64)want * q->pool[i].bytes) / total;
		taken += share_of[i];
	}
	/* Hand the rounding remainder out one byte at a time. */
	UNROLL
	for (i = 0; i < PIPE_POOL_SLOTS; i++) {
		if (taken < want && share_of[i] < q->pool[i].bytes) {
			share_of[i]++;
			taken++;
		}
	}
	UNROLL
	for (i = 0; i < PIPE_POOL_SLOTS; i++) {
		struct pipe_share *share = &q->pool[i];

		take = share_of[i];
		if (!take)
			continue;
		messages = is_read ? messages_for(share, take) : 0;
		settle(out, share, take, messages);
		share->bytes -= take;
		share->messages -= messages;
		if (!share->bytes) {
			share->messages = 0;
			q->pooled--;
		}
	}
	return taken;
}

/*
 * Match `bytes` moved by the current task against the opposite shares at
 * the head of the queue; queue the rest as a share of its own.  A write
 * (`write_messages` send-side calls: 1, or more for sendmmsg) matched
 * against debts gives its messages to the first reader.
 * Caller holds the lock.
 */
static __always_inline void pipe_queue_match(struct pipe_queue *q, const struct ipc_endpoint *actor, __u32 bytes,
					     __u32 write_messages, int is_read, struct pipe_settlements *out)
{
	__u32 write_message = is_read ? 0 : write_messages, take, messages;
	int i;

	if ((q->count || q->pooled) && q->holds_debts != is_read) {
		UNROLL
		for (i = 0; i < PIPE_QUEUE_SLOTS; i++) {
			struct pipe_share *share = &q->shares[q->first & PIPE_QUEUE_MASK];

			if (!bytes || !q->count)
				break;
			take = share->bytes < bytes ? share->bytes : bytes;
			messages = is_read ? messages_for(share, take) : write_message;
			write_message = 0;
			settle(out, share, take, messages);
			share->bytes -= take;
			share->messages -= is_read ? messages : 0;
			bytes -= take;
			if (!share->bytes) {
				q->first = (q->first + 1) & PIPE_QUEUE_MASK;
				q->count--;
			}
		}
		if (bytes && !q->count && q->pooled) {
			__u32 first_pooled = out->count;

			take = pipe_pool_take(q, bytes, is_read, out);
			if (take && write_message) {
				/* the write's message goes with its first byte, the first pooled share */
				__u32 index = first_pooled;

				if (index < PIPE_MATCHES_MAX)
					out->matched[masked_index(index, PIPE_MATCH_MASK)].messages += write_message;
				write_message = 0;
			}
			bytes -= take;
		}
	}
	if (bytes)
		pipe_queue_push(q, actor, bytes, write_message, is_read, out);
}

#endif
