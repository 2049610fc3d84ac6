/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calls in flight at start, on the mechanism hooks: the sys_exit program
 * stays attached as a bridge for the threads that were inside an IPC call
 * when the hooks were attached, until they have all returned or
 * START_BRIDGE_SECONDS have passed (bpf/start_bridge.bpf.h).
 */
#ifndef START_BRIDGE_H
#define START_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

struct ipc_exporter_bpf;

/* Longest the bridge stays: an idle shell may wait on its pty for days. */
#define START_BRIDGE_SECONDS 60
/* Threads it can wait for at once. */
#define START_BRIDGE_THREADS 65536

struct start_bridge {
	bool open;
	uint64_t close_at;	/* monotonic ns (util/monotonic.h) */
	unsigned int waiting;	/* threads still inside a call begun before the hooks (atomic) */
	unsigned int unseen;	/* ... when the bridge closed: those calls are not counted (atomic) */
};

/* Before the programs are attached: hooks mark, threads entering IPC calls join. */
void start_bridge_begin(struct start_bridge *b, struct ipc_exporter_bpf *skel);
/* Once the bridge's programs are attached and before the hooks are: the threads inside a call now. */
void start_bridge_fill(struct start_bridge *b, struct ipc_exporter_bpf *skel);
/* Once every hook is attached: no thread joins any more. */
void start_bridge_hooks_attached(struct ipc_exporter_bpf *skel);
/* From the main loop: forget threads that died, close the bridge when none waits or time is up. */
void start_bridge_tick(struct start_bridge *b, struct ipc_exporter_bpf *skel);

#endif
