/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whose datagram did an unconnected UDP socket receive, when the call did
 * not ask for the sender's address (recv, read, readv; recvfrom, recvmsg
 * and recvmmsg without one)?  The syscall's exit cannot tell: the datagram
 * is gone, and no tracepoint on any supported kernel sees it handed over
 * (UDP copies it without skb_copy_datagram_iovec, and frees it without
 * consume_skb on 6.18).
 *
 * Where the kernel lets fentry attach (Debian's 5.10, 6.1, 6.12, and the
 * distribution kernels users run), skb_consume_udp() runs in the receiving
 * thread with each datagram it hands over: its source is noted for that
 * thread, in order, and the syscall's exit takes the notes, one per
 * message.  Exact.
 *
 * Where it cannot (or with --hooks=sys-exit), only sockets bound to a
 * loopback address are followed, since nothing from another host reaches
 * them.  The port's first read that names no sender marks it; from then on
 * its senders credit, and its readers take from, the port's own queue for
 * each datagram size (a read is one whole datagram), shares in the order
 * of the senders' exits.  Exact with one sender at a time, and with
 * several whose sizes differ; senders of one size at once may swap
 * datagrams in flight.
 */
#ifndef UDP_SOURCES_BPF_H
#define UDP_SOURCES_BPF_H

#include "kernel_access.bpf.h"

/* Set by user space when ipc_udp_consumed is attached. */
const volatile __u8 udp_consume_hooked = 0;

/* recvmmsg moves at most MMSG_MAX (64) datagrams per exit: as many notes. */
#define UDP_NOTES_MAX 64
#define UDP_NOTES_MASK (UDP_NOTES_MAX - 1)

struct udp_source {
	struct ipc_address addr;
	__u16 port;	/* host order; 0: the datagram could not be read */
	__u16 pad;
};

struct udp_consumed_notes {
	__u64 sk;	/* the socket they were received on */
	__u32 first;	/* the next to take */
	__u32 count;
	struct udp_source sources[UDP_NOTES_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);	/* the receiving thread */
	__type(value, struct udp_consumed_notes);
} udp_consumed SEC(".maps");

/* A blank value to insert from: too large for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct udp_consumed_notes);
} udp_consumed_blank SEC(".maps");

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/* A received datagram's source, from its IP and UDP headers. */
static __always_inline int udp_source_of_skb(const struct sk_buff *skb, struct udp_source *s)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 network = BPF_CORE_READ(skb, network_header), transport = BPF_CORE_READ(skb, transport_header);
	__u16 protocol = bpf_ntohs(BPF_CORE_READ(skb, protocol)), port;

	if (transport == 0xffff || transport <= network)
		return 0;
	if (protocol == ETH_P_IP) {
		s->addr.words[0] = s->addr.words[1] = 0;
		s->addr.words[2] = bpf_htonl(0xffff);
		if (bpf_probe_read_kernel(&s->addr.words[3], 4, head + network + 12))	/* saddr */
			return 0;
	} else if (protocol != ETH_P_IPV6 ||
		   bpf_probe_read_kernel(s->addr.words, 16, head + network + 8)) {	/* saddr */
		return 0;
	}
	if (bpf_probe_read_kernel(&port, sizeof(port), head + transport))	/* source port */
		return 0;
	s->port = bpf_ntohs(port);
	return 1;
}

/* fentry skb_consume_udp: `skb` is handed to the current thread. */
static __always_inline void udp_datagram_consumed(struct sock *sk, const struct sk_buff *skb)
{
	__u64 thread = bpf_get_current_pid_tgid();
	struct udp_consumed_notes *n = bpf_map_lookup_elem(&udp_consumed, &thread), *blank;
	__u32 zero = 0;

	if (!n) {
		blank = bpf_map_lookup_elem(&udp_consumed_blank, &zero);
		if (!blank || bpf_map_update_elem(&udp_consumed, &thread, blank, BPF_ANY))
			return;
		n = bpf_map_lookup_elem(&udp_consumed, &thread);
		if (!n)
			return;
	}
	/* all taken, or another socket's: this is a new receive */
	if (n->sk != (__u64)sk || n->first >= n->count) {
		n->sk = (__u64)sk;
		n->first = n->count = 0;
	}
	if (n->count >= UDP_NOTES_MAX)
		return;
	if (!udp_source_of_skb(skb, &n->sources[n->count & UDP_NOTES_MASK]))
		n->sources[n->count & UDP_NOTES_MASK].port = 0;
	n->count++;
}

/*
 * At a UDP read's exit: the source of the next datagram this thread took
 * from `sk`, into *s; 0 if none was noted.  Every read takes its note,
 * named or not, so that the notes stay in step with the datagrams.
 */
static __always_inline int udp_consumed_take(struct sock *sk, struct udp_source *s)
{
	__u64 thread = bpf_get_current_pid_tgid();
	struct udp_consumed_notes *n;

	if (!udp_consume_hooked)
		return 0;
	n = bpf_map_lookup_elem(&udp_consumed, &thread);
	if (!n || n->sk != (__u64)sk || n->first >= n->count)
		return 0;
	*s = n->sources[n->first & UDP_NOTES_MASK];
	n->first++;
	return s->port != 0;
}

/*
 * Without the hook: ports where a read named no sender.  From then on the
 * port's senders credit, and its readers take from, the port's own queue
 * for each datagram size, where the two meet under one lock.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);	/* netns << 32 | receiving port */
	__type(value, __u8);
} udp_unnamed_ports SEC(".maps");

/*
 * And the last few ports that sent to a port, most recent first: credit
 * its senders queued on their pairs before the port's first unnamed read
 * is found there.  A hint, written without a lock.
 */
#define UDP_RECENT_SENDERS 4

struct udp_recent_senders {
	__u16 ports[UDP_RECENT_SENDERS];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);	/* netns << 32 | receiving port */
	__type(value, struct udp_recent_senders);
} udp_recent_senders SEC(".maps");

static __always_inline void udp_sender_seen(__u64 port_key, __u16 sender)
{
	struct udp_recent_senders fresh = { { sender } }, *r = bpf_map_lookup_elem(&udp_recent_senders, &port_key);
	int i, at = UDP_RECENT_SENDERS - 1;

	if (!r) {
		bpf_map_update_elem(&udp_recent_senders, &port_key, &fresh, BPF_NOEXIST);
		return;
	}
	if (r->ports[0] == sender)
		return;
	UNROLL
	for (i = UDP_RECENT_SENDERS - 1; i > 0; i--)
		if (r->ports[i] == sender)
			at = i;
	/* move it (or the oldest's place) to the front */
	UNROLL
	for (i = UDP_RECENT_SENDERS - 1; i > 0; i--)
		if (i <= at)
			r->ports[i] = r->ports[i - 1];
	r->ports[0] = sender;
}

#endif
