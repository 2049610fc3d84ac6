/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the kernel programs and user space: map keys, map values
 * and the mechanism numbering.  The kernel side gets its types from
 * vmlinux.h, user space from the UAPI headers.
 */
#ifndef IPC_TYPES_H
#define IPC_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/bpf.h>	/* __u32, struct bpf_spin_lock */
#endif

#define IPC_COMM_LEN 16

/* Numbering is part of the map ABI between bpf/ and src/. */
enum ipc_mechanism {
	IPC_PIPE = 0,
	IPC_FIFO,
	IPC_SIGNAL,
	IPC_UNIX_STREAM,
	IPC_UNIX_DGRAM,
	IPC_UNIX_SEQPACKET,
	IPC_LOOPBACK_TCP,
	IPC_LOOPBACK_UDP,
	IPC_PTY,
	IPC_MECHANISM_COUNT,
};

/*
 * One side of a flow: the process (thread group) and its name, which is
 * its thread-group leader's, and, only when those labels are asked for,
 * its cgroup and its executable (zero otherwise, so they do not split
 * flows).  Events add the acting thread (struct ipc_event).
 */
struct ipc_endpoint {
	__u32 tgid;
	char comm[IPC_COMM_LEN];
	__u32 pad;
	__u64 cgroup;		/* cgroup v2 id: the cgroup directory's inode number */
	__u64 exe;		/* ipc_exe_id() of the executable's file */
};

/* An executable file's identity: its device (kernel encoding) and inode. */
static inline __u64 ipc_exe_id(__u32 dev, __u64 ino)
{
	return (__u64)dev << 32 ^ ino;
}

/* Which identities the kernel side records (rodata, set before loading). */
#define IPC_IDENTITY_CGROUP 0x1
#define IPC_IDENTITY_EXE 0x2

/*
 * An executable's path, recorded when it is exec'd: written backwards from
 * the end, so the path is the NUL-terminated string at text + start.
 * Twice the room it may use: the verifier can then bound every write.
 */
#define IPC_EXE_PATH_MAX 256
struct ipc_exe_path {
	__u32 start;
	__u32 truncated;	/* leading directories were left out */
	char text[2 * IPC_EXE_PATH_MAX];
};

#define IPC_CGROUP_PATH_MAX 256

/* Key of the in-kernel flow counters. */
struct ipc_flow_key {
	struct ipc_endpoint src;
	struct ipc_endpoint dst;
	__u8 mechanism;
	__u8 pad;
	__u16 signal;		/* signal number for IPC_SIGNAL, else 0 */
};

struct ipc_flow_counts {
	__u64 messages;
	__u64 bytes;
};

/*
 * When the flow table is full a flow is added to an overflow slot instead:
 * one per mechanism, and for signals one per signal number, so that no
 * count is lost and the exporter can show the folding.
 */
#define IPC_SIGNAL_MAX 64
#define IPC_OVERFLOW_SLOTS (IPC_MECHANISM_COUNT + IPC_SIGNAL_MAX + 1)

static inline unsigned int ipc_overflow_slot(unsigned int mechanism, unsigned int signal)
{
	if (mechanism == IPC_SIGNAL && signal <= IPC_SIGNAL_MAX)
		return IPC_MECHANISM_COUNT + signal;
	return mechanism < IPC_MECHANISM_COUNT ? mechanism : 0;
}

/*
 * Counters the kernel side keeps about itself, one array slot each,
 * per CPU.  User space sums the CPUs.
 */
enum ipc_health_counter {
	/* flow table full: the flow went to the overflow slot of its mechanism */
	IPC_HEALTH_FLOW_TABLE_FULL = 0,
	/* pipe state table full: bytes counted with an unknown peer */
	IPC_HEALTH_PIPE_TABLE_FULL,
	/* a pipe queue ran out of slots: oldest share settled with an unknown peer */
	IPC_HEALTH_PIPE_QUEUE_FULL,
	/* bytes a pipe held that no reader will ever consume (FIFO reopened empty) */
	IPC_HEALTH_PIPE_STALE_BYTES,
	/* map-lock variant: an operation found its queue locked and was deferred */
	IPC_HEALTH_PIPE_DEFERRED,
	/* ... and the deferred ring was full: write counted with an unknown reader */
	IPC_HEALTH_PIPE_LOCK_BUSY,
	/* map-lock variant: a lock held for over 100 ms (its release failed) was taken over */
	IPC_HEALTH_PIPE_LOCK_STOLEN,
	/* queues made, and queues the kernel side dropped (their object closed or was replaced) */
	IPC_HEALTH_QUEUES_CREATED,
	IPC_HEALTH_QUEUES_DROPPED,
	/* a user already held its share of the queue table: its new queue was refused */
	IPC_HEALTH_QUEUE_QUOTA,
	/* entries inserted into a flow table: user space tells the active table's fill from it */
	IPC_HEALTH_FLOW_INSERTS,
	/* loopback UDP datagrams the kernel dropped (receive buffer full, no socket...): never received */
	IPC_HEALTH_UDP_DROPPED,
	/* a transfer found its CPU's scratch in use (a preempted mechanism hook): not counted */
	IPC_HEALTH_SCRATCH_BUSY,
	/* a thread entering an IPC call while the hooks were attached found the start bridge's set full */
	IPC_HEALTH_START_BRIDGE_FULL,
	IPC_HEALTH_COUNTER_COUNT,
};

/*
 * Per-pipe attribution queue (see bpf/pipe_attribution.bpf.h).  User space
 * reads it only to collect queues of pipes that have gone idle.
 */
#define PIPE_QUEUE_SLOTS 8
#define PIPE_QUEUE_MASK (PIPE_QUEUE_SLOTS - 1)
#define PIPE_POOL_SLOTS 4

struct pipe_key {
	__u64 pipe;		/* struct pipe_inode_info address */
	__u64 ino;		/* inode number: tells a reused address apart */
};

struct pipe_share {
	struct ipc_endpoint who;
	__u32 bytes;
	__u32 messages;
};

struct pipe_queue {
	struct bpf_spin_lock lock;
	__u8 holds_debts;
	__u8 first;		/* ring index of the oldest ordered share */
	__u8 count;		/* ordered shares */
	__u8 pooled;		/* pool entries in use */
	__u64 last_active_ns;	/* for garbage collection in user space */
	struct pipe_key owner;	/* detects an entry deleted and reused under us */
	/* lifecycle (bpf/queue_lifecycle.bpf.h) */
	__u32 born_sweep;	/* queue_sweep_gen when it was made */
	__u32 seen_sweep;	/* the last sweep that found its object alive */
	__u32 creator_uid;	/* whose quota it counts against */
	__u32 echo_pending;	/* a pty master's queue: echo of its writes not read yet (bpf/pty_flow.bpf.h) */
	struct pipe_share shares[PIPE_QUEUE_SLOTS];	/* ordered, oldest first */
	struct pipe_share pool[PIPE_POOL_SLOTS];	/* after them, order lost */
};

/* An address as IPv6, IPv4 ones mapped (::ffff:a.b.c.d), network order. */
struct ipc_address {
	__u32 words[4];
};

/*
 * Full events, for /debug/events and ipcdump: one record in the events ring
 * buffer per settled transfer and per signal, only while a consumer is
 * attached.  A record is struct ipc_event then content_len bytes of
 * contents (the first bytes of what moved, when asked for and readable).
 */
#define IPC_EVENT_CONTENT_MAX 1024

enum ipc_event_meta_kind {
	IPC_META_NONE = 0,
	IPC_META_PIPE,		/* pipe and fifo: inode, FIFO path */
	IPC_META_UNIX,		/* unix-*: inode of the socket of the call that settled it, bound path */
	IPC_META_INET,		/* loopback-tcp/udp: addresses and ports, source first */
	IPC_META_TTY,		/* pty: the slave's name, "pts/3" */
	IPC_META_SIGNAL,	/* signal: number, si_code, delivery result */
};

/* ipc_event.flags */
#define IPC_EVENT_CONTENT_UNAVAILABLE 0x1	/* contents asked for but not readable (splice, deferred) */
#define IPC_EVENT_CONTENT_TRUNCATED 0x2	/* more moved than content_len */

/* signal_generate's result */
#define IPC_SIGNAL_DELIVERED 0
#define IPC_SIGNAL_IGNORED 1
#define IPC_SIGNAL_ALREADY_PENDING 2

#define IPC_EVENT_PATH_MAX 108	/* sun_path; FIFO paths are cut to it */

union ipc_event_meta {
	struct {
		__u64 ino;
		char path[IPC_EVENT_PATH_MAX];	/* FIFO: its path as its opener sees it; pipe: "" */
	} pipe;
	struct {
		__u64 ino;
		char path[IPC_EVENT_PATH_MAX];	/* bound name; abstract ones start with '@'; "" if none */
	} socket;	/* not "unix": a predefined macro in GNU C */
	struct {
		struct ipc_address src_addr, dst_addr;
		__u16 src_port, dst_port;	/* host order */
	} inet;
	struct {
		char name[32];	/* the slave's: "pts3" */
	} tty;
	struct {
		__s32 code;	/* si_code, 0 when the kernel gave no siginfo */
		__u32 result;	/* IPC_SIGNAL_* */
	} signal;
};

struct ipc_event {
	__u64 time_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	struct ipc_endpoint src;
	struct ipc_endpoint dst;
	__u64 bytes;
	__u32 messages;
	__u8 mechanism;
	__u8 meta_kind;		/* enum ipc_event_meta_kind */
	__u8 flags;
	__u8 pad;
	__u16 content_len;	/* bytes of contents after the struct */
	__u16 pad2[3];
	union ipc_event_meta meta;
	__u16 signal;		/* signal number for IPC_SIGNAL */
	__u16 pad3[3];
	/* the thread whose call made the event: which end it is, its id and name */
	__u8 thread_side;	/* IPC_EVENT_THREAD_* */
	__u8 pad4[3];
	__u32 thread_id;
	char thread_comm[IPC_COMM_LEN];
};

/* ipc_event.thread_side */
#define IPC_EVENT_THREAD_UNKNOWN 0	/* kernel-sent signal, or an operation applied late */
#define IPC_EVENT_THREAD_SRC 1
#define IPC_EVENT_THREAD_DST 2

/*
 * What consumers want, written by user space into the event_config array:
 * the kernel makes no record for what no consumer asked for.
 */
struct ipc_event_config {
	__u32 enabled;		/* any consumer attached */
	__u32 mechanisms;	/* bit per enum ipc_mechanism */
	__u32 content_max;	/* bytes of contents to copy, 0..IPC_EVENT_CONTENT_MAX */
	__u32 any_pid;		/* 1: no pid filter; else only tgids in event_pids, at either end */
};

/*
 * The kinds of file whose operations (struct file's f_op) the kernel side
 * learns at start from files the exporter opens (src/kernel/file_kinds.c):
 * a read or write on a file with any other operations is left after that
 * one load.  Indexes of the arrays file_ops and file_ops_probe_fd.
 */
enum ipc_file_ops_kind {
	IPC_FILE_OPS_PIPE = 0,	/* anonymous pipes: pipeanon_fops from 6.15, before it pipefifo_fops */
	IPC_FILE_OPS_FIFO,	/* FIFOs (and pipes reopened through /proc): pipefifo_fops */
	IPC_FILE_OPS_SOCKET,	/* socket_file_ops */
	IPC_FILE_OPS_TTY,	/* tty_fops: pty slaves, /dev/tty, also consoles and serial lines */
	IPC_FILE_OPS_PTMX,	/* ptmx_fops: pty masters */
	IPC_FILE_OPS_COUNT,
};

/* Placeholder identities, also written by the kernel side. */
#define IPC_TGID_KERNEL 0
#define IPC_COMM_KERNEL "[kernel]"
#define IPC_COMM_UNKNOWN "[unknown]"
/* pty bytes the line discipline made (echo, \r before \n): no process wrote them */
#define IPC_COMM_LINE_DISCIPLINE "[tty]"
/* loopback UDP datagrams the kernel dropped: sent, and received by no one */
#define IPC_COMM_DROPPED "[dropped]"

#endif
