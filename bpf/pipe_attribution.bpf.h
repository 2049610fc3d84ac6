/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pipes and FIFOs: find the pipe behind a descriptor at syscall exit and
 * run its attribution queue (bpf/pipe_queue.h) under the queue's lock.
 */
#ifndef PIPE_ATTRIBUTION_BPF_H
#define PIPE_ATTRIBUTION_BPF_H

#include "flow_counts.bpf.h"
#include "pipe_queue.h"

#define PIPE_TABLE_DEFAULT_ENTRIES 16384

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PIPE_TABLE_DEFAULT_ENTRIES);
	__type(key, struct pipe_key);
	__type(value, struct pipe_queue);
} pipe_queues SEC(".maps");

#include "queue_lifecycle.bpf.h"	/* made, dropped, swept */
#include "socket_flow.bpf.h"	/* stream sockets share these queues */
#include "pty_flow.bpf.h"	/* and so do pseudo-terminals */
#include "event_output.bpf.h"

/*
 * How a pipe's queue is locked.  Kernels that give tracing programs
 * bpf_spin_lock (6.1 and later here) use it; 5.10 does not, so there the
 * queue is locked by inserting its key into pipe_map_locks, which only one
 * CPU at a time can do (the hash map's own bucket lock makes it atomic).
 * User space loads the program of the first variant the kernel accepts.
 */
#define PIPE_LOCK_SPIN 1
#define PIPE_LOCK_MAP 2
/* 4 x 64 tries, then the operation is deferred (see pipe_defer). */
#define PIPE_MAP_LOCK_ROUNDS 4
#define PIPE_MAP_LOCK_TRIES 64

/* A map lock older than this was leaked (its delete failed): take it over. */
#define PIPE_MAP_LOCK_STALE_NS (100 * 1000 * 1000ULL)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);	/* held locks: at most one per CPU */
	__type(key, struct pipe_key);
	__type(value, __u64);		/* when it was taken */
} pipe_map_locks SEC(".maps");

/* `now`: bpf_ktime_get_ns() for map locks (their age is measured), unused with spin locks. */
static __always_inline int pipe_queue_lock(struct pipe_queue *q, const struct pipe_key *key, int lock_kind,
					   __u64 now)
{
	__u64 *taken;
	int round, i;

	if (lock_kind == PIPE_LOCK_SPIN) {
		bpf_spin_lock(&q->lock);
		return 1;
	}
	/* The holder runs on another CPU with preemption off: it is quick. */
	for (round = 0; round < PIPE_MAP_LOCK_ROUNDS; round++)
		for (i = 0; i < PIPE_MAP_LOCK_TRIES; i++)
			if (bpf_map_update_elem(&pipe_map_locks, key, &now, BPF_NOEXIST) == 0)
				return 1;
	taken = bpf_map_lookup_elem(&pipe_map_locks, key);
	if (taken && now > *taken && now - *taken > PIPE_MAP_LOCK_STALE_NS &&
	    bpf_map_update_elem(&pipe_map_locks, key, &now, BPF_EXIST) == 0) {
		health_add(IPC_HEALTH_PIPE_LOCK_STOLEN, 1);
		return 1;
	}
	return 0;
}

static __always_inline void pipe_queue_unlock(struct pipe_queue *q, const struct pipe_key *key, int lock_kind)
{
	if (lock_kind == PIPE_LOCK_SPIN) {
		bpf_spin_unlock(&q->lock);
		return;
	}
	/* A hash map can refuse an operation it is already in on this CPU (-EBUSY). */
	if (bpf_map_delete_elem(&pipe_map_locks, key) && bpf_map_delete_elem(&pipe_map_locks, key))
		bpf_map_delete_elem(&pipe_map_locks, key);
}

/* One read or write on a pipe, as it is applied to the pipe's queue. */
struct pipe_op {
	struct pipe_key key;
	struct ipc_endpoint actor;
	__u32 bytes;
	__u16 messages;		/* send-side calls in a write: 1, or n for sendmmsg */
	__u8 is_read;
	__u8 mechanism;
	__u8 ldisc;		/* pty master: PTY_LDISC_*, what the slave's line discipline adds */
	__u8 pad[3];
	__u32 made;		/* bytes of this read the line discipline made: counted from [tty] */
	__u32 echo;		/* bytes of this master write the slave echoes (pty_echo_op) */
	__u64 master;		/* pty: the master's tty, whose echo is pending */
};

#define PIPE_DEFERRED_SLOTS 16
#define PIPE_DEFERRED_MASK (PIPE_DEFERRED_SLOTS - 1)

/*
 * The exporter's own process, as the kernel numbers it: its pipe operations
 * only flush deferred ones.  Not its getpid(), which in a pid namespace of
 * its own (a container) is another number: the queue-sweep iterator notes
 * it, running in the exporter's own read() (first at start, file_kinds.c).
 */
__u32 self_tgid;

/*
 * Per-CPU room for what does not fit on the 512-byte BPF stack, and the
 * deferred ring.  A program never runs nested with itself on one CPU, and
 * tracepoint programs run with preemption off, so one slot per CPU is enough.
 */
struct pipe_scratch {
	/* a struct pipe_queue; raw bytes because a per-CPU map may not hold a lock type */
	__u8 fresh[sizeof(struct pipe_queue)] __attribute__((aligned(8)));
	struct pipe_settlements out;
	struct pipe_op op;	/* the operation of this program run (off the stack: 5.10 counts every byte) */
	__u8 file_head[FILE_HEAD_BYTES] __attribute__((aligned(8)));	/* see file_head_of */
	__u8 inode_head[INODE_HEAD_BYTES] __attribute__((aligned(8)));	/* see inode_head_of */
	__u64 pipefs_sb;	/* pipefs's superblock, once seen (see pipe_of_inode) */
	__u64 scan[PTY_SCAN_CHUNK / 8];	/* a chunk of a pty transfer's bytes (pty_line_discipline) */
	__u64 clock_jiffies, clock_ns;	/* see pipe_coarse_now */
	__u32 busy;		/* a transfer is using this scratch (see stream_transfer) */
	__u32 busy_pad;
	/* map-lock variant: operations waiting for their queue's lock (see pipe_defer) */
	__u32 deferred_first;
	__u32 deferred_count;
	struct pipe_op deferred[PIPE_DEFERRED_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pipe_scratch);
} pipe_scratch SEC(".maps");

/*
 * CLOCK_MONOTONIC at most a tick behind, for q->last_active_ns, which only
 * the idle-queue GC reads (src/pipe_queue_gc.c: seconds of idleness).  The
 * time is read once per tick on each CPU; reading it costs a TSC read, a
 * tick count does not.  (bpf_ktime_get_coarse_ns is refused to tracing
 * programs.)  bpf_jiffies64 is 5.5+ but only the spin variant uses this:
 * 5.10 keeps its bpf_ktime_get_ns.
 */
static __always_inline __u64 pipe_coarse_now(struct pipe_scratch *scratch)
{
	__u64 jiffies = bpf_jiffies64();

	if (jiffies != scratch->clock_jiffies) {
		scratch->clock_jiffies = jiffies;
		scratch->clock_ns = bpf_ktime_get_ns();
	}
	return scratch->clock_ns;
}

static __always_inline int pipe_key_equal(const struct pipe_key *a, const struct pipe_key *b)
{
	return a->pipe == b->pipe && a->ino == b->ino;
}

/* The queue of `key`, made if need be; NULL (counted) when the table or the user's share is full. */
static __always_inline struct pipe_queue *pipe_queue_get(const struct pipe_key *key, void *fresh_bytes)
{
	struct pipe_queue *q = bpf_map_lookup_elem(&pipe_queues, key);

	if (q)
		return q;
	if (pipe_queue_create(key, fresh_bytes) < 0)
		return NULL;
	q = bpf_map_lookup_elem(&pipe_queues, key);
	if (!q)
		health_add(IPC_HEALTH_PIPE_TABLE_FULL, 1);
	return q;
}

/*
 * The pipe behind a file; 0 if it is not a pipe or FIFO.  `pipe`: the
 * file's private_data, which for these is inode->i_pipe (create_pipe_files
 * and fifo_open set it).  pipefs has one superblock for the kernel's life:
 * once this CPU has seen it (*pipefs_sb), its magic number need not be
 * read again.
 */
static __always_inline int pipe_of_inode(const struct inode_head *h, void *pipe, __u64 *pipefs_sb,
					 struct pipe_key *key, __u8 *mechanism)
{
	/* a local: BPF_CORE_READ would record a relocation for h->sb too */
	struct super_block *sb = h->sb;

	if ((h->mode & S_IFMT) != S_IFIFO)
		return 0;
	key->pipe = (__u64)pipe;
	key->ino = h->ino;
	if (!key->pipe)
		return 0;
	if (sb && (__u64)sb == *pipefs_sb) {
		*mechanism = IPC_PIPE;
	} else if (BPF_CORE_READ(sb, s_magic) == PIPEFS_MAGIC) {
		*pipefs_sb = (__u64)sb;
		*mechanism = IPC_PIPE;
	} else {
		*mechanism = IPC_FIFO;
	}
	return 1;
}

/* Identify the pipe behind a file; 0 if the file is not a pipe or FIFO. */
static __always_inline int pipe_of_file(struct file *file, struct pipe_key *key, __u8 *mechanism)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	umode_t mode = BPF_CORE_READ(inode, i_mode);

	if (!inode || (mode & S_IFMT) != S_IFIFO)
		return 0;
	/* the pipe as transfers take it (pipe_of_inode): the file's private_data */
	key->pipe = (__u64)BPF_CORE_READ(file, private_data);
	key->ino = BPF_CORE_READ(inode, i_ino);
	if (!key->pipe)
		return 0;
	*mechanism = BPF_CORE_READ(inode, i_sb, s_magic) == PIPEFS_MAGIC ? IPC_PIPE : IPC_FIFO;
	return 1;
}

/*
 * Count what one operation settled, and make each share an event for
 * consumers, with its offset in the operation's bytes (shares are settled
 * in byte order; with line-discipline bytes mixed in, offsets are unknown).
 */
static __always_inline void pipe_settle(__u8 mechanism, const struct ipc_endpoint *actor, int is_read,
					struct pipe_settlements *out)
{
	struct ipc_endpoint unknown;
	__u32 offset = out->unsourced ? EVENT_NO_CONTENT : 0;
	int i;

	UNROLL
	for (i = 0; i < PIPE_MATCHES_MAX; i++) {
		struct pipe_share *m = &out->matched[i];

		if (i >= out->count)
			break;
		if (is_read) {
			flow_count_endpoints(mechanism, 0, &m->who, actor, m->messages, m->bytes);
			event_settled(mechanism, &m->who, actor, m->bytes, m->messages, offset, 1);
		} else {
			flow_count_endpoints(mechanism, 0, actor, &m->who, m->messages, m->bytes);
			event_settled(mechanism, actor, &m->who, m->bytes, m->messages, offset, 0);
		}
		if (offset != EVENT_NO_CONTENT)
			offset += m->bytes;
	}
	if (out->unsourced) {
		endpoint_placeholder(&unknown, IPC_COMM_LINE_DISCIPLINE);
		flow_count_endpoints(mechanism, 0, &unknown, actor, 0, out->unsourced);
		event_settled(mechanism, &unknown, actor, out->unsourced, 0, EVENT_NO_CONTENT, 1);
	}
	if (out->unmatched.bytes) {
		health_add(IPC_HEALTH_PIPE_QUEUE_FULL, 1);
		endpoint_placeholder(&unknown, IPC_COMM_UNKNOWN);
		if (is_read) {
			flow_count_endpoints(mechanism, 0, &unknown, actor, 0, out->unmatched.bytes);
			event_settled(mechanism, &unknown, actor, out->unmatched.bytes, 0, EVENT_NO_CONTENT, 1);
		} else {
			flow_count_endpoints(mechanism, 0, actor, &unknown, out->unmatched.messages,
					     out->unmatched.bytes);
			event_settled(mechanism, actor, &unknown, out->unmatched.bytes, out->unmatched.messages,
				      EVENT_NO_CONTENT, 0);
		}
	}
}

/* Apply one operation; 0, or -EBUSY when the queue's lock could not be had. */
static __always_inline int pipe_apply(const struct pipe_op *op, struct pipe_scratch *scratch, int lock_kind)
{
	struct ipc_endpoint unknown;
	struct udp_drop_count *drops;
	struct pipe_queue *q;
	__u32 bytes;
	__u64 now;

	/* not a memset of ~800 bytes: matched[] and unmatched are written before they are read */
	scratch->out.count = 0;
	scratch->out.unsourced = 0;
	scratch->out.unmatched.bytes = 0;
	q = pipe_queue_get(&op->key, scratch->fresh);
	if (!q) {
		/* No room to track this pipe: count the write with an unknown reader. */
		if (!op->is_read) {
			endpoint_placeholder(&unknown, IPC_COMM_UNKNOWN);
			flow_count_endpoints(op->mechanism, 0, &op->actor, &unknown, op->messages, op->bytes);
		}
		return 0;
	}
	/* a UDP send: looked up before the lock, which allows no helper calls */
	drops = op->mechanism == IPC_LOOPBACK_UDP && !op->is_read ? bpf_map_lookup_elem(&udp_drops, &op->key) : NULL;
	now = lock_kind == PIPE_LOCK_SPIN ? pipe_coarse_now(scratch) : bpf_ktime_get_ns();
	if (!pipe_queue_lock(q, &op->key, lock_kind, now))
		return -EBUSY;
	if (!pipe_key_equal(&q->owner, &op->key)) {
		pipe_queue_unlock(q, &op->key, lock_kind);
		return 0;
	}
	if (drops && drops->dropped > drops->settled) {
		/* the kernel dropped this pair's datagram: no receiver will match it */
		drops->settled++;
		q->last_active_ns = now;
		pipe_queue_unlock(q, &op->key, lock_kind);
		health_add(IPC_HEALTH_UDP_DROPPED, 1);
		endpoint_placeholder(&unknown, IPC_COMM_DROPPED);
		flow_count_endpoints(op->mechanism, 0, &op->actor, &unknown, op->messages, op->bytes);
		event_settled(op->mechanism, &op->actor, &unknown, op->bytes, op->messages, 0, 0);
		return 0;
	}
	bytes = op->bytes;
	if (op->ldisc & PTY_LDISC_ECHOED) {
		/* [tty] writes: it pays reads that came first, no more */
		bytes = pipe_queue_echo_arrived(q, bytes);
	} else if (op->is_read && (op->made || q->echo_pending)) {
		/* what the line discipline made no process wrote */
		scratch->out.unsourced = pipe_queue_echo_read(q, bytes, op->made);
		bytes -= scratch->out.unsourced;
	}
	if (bytes)
		pipe_queue_match(q, &op->actor, bytes, op->messages, op->is_read, &scratch->out);
	q->last_active_ns = now;
	pipe_queue_unlock(q, &op->key, lock_kind);

	pipe_settle(op->mechanism, &op->actor, op->is_read, &scratch->out);
	return 0;
}

/* One copy per lock variant, not inlined: each program calls its own. */
static __noinline int pipe_apply_spin(const struct pipe_op *op, struct pipe_scratch *scratch)
{
	return pipe_apply(op, scratch, PIPE_LOCK_SPIN);
}

static __noinline int pipe_apply_maplock(const struct pipe_op *op, struct pipe_scratch *scratch)
{
	return pipe_apply(op, scratch, PIPE_LOCK_MAP);
}

/*
 * Map-lock variant: an operation whose queue stayed locked is kept in this
 * CPU's deferred ring and applied at a later pipe operation on the same CPU
 * (the exporter makes several on every CPU before each scrape).  Applying
 * it late is like its syscall exiting late, which the queue already allows.
 */
/*
 * The waiting operation of the same process moving bytes the same way
 * through the same pipe, or NULL.  Joining it means a stalled lock holder
 * costs one slot per process, not one per operation.  Not inlined: the
 * verifier walks this loop once instead of in every caller's paths.
 */
static __noinline struct pipe_op *pipe_deferred_find(struct pipe_scratch *scratch, const struct pipe_op *op)
{
	struct pipe_op *waiting;
	__u32 i;

	for (i = 0; i < PIPE_DEFERRED_SLOTS; i++) {
		if (i >= scratch->deferred_count)
			break;
		waiting = &scratch->deferred[masked_index(scratch->deferred_first + i, PIPE_DEFERRED_MASK)];
		if (waiting->is_read == op->is_read && pipe_key_equal(&waiting->key, &op->key) &&
		    same_endpoint(&waiting->actor, &op->actor))
			return waiting;
	}
	return NULL;
}

static __always_inline void pipe_defer(struct pipe_scratch *scratch, const struct pipe_op *op)
{
	struct pipe_op *waiting = pipe_deferred_find(scratch, op);
	struct ipc_endpoint unknown;

	if (waiting) {
		waiting->bytes += op->bytes;
		waiting->messages += op->messages;
		waiting->made += op->made;	/* a pty master's line-discipline bytes join too */
		health_add(IPC_HEALTH_PIPE_DEFERRED, 1);
		return;
	}
	if (scratch->deferred_count >= PIPE_DEFERRED_SLOTS) {
		/* No room: counted so it could not hide. */
		health_add(IPC_HEALTH_PIPE_LOCK_BUSY, 1);
		if (!op->is_read) {
			endpoint_placeholder(&unknown, IPC_COMM_UNKNOWN);
			flow_count_endpoints(op->mechanism, 0, &op->actor, &unknown, op->messages, op->bytes);
		}
		return;
	}
	scratch->deferred[masked_index(scratch->deferred_first + scratch->deferred_count, PIPE_DEFERRED_MASK)] = *op;
	scratch->deferred_count++;
	health_add(IPC_HEALTH_PIPE_DEFERRED, 1);
}

/* A transfer's direction; vmsplice's is that of the pipe end it is given. */
#define TRANSFER_WRITE 0
#define TRANSFER_READ 1
#define TRANSFER_BY_FILE_MODE 2
#define TRANSFER_NONE 3
#define FMODE_WRITE 0x2

/*
 * The queue, mechanism and direction (op->is_read; `how`: TRANSFER_*) of
 * the pipe, FIFO, local socket or pty behind a file of kind `kind`
 * (FILE_KIND_*, not OTHER); 0 for any other file.  Two reads: the file's
 * head, then its inode's, which a socket known by its operations skips.
 * Not inlined: the socket addresses it reads stay out of the stack frames
 * of the calls that count (5.10 adds a call chain's frames up against 512
 * bytes).
 */
static __noinline int stream_of_file(struct file *file, __u32 how, const struct peer_name *name,
				     struct pipe_scratch *scratch, int kind)
{
	struct pipe_op *op = &scratch->op;
	struct file_head f;
	struct inode_head h;
	int is_read;

	if (!file_head_of(file, scratch->file_head, &f))
		return 0;
	is_read = how == TRANSFER_BY_FILE_MODE ? !(f.mode & FMODE_WRITE) : how == TRANSFER_READ;
	op->is_read = is_read;
	if (kind == FILE_KIND_SOCKET)
		return socket_of_file(f.private_data, S_IFSOCK, is_read, name, &op->key, &op->mechanism);
	if (!inode_head_of(f.inode, scratch->inode_head, &h))
		return 0;
	if (kind == FILE_KIND_PIPE)
		return pipe_of_inode(&h, f.private_data, &scratch->pipefs_sb, &op->key, &op->mechanism);
	if (kind == FILE_KIND_TTY)
		return pty_key_of_file(f.private_data, &h, is_read, &op->key, &op->mechanism, &op->ldisc, &op->master);
	return pipe_of_inode(&h, f.private_data, &scratch->pipefs_sb, &op->key, &op->mechanism) ||
	       socket_of_file(f.private_data, h.mode, is_read, name, &op->key, &op->mechanism) ||
	       pty_key_of_file(f.private_data, &h, is_read, &op->key, &op->mechanism, &op->ldisc, &op->master);
}

/*
 * A pty master's transfer and the slave's line discipline.  A write the
 * slave echoes: what it echoes (op->echo), applied to the master's queue
 * after the write (pty_echo_op).  A read: the \r the slave put before each \n with
 * ONLCR, found in the bytes read (a single buffer: read(), not readv()),
 * into op->made; pending echo is taken under the queue's lock.  Not
 * inlined: its loops are verified once, off the counting chain.
 */
static __noinline int pty_line_discipline(struct pipe_op *op, struct pipe_scratch *scratch, __u32 content,
					  unsigned long ptr)
{
	if (!op->is_read) {
		if (op->ldisc & PTY_LDISC_ECHO)
			op->echo = content == CONTENT_FLAT ? pty_echo_of_input((struct tty_struct *)op->key.pipe, ptr,
										op->bytes, scratch->scan)
							   : op->bytes;
		return 0;
	}
	if ((op->ldisc & PTY_LDISC_NEWLINES) && content == CONTENT_FLAT)
		op->made = newlines_in_user(ptr, op->bytes, scratch->scan);
	return 0;
}

/*
 * A BPF call has five arguments: a transfer's small ones share a word.
 * how: TRANSFER_*; name: PEER_NAME_* of the UDP peer address; content:
 * CONTENT_* (where the bytes are, for events); messages: 1, or n for
 * sendmmsg; iovecs: how many the content has.
 */
#define TRANSFER_ARGS(how, name, content, messages, iovecs)                                 \
	((__u32)(how) | (__u32)(name) << 2 | (__u32)(content) << 5 | ((__u32)(messages) & 0xfff) << 8 | \
	 ((__u32)((iovecs) < 0x3ff ? (iovecs) : 0x3ff)) << 20)
#define TRANSFER_HOW(args) ((args) & 3)
#define TRANSFER_NAME(args) ((args) >> 2 & 7)
#define TRANSFER_CONTENT(args) ((args) >> 5 & 7)
#define TRANSFER_MESSAGES(args) ((args) >> 8 & 0xfff)
#define TRANSFER_IOVECS(args) ((args) >> 20 & 0x3ff)
/*
 * A mechanism hook knows what its file is (FILE_KIND_PIPE, _SOCKET, _TTY;
 * 0: look).  A constant the verifier follows into stream_of_file, so it
 * walks only that kind's code: each hook's program loads faster.
 */
#define TRANSFER_KIND(kind) ((__u32)(kind) << 30)
#define TRANSFER_KIND_OF(args) ((args) >> 30)

/* Apply the operation of this syscall (or, map locks, an older deferred one). */
static __always_inline void stream_apply(struct pipe_scratch *scratch, struct pipe_op *op, int self,
					 int lock_kind)
{
	struct pipe_op *next = op;

	if (lock_kind == PIPE_LOCK_SPIN) {
		if (!self)
			pipe_apply_spin(op, scratch);
		return;
	}
	/*
	 * Map locks: one apply per call (each call site of it costs the
	 * verifier a full walk).  With operations waiting, this one queues
	 * behind them and the oldest is applied instead.
	 */
	if (scratch->deferred_count) {
		if (!self)
			pipe_defer(scratch, op);
		next = &scratch->deferred[masked_index(scratch->deferred_first, PIPE_DEFERRED_MASK)];
		event_forget_transfer();	/* the operation applied is an older one */
	} else if (self) {
		return;
	}
	if (pipe_apply_maplock(next, scratch) < 0) {
		if (next == op)
			pipe_defer(scratch, op);
		return;
	}
	if (next != op) {
		scratch->deferred_first++;
		scratch->deferred_count--;
	}
}

/*
 * The echo of a master write that was just applied, as an operation of
 * [tty] onto the master's own queue: master reads that returned before the
 * write (the slave echoes while the write runs) left debts, which it pays;
 * the rest waits there for the reads to come.
 */
static __always_inline void pty_echo_op(struct pipe_op *op)
{
	__u64 master = op->master;
	__u32 echo = op->echo;

	__builtin_memset(op, 0, sizeof(*op));
	op->key.pipe = master;
	op->key.ino = PTY_QUEUE_TAG;
	op->mechanism = IPC_PTY;
	op->bytes = echo;
	op->ldisc = PTY_LDISC_ECHOED;
	endpoint_placeholder(&op->actor, IPC_COMM_LINE_DISCIPLINE);
}

/* stream_transfer's work, with this CPU's scratch held. */
static __always_inline void stream_transfer_scratch(struct task_struct *task, struct file *file, int kind,
						    int may_echo, struct pipe_scratch *scratch, __u32 bytes,
						    __u32 args, unsigned long name_ptr, unsigned long content_ptr,
						    int lock_kind)
{
	struct peer_name name = { name_ptr, TRANSFER_NAME(args), bytes };
	__u32 how = TRANSFER_HOW(args);
	struct pipe_op *op;
	int self, noted = 0;

	op = &scratch->op;
	__builtin_memset(op, 0, sizeof(*op));
	if (!stream_of_file(file, how, &name, scratch, kind))
		return;
	if (current_task_btf_exists())
		endpoint_of_task_btf(&op->actor, task);
	else
		endpoint_of_current(&op->actor);
	/* The exporter's own pipe traffic (its flush before a scrape) is not counted. */
	self = op->actor.tgid == self_tgid;
	op->bytes = bytes;
	op->messages = TRANSFER_MESSAGES(args);
	if (op->ldisc)
		pty_line_discipline(op, scratch, TRANSFER_CONTENT(args), content_ptr);
	if (event_config_on())
		noted = event_note_transfer(file, op->mechanism, op->is_read,
					    TRANSFER_CONTENT(args) | TRANSFER_IOVECS(args) << 8, content_ptr);
	stream_apply(scratch, op, self, lock_kind);
	if (noted)
		event_note_clear();
	/*
	 * Only a tty's: a hook that knows its file is no tty says so with a
	 * constant, and the verifier skips this (a test of the runtime kind
	 * would keep it alive across stream_apply and multiply its paths).
	 */
	if (may_echo && op->echo) {
		pty_echo_op(op);
		stream_apply(scratch, op, 0, lock_kind);
	}
}

/*
 * A read or write of `bytes` (> 0) on `file` has returned: on a pipe, a
 * FIFO, a socket of this host (bpf/socket_flow.bpf.h) or a pty
 * (bpf/pty_flow.bpf.h), all attributed by the same queue.  `args` is
 * TRANSFER_ARGS(); the UDP peer's address is at `name_ptr`, the bytes at
 * `content_ptr`.  `task`: the current task as a BTF pointer, where the
 * kernel gives one.  `kind`: FILE_KIND_* if the caller knows it, else 0.
 */
static __always_inline void stream_transfer(struct task_struct *task, struct file *file, __u32 bytes, __u32 args,
					    unsigned long name_ptr, unsigned long content_ptr, int lock_kind, int kind_hint)
{
	int may_echo = !kind_hint || kind_hint == FILE_KIND_TTY, kind = kind_hint;
	struct pipe_scratch *scratch;
	__u32 zero = 0;

	/* most reads and writes on a host are on files we do not follow: leave them here */
	if (!kind)
		kind = file_kind_of(file);
	if (kind == FILE_KIND_OTHER)
		return;
	scratch = bpf_map_lookup_elem(&pipe_scratch, &zero);
	if (!scratch)
		return;
	/*
	 * fexit programs run with preemption on where the kernel allows it
	 * (preempt=full): another hook on this CPU may be halfway through the
	 * scratch.  Counted, never corrupted.  (Tracepoints never preempt.)
	 */
	if (scratch->busy) {
		health_add(IPC_HEALTH_SCRATCH_BUSY, 1);
		return;
	}
	scratch->busy = 1;
	stream_transfer_scratch(task, file, kind, may_echo, scratch, bytes, args, name_ptr, content_ptr, lock_kind);
	scratch->busy = 0;
}

/* The same, for the file behind descriptor `fd` of the current task. */
static __always_inline void fd_transfer(unsigned int fd, __u32 bytes, __u32 args, unsigned long name_ptr,
					unsigned long content_ptr, int lock_kind)
{
	struct task_struct *task = NULL;
	struct file *file;

	if (current_task_btf_exists()) {
		task = bpf_get_current_task_btf();
		file = current_fd_file_btf(task, fd);
	} else {
		file = current_fd_file_read(fd);
	}
	if (file && bytes)
		stream_transfer(task, file, bytes, args, name_ptr, content_ptr, lock_kind, 0);
}

/*
 * Global functions, one per lock variant: the verifier checks each once,
 * whatever the number of calls (splice moves bytes on two descriptors).
 */
__noinline int stream_transfer_spin(unsigned int fd, __u32 bytes, __u32 args, unsigned long name_ptr,
				    unsigned long content_ptr)
{
	fd_transfer(fd, bytes, args, name_ptr, content_ptr, PIPE_LOCK_SPIN);
	return 0;
}

__noinline int stream_transfer_maplock(unsigned int fd, __u32 bytes, __u32 args, unsigned long name_ptr,
				       unsigned long content_ptr)
{
	fd_transfer(fd, bytes, args, name_ptr, content_ptr, PIPE_LOCK_MAP);
	return 0;
}

/*
 * The mechanism hooks (bpf/mechanism_hooks.bpf.h) hand the file itself, a
 * BTF pointer, which a global function cannot take: one static copy per
 * program that calls it.  Spin locks only: those hooks load on 6.1+.
 */
static __noinline int file_transfer_spin(struct file *file, __u32 bytes, __u32 args, unsigned long name_ptr,
					 unsigned long content_ptr)
{
	if (file && bytes)
		stream_transfer(bpf_get_current_task_btf(), file, bytes, args, name_ptr, content_ptr, PIPE_LOCK_SPIN,
				TRANSFER_KIND_OF(args));
	return 0;
}


static __always_inline void stream_transfer_done(unsigned int fd, __u32 bytes, __u32 args, unsigned long name_ptr,
						 unsigned long content_ptr, int lock_kind)
{
	if (lock_kind == PIPE_LOCK_SPIN)
		stream_transfer_spin(fd, bytes, args, name_ptr, content_ptr);
	else
		stream_transfer_maplock(fd, bytes, args, name_ptr, content_ptr);
}

/*
 * A FIFO was opened.  If it holds no data, credits left in its queue belong
 * to an earlier opening whose data was discarded on the last close: drop
 * them, counted, so they are not matched to this opening's readers.
 */
static __always_inline void fifo_opened(struct file *file, int lock_kind)
{
	struct pipe_inode_info *pipe;
	struct pipe_queue *q;
	struct pipe_key key;
	__u64 stale = 0;
	__u8 mechanism;
	int i;

	if (!pipe_of_file(file, &key, &mechanism) || mechanism != IPC_FIFO)
		return;
	pipe = (struct pipe_inode_info *)key.pipe;
	if (BPF_CORE_READ(pipe, head) != BPF_CORE_READ(pipe, tail))
		return;
	q = bpf_map_lookup_elem(&pipe_queues, &key);
	if (!q || !pipe_queue_lock(q, &key, lock_kind, lock_kind == PIPE_LOCK_SPIN ? 0 : bpf_ktime_get_ns()))
		return;
	if ((q->count || q->pooled) && !q->holds_debts && pipe_key_equal(&q->owner, &key)) {
		stale = pipe_queue_credit(q);
		UNROLL
		for (i = 0; i < PIPE_POOL_SLOTS; i++) {
			q->pool[i].bytes = 0;
			q->pool[i].messages = 0;
		}
		q->count = 0;
		q->pooled = 0;
	}
	pipe_queue_unlock(q, &key, lock_kind);
	if (stale)
		health_add(IPC_HEALTH_PIPE_STALE_BYTES, stale);
}

/* open() returned descriptor fd: FIFOs and pty pairs start afresh. */
static __always_inline void file_opened(unsigned int fd, int lock_kind)
{
	struct file *file = current_fd_file(fd);
	int kind;

	if (!file)
		return;
	kind = file_kind_of(file);
	if (kind == FILE_KIND_PIPE || kind == FILE_KIND_UNSURE)
		fifo_opened(file, lock_kind);
	if (kind == FILE_KIND_TTY || kind == FILE_KIND_UNSURE)
		pty_opened(file);
}

#endif
