/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The numbers of the syscalls that can move IPC bytes or start a queue
 * afresh, per architecture: the sys_exit program's switch
 * (bpf/ipc_exporter.bpf.c), and the calls in flight at start that the
 * bridge waits for (bpf/start_bridge.bpf.h, src/kernel/start_bridge.c).
 * The BPF side is told the architecture by __TARGET_ARCH_*, user space by
 * the compiler.  arm64 numbers its syscalls after the generic table
 * (asm-generic/unistd.h), which has no open(): openat() only.
 */
#ifndef SYSCALL_NUMBERS_H
#define SYSCALL_NUMBERS_H

#if defined(__TARGET_ARCH_x86) || (!defined(__bpf__) && defined(__x86_64__))
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
#elif defined(__TARGET_ARCH_arm64) || (!defined(__bpf__) && defined(__aarch64__))
#define NR_openat 56
#define NR_read 63
#define NR_write 64
#define NR_readv 65
#define NR_writev 66
#define NR_preadv 69
#define NR_pwritev 70
#define NR_sendfile 71
#define NR_vmsplice 75
#define NR_splice 76
#define NR_tee 77
#define NR_socketpair 199
#define NR_connect 203
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_sendmsg 211
#define NR_recvmsg 212
#define NR_recvmmsg 243
#define NR_sendmmsg 269
#define NR_preadv2 286
#define NR_pwritev2 287
#define NR_openat2 437
#else
#error "syscall numbers: x86-64 and arm64 only (define __TARGET_ARCH_x86 or __TARGET_ARCH_arm64 for BPF)"
#endif

/* Whether syscall `nr` is one the sys_exit program acts on. */
static inline __attribute__((always_inline)) int syscall_moves_ipc(long nr)
{
	switch (nr) {
#ifdef NR_open
	case NR_open:
#endif
	case NR_read: case NR_write: case NR_readv: case NR_writev: case NR_sendfile:
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
