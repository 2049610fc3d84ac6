/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calls in flight at start, on the mechanism hooks.  An fexit program runs
 * for calls that entered its function after it was attached: a read
 * already blocked when the exporter starts (an idle reader of a pipe, a
 * shell waiting on its pty) would return unseen, and its pair lag one read
 * behind for as long as the object lives.
 *
 * So for a while after start the sys_exit program stays attached as a
 * bridge, for the threads that may be inside such a call: those user space
 * finds in an IPC syscall (or running) before it attaches the hooks
 * (src/kernel/start_bridge.c), and those that enter one while the hooks
 * are being attached (ipc_start_bridge_enter, until all are in place).
 * A thread's first syscall exit takes it out of the set, and the bridge
 * counts that call unless a mechanism hook saw it (the hook marks the
 * thread): each call is counted once, by one side.  User space closes the
 * bridge when the set is empty, or after a bound, counting the threads
 * still waiting.
 */
#ifndef START_BRIDGE_BPF_H
#define START_BRIDGE_BPF_H

#include "flow_counts.bpf.h"
#include "syscall_numbers.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);		/* sized by user space when the bridge is used */
	__type(key, __u32);		/* thread id */
	__type(value, __u8);		/* 1: a mechanism hook saw its current call */
} start_bridge_threads SEC(".maps");

/* Set by user space: hooks mark threads while the bridge is open... */
volatile __u32 start_bridge_open;
/* ... and threads entering an IPC syscall join it until every hook is attached. */
volatile __u32 start_bridge_entering;
/* The sys_exit program is the bridge (the mechanism hooks are loaded). */
const volatile bool sys_exit_is_bridge;

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* A mechanism hook ran in this thread's current call: the bridge leaves it. */
static __always_inline void start_bridge_mark(void)
{
	__u32 tid;
	__u8 *seen;

	if (!start_bridge_open)
		return;
	tid = current_tid();
	seen = bpf_map_lookup_elem(&start_bridge_threads, &tid);
	if (seen)
		*seen = 1;
}

/* At a syscall exit, on the bridge: whether the sys_exit program is to count this call. */
static __always_inline bool start_bridge_take(void)
{
	__u32 tid = current_tid();
	__u8 *seen = bpf_map_lookup_elem(&start_bridge_threads, &tid);
	bool count;

	if (!seen)
		return false;
	count = !*seen;
	bpf_map_delete_elem(&start_bridge_threads, &tid);
	return count;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ipc_start_bridge_enter, struct pt_regs *regs, long id)
{
	__u8 unseen = 0;
	__u32 tid;

	if (!start_bridge_entering || !syscall_moves_ipc(id))
		return 0;
	tid = current_tid();
	if (bpf_map_update_elem(&start_bridge_threads, &tid, &unseen, BPF_ANY))
		health_add(IPC_HEALTH_START_BRIDGE_FULL, 1);
	return 0;
}

#endif
