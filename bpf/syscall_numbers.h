/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86-64 numbers of the syscalls that can move IPC bytes or start a
 * queue afresh: the sys_exit program's switch (bpf/ipc_exporter.bpf.c),
 * and the calls in flight at start that the bridge waits for
 * (bpf/start_bridge.bpf.h, src/kernel/start_bridge.c).
 */
#ifndef SYSCALL_NUMBERS_H
#define SYSCALL_NUMBERS_H

#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_readv 19
#define NR_writev 20
#define NR_sendfile 40
#define NR_connect 42
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_socketpair 53
#define NR_openat 257
#define NR_splice 275
#define NR_tee 276
#define NR_vmsplice 278
#define NR_preadv 295
#define NR_pwritev 296
#define NR_recvmmsg 299
#define NR_sendmmsg 307
#define NR_preadv2 327
#define NR_pwritev2 328
#define NR_openat2 437

/* Whether syscall `nr` is one the sys_exit program acts on. */
static inline __attribute__((always_inline)) int syscall_moves_ipc(long nr)
{
	switch (nr) {
	case NR_read: case NR_write: case NR_open: case NR_readv: case NR_writev: case NR_sendfile:
	case NR_connect: case NR_sendto: case NR_recvfrom: case NR_sendmsg: case NR_recvmsg:
	case NR_socketpair: case NR_openat: case NR_splice: case NR_tee: case NR_vmsplice:
	case NR_preadv: case NR_pwritev: case NR_recvmmsg: case NR_sendmmsg: case NR_preadv2:
	case NR_pwritev2: case NR_openat2:
		return 1;
	default:
		return 0;
	}
}

#endif
