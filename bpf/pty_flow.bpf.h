/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pseudo-terminals: bytes written to one end of a pty pair are read from
 * the other, in order, so they use the pipe attribution queue too, keyed
 * by the tty the bytes are queued on: a write queues on the other end
 * (tty->link), a read takes from its own end.
 *
 * The line discipline of the slave end may add bytes (echo, \r before \n)
 * or drop them (erase, kill): the reader's count is what it read, and
 * bytes without a write behind them wait in the queue as a debt for the
 * next write on that side.  In raw mode nothing is added or dropped.
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
 * pty.  *unsourced_ok is set for a read on the master while the slave
 * echoes or post-processes output: the master may then get bytes that no
 * process wrote, which are counted from [tty] rather than left waiting
 * for a write that will never come.
 */
static __always_inline int pty_key_of_file(struct tty_file_private *priv, const struct inode_head *h, int is_read,
					   struct pipe_key *key, __u8 *mechanism, __u8 *unsourced_ok)
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
	if (is_read && is_master)
		*unsourced_ok = (BPF_CORE_READ(link, termios.c_lflag) & PTY_ECHO) ||
				(BPF_CORE_READ(link, termios.c_oflag) & PTY_OPOST);
	return 1;
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
