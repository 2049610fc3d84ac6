/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mechanism hooks: fexit programs on the kernel functions that move
 * IPC bytes, loaded instead of the sys_exit program where the kernel
 * attaches them (user space decides by trial, src/kernel/bpf_loader.c).
 * They fire only for pipes, ttys and sockets, and hand the file or socket
 * and the byte count directly: a read of a regular file costs nothing.
 * Arguments come typed through BTF, not from registers.
 *
 * Each transfer is counted once:
 * - read()/write() and the like on a pipe, FIFO or tty: pipe_read,
 *   pipe_write, tty_read, tty_write;
 * - on a socket, whatever the call (read, recv, recvmsg, recvmmsg...):
 *   the protocol's sendmsg/recvmsg (UNIX stream, datagram and seqpacket;
 *   inet and inet6 for TCP and UDP);
 * - splice, tee, sendfile and vmsplice move bytes the kernel's own way
 *   (pages, not a user buffer): their own hooks count both ends, and the
 *   hooks above leave any transfer whose bytes are not in user memory.
 * Opening a FIFO or /dev/ptmx and connecting a UNIX stream start their
 * queues afresh, as at those syscalls' exits on the sys_exit path.
 *
 * Spin locks only (bpf/pipe_attribution.bpf.h): 5.10 gives tracing programs
 * none, and there the map-lock variant of all these programs took minutes
 * to verify under TCG; the sys_exit path serves it.
 */
#ifndef MECHANISM_HOOKS_BPF_H
#define MECHANISM_HOOKS_BPF_H

#include "pipe_attribution.bpf.h"
#include "start_bridge.bpf.h"	/* calls in flight at start */

/*
 * The program on one function: `handler` gets `call_args`; the rest is the
 * function's arguments and return value.
 */
#define FEXIT_PROGRAMS(name, function, handler, call_args, ...)                     \
	SEC("fexit/" #function)                                                     \
	int BPF_PROG(name, __VA_ARGS__)                                             \
	{                                                                           \
		start_bridge_mark();                                                \
		handler call_args;                                                  \
		return 0;                                                           \
	}

/* A read_iter or write_iter of a pipe, FIFO or tty returned `ret`. */
static __always_inline void iocb_done(struct kiocb *iocb, struct iov_iter *iter, long ret, __u32 how,
				      int kind)
{
	struct iter_content c;

	if (ret <= 0 || !iter_user_bytes(iter, ret, &c))
		return;
	file_transfer_spin(iocb->ki_filp, ret, TRANSFER_ARGS(how, PEER_NAME_NONE, c.kind, 1, c.count) | TRANSFER_KIND(kind),
			   0, c.ptr);
}

FEXIT_PROGRAMS(ipc_pipe_read, pipe_read, iocb_done, (iocb, to, ret, TRANSFER_READ, FILE_KIND_PIPE),
	       struct kiocb *iocb, struct iov_iter *to, ssize_t ret)
FEXIT_PROGRAMS(ipc_pipe_write, pipe_write, iocb_done, (iocb, from, ret, TRANSFER_WRITE, FILE_KIND_PIPE),
	       struct kiocb *iocb, struct iov_iter *from, ssize_t ret)
FEXIT_PROGRAMS(ipc_tty_read, tty_read, iocb_done, (iocb, to, ret, TRANSFER_READ, FILE_KIND_TTY),
	       struct kiocb *iocb, struct iov_iter *to, ssize_t ret)
FEXIT_PROGRAMS(ipc_tty_write, tty_write, iocb_done, (iocb, from, ret, TRANSFER_WRITE, FILE_KIND_TTY),
	       struct kiocb *iocb, struct iov_iter *from, ssize_t ret)

/*
 * A protocol's sendmsg or recvmsg returned `ret`.  The peer's address, if
 * the call named one, is the kernel's copy in msg_name (UDP).  MSG_PEEK
 * moves nothing.  `skip_type`: a socket type another hook counts (a
 * seqpacket socket's calls go through the datagram functions too).
 */
static __always_inline void socket_msg_done(struct socket *sock, struct msghdr *msg, long ret,
					    __u32 how, int flags, int skip_type)
{
	struct iter_content c;
	unsigned long name;

	if (ret <= 0 || (flags & MSG_PEEK) || (skip_type && sock->type == skip_type) ||
	    !iter_user_bytes(&msg->msg_iter, ret, &c))
		return;
	name = (unsigned long)msg->msg_name;
	file_transfer_spin(sock->file, ret,
			   TRANSFER_ARGS(how, name ? PEER_NAME_KERNEL : PEER_NAME_NONE, c.kind, 1, c.count) |
				   TRANSFER_KIND(FILE_KIND_SOCKET),
			   name, c.ptr);
}

FEXIT_PROGRAMS(ipc_unix_stream_sendmsg, unix_stream_sendmsg, socket_msg_done,
	       (sock, msg, ret, TRANSFER_WRITE, 0, 0), struct socket *sock, struct msghdr *msg, size_t len, int ret)
FEXIT_PROGRAMS(ipc_unix_stream_recvmsg, unix_stream_recvmsg, socket_msg_done,
	       (sock, msg, ret, TRANSFER_READ, flags, 0),
	       struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)
FEXIT_PROGRAMS(ipc_unix_dgram_sendmsg, unix_dgram_sendmsg, socket_msg_done,
	       (sock, msg, ret, TRANSFER_WRITE, 0, SOCK_SEQPACKET),
	       struct socket *sock, struct msghdr *msg, size_t len, int ret)
FEXIT_PROGRAMS(ipc_unix_dgram_recvmsg, unix_dgram_recvmsg, socket_msg_done,
	       (sock, msg, ret, TRANSFER_READ, flags, SOCK_SEQPACKET),
	       struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)
FEXIT_PROGRAMS(ipc_unix_seqpacket_sendmsg, unix_seqpacket_sendmsg, socket_msg_done,
	       (sock, msg, ret, TRANSFER_WRITE, 0, 0), struct socket *sock, struct msghdr *msg, size_t len, int ret)
FEXIT_PROGRAMS(ipc_unix_seqpacket_recvmsg, unix_seqpacket_recvmsg, socket_msg_done,
	       (sock, msg, ret, TRANSFER_READ, flags, 0),
	       struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)
FEXIT_PROGRAMS(ipc_inet_sendmsg, inet_sendmsg, socket_msg_done, (sock, msg, ret, TRANSFER_WRITE, 0, 0),
	       struct socket *sock, struct msghdr *msg, size_t size, int ret)
FEXIT_PROGRAMS(ipc_inet_recvmsg, inet_recvmsg, socket_msg_done, (sock, msg, ret, TRANSFER_READ, flags, 0),
	       struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)
FEXIT_PROGRAMS(ipc_inet6_sendmsg, inet6_sendmsg, socket_msg_done, (sock, msg, ret, TRANSFER_WRITE, 0, 0),
	       struct socket *sock, struct msghdr *msg, size_t size, int ret)
FEXIT_PROGRAMS(ipc_inet6_recvmsg, inet6_recvmsg, socket_msg_done, (sock, msg, ret, TRANSFER_READ, flags, 0),
	       struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)

/* splice: the bytes left `in` and entered `out` (pipes, sockets, ttys; a regular file is left at once). */
static __always_inline void splice_done(struct file *in, struct file *out, long ret)
{
	if (ret <= 0)
		return;
	file_transfer_spin(in, ret, TRANSFER_ARGS(TRANSFER_READ, PEER_NAME_NONE, CONTENT_NONE, 1, 0), 0, 0);
	file_transfer_spin(out, ret, TRANSFER_ARGS(TRANSFER_WRITE, PEER_NAME_NONE, CONTENT_NONE, 1, 0), 0, 0);
}

/* tee: only `out` gains bytes (copies of what stays in `in`). */
static __always_inline void tee_done(struct file *out, long ret)
{
	if (ret > 0)
		file_transfer_spin(out, ret, TRANSFER_ARGS(TRANSFER_WRITE, PEER_NAME_NONE, CONTENT_NONE, 1, 0), 0, 0);
}

/* sendfile names its ends by descriptor. */
static __always_inline void sendfile_done(int out_fd, int in_fd, long ret)
{
	if (ret <= 0)
		return;
	stream_transfer_spin(out_fd, ret, TRANSFER_ARGS(TRANSFER_WRITE, PEER_NAME_NONE, CONTENT_NONE, 1, 0), 0, 0);
	stream_transfer_spin(in_fd, ret, TRANSFER_ARGS(TRANSFER_READ, PEER_NAME_NONE, CONTENT_NONE, 1, 0), 0, 0);
}

/* vmsplice: into the pipe or out of it, as the pipe end was opened. */
static __always_inline void vmsplice_done(int fd, unsigned long iov, unsigned long segs, long ret)
{
	if (ret > 0)
		stream_transfer_spin(fd, ret, TRANSFER_ARGS(TRANSFER_BY_FILE_MODE, PEER_NAME_NONE, CONTENT_IOVEC, 1, segs),
				     0, iov);
}

static __always_inline void fifo_open_done(struct file *file, int ret)
{
	if (!ret)
		fifo_opened(file, PIPE_LOCK_SPIN);
}

FEXIT_PROGRAMS(ipc_splice, do_splice, splice_done, (in, out, ret),
	       struct file *in, loff_t *off_in, struct file *out, loff_t *off_out, size_t len, unsigned int flags,
	       long ret)
FEXIT_PROGRAMS(ipc_tee, do_tee, tee_done, (out, ret),
	       struct file *in, struct file *out, size_t len, unsigned int flags, long ret)
FEXIT_PROGRAMS(ipc_sendfile, do_sendfile, sendfile_done, (out_fd, in_fd, ret),
	       int out_fd, int in_fd, loff_t *ppos, size_t count, loff_t max, ssize_t ret)
/*
 * vmsplice's work is inlined into its syscall, and the syscall's generic
 * body (__do_sys_vmsplice) is notrace: the architecture's wrapper is the
 * one hook, and it takes the caller's registers (bpf_tracing.h reads them
 * for each architecture).
 */
#if defined(__TARGET_ARCH_x86)
#define SYSCALL_WRAPPER(name) "__x64_sys_" #name
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_WRAPPER(name) "__arm64_sys_" #name
#endif
#define VMSPLICE_DONE(regs, ret)                                                                          \
	vmsplice_done(PT_REGS_PARM1_CORE_SYSCALL(regs), PT_REGS_PARM2_CORE_SYSCALL(regs),      \
		      PT_REGS_PARM3_CORE_SYSCALL(regs), ret)
SEC("fexit/" SYSCALL_WRAPPER(vmsplice))
int BPF_PROG(ipc_vmsplice, const struct pt_regs *regs, long ret)
{
	start_bridge_mark();
	VMSPLICE_DONE(regs, ret);
	return 0;
}


FEXIT_PROGRAMS(ipc_fifo_open, fifo_open, fifo_open_done, (filp, ret), struct inode *inode, struct file *filp, int ret)

SEC("fexit/ptmx_open")
int BPF_PROG(ipc_ptmx_open, struct inode *inode, struct file *filp, int ret)
{
	start_bridge_mark();
	if (!ret)
		pty_opened(filp);
	return 0;
}

SEC("fexit/unix_stream_connect")
int BPF_PROG(ipc_unix_stream_connect, struct socket *sock, struct sockaddr *uaddr, int addr_len, int flags, int ret)
{
	start_bridge_mark();
	if (!ret)
		unix_stream_sock_started(sock->sk);
	return 0;
}

SEC("fexit/unix_socketpair")
int BPF_PROG(ipc_unix_socketpair, struct socket *socka, struct socket *sockb, int ret)
{
	start_bridge_mark();
	if (!ret)
		unix_stream_sock_started(socka->sk);
	return 0;
}

#endif
