// SPDX-License-Identifier: GPL-2.0
/*
 * The floor: empty programs on the exporter's hooks.  Whatever a workload
 * loses with these attached, any design on the same tracepoints pays too;
 * the exporter is judged by how far above this floor it sits.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* The exporter's default hooks (bpf/ipc_exporter.bpf.c). */
SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(floor_skb_copy_datagram_iovec, const struct sk_buff *skb, int len)
{
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(floor_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	return 0;
}

/*
 * keeper: two empty programs on each syscall tracepoint, attached for the
 * whole of a kernel-matrix guest's run (tests/kernels/guest-tests.sh).
 * While a tracepoint has two or more programs the kernel calls them
 * through its iterator, so attaching and detaching the exporters under
 * test never patches the syscall paths' code (QEMU's TCG has oopsed on
 * that patching: int3 in syscall exit).
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(keeper_sys_exit_a, struct pt_regs *regs, long ret) { return 0; }
SEC("tp_btf/sys_exit")
int BPF_PROG(keeper_sys_exit_b, struct pt_regs *regs, long ret) { return 0; }
SEC("tp_btf/sys_enter")
int BPF_PROG(keeper_sys_enter_a, struct pt_regs *regs, long id) { return 0; }
SEC("tp_btf/sys_enter")
int BPF_PROG(keeper_sys_enter_b, struct pt_regs *regs, long id) { return 0; }

/*
 * The alternative to sys_exit: per-syscall tracepoints (syscalls:sys_exit_*),
 * which skip the BPF program for every syscall that is not IPC but go
 * through perf's tracepoint buffer for those that are.  The two other hooks
 * stay as they are.
 */
#define SYSCALL_EXIT(name)                                   \
	SEC("tp/syscalls/sys_exit_" #name)                   \
	int floor_exit_##name(void *ctx) { return 0; }

/* every syscall bpf/ipc_exporter.bpf.c acts on */
SYSCALL_EXIT(read)
SYSCALL_EXIT(write)
SYSCALL_EXIT(readv)
SYSCALL_EXIT(writev)
SYSCALL_EXIT(preadv)
SYSCALL_EXIT(pwritev)
SYSCALL_EXIT(preadv2)
SYSCALL_EXIT(pwritev2)
SYSCALL_EXIT(sendto)
SYSCALL_EXIT(recvfrom)
SYSCALL_EXIT(sendmsg)
SYSCALL_EXIT(recvmsg)
SYSCALL_EXIT(sendmmsg)
SYSCALL_EXIT(recvmmsg)
SYSCALL_EXIT(sendfile64)
SYSCALL_EXIT(splice)
SYSCALL_EXIT(tee)
SYSCALL_EXIT(vmsplice)
#if defined(__TARGET_ARCH_x86)
SYSCALL_EXIT(open)	/* arm64 has openat only */
#endif
SYSCALL_EXIT(openat)
SYSCALL_EXIT(openat2)
SYSCALL_EXIT(connect)
SYSCALL_EXIT(socketpair)
