// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipc_exporter.skel.h"
#include "syscall_numbers.h"
#include "kernel/start_bridge.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/pid_namespace.h"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * Whether thread `tid` of `pid` may be inside an IPC call: blocked in one
 * (/proc's syscall file names it), or running (it may be in one).
 */
static bool thread_in_ipc_call(unsigned int pid, unsigned int tid)
{
	char path[64], line[32];
	FILE *f;
	bool in = false;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/syscall", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f))
		in = strncmp(line, "running", 7) == 0 || syscall_moves_ipc(strtol(line, NULL, 10));
	fclose(f);
	return in;
}

void start_bridge_begin(struct start_bridge *b, struct ipc_exporter_bpf *skel)
{
	*b = (struct start_bridge){ .open = true };
	skel->bss->start_bridge_open = 1;
	skel->bss->start_bridge_entering = 1;
}

void start_bridge_fill(struct start_bridge *b, struct ipc_exporter_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.start_bridge_threads);
	DIR *procs = opendir("/proc"), *tasks;
	struct dirent *p, *t;
	char path[64];
	__u8 unseen = 0;
	unsigned int n = 0, full = 0;
	bool host;

	if (!procs)
		return;
	/* Another namespace's tids would name other threads to the kernel: none rather than wrong ones. */
	host = in_initial_pid_namespace();
	if (!host)
		log_warnx("in a pid namespace of its own the exporter cannot see the host's threads: calls "
			  "in flight at start are not bridged and may be missed (run it in the host's pid "
			  "namespace: hostPID: true)");
	while (host && (p = readdir(procs))) {
		unsigned int pid;

		if (!all_digits(p->d_name))
			continue;
		pid = (unsigned int)strtoul(p->d_name, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%u/task", pid);
		tasks = opendir(path);
		if (!tasks)
			continue;	/* gone */
		while ((t = readdir(tasks))) {
			__u32 tid;

			if (!all_digits(t->d_name))
				continue;
			tid = (__u32)strtoul(t->d_name, NULL, 10);
			if (!thread_in_ipc_call(pid, tid))
				continue;
			/* BPF_NOEXIST: one that joined by entering a call since is already there, maybe marked */
			if (bpf_map_update_elem(fd, &tid, &unseen, BPF_NOEXIST) == 0)
				n++;
			else if (errno == E2BIG || errno == ENOMEM)
				full++;
		}
		closedir(tasks);
	}
	closedir(procs);
	b->close_at = monotonic_ns() + START_BRIDGE_SECONDS * NS_PER_SECOND;
	__atomic_store_n(&b->waiting, n, __ATOMIC_RELAXED);
	__atomic_store_n(&b->unseen, full, __ATOMIC_RELAXED);
	log_debug("start bridge: %u threads may be inside an IPC call%s", n, full ? " (the set is full)" : "");
}

void start_bridge_hooks_attached(struct ipc_exporter_bpf *skel)
{
	skel->bss->start_bridge_entering = 0;
	bpf_link__destroy(skel->links.ipc_start_bridge_enter);
	skel->links.ipc_start_bridge_enter = NULL;
}

void start_bridge_tick(struct start_bridge *b, struct ipc_exporter_bpf *skel)
{
	int fd;
	__u32 key, next, *prev = NULL;
	unsigned int waiting = 0;
	char path[32];

	if (!b->open)
		return;
	fd = bpf_map__fd(skel->maps.start_bridge_threads);
	/* threads that died inside their call never exit it */
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		snprintf(path, sizeof(path), "/proc/%u", next);
		if (access(path, F_OK) != 0 && bpf_map_delete_elem(fd, &next) == 0)
			continue;	/* the key is gone: go on from the previous one */
		waiting++;
		key = next;
		prev = &key;
	}
	__atomic_store_n(&b->waiting, waiting, __ATOMIC_RELAXED);
	if (waiting && monotonic_ns() < b->close_at)
		return;
	/* Detached first: a call returning meanwhile is marked by its hook, so never counted twice. */
	bpf_link__destroy(skel->links.ipc_sys_exit);
	skel->links.ipc_sys_exit = NULL;
	skel->bss->start_bridge_open = 0;
	b->open = false;
	__atomic_store_n(&b->waiting, 0, __ATOMIC_RELAXED);
	__atomic_add_fetch(&b->unseen, waiting, __ATOMIC_RELAXED);
	if (waiting)
		log_info("calls in flight at start: %u threads still inside an IPC call begun before the hooks "
			 "after %d s; those calls will not be counted", waiting, START_BRIDGE_SECONDS);
	else
		log_debug("calls in flight at start: all returned, the sys_exit bridge is detached");
	while (bpf_map_get_next_key(fd, NULL, &next) == 0)
		bpf_map_delete_elem(fd, &next);
}
