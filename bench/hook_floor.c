// SPDX-License-Identifier: GPL-2.0
/*
 * hook_floor: attach empty BPF programs and wait for SIGINT or SIGTERM.
 *   hook_floor [raw|syscalls|keeper]
 * raw (default): the exporter's hooks (raw_syscalls sys_exit, the datagram
 * copy and signal_generate tracepoints).  syscalls: the per-syscall exit
 * tracepoints of the syscalls the exporter acts on in place of sys_exit,
 * to compare the two choices.  keeper: two empty programs on each syscall
 * tracepoint, for the kernel matrix's guests (see hook_floor.bpf.c).
 * Prints "ready" once attached, for bench/run-bench.sh.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "hook_floor.skel.h"

static volatile sig_atomic_t stopping;

static void stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	const char *hooks = argc > 1 ? argv[1] : "raw";
	bool raw = strcmp(hooks, "raw") == 0, keeper = strcmp(hooks, "keeper") == 0;
	struct hook_floor_bpf *skel;
	struct bpf_program *prog;
	int err;

	if (argc > 2 || (!raw && !keeper && strcmp(hooks, "syscalls") != 0)) {
		fprintf(stderr, "usage: hook_floor [raw|syscalls|keeper]\n");
		return 2;
	}
	libbpf_set_print(quiet);
	skel = hook_floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "hook_floor: opening the BPF object failed: %s\n", strerror(errno));
		return 1;
	}
	/* syscalls: the per-syscall tracepoints in place of sys_exit, the other hooks as they are */
	bpf_object__for_each_program(prog, skel->obj) {
		bool per_syscall = bpf_program__type(prog) == BPF_PROG_TYPE_TRACEPOINT;
		bool keeping = strncmp(bpf_program__name(prog), "keeper_", 7) == 0;

		if (keeper)
			bpf_program__set_autoload(prog, keeping);
		else
			bpf_program__set_autoload(prog, !keeping && (raw ? !per_syscall
									  : prog != skel->progs.floor_sys_exit));
	}
	err = hook_floor_bpf__load(skel);
	if (!err)
		err = hook_floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "hook_floor: loading or attaching failed: %s%s\n", strerror(-err),
			raw ? "" : " (syscalls needs tracefs: mount -t tracefs nodev /sys/kernel/tracing)");
		hook_floor_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, stop);
	signal(SIGTERM, stop);
	printf("ready\n");
	fflush(stdout);
	while (!stopping)
		pause();
	hook_floor_bpf__destroy(skel);
	return 0;
}
