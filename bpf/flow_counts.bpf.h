/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel flow counters.  Programs add to the hash map that slot 0 of
 * flow_counts_active points to; user space swaps in the other map at scrape
 * time, or in the background when the active one fills (the swap waits for
 * running programs), then drains the old one.  So kernel maps only hold
 * what happened since the last drain.  Every new entry is counted
 * (IPC_HEALTH_FLOW_INSERTS): user space tells the active table's fill from
 * it, as no helper gives a hash map's size before 6.6.
 */
#ifndef FLOW_COUNTS_BPF_H
#define FLOW_COUNTS_BPF_H

#include "kernel_access.bpf.h"

#define FLOW_TABLE_DEFAULT_ENTRIES 16384

struct flow_counts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FLOW_TABLE_DEFAULT_ENTRIES);
	__type(key, struct ipc_flow_key);
	__type(value, struct ipc_flow_counts);
};

struct flow_counts_map flow_counts_a SEC(".maps");
struct flow_counts_map flow_counts_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct flow_counts_map);
} flow_counts_active SEC(".maps") = {
	.values = { [0] = &flow_counts_a },
};

/* Cumulative; where flows go when the active table is full. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IPC_OVERFLOW_SLOTS);
	__type(key, __u32);
	__type(value, struct ipc_flow_counts);
} flow_overflow SEC(".maps");

/* Cumulative; see enum ipc_health_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IPC_HEALTH_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} health_counters SEC(".maps");

static __always_inline void health_add(__u32 counter, __u64 n)
{
	__u64 *value = bpf_map_lookup_elem(&health_counters, &counter);

	if (value)
		__sync_fetch_and_add(value, n);
}

/*
 * Room for the key being counted: off the stack (see flow_count).  Two
 * slots per CPU: the signal program can interrupt the syscall program
 * (a timer's signal from an interrupt) and must not write over its key.
 */
#define FLOW_SCRATCH_SYSCALL 0
#define FLOW_SCRATCH_SIGNAL 1
struct flow_scratch {
	struct ipc_flow_key key;
	struct ipc_flow_counts zero;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct flow_scratch);
} flow_scratch SEC(".maps");

/*
 * Not inlined, and the key is built in per-CPU scratch: the callers'
 * frames and this one add up along a call chain, and 5.10 holds the sum
 * to 512 bytes.  `kind` is mechanism | signal << 8 (a BPF call takes five
 * arguments).
 */
static __noinline void flow_count(__u32 kind, const struct ipc_endpoint *src, const struct ipc_endpoint *dst,
				  __u64 messages, __u64 bytes)
{
	struct ipc_flow_counts *counts = NULL;
	struct flow_scratch *scratch;
	struct ipc_flow_key *key;
	/* only the signal program counts signals */
	__u32 zero = 0, slot, room = (kind & 0xff) == IPC_SIGNAL ? FLOW_SCRATCH_SIGNAL : FLOW_SCRATCH_SYSCALL;
	void *table;

	scratch = bpf_map_lookup_elem(&flow_scratch, &room);
	if (!scratch)
		return;
	key = &scratch->key;
	__builtin_memset(scratch, 0, sizeof(*scratch));
	key->src = *src;
	key->dst = *dst;
	key->mechanism = kind & 0xff;
	key->signal = kind >> 8;
	table = bpf_map_lookup_elem(&flow_counts_active, &zero);
	if (table) {
		counts = bpf_map_lookup_elem(table, key);
		if (!counts) {
			/* new pairs are rare next to updates: the one cost of telling user space the fill */
			if (bpf_map_update_elem(table, key, &scratch->zero, BPF_NOEXIST) == 0)
				health_add(IPC_HEALTH_FLOW_INSERTS, 1);
			counts = bpf_map_lookup_elem(table, key);
		}
	}
	if (!counts) {
		health_add(IPC_HEALTH_FLOW_TABLE_FULL, 1);
		slot = ipc_overflow_slot(kind & 0xff, kind >> 8);
		counts = bpf_map_lookup_elem(&flow_overflow, &slot);
		if (!counts)
			return;
	}
	__sync_fetch_and_add(&counts->messages, messages);
	__sync_fetch_and_add(&counts->bytes, bytes);
}

static __always_inline void flow_count_endpoints(__u8 mechanism, __u16 signal,
						 const struct ipc_endpoint *src,
						 const struct ipc_endpoint *dst,
						 __u64 messages, __u64 bytes)
{
	flow_count(mechanism | (__u32)signal << 8, src, dst, messages, bytes);
}

#endif
