/* SPDX-License-Identifier: GPL-2.0 */
/* Loading, attaching and detaching the kernel programs. */
#ifndef BPF_LOADER_H
#define BPF_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/local_addresses.h"
#include "kernel/start_bridge.h"

struct ipc_exporter_bpf;

/* Which lock pipe queues use (see bpf/pipe_attribution.bpf.h). */
enum pipe_lock_choice {
	PIPE_LOCK_CHOICE_AUTO = 0,	/* bpf_spin_lock if the kernel allows it, else map locks */
	PIPE_LOCK_CHOICE_SPIN,
	PIPE_LOCK_CHOICE_MAP,
};

/* Which hooks may be used (see bpf/ipc_exporter.bpf.c). */
enum hook_choice {
	HOOK_CHOICE_AUTO = 0,	/* the mechanism hooks where they load (6.1+), else the syscall-exit path */
	HOOK_CHOICE_SYS_EXIT,	/* the syscall-exit path and tracepoints only */
	HOOK_CHOICE_MECHANISMS,	/* the same as auto: kept for command lines that name it */
};

struct probe_options {
	unsigned int flow_table_size;	/* entries per flow table; 0: default */
	unsigned int pipe_table_size;	/* pipes tracked at once; 0: default */
	unsigned int queue_quota;	/* queues one user may hold; 0: half the table */
	enum pipe_lock_choice pipe_lock;
	enum hook_choice hooks;
	unsigned int identities;	/* IPC_IDENTITY_*: what endpoints carry besides pid and name */
	bool verbose;			/* libbpf's own messages */
};

/* A kernel hook in use, and the mechanisms it serves. */
struct probe_hook {
	const char *hook;	/* "tp_btf/sys_exit" */
	const char *program;	/* "ipc_sys_exit_maplock" */
	const char *mechanisms;	/* "pipe,fifo" */
};

#define PROBE_HOOKS_MAX 40

struct probe {
	struct ipc_exporter_bpf *skel;
	struct probe_hook hooks[PROBE_HOOKS_MAX];
	char hook_names[PROBE_HOOKS_MAX][48];	/* "fexit/FUNCTION" */
	unsigned int nhooks;
	bool pipe_map_lock;	/* the map-lock variant is loaded */
	struct start_bridge start_bridge;	/* calls in flight at start (mechanism hooks) */
	struct local_addresses addresses;	/* this host's, as the kernel knows them */
	uint32_t self_tgid;	/* the exporter as the kernel numbers it (not getpid() in a container) */
};

/* Returns 0, or a negative errno after logging one clear line. */
int probe_open(struct probe *p, const struct probe_options *opts);
void probe_close(struct probe *p);
/* From the main loop, about once a second: the start bridge's upkeep. */
void probe_tick(struct probe *p);
/* Runs an iterator program (a link of the skeleton) over all it visits: 0, or -1 with errno set. */
struct bpf_link;
int probe_iterate(struct bpf_link *link);
/* Apply pipe operations deferred on any CPU (map-lock variant only). */
void probe_flush_deferred(const struct probe *p);
/* A health counter (enum ipc_health_counter), summed over CPUs, into *value; 0 or -1. */
int probe_health(const struct probe *p, unsigned int counter, uint64_t *value);
/* The maps of exec and cgroup paths the kernel notes, for identity names. */
int probe_exe_paths_fd(const struct probe *p);
/*
 * Whether the exporter can still read its maps with the capabilities it
 * has now: -EPERM where the kernel refuses every bpf() command to a process
 * without CAP_BPF (before 5.19, with kernel.unprivileged_bpf_disabled set),
 * else 0.
 */
int probe_map_read_check(const struct probe *p);
int probe_cgroup_paths_fd(const struct probe *p);
/* Whether the loaded programs count this mechanism (enum ipc_mechanism). */
bool probe_counts_mechanism(const struct probe *p, unsigned int mechanism);

#endif
