/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stream sockets on this host: UNIX stream and seqpacket, and TCP whose
 * both ends are local.  They are byte streams like pipes, so they use the
 * same attribution queue (bpf/pipe_queue.h), keyed by the receiving end:
 *
 * - UNIX: the receiving socket (the sender's peer; the reader's own), by
 *   address: a server's end exists before accept() gives it an inode, and
 *   data may arrive by then.  Every UNIX stream starts with connect() or
 *   socketpair(), where any queue left at those addresses by freed sockets
 *   is dropped (unix_stream_started);
 * - TCP: the direction of the connection, (netns, source, destination)
 *   hashed to 128 bits, as the sender sees it (local -> remote) and as the
 *   receiver sees it (remote -> local).  Only connections routed over the
 *   loopback device are followed — that is every connection between two
 *   sockets of this host, whatever the address — so traffic to other hosts
 *   never creates state and is never counted.
 */
#ifndef SOCKET_FLOW_BPF_H
#define SOCKET_FLOW_BPF_H

#include <bpf/bpf_endian.h>
#include "kernel_access.bpf.h"
#include "udp_sources.bpf.h"

#define S_IFSOCK 0140000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IFF_LOOPBACK 0x8
#define MSG_PEEK 0x2

/* `mode`: the i_mode of the file's inode; `sock`: the file's private_data. */
static __always_inline struct sock *sock_of_socket_file(struct socket *sock, umode_t mode)
{
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline struct sock *sock_of_file(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	if (!inode || (BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	return sock_of_socket_file(BPF_CORE_READ(file, private_data), S_IFSOCK);
}

#define UNIX_QUEUE_TAG 0x554e4958	/* "UNIX": pipe keys carry an inode number here */
#define UNIX_DGRAM_QUEUE_TAG 0x44475241	/* "DGRA" */

/*
 * UNIX datagrams: a sender may send to any socket by name, and the
 * receiving syscall's exit does not say who sent.  But the datagram's
 * skb->sk is the sending socket, and skb_copy_datagram_iovec runs in the
 * receiver's context as it copies it: note the sender there, per thread,
 * for the receiving syscall's exit.  The queue is the sending socket's.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid of the receiving thread */
	__type(value, __u64);	/* struct sock * that sent the datagram it is receiving */
} dgram_sender SEC(".maps");

/* The queue of a UNIX stream or seqpacket socket's receiving end. */
static __always_inline int unix_stream_key(struct sock *sk, int is_read, struct pipe_key *key)
{
	struct sock *receiver = sk;

	if (!is_read) {
		receiver = BPF_CORE_READ((struct unix_sock *)sk, peer);
		if (!receiver)
			return 0;
	}
	key->pipe = (__u64)receiver;
	key->ino = UNIX_QUEUE_TAG;
	return 1;
}

static __always_inline int unix_stream_sock(struct sock *sk)
{
	__u16 type;

	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_UNIX)
		return 0;
	type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
	return type == SOCK_STREAM || type == SOCK_SEQPACKET;
}

static __always_inline void unix_queue_forget(struct sock *sk)
{
	struct pipe_key key = { .pipe = (__u64)sk, .ino = UNIX_QUEUE_TAG };

	queue_drop(&key);
}

/*
 * A UNIX stream came into being (connect() or socketpair() returned 0): a
 * queue found at its ends' addresses was left by freed sockets.
 */
static __always_inline void unix_stream_sock_started(struct sock *sk)
{
	if (!unix_stream_sock(sk))
		return;
	unix_queue_forget(sk);
	sk = BPF_CORE_READ((struct unix_sock *)sk, peer);
	if (sk)
		unix_queue_forget(sk);
}

static __always_inline void unix_stream_started(unsigned int fd)
{
	struct file *file = current_fd_file(fd);

	unix_stream_sock_started(file ? sock_of_file(file) : NULL);
}

/*
 * A TCP or UDP socket's addresses as IPv6, IPv4 mapped, so both ends of a
 * v4-in-v6 connection agree.
 */
static __always_inline void inet_local_remote(struct sock *sk, __u32 local[4], __u32 remote[4])
{
	if (BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET) {
		local[0] = remote[0] = 0;
		local[1] = remote[1] = 0;
		local[2] = remote[2] = bpf_htonl(0xffff);
		local[3] = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		remote[3] = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		return;
	}
	/* 16 bytes each: local and remote are pointers here, so no sizeof on them */
	bpf_core_read(local, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	bpf_core_read(remote, 16, &sk->__sk_common.skc_v6_daddr);
}

static __always_inline __u64 fnv1a_u32(__u64 h, __u32 v)
{
	int i;

	UNROLL
	for (i = 0; i < 4; i++) {
		h ^= (v >> (i * 8)) & 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* One direction of a local TCP connection: (netns, from, to). */
static __always_inline int tcp_direction_key(struct sock *sk, int is_read, struct pipe_key *key)
{
	struct dst_entry *dst = BPF_CORE_READ(sk, sk_dst_cache);
	__u32 local[4], remote[4], *from, *to, ports, netns;
	__u16 local_port, remote_port;
	__u64 a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
	int i;

	if (!dst || !(BPF_CORE_READ(dst, dev, flags) & IFF_LOOPBACK))
		return 0;
	inet_local_remote(sk, local, remote);
	/* inet_sport, not skc_num: closing clears skc_num before inet_sock_set_state runs */
	local_port = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	/* a sender writes local -> remote; the receiver reads that as remote -> local */
	from = is_read ? remote : local;
	to = is_read ? local : remote;
	ports = is_read ? ((__u32)remote_port << 16 | local_port) : ((__u32)local_port << 16 | remote_port);
	a = fnv1a_u32(a, netns);
	b = fnv1a_u32(b, ports);
	UNROLL
	for (i = 0; i < 4; i++) {
		a = fnv1a_u32(a, from[i]);
		a = fnv1a_u32(a, to[i]);
		b = fnv1a_u32(b, to[i]);
		b = fnv1a_u32(b, from[i]);
	}
	a = fnv1a_u32(a, ports);
	b = fnv1a_u32(b, netns);
	key->pipe = a;
	key->ino = b | 1;	/* never 0 */
	return 1;
}

/*
 * UDP between two sockets of this host: one queue per (netns, source port,
 * destination port), as the sender sees it (its port -> the address it
 * sends to) and the receiver (the address recvfrom/recvmsg reports, or its
 * connected peer -> its port).  Addresses are left out of the key: a
 * wildcard-bound socket does not know which of the host's addresses it
 * uses.  Only peers on this host are followed — loopback addresses, and
 * the host's own addresses, which user space keeps in local_addresses — so
 * nothing is kept for other hosts.
 */
#define UDP_QUEUE_TAG 0x55445000	/* "UDP" */

/* Where a UDP call's peer address is: none (the connected peer), a
 * sockaddr (sendto, recvfrom), or the msg_name of a user msghdr; or, for
 * the mechanism hooks, the kernel's copy of the sockaddr. */
#define PEER_NAME_NONE 0
#define PEER_NAME_SOCKADDR 1
#define PEER_NAME_MSGHDR 2
#define PEER_NAME_SWEEP 3	/* no call: the sweep asks which queues a socket has */
#define PEER_NAME_KERNEL 4

struct peer_name {
	unsigned long ptr;
	int kind;
	__u32 bytes;	/* what the call moved (a UDP read's size picks its sender) */
};

/* This host's addresses as IPv6 (IPv4 mapped), kept current by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct ipc_address);
	__type(value, __u8);
} local_addresses SEC(".maps");

static __always_inline int loopback_v4(__u32 addr_be)
{
	return (bpf_ntohl(addr_be) >> 24) == 127;
}

static __always_inline int loopback_v6(const __u32 a[4])
{
	if (!a[0] && !a[1] && !a[2] && a[3] == bpf_htonl(1))
		return 1;
	return !a[0] && !a[1] && a[2] == bpf_htonl(0xffff) && loopback_v4(a[3]);
}

static __always_inline int host_address_v6(const __u32 a[4])
{
	struct ipc_address key;

	if (loopback_v6(a))
		return 1;
	__builtin_memcpy(key.words, a, sizeof(key.words));
	return bpf_map_lookup_elem(&local_addresses, &key) != NULL;
}

/*
 * The peer of this syscall's UDP datagram as the call named it (sendto's
 * or sendmsg's destination, recvfrom's or recvmsg's source), for events:
 * an unconnected socket has no peer of its own to show.  Per CPU: written
 * and read within one run of the syscall program.
 */
struct udp_peer_note {
	struct ipc_address addr;
	__u16 port;	/* host order; 0: the call named no peer */
	__u16 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct udp_peer_note);
} udp_peer_notes SEC(".maps");

static __always_inline void udp_peer_note(const __u32 addr[4], __u16 port)
{
	__u32 zero = 0;
	struct udp_peer_note *note = bpf_map_lookup_elem(&udp_peer_notes, &zero);

	if (!note)
		return;
	__builtin_memcpy(note->addr.words, addr, 16);
	note->port = port;
}

/*
 * The peer's port if it is on this host, else 0.  *unnamed: a read on an
 * unconnected socket that did not ask for the sender's address, and no
 * note of it from skb_consume_udp (bpf/udp_sources.bpf.h).
 */
static __always_inline __u16 udp_peer_port(struct sock *sk, const struct peer_name *name, int is_read,
					   int *unnamed)
{
	struct {
		__u16 family;
		__u16 port;
		__u32 v4_or_flowinfo;
		__u32 v6[4];
	} sa = {};
	struct udp_source consumed = {};	/* clang 14 may otherwise spill an unset register, which the verifier refuses */
	unsigned long ptr = name->ptr;
	int took = is_read && name->kind != PEER_NAME_SWEEP && udp_consumed_take(sk, &consumed);

	udp_peer_note(sa.v6, 0);	/* none named yet: events show the socket's own peer */
	if (name->kind == PEER_NAME_MSGHDR && ptr &&
	    bpf_probe_read_user(&ptr, sizeof(ptr), (void *)ptr))	/* msg_name: offset 0 */
		return 0;
	if (name->kind == PEER_NAME_NONE || name->kind == PEER_NAME_SWEEP || !ptr) {
		__u32 remote[4], local[4];

		if (!BPF_CORE_READ(sk, __sk_common.skc_dport)) {
			if (!took) {
				*unnamed = is_read && name->kind != PEER_NAME_SWEEP;
				return 0;
			}
			udp_peer_note(consumed.addr.words, consumed.port);
			return host_address_v6(consumed.addr.words) ? consumed.port : 0;
		}
		inet_local_remote(sk, local, remote);
		return host_address_v6(remote) ? bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)) : 0;
	}
	if (name->kind == PEER_NAME_KERNEL ? bpf_probe_read_kernel(&sa, sizeof(sa), (void *)ptr)
					   : bpf_probe_read_user(&sa, sizeof(sa), (void *)ptr))
		return 0;
	if (sa.family == AF_INET) {
		/* as IPv4-mapped IPv6, in place */
		sa.v6[3] = sa.v4_or_flowinfo;
		sa.v6[0] = sa.v6[1] = 0;
		sa.v6[2] = bpf_htonl(0xffff);
	} else if (sa.family != AF_INET6) {
		return 0;
	}
	udp_peer_note(sa.v6, bpf_ntohs(sa.port));
	return host_address_v6(sa.v6) ? bpf_ntohs(sa.port) : 0;
}

/*
 * Whether a queue's oldest credit is datagrams of `bytes` each.  Shares of
 * one process merge when the queue is full, so a share may stand for
 * several.
 */
static __always_inline int udp_oldest_credit_is(const struct pipe_key *key, __u32 bytes)
{
	struct pipe_queue *q = bpf_map_lookup_elem(&pipe_queues, key);
	struct pipe_share *head;

	if (!q || q->holds_debts || !q->count)
		return 0;
	head = &q->shares[masked_index(q->first, PIPE_QUEUE_MASK)];
	return head->messages && head->bytes == (__u64)bytes * head->messages;
}

/*
 * A port's own queue for datagrams of one size: where reads that named no
 * sender wait for it (bpf/udp_sources.bpf.h).  Source port 0, which no
 * datagram has; the size above the tag (user space compares the tag's
 * 32 bits).
 */
static __always_inline void udp_port_queue_key(__u64 port_key, __u32 bytes, struct pipe_key *key)
{
	key->pipe = port_key;
	key->ino = UDP_QUEUE_TAG | (__u64)bytes << 32;
}

/*
 * Without skb_consume_udp's notes, the queue a read that named no sender
 * settles against (bpf/udp_sources.bpf.h): a recent sender's own queue if
 * its oldest credit is a datagram of the size read (sent before the port
 * was marked), else the port's queue for that size.  Only for sockets
 * bound to a loopback address: another host's datagram would take a local
 * sender's credit.
 */
static __always_inline int udp_unnamed_read_key(struct sock *sk, __u64 port_key, __u32 bytes,
						struct pipe_key *key)
{
	struct pipe_key k = { .ino = UDP_QUEUE_TAG };
	struct udp_recent_senders *recent;
	__u32 local[4], remote[4];
	__u16 sender = 0;
	__u8 one = 1;
	int i;

	inet_local_remote(sk, local, remote);
	if (!loopback_v6(local))
		return 0;
	if (!bpf_map_lookup_elem(&udp_unnamed_ports, &port_key))
		bpf_map_update_elem(&udp_unnamed_ports, &port_key, &one, BPF_ANY);
	recent = bpf_map_lookup_elem(&udp_recent_senders, &port_key);
	if (recent) {
		UNROLL
		for (i = 0; i < UDP_RECENT_SENDERS; i++) {
			if (!recent->ports[i] || sender)
				continue;
			k.pipe = port_key | (__u32)recent->ports[i] << 16;
			if (udp_oldest_credit_is(&k, bytes))
				sender = recent->ports[i];
		}
	}
	if (sender) {
		key->pipe = port_key | (__u32)sender << 16;
		key->ino = UDP_QUEUE_TAG;
	} else {
		udp_port_queue_key(port_key, bytes, key);
	}
	udp_peer_note(local, sender);
	return 1;
}

static __always_inline int udp_direction_key(struct sock *sk, int is_read, const struct peer_name *name,
					     struct pipe_key *key)
{
	int unnamed = 0;
	__u16 peer_port = udp_peer_port(sk, name, is_read, &unnamed);
	__u16 own_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u64 netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);

	if (!own_port)
		return 0;
	/* a port's own queue: source port 0, which no datagram has */
	if (!peer_port)
		return unnamed && !udp_consume_hooked ? udp_unnamed_read_key(sk, netns << 32 | own_port, name->bytes, key)
						      : 0;
	key->pipe = netns << 32 | (is_read ? ((__u32)peer_port << 16 | own_port) : ((__u32)own_port << 16 | peer_port));
	key->ino = UDP_QUEUE_TAG;
	if (!udp_consume_hooked && name->kind != PEER_NAME_SWEEP) {
		__u64 port_key = netns << 32 | (is_read ? own_port : peer_port);

		if (!is_read)
			udp_sender_seen(port_key, own_port);
		/* a port read without names: both sides meet on its queues */
		if (bpf_map_lookup_elem(&udp_unnamed_ports, &port_key))
			udp_port_queue_key(port_key, name->bytes, key);
	}
	return 1;
}

/*
 * Dropped datagrams.  A loopback datagram is queued on its receiver (or
 * dropped: receive buffer full, no socket, checksum) inside the sender's
 * syscall, usually before its exit.  skb:kfree_skb sees every drop with
 * the skb, whose UDP header gives the pair's queue; the count it keeps
 * there is settled by the sender's next datagrams of that pair, which are
 * then counted towards [dropped] instead of being queued for a receiver
 * that will never get them.  `dropped` only grows (atomic add); `settled`
 * is written under the queue's lock.
 */
struct udp_drop_count {
	__u64 dropped;
	__u64 settled;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pipe_key);	/* the pair's UDP queue key (udp_direction_key) */
	__type(value, struct udp_drop_count);
} udp_drops SEC(".maps");

/* skb:kfree_skb: if a loopback UDP datagram is being dropped, count it on its pair. */
static __always_inline void udp_datagram_freed(const struct sk_buff *skb)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	unsigned char *head;
	__u16 network, transport, protocol = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__u8 l4 = 0;
	struct {
		__u16 source, dest;
	} ports;
	struct udp_drop_count first = { 1, 0 }, *count;
	struct pipe_key key;

	if (!dev || !(BPF_CORE_READ(dev, flags) & IFF_LOOPBACK) || (protocol != ETH_P_IP && protocol != ETH_P_IPV6))
		return;
	head = BPF_CORE_READ(skb, head);
	network = BPF_CORE_READ(skb, network_header);
	transport = BPF_CORE_READ(skb, transport_header);
	if (transport == 0xffff || transport <= network)
		return;
	/* IPv4: the protocol at byte 9; IPv6: the next header at byte 6 (no extension headers) */
	if (bpf_probe_read_kernel(&l4, 1, head + network + (protocol == ETH_P_IP ? 9 : 6)) || l4 != IPPROTO_UDP ||
	    bpf_probe_read_kernel(&ports, sizeof(ports), head + transport))
		return;
	key.pipe = (__u64)BPF_CORE_READ(dev, nd_net.net, ns.inum) << 32 |
		   (__u32)bpf_ntohs(ports.source) << 16 | bpf_ntohs(ports.dest);
	key.ino = UDP_QUEUE_TAG;
	count = bpf_map_lookup_elem(&udp_drops, &key);
	if (count)
		__sync_fetch_and_add(&count->dropped, 1);
	else if (bpf_map_update_elem(&udp_drops, &key, &first, BPF_NOEXIST) &&
		 (count = bpf_map_lookup_elem(&udp_drops, &key)))
		__sync_fetch_and_add(&count->dropped, 1);	/* someone inserted it meanwhile */
}

/* The queue of a UNIX datagram: the sending socket's. */
static __always_inline int unix_dgram_key(struct sock *sk, int is_read, struct pipe_key *key)
{
	__u64 thread = bpf_get_current_pid_tgid(), *sender;

	if (!is_read) {
		key->pipe = (__u64)sk;
	} else {
		sender = bpf_map_lookup_elem(&dgram_sender, &thread);
		if (!sender)
			return 0;
		key->pipe = *sender;
		bpf_map_delete_elem(&dgram_sender, &thread);
	}
	key->ino = UNIX_DGRAM_QUEUE_TAG;
	return 1;
}

/* skb_copy_datagram_iovec: the current thread is receiving this skb. */
static __always_inline void datagram_being_received(const struct sk_buff *skb)
{
	/* skb is a BTF-typed argument: direct loads, no helper call (every stream receive passes here) */
	struct sock *sender = skb->sk;
	__u64 thread, value;

	if (!sender || sender->__sk_common.skc_family != AF_UNIX || BPF_CORE_READ_BITFIELD(sender, sk_type) != SOCK_DGRAM)
		return;
	thread = bpf_get_current_pid_tgid();
	value = (__u64)sender;
	bpf_map_update_elem(&dgram_sender, &thread, &value, BPF_ANY);
}

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define SOCK_DEAD 0	/* enum sock_flags: the owner closed the socket */

/*
 * inet_sock_set_state: a connection of this end was set up (nothing has
 * moved either way yet: queues at its two directions were left by an
 * earlier connection with the same addresses and ports), or a socket its
 * owner closed is done (nobody will read what was sent to it; the other
 * direction stays for the peer, which drops it when it closes in turn).
 */
static __always_inline void tcp_state_changed(struct sock *sk, int oldstate, int newstate)
{
	struct pipe_key key;

	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)
		return;
	if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED) {
		if (tcp_direction_key(sk, 0, &key))
			queue_drop(&key);
		if (tcp_direction_key(sk, 1, &key))
			queue_drop(&key);
	} else if (newstate == TCP_CLOSE && (BPF_CORE_READ(sk, __sk_common.skc_flags) & (1UL << SOCK_DEAD))) {
		if (tcp_direction_key(sk, 1, &key))
			queue_drop(&key);
	}
}

/*
 * The queue and mechanism of a socket we follow on this host; 0 for others.
 * `sock`: the file's private_data; `mode`: its inode's i_mode.
 */
static __always_inline int socket_of_file(struct socket *sock, umode_t mode, int is_read,
					  const struct peer_name *name, struct pipe_key *key, __u8 *mechanism)
{
	struct sock *sk = sock_of_socket_file(sock, mode);
	__u16 family, type;

	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* bitfields on some kernels, plain fields on others */
	type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
	if (family == AF_UNIX && type == SOCK_DGRAM) {
		*mechanism = IPC_UNIX_DGRAM;
		return unix_dgram_key(sk, is_read, key);
	}
	if (family == AF_UNIX && (type == SOCK_STREAM || type == SOCK_SEQPACKET)) {
		*mechanism = type == SOCK_STREAM ? IPC_UNIX_STREAM : IPC_UNIX_SEQPACKET;
		return unix_stream_key(sk, is_read, key);
	}
	if ((family == AF_INET || family == AF_INET6) && type == SOCK_STREAM &&
	    BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP) {
		*mechanism = IPC_LOOPBACK_TCP;
		return tcp_direction_key(sk, is_read, key);
	}
	if ((family == AF_INET || family == AF_INET6) && type == SOCK_DGRAM &&
	    BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_UDP) {
		*mechanism = IPC_LOOPBACK_UDP;
		return udp_direction_key(sk, is_read, name, key);
	}
	return 0;
}

#endif
