// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side of ipc_exporter: the hooks.  Each hook decides quickly
 * whether an event is IPC and hands it to the mechanism's logic.
 * Stable tracepoints (raw_syscalls, signal, skb, sock), as BTF-typed raw
 * tracepoints, which need neither kprobes nor tracefs; fentry hooks only
 * where the kernel attaches them, chosen by user space at start.
 */
#include "pipe_attribution.bpf.h"
#include "signal_flow.bpf.h"
#include "process_identity.bpf.h"

#include "syscall_numbers.h"
#include "start_bridge.bpf.h"

/*
 * A syscall's number and arguments at its exit, from the registers the
 * tracepoint hands over (a BTF-typed argument: direct, CO-RE relocated
 * loads, no probe reads).  x86-64: the number in orig_ax, the arguments in
 * di, si, dx, r10, r8.  arm64: the number in syscallno, the arguments in
 * x0-x4, but x0 holds the return value by now and the first argument is
 * kept in orig_x0 (as libbpf's PT_REGS_PARM1_CORE_SYSCALL reads it).
 */
#if defined(__TARGET_ARCH_x86)
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#define SYSCALL_ARG1(regs) ((regs)->di)
#define SYSCALL_ARG2(regs) ((regs)->si)
#define SYSCALL_ARG3(regs) ((regs)->dx)
#define SYSCALL_ARG4(regs) ((regs)->r10)
#define SYSCALL_ARG5(regs) ((regs)->r8)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) ((regs)->syscallno)
#define SYSCALL_ARG1(regs) ((regs)->orig_x0)
#define SYSCALL_ARG2(regs) ((regs)->regs[1])
#define SYSCALL_ARG3(regs) ((regs)->regs[2])
#define SYSCALL_ARG4(regs) ((regs)->regs[3])
#define SYSCALL_ARG5(regs) ((regs)->regs[4])
#else
#error "sys_exit: x86-64 and arm64 only"
#endif

/* struct mmsghdr on x86-64 and arm64 (LP64): a 56-byte msghdr, then msg_len. */
#define MMSGHDR_SIZE 64
#define MMSGHDR_LEN_OFFSET 56
#define MMSG_MAX 64

/*
 * sendmmsg/recvmmsg return how many messages moved; the kernel wrote each
 * one's length into the caller's array, which is still mapped at exit.
 * Each message is its own transfer, with its own address (a UDP socket
 * may send to, or receive from, a different peer in every message) and
 * its own bytes for events.
 */
static __always_inline void mmsg_transfers(unsigned int fd, unsigned long vec, long count, __u32 how,
					   const int lock_kind)
{
	unsigned long msg;
	__u32 len;
	int i;

	for (i = 0; i < MMSG_MAX; i++) {
		if (i >= count)
			break;
		msg = vec + i * MMSGHDR_SIZE;
		if (bpf_probe_read_user(&len, sizeof(len), (void *)(msg + MMSGHDR_LEN_OFFSET)))
			break;
		if (len)
			stream_transfer_done(fd, len, TRANSFER_ARGS(how, PEER_NAME_MSGHDR, CONTENT_MSGHDR, 1, 0), msg,
					     msg, lock_kind);
	}
}

char LICENSE[] SEC("license") = "GPL";

/*
 * Every syscall on the host passes here: keep the path for the ones we do
 * not care about to a load and a switch.  At exit the argument registers
 * still hold the arguments, so no enter hook is needed.
 */
static __always_inline int sys_exit_dispatch(struct pt_regs *regs, long ret, const int lock_kind)
{
	struct peer_name name = { 0, PEER_NAME_NONE };
	unsigned int fd, other_fd = 0;
	__u32 how, other_how = TRANSFER_NONE;
	/* where the bytes are, for events: most calls have one buffer, 2nd argument */
	__u32 content = CONTENT_FLAT, iovecs = 0;
	unsigned long content_ptr;
	__u64 bytes = ret;
	long nr;

	if (ret < 0)
		return 0;
	/* regs is a BTF-typed argument: a direct (CO-RE relocated) load, no probe_read */
	nr = SYSCALL_NR(regs);
	fd = SYSCALL_ARG1(regs);
	content_ptr = SYSCALL_ARG2(regs);
	switch (nr) {
	case NR_sendto:		/* dest_addr: 5th argument */
		name = (struct peer_name){ SYSCALL_ARG5(regs), PEER_NAME_SOCKADDR };
		how = TRANSFER_WRITE;
		break;
	case NR_sendmsg:
		name = (struct peer_name){ SYSCALL_ARG2(regs), PEER_NAME_MSGHDR };
		how = TRANSFER_WRITE;
		content = CONTENT_MSGHDR;
		break;
	case NR_write:
		how = TRANSFER_WRITE;
		break;
	case NR_writev:
	case NR_pwritev:
	case NR_pwritev2:
		how = TRANSFER_WRITE;
		content = CONTENT_IOVEC;
		iovecs = SYSCALL_ARG3(regs);
		break;
	case NR_sendfile:	/* out_fd, in_fd: the bytes never pass through user memory */
		how = TRANSFER_WRITE;
		other_fd = SYSCALL_ARG2(regs);
		other_how = TRANSFER_READ;
		content = CONTENT_NONE;
		break;
	case NR_splice:		/* fd_in: 1st argument, fd_out: 3rd */
		how = TRANSFER_READ;
		other_fd = SYSCALL_ARG3(regs);
		other_how = TRANSFER_WRITE;
		content = CONTENT_NONE;
		break;
	case NR_tee:		/* fd_in, fd_out: only fd_out gains bytes (copies) */
		fd = SYSCALL_ARG2(regs);
		how = TRANSFER_WRITE;
		content = CONTENT_NONE;
		break;
	case NR_vmsplice:	/* into the pipe or out of it, as the pipe end was opened */
		how = TRANSFER_BY_FILE_MODE;
		content = CONTENT_IOVEC;
		iovecs = SYSCALL_ARG3(regs);
		break;
	case NR_read:
		how = TRANSFER_READ;
		break;
	case NR_readv:
	case NR_preadv:
	case NR_preadv2:
		how = TRANSFER_READ;
		content = CONTENT_IOVEC;
		iovecs = SYSCALL_ARG3(regs);
		break;
	case NR_recvfrom:	/* flags: 4th argument, MSG_PEEK moves nothing; src_addr: 5th */
		if (SYSCALL_ARG4(regs) & MSG_PEEK)
			return 0;
		name = (struct peer_name){ SYSCALL_ARG5(regs), PEER_NAME_SOCKADDR };
		how = TRANSFER_READ;
		break;
	case NR_recvmmsg:	/* flags: 4th argument */
		if (SYSCALL_ARG4(regs) & MSG_PEEK)
			return 0;
		mmsg_transfers(fd, SYSCALL_ARG2(regs), ret, TRANSFER_READ, lock_kind);
		return 0;
	case NR_recvmsg:	/* flags: 3rd argument */
		if (SYSCALL_ARG3(regs) & MSG_PEEK)
			return 0;
		name = (struct peer_name){ SYSCALL_ARG2(regs), PEER_NAME_MSGHDR };
		how = TRANSFER_READ;
		content = CONTENT_MSGHDR;
		break;
	case NR_sendmmsg:	/* returns how many messages went */
		mmsg_transfers(fd, SYSCALL_ARG2(regs), ret, TRANSFER_WRITE, lock_kind);
		return 0;
	case NR_connect:
		unix_stream_started(SYSCALL_ARG1(regs));
		return 0;
	case NR_socketpair: {	/* the descriptors are in the caller's int[2], 4th argument */
		int sv[2];

		if (!bpf_probe_read_user(sv, sizeof(sv), (void *)SYSCALL_ARG4(regs))) {
			unix_stream_started(sv[0]);
			unix_stream_started(sv[1]);
		}
		return 0;
	}
#ifdef NR_open
	case NR_open:
#endif
	case NR_openat:
	case NR_openat2:
		file_opened(ret, lock_kind);
		return 0;
	default:
		return 0;
	}
	if (!bytes)
		return 0;
	stream_transfer_done(fd, bytes, TRANSFER_ARGS(how, name.kind, content, 1, iovecs), name.ptr,
			     content_ptr, lock_kind);
	/* splice and sendfile: the bytes also left (or entered) the other descriptor */
	if (other_how != TRANSFER_NONE)
		stream_transfer_done(other_fd, bytes, TRANSFER_ARGS(other_how, PEER_NAME_NONE, CONTENT_NONE, 1, 0), 0,
				     0, lock_kind);
	return 0;
}

/* Pipe queues locked with bpf_spin_lock: tracing programs may use it from 6.1 on (not 5.10). */
SEC("tp_btf/sys_exit")
int BPF_PROG(ipc_sys_exit, struct pt_regs *regs, long ret)
{
	/* beside the mechanism hooks, only calls in flight at start (bpf/start_bridge.bpf.h) */
	if (sys_exit_is_bridge && !start_bridge_take())
		return 0;
	return sys_exit_dispatch(regs, ret, PIPE_LOCK_SPIN);
}

/* The same, with pipe queues locked through pipe_map_locks, for older kernels. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ipc_sys_exit_maplock, struct pt_regs *regs, long ret)
{
	return sys_exit_dispatch(regs, ret, PIPE_LOCK_MAP);
}

/*
 * Never attached: loaded alone at start, it tells whether this kernel lets
 * tracing programs take bpf_spin_lock (6.1+), before the whole object is
 * verified for one lock variant or the other.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(ipc_spin_lock_probe, struct pt_regs *regs, long ret)
{
	struct pipe_key key = {};
	struct pipe_queue *q = bpf_map_lookup_elem(&pipe_queues, &key);

	if (q) {
		bpf_spin_lock(&q->lock);
		bpf_spin_unlock(&q->lock);
	}
	return 0;
}

/* Runs in the receiver's context while a datagram is copied to it. */
SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(ipc_skb_copy_datagram_iovec, const struct sk_buff *skb, int len)
{
	datagram_being_received(skb);
	return 0;
}

/*
 * fentry, loaded where the kernel attaches it: UDP hands a datagram to the
 * current thread, `len` bytes of it.  len < 0: MSG_PEEK, the datagram stays
 * queued; 0: nothing copied, and the syscall's exit, which skips empty
 * transfers, will take no note either.
 */
SEC("fentry/skb_consume_udp")
int BPF_PROG(ipc_udp_consumed, struct sock *sk, struct sk_buff *skb, int len)
{
	if (len > 0)
		udp_datagram_consumed(sk, skb);
	return 0;
}

/* A packet is dropped (not consumed): a loopback UDP datagram then reaches no one. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(ipc_kfree_skb, struct sk_buff *skb)
{
	udp_datagram_freed(skb);
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(ipc_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	signal_generated(sig, info, task, result);
	return 0;
}

/* Loaded only with --process-labels=exe: names executables as they are exec'd. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(ipc_sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	exe_executed(bprm);
	return 0;
}

/* Loaded only with --process-labels=cgroup: names cgroups as they are made. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(ipc_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	cgroup_made(cgrp, path);
	return 0;
}

/* TCP sockets set up and closed: their queues start afresh or end (bpf/socket_flow.bpf.h). */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ipc_inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	tcp_state_changed((struct sock *)sk, oldstate, newstate);
	return 0;
}

/*
 * The sweep, run by user space over every open file of every task: each
 * pipe, FIFO, socket and pty still open stamps its queue with the sweep's
 * generation (bpf/queue_lifecycle.bpf.h).  Run first at start, while the
 * exporter holds a file of each kind it follows, it notes their operations
 * (src/kernel/file_kinds.c).
 */
struct sweep_scratch {
	__u8 file_head[FILE_HEAD_BYTES] __attribute__((aligned(8)));
	__u8 inode_head[INODE_HEAD_BYTES] __attribute__((aligned(8)));
	__u64 pipefs_sb;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sweep_scratch);
} sweep_scratch SEC(".maps");

/* The exporter's sample files, until their operations are learned. */
static __always_inline void file_ops_note(const struct bpf_iter__task_file *ctx, struct file *file)
{
	struct task_struct *task = ctx->task;	/* loaded once: the verifier tracks its NULL check */
	int i;

	if (file_ops_learned || !task || task->tgid != self_tgid)
		return;
	for (i = 0; i < IPC_FILE_OPS_COUNT; i++)
		if ((__s32)ctx->fd == file_ops_probe_fd[i])
			file_ops[i] = (__u64)file->f_op;
}

SEC("iter/task_file")
int ipc_queue_sweep(struct bpf_iter__task_file *ctx)
{
	struct peer_name connected = { 0, PEER_NAME_SWEEP };
	struct file *file = ctx->file;
	struct sweep_scratch *s;
	struct file_head f;
	struct inode_head h;
	struct pipe_key key;
	__u8 mechanism, ldisc;
	__u64 master;
	__u32 zero = 0, gen = queue_sweep_gen;
	int is_read;

	if (!self_tgid)	/* only the exporter reads its iterator */
		self_tgid = bpf_get_current_pid_tgid() >> 32;
	if (!file)
		return 0;
	file_ops_note(ctx, file);
	/* the iterator's file is a BTF pointer: its operations are a direct load */
	if (file_kind_of_ops((__u64)file->f_op) == FILE_KIND_OTHER)
		return 0;
	s = bpf_map_lookup_elem(&sweep_scratch, &zero);
	if (!s || !file_head_of(file, s->file_head, &f) || !inode_head_of(f.inode, s->inode_head, &h))
		return 0;
	if (pipe_of_inode(&h, f.private_data, &s->pipefs_sb, &key, &mechanism)) {
		queue_seen(&key, gen);
		return 0;
	}
	/*
	 * Both ways: a socket also keeps alive what it sent that its peer has
	 * not read, even before the peer is accepted and has a file of its own.
	 */
	for (is_read = 0; is_read < 2; is_read++) {
		if (socket_of_file(f.private_data, h.mode, is_read, &connected, &key, &mechanism) ||
		    pty_key_of_file(f.private_data, &h, is_read, &key, &mechanism, &ldisc, &master))
			queue_seen(&key, gen);
	}
	return 0;
}

#include "mechanism_hooks.bpf.h"
