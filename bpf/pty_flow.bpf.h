/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pseudo-terminals: bytes written to one end of a pty pair are read from
 * the other, in order, so they use the pipe attribution queue too, keyed
 * by the tty the bytes are queued on: a write queues on the other end
 * (tty->link), a read takes from its own end.
 *
 * The line discipline of the slave end may add bytes (echo, \r before \n)
 * or drop them (erase, kill).  A large write passes it in chunks while the
 * writer sleeps, so the master's reads may return long before the write
 * does: they leave debts that the write pays when it returns.  What the
 * line discipline made is counted from [tty]: with ONLCR one \r per \n in
 * what the master read (counted in its buffer, at the read), with ECHO
 * what the master wrote, when the write returns: the echo pays master
 * reads that returned first (the slave echoes while the write runs), and
 * the rest waits in the master's queue (echo_pending) for the next reads.
 * Bytes it dropped wait in the queue as a credit for the next read on that
 * side.  In raw mode nothing is added or dropped.
 */
#ifndef PTY_FLOW_BPF_H
#define PTY_FLOW_BPF_H

#include "kernel_access.bpf.h"

#define S_IFCHR 0020000
#define TTYAUX_MAJOR 5		/* 5:0 /dev/tty, 5:2 /dev/ptmx */
#define UNIX98_PTY_SLAVE_MAJOR 136
#define UNIX98_PTY_MAJOR_COUNT 8
#define PTY_QUEUE_TAG 0x50545900	/* "PTY" */
#define PTY_ECHO 0000010	/* termios c_lflag */
#define PTY_OPOST 0000001	/* termios c_oflag */
#define PTY_ONLCR 0000004	/* termios c_oflag: \n out as \r\n */
#define PTY_ICANON 0000002	/* c_lflag */
#define PTY_ECHOE 0000020	/* c_lflag: erase echoed as \b \b */
#define PTY_ECHOCTL 0001000	/* c_lflag: control characters echoed as ^X */
#define PTY_ICRNL 0000400	/* c_iflag: \r in as \n */
#define PTY_VERASE 2
#define PTY_VEOF 4

/* What the slave's line discipline does to a master transfer (pipe_op.ldisc). */
#define PTY_LDISC_NEWLINES 0x1	/* master read: the slave turned each \n into \r\n */
#define PTY_LDISC_ECHO 0x2	/* the slave echoes: a master write comes back to the master's readers */
#define PTY_LDISC_ECHOED 0x4	/* the op is that echo, by [tty] onto the master's queue (pty_echo) */

/*
 * Whether an inode (its `mode` and `rdev`) is /dev/ptmx, /dev/pts/N or
 * /dev/tty; *is_master: /dev/ptmx.
 */
static __always_inline int pty_device(umode_t mode, dev_t rdev, int *is_master)
{
	unsigned int major, minor;

	if ((mode & S_IFMT) != S_IFCHR)
		return 0;
	major = rdev >> 20;
	minor = rdev & 0xfffff;
	if (major == TTYAUX_MAJOR ? minor != 0 && minor != 2
				  : major - UNIX98_PTY_SLAVE_MAJOR >= UNIX98_PTY_MAJOR_COUNT)
		return 0;
	*is_master = major == TTYAUX_MAJOR && minor == 2;
	return 1;
}

/* A tty device file's private_data is its tty_file_private. */
static __always_inline struct tty_struct *tty_of_private(struct tty_file_private *priv)
{
	return priv ? BPF_CORE_READ(priv, tty) : NULL;
}

/* The tty behind a /dev/ptmx, /dev/pts/N or /dev/tty descriptor; NULL for other files. */
static __always_inline struct tty_struct *pty_of_file(struct file *file, int *is_master)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	if (!inode || !pty_device(BPF_CORE_READ(inode, i_mode), BPF_CORE_READ(inode, i_rdev), is_master))
		return NULL;
	return tty_of_private(BPF_CORE_READ(file, private_data));
}

/*
 * The queue of the end a pty transfer's bytes are queued on; 0 if not a
 * pty.  For the master, *ldisc says what the slave's line discipline adds
 * (PTY_LDISC_*) and *master is the master's tty, whose echo is pending.
 */
static __always_inline int pty_key_of_file(struct tty_file_private *priv, const struct inode_head *h, int is_read,
					   struct pipe_key *key, __u8 *mechanism, __u8 *ldisc, __u64 *master)
{
	int is_master;
	struct tty_struct *tty, *link;

	if (!pty_device(h->mode, h->rdev, &is_master))
		return 0;
	tty = tty_of_private(priv);
	if (!tty)
		return 0;
	link = BPF_CORE_READ(tty, link);
	if (!link)	/* /dev/tty of a console, not a pty */
		return 0;
	key->pipe = (__u64)(is_read ? tty : link);
	key->ino = PTY_QUEUE_TAG;
	*mechanism = IPC_PTY;
	if (is_master) {
		__u32 oflag = BPF_CORE_READ(link, termios.c_oflag);

		*master = (__u64)tty;
		*ldisc = (BPF_CORE_READ(link, termios.c_lflag) & PTY_ECHO) ? PTY_LDISC_ECHO : 0;
		if (is_read && (oflag & PTY_OPOST) && (oflag & PTY_ONLCR))
			*ldisc |= PTY_LDISC_NEWLINES;
	}
	return 1;
}

/* Bytes of a word equal to c: exact, no branch per byte (the verifier walks every branch). */
static __always_inline __u32 bytes_equal(__u64 w, __u8 c)
{
	const __u64 low7 = 0x7f7f7f7f7f7f7f7fULL;
	__u64 x = w ^ (c * 0x0101010101010101ULL), zero = ~(((x & low7) + low7) | x | low7);

	/* the high bit of each matching byte, summed into the top byte */
	return ((zero >> 7) * 0x0101010101010101ULL) >> 56;
}

/* Bytes of a word below 0x20 (control characters but DEL). */
static __always_inline __u32 bytes_control(__u64 w)
{
	__u64 printable = (((w & 0x7f7f7f7f7f7f7f7fULL) + 0x6060606060606060ULL) | w) & 0x8080808080808080ULL;

	return 8 - (((printable >> 7) * 0x0101010101010101ULL) >> 56);
}

static __always_inline __u32 newlines_in_words(const __u64 *w)
{
	__u32 count = 0;
	int i;

	UNROLL
	for (i = 0; i < 8; i++)
		count += bytes_equal(w[i], '\n');
	return count;
}

#define PTY_SCAN_CHUNK 64
#define PTY_SCAN_MAX 8192	/* a master read returns at most a few KiB */
#define PTY_ECHO_SCAN_MAX 256	/* typing is a few bytes a write; past this, a byte echoes as one */

/*
 * The \n bytes among the first `len` bytes at `ptr` (user memory, what a
 * master read returned), in `chunk` (PTY_SCAN_CHUNK bytes, off the stack).
 */
static __always_inline __u32 newlines_in_user(unsigned long ptr, __u32 len, __u64 *chunk)
{
	__u32 count = 0, off, n;
	int i;

	for (i = 0; i < PTY_SCAN_MAX / PTY_SCAN_CHUNK; i++) {
		off = i * PTY_SCAN_CHUNK;
		if (off >= len)
			break;
		n = len - off;
		if (n > PTY_SCAN_CHUNK)
			n = PTY_SCAN_CHUNK;
		n = masked_index(n, 2 * PTY_SCAN_CHUNK - 1);	/* the verifier sees the bound */
		/* zero bytes past n are not newlines */
		__builtin_memset(chunk, 0, PTY_SCAN_CHUNK);
		if (bpf_probe_read_user(chunk, n, (void *)(ptr + off)))
			break;
		count += newlines_in_words(chunk);
	}
	return count;
}

/*
 * What the slave echoes of `len` bytes a master wrote at `ptr`, as n_tty
 * does in canonical mode: a byte as itself, VEOF not at all, a control
 * character as ^X (ECHOCTL; tab, newline, and \r that ICRNL makes a
 * newline, as themselves), VERASE as \b \b (ECHOE, as if there was
 * something to erase).  Counted a word at a time in the first
 * PTY_ECHO_SCAN_MAX bytes (typing is a few a write); past them a byte
 * echoes as one.  `chunk`: PTY_SCAN_CHUNK bytes of room, zeroed past the data.
 */
static __always_inline __u32 pty_echo_of_input(struct tty_struct *slave, unsigned long ptr, __u32 len, __u64 *chunk)
{
	__u32 lflag = BPF_CORE_READ(slave, termios.c_lflag), iflag = BPF_CORE_READ(slave, termios.c_iflag);
	__u8 veof = BPF_CORE_READ(slave, termios.c_cc[PTY_VEOF]), verase = BPF_CORE_READ(slave, termios.c_cc[PTY_VERASE]);
	int canon = lflag & PTY_ICANON, ctl = lflag & PTY_ECHOCTL, erase = canon && (lflag & PTY_ECHOE);
	__u32 echo = len, off, n, eofs = 0, erases = 0, controls = 0, plain = 0;
	int i, w;

	for (i = 0; i < PTY_ECHO_SCAN_MAX / PTY_SCAN_CHUNK; i++) {
		off = i * PTY_SCAN_CHUNK;
		if (off >= len)
			break;
		n = len - off;
		if (n > PTY_SCAN_CHUNK)
			n = PTY_SCAN_CHUNK;
		n = masked_index(n, 2 * PTY_SCAN_CHUNK - 1);	/* the verifier sees the bound */
		__builtin_memset(chunk, 0, PTY_SCAN_CHUNK);
		if (bpf_probe_read_user(chunk, n, (void *)(ptr + off)))
			return len;
		/* not unrolled: forty word counts at once spill past 5.10's 512-byte stack chain */
#pragma clang loop unroll(disable)
		for (w = 0; w < PTY_SCAN_CHUNK / 8; w++) {
			/* a c_cc of 0 is disabled (and the zero padding) */
			eofs += veof ? bytes_equal(chunk[w], veof) : 0;
			erases += verase ? bytes_equal(chunk[w], verase) : 0;
			/* zero padding counts as control bytes below: taken off with n */
			controls += bytes_control(chunk[w]) + bytes_equal(chunk[w], 0x7f);
			plain += bytes_equal(chunk[w], '\t') + bytes_equal(chunk[w], '\n') +
				 ((iflag & PTY_ICRNL) ? bytes_equal(chunk[w], '\r') : 0);
		}
		controls -= PTY_SCAN_CHUNK - n;	/* the zeros past the data */
	}
	if (canon)
		echo -= eofs;
	if (erase)
		echo += 2 * erases;
	if (ctl) {
		/* ^X: one more byte each, but for those echoed as themselves and those counted above */
		__s64 more = (__s64)controls - plain - (canon && veof < 0x20 ? eofs : 0) -
			     (erase && (verase < 0x20 || verase == 0x7f) ? erases : 0);

		if (more > 0)
			echo += more;
	}
	return echo;
}

/*
 * /dev/ptmx was opened: a new pair exists.  Queues left at its two ends'
 * addresses belong to freed ttys: drop them.
 */
static __always_inline void pty_opened(struct file *file)
{
	struct pipe_key key = { .ino = PTY_QUEUE_TAG };
	struct tty_struct *tty;
	int is_master;

	tty = pty_of_file(file, &is_master);
	if (!tty || !is_master)
		return;
	key.pipe = (__u64)tty;
	queue_drop(&key);
	key.pipe = (__u64)BPF_CORE_READ(tty, link);
	queue_drop(&key);
}

#endif
