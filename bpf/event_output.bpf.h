/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Full events (/debug/events, ipcdump): a record in the events ring buffer
 * per settled transfer and per signal, made only while a consumer is
 * attached and only for what some consumer asked for (event_config).
 *
 * A transfer's metadata (pipe inode and FIFO path, socket path or ports,
 * tty name) and where its bytes are in the caller's memory are noted once
 * per syscall in event_scratch; each share the queue settles then becomes
 * one event, with the contents found at its offset in that memory.
 */
#ifndef EVENT_OUTPUT_BPF_H
#define EVENT_OUTPUT_BPF_H

#include "process_identity.bpf.h"
#include "pty_flow.bpf.h"
#include "socket_flow.bpf.h"

#define EVENT_RING_DEFAULT_BYTES (4 << 20)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENT_RING_DEFAULT_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipc_event_config);
} event_config SEC(".maps");

/* With event_config.any_pid == 0: the tgids some consumer follows. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} event_pids SEC(".maps");

/* Cumulative, per mechanism: records the ring buffer had no room for. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IPC_MECHANISM_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} events_lost SEC(".maps");

/* Where a syscall's bytes are in the caller's memory. */
#define CONTENT_NONE 0		/* splice, tee, sendfile: never in user memory */
#define CONTENT_FLAT 1		/* one buffer */
#define CONTENT_IOVEC 2		/* an iovec array */
#define CONTENT_MSGHDR 3	/* a user msghdr's iovecs */
#define CONTENT_KIOVEC 4	/* an iovec array in kernel memory (an iov_iter's copy), the bytes in user memory */
#define CONTENT_IOV_MAX 8	/* iovecs walked to find an event's bytes */
/* Room for a copy at any offset below the maximum: the verifier can bound it. */
#define CONTENT_ROOM (2 * IPC_EVENT_CONTENT_MAX)

struct event_scratch {
	struct ipc_event event;
	__u8 content[CONTENT_ROOM];	/* right after the event: one record */
	/* noted per syscall */
	__u64 content_ptr;
	__u32 content_kind;
	__u32 content_count;	/* iovecs */
	__u8 meta_kind;
	__u8 noted;		/* metadata and content belong to the operation being settled */
	__u8 pad[2];
	__u32 thread_id;	/* the thread of the noted syscall */
	char thread_comm[IPC_COMM_LEN];
	union ipc_event_meta meta;
	struct ipc_exe_path fifo_path;	/* room for the FIFO path walk */
};

/* Slot 0 for the syscall program, 1 for the signal program, which can interrupt it. */
#define EVENT_SCRATCH_SYSCALL 0
#define EVENT_SCRATCH_SIGNAL 1

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct event_scratch);
} event_scratch SEC(".maps");

static __always_inline struct ipc_event_config *event_config_on(void)
{
	__u32 zero = 0;
	struct ipc_event_config *cfg = bpf_map_lookup_elem(&event_config, &zero);

	return cfg && cfg->enabled ? cfg : NULL;
}

static __always_inline struct event_scratch *event_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&event_scratch, &zero);
}

/* This CPU's event scratch while some consumer listens, else NULL. */
static __always_inline struct event_scratch *event_scratch_if_listening(void)
{
	return event_config_on() ? event_scratch_get() : NULL;
}

static __always_inline void event_copy_path(char *dst, const struct ipc_exe_path *path)
{
	bpf_probe_read_kernel_str(dst, IPC_EVENT_PATH_MAX, &path->text[path->start & (IPC_EXE_PATH_MAX - 1)]);
}

/* A UNIX socket's bound name: "@name" for abstract ones, "" when unbound. */
static __always_inline void unix_socket_path(struct sock *sk, char *dst)
{
	struct unix_address *addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	struct sock *peer;

	if (!addr) {
		peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		addr = peer ? BPF_CORE_READ((struct unix_sock *)peer, addr) : NULL;
	}
	if (!addr)
		return;
	bpf_probe_read_kernel(dst, IPC_EVENT_PATH_MAX, &addr->name[0].sun_path);
	if (dst[0] == '\0')
		dst[0] = '@';
	dst[IPC_EVENT_PATH_MAX - 1] = '\0';
}

/* The metadata of the file a transfer used, as the events show it. */
static __always_inline void event_note_file(struct event_scratch *ev, struct file *file, __u8 mechanism, int is_read)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct sock *sk;
	struct tty_struct *tty;
	int is_master;

	__builtin_memset(&ev->meta, 0, sizeof(ev->meta));
	ev->meta_kind = IPC_META_NONE;
	if (mechanism == IPC_PIPE || mechanism == IPC_FIFO) {
		ev->meta.pipe.ino = BPF_CORE_READ(inode, i_ino);
		ev->meta_kind = IPC_META_PIPE;
		if (mechanism == IPC_FIFO) {
			path_of_file(file, &ev->fifo_path);
			event_copy_path(ev->meta.pipe.path, &ev->fifo_path);
		}
		return;
	}
	if (mechanism == IPC_PTY) {
		tty = pty_of_file(file, &is_master);
		if (tty && is_master)
			tty = BPF_CORE_READ(tty, link);
		if (tty)
			bpf_probe_read_kernel_str(ev->meta.tty.name, sizeof(ev->meta.tty.name), &tty->name);
		ev->meta_kind = IPC_META_TTY;
		return;
	}
	sk = sock_of_file(file);
	if (!sk)
		return;
	if (mechanism == IPC_UNIX_STREAM || mechanism == IPC_UNIX_DGRAM || mechanism == IPC_UNIX_SEQPACKET) {
		ev->meta.socket.ino = BPF_CORE_READ(inode, i_ino);
		unix_socket_path(sk, ev->meta.socket.path);
		ev->meta_kind = IPC_META_UNIX;
		return;
	}
	if (mechanism == IPC_LOOPBACK_TCP || mechanism == IPC_LOOPBACK_UDP) {
		__u32 local[4], remote[4];
		__u16 local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		__u16 remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));

		/* a sender's local end is the source; a receiver's remote end is */
		inet_local_remote(sk, local, remote);
		if (mechanism == IPC_LOOPBACK_UDP) {
			__u32 zero = 0;
			struct udp_peer_note *note = bpf_map_lookup_elem(&udp_peer_notes, &zero);

			/* the address the call named: an unconnected socket's peer is per datagram */
			if (note && note->port) {
				__builtin_memcpy(remote, note->addr.words, 16);
				remote_port = note->port;
			}
		}
		__builtin_memcpy(ev->meta.inet.src_addr.words, is_read ? remote : local, 16);
		__builtin_memcpy(ev->meta.inet.dst_addr.words, is_read ? local : remote, 16);
		ev->meta.inet.src_port = is_read ? remote_port : local_port;
		ev->meta.inet.dst_port = is_read ? local_port : remote_port;
		ev->meta_kind = IPC_META_INET;
	}
}

/*
 * Copy up to `len` bytes found `offset` bytes into the syscall's data into
 * ev->content; returns how many were copied (0: not readable).
 */
static __always_inline __u32 event_copy_content(struct event_scratch *ev, __u32 offset, __u32 len)
{
	struct iovec iov;
	__u64 vec = ev->content_ptr;
	__u32 count = ev->content_count, copied = 0, skip = offset, take;
	int i;

	if (len > IPC_EVENT_CONTENT_MAX)
		len = IPC_EVENT_CONTENT_MAX;
	if (ev->content_kind == CONTENT_FLAT) {
		if (bpf_probe_read_user(ev->content, masked_index(len, CONTENT_ROOM - 1), (void *)(vec + offset)))
			return 0;
		return len;
	}
	if (ev->content_kind == CONTENT_MSGHDR) {
		/* only msg_iov and msg_iovlen, which follow each other: a small frame */
		struct iovec vector;

		if (bpf_probe_read_user(&vector, sizeof(vector),
					(void *)vec + bpf_core_field_offset(struct user_msghdr, msg_iov)))
			return 0;
		vec = (__u64)vector.iov_base;
		count = vector.iov_len;
	} else if (ev->content_kind != CONTENT_IOVEC && ev->content_kind != CONTENT_KIOVEC) {
		return 0;
	}
	for (i = 0; i < CONTENT_IOV_MAX; i++) {
		if (i >= count || copied >= len)
			break;
		if (ev->content_kind == CONTENT_KIOVEC ? bpf_probe_read_kernel(&iov, sizeof(iov), (void *)(vec + i * sizeof(iov)))
						       : bpf_probe_read_user(&iov, sizeof(iov), (void *)(vec + i * sizeof(iov))))
			return 0;
		if (skip >= iov.iov_len) {
			skip -= iov.iov_len;
			continue;
		}
		take = iov.iov_len - skip;
		if (take > len - copied)
			take = len - copied;
		/* copied < len <= the maximum: offset and size stay in CONTENT_ROOM */
		take = masked_index(take, CONTENT_ROOM - 1);
		if (take > IPC_EVENT_CONTENT_MAX)
			return copied;
		if (bpf_probe_read_user(&ev->content[masked_index(copied, IPC_EVENT_CONTENT_MAX - 1)], take,
					iov.iov_base + skip))
			return 0;
		copied += take;
		skip = 0;
	}
	return copied;
}

static __always_inline int event_pid_wanted(const struct ipc_event_config *cfg, __u32 src, __u32 dst)
{
	return cfg->any_pid || bpf_map_lookup_elem(&event_pids, &src) || bpf_map_lookup_elem(&event_pids, &dst);
}

static __always_inline void event_submit(struct event_scratch *ev)
{
	/* content_len <= the maximum; the mask lets every verifier see the record within the scratch */
	__u32 mechanism = ev->event.mechanism,
	      size = sizeof(ev->event) + masked_index(ev->event.content_len, CONTENT_ROOM - 1);
	__u64 *lost;

	if (bpf_ringbuf_output(&events, &ev->event, size, 0) < 0) {
		lost = bpf_map_lookup_elem(&events_lost, &mechanism);
		if (lost)
			__sync_fetch_and_add(lost, 1);
	}
}

/*
 * One settled share as an event: ev->event.src, .dst and .mechanism are
 * set by the caller.  `where` is the share's offset in the syscall's data,
 * or EVENT_NO_CONTENT.  Global: checked once, whatever the call sites.
 */
#define EVENT_NO_CONTENT 0xffffffffu

__noinline int event_transfer(__u32 bytes, __u32 messages, __u32 where)
{
	struct ipc_event_config *cfg = event_config_on();
	struct event_scratch *ev = event_scratch_get();
	struct ipc_event *e;

	if (!cfg || !ev)
		return 0;
	e = &ev->event;
	if (e->mechanism >= 32 || !(cfg->mechanisms & (1u << e->mechanism)) ||
	    !event_pid_wanted(cfg, e->src.tgid, e->dst.tgid))
		return 0;
	e->time_ns = bpf_ktime_get_ns();
	e->bytes = bytes;
	e->messages = messages;
	e->signal = 0;
	e->flags = 0;
	e->content_len = 0;
	e->meta_kind = IPC_META_NONE;
	__builtin_memset(&e->meta, 0, sizeof(e->meta));
	if (ev->noted) {
		e->meta_kind = ev->meta_kind;
		e->meta = ev->meta;
		e->thread_id = ev->thread_id;
		__builtin_memcpy(e->thread_comm, ev->thread_comm, IPC_COMM_LEN);
	} else {
		e->thread_side = IPC_EVENT_THREAD_UNKNOWN;
		e->thread_id = 0;
		__builtin_memset(e->thread_comm, 0, IPC_COMM_LEN);
	}
	if (cfg->content_max) {
		__u32 want = bytes < cfg->content_max ? bytes : cfg->content_max;

		if (ev->noted && where != EVENT_NO_CONTENT)
			e->content_len = event_copy_content(ev, where, want);
		if (!e->content_len)
			e->flags |= IPC_EVENT_CONTENT_UNAVAILABLE;
		else if (e->content_len < bytes)
			e->flags |= IPC_EVENT_CONTENT_TRUNCATED;
	}
	event_submit(ev);
	return 0;
}

/* The settle loop's view: fill the ends, then emit.  is_read: the acting thread is dst's. */
static __always_inline void event_settled(__u8 mechanism, const struct ipc_endpoint *src,
					  const struct ipc_endpoint *dst, __u32 bytes, __u32 messages, __u32 where,
					  int is_read)
{
	struct event_scratch *ev = event_scratch_if_listening();

	if (!ev)
		return;
	ev->event.thread_side = is_read ? IPC_EVENT_THREAD_DST : IPC_EVENT_THREAD_SRC;
	ev->event.mechanism = mechanism;
	ev->event.src = *src;
	ev->event.dst = *dst;
	event_transfer(bytes, messages, where);
}

/*
 * A syscall that moves bytes begins settling: note its file and memory.
 * Called only while some consumer listens (event_config_on()); returns 1
 * if it noted, and then the caller clears the note (event_note_clear) at
 * the end of the syscall, so a note never outlives its syscall and the
 * common case, nobody listening, costs one load.  Not inlined: the
 * addresses it reads stay out of the frames of the settling calls (5.10
 * adds a call chain's frames up).
 */
static __noinline int event_note_transfer(struct file *file, __u8 mechanism, int is_read, __u32 content_kind,
					  __u64 content_ptr)
{
	struct ipc_event_config *cfg = event_config_on();
	struct event_scratch *ev = event_scratch_get();

	if (!cfg || !ev || mechanism >= 32 || !(cfg->mechanisms & (1u << mechanism)))
		return 0;
	/* content_kind: CONTENT_* | iovec count << 8 (a BPF call takes five arguments) */
	ev->content_kind = content_kind & 0xff;
	ev->content_ptr = content_ptr;
	ev->content_count = content_kind >> 8;
	ev->thread_id = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(ev->thread_comm, sizeof(ev->thread_comm));
	event_note_file(ev, file, mechanism, is_read);
	ev->noted = 1;
	return 1;
}

/* The syscall that noted is done: whether anyone still listens or not. */
static __always_inline void event_note_clear(void)
{
	struct event_scratch *ev = event_scratch_get();

	if (ev)
		ev->noted = 0;
}

/* An operation settled later than its syscall (map-lock deferral): nothing noted applies. */
static __always_inline void event_forget_transfer(void)
{
	struct event_scratch *ev = event_scratch_if_listening();

	if (ev)
		ev->noted = 0;
}

#endif
