// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side of ipc_exporter: the hooks.  Each hook decides quickly
 * whether an event is IPC and hands it to the mechanism's logic.
 * Only stable tracepoints are used (raw_syscalls, signal), as BTF-typed
 * raw tracepoints, which need neither kprobes nor tracefs.
 */
#include "pipe_attribution.bpf.h"
#include "signal_flow.bpf.h"

/* x86-64 syscall numbers. */
#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_readv 19
#define NR_writev 20
#define NR_openat 257
#define NR_preadv 295
#define NR_pwritev 296
#define NR_preadv2 327
#define NR_pwritev2 328
#define NR_openat2 437

char LICENSE[] SEC("license") = "GPL";

/*
 * Every syscall on the host passes here: keep the path for the ones we do
 * not care about to a load and a switch.  At exit the argument registers
 * still hold the arguments, so no enter hook is needed.
 */
static __always_inline int sys_exit_dispatch(struct pt_regs *regs, long ret, const int lock_kind)
{
	long nr;

	if (ret < 0)
		return 0;
	/* regs is a BTF-typed argument: a direct (CO-RE relocated) load, no probe_read */
	nr = regs->orig_ax;
	switch (nr) {
	case NR_write:
	case NR_writev:
	case NR_pwritev:
	case NR_pwritev2:
		if (ret > 0)
			pipe_transfer_done(regs->di, ret, 0, lock_kind);
		break;
	case NR_read:
	case NR_readv:
	case NR_preadv:
	case NR_preadv2:
		if (ret > 0)
			pipe_transfer_done(regs->di, ret, 1, lock_kind);
		break;
	case NR_open:
	case NR_openat:
	case NR_openat2:
		fifo_opened(ret, lock_kind);
		break;
	}
	return 0;
}

/* Pipe queues locked with bpf_spin_lock: tracing programs may use it from 6.1 on (not 5.10). */
SEC("tp_btf/sys_exit")
int BPF_PROG(ipc_sys_exit, struct pt_regs *regs, long ret)
{
	return sys_exit_dispatch(regs, ret, PIPE_LOCK_SPIN);
}

/* The same, with pipe queues locked through pipe_map_locks, for older kernels. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ipc_sys_exit_maplock, struct pt_regs *regs, long ret)
{
	return sys_exit_dispatch(regs, ret, PIPE_LOCK_MAP);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(ipc_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	signal_generated(sig, info, task);
	return 0;
}
