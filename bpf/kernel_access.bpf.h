/* SPDX-License-Identifier: GPL-2.0 */
/* CO-RE reads of kernel objects shared by every mechanism. */
#ifndef KERNEL_ACCESS_BPF_H
#define KERNEL_ACCESS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ipc_types.h"

#define S_IFMT 00170000
#define S_IFIFO 0010000
#define PIPEFS_MAGIC 0x50495045
#define EBUSY 16

/*
 * Whether the running kernel has bpf_get_current_task_btf() (5.11+): then
 * the current task's fields are direct (BTF) loads instead of a helper call
 * each.  A CO-RE check against the kernel's own BTF, so it is a constant
 * at load: where false (5.10), the verifier never walks the branch that
 * calls the helper and drops it.
 */
#define current_task_btf_exists() bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)

/*
 * bpf_rdonly_cast (6.2+) makes a kernel address a BTF pointer: loads
 * through it are single fault-safe instructions instead of a helper call
 * each, and the verifier turns the call itself into a register move.
 * Whether the kernel has it is a CO-RE check of its own BTF (the verifier's
 * list of the kfuncs it treats specially), so older kernels never see the
 * call: the verifier drops the branch unwalked.
 */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym __weak;
#define rdonly_cast_exists() bpf_core_enum_value_exists(enum special_kfunc_type, KF_bpf_rdonly_cast)
#define rdonly_cast(ptr, type) ((type *)bpf_rdonly_cast((ptr), bpf_core_type_id_kernel(type)))

/* IPC_IDENTITY_* flags: what user space will label flows with. */
const volatile __u32 identities = 0;

/* The cgroup and executable of a task, if they are recorded. */
static __always_inline void identity_of_task(struct ipc_endpoint *ep, struct task_struct *task)
{
	struct inode *exe;

	if (identities & IPC_IDENTITY_CGROUP)
		ep->cgroup = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	if (identities & IPC_IDENTITY_EXE) {
		exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
		if (exe)
			ep->exe = ipc_exe_id(BPF_CORE_READ(exe, i_sb, s_dev), BPF_CORE_READ(exe, i_ino));
	}
}

/*
 * Endpoints are map keys and are compared whole: the bytes after the name's
 * NUL must be zero (the memset; the string read stops at the NUL).
 * The name is the process's, its thread-group leader's: threads that name
 * themselves (redis's io_thd_1, dig's isc-net-0000) still count under their
 * process.  It is read at every event, so a rename (prctl, exec) shows at once.
 */
static __always_inline void endpoint_of_current(struct ipc_endpoint *ep)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);

	__builtin_memset(ep, 0, sizeof(*ep));
	ep->tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_probe_read_kernel_str(ep->comm, sizeof(ep->comm), &leader->comm);
	if (identities)
		identity_of_task(ep, task);
}

/* A placeholder identity ([kernel], [unknown], ...); `name` is a string literal. */
#define endpoint_placeholder(ep, name)                          \
	do {                                                    \
		__builtin_memset((ep), 0, sizeof(*(ep)));       \
		__builtin_memcpy((ep)->comm, name, sizeof(name)); \
	} while (0)

/*
 * What a file's operations say of it: one load tells every file we do not
 * follow (regular files, devices, eventfds, ...) from a pipe, FIFO, socket
 * or tty.  The operations are learned at start (file_ops, below); until
 * then, or if learning failed, every file is FILE_KIND_UNSURE and
 * classified in full.
 */
#define FILE_KIND_OTHER 0	/* none we follow: nothing more to read */
#define FILE_KIND_PIPE 1	/* a pipe or FIFO */
#define FILE_KIND_SOCKET 2	/* a socket: private_data is its struct socket */
#define FILE_KIND_TTY 3		/* a tty; whether a pty's end, pty_key_of_file decides */
#define FILE_KIND_UNSURE 4	/* operations not learned: classify from the inode */

/* .bss, written at start (src/kernel/file_kinds.c) */
__u64 file_ops[IPC_FILE_OPS_COUNT];		/* each kind's f_op, noted by ipc_queue_sweep */
__s32 file_ops_probe_fd[IPC_FILE_OPS_COUNT];	/* the exporter's file of each kind, while it learns */
__u32 file_ops_learned;				/* all are known and distinct */

static __always_inline int file_kind_of_ops(__u64 ops)
{
	if (!file_ops_learned)
		return FILE_KIND_UNSURE;
	if (ops == file_ops[IPC_FILE_OPS_PIPE] || ops == file_ops[IPC_FILE_OPS_FIFO])
		return FILE_KIND_PIPE;
	if (ops == file_ops[IPC_FILE_OPS_SOCKET])
		return FILE_KIND_SOCKET;
	if (ops == file_ops[IPC_FILE_OPS_TTY] || ops == file_ops[IPC_FILE_OPS_PTMX])
		return FILE_KIND_TTY;
	return FILE_KIND_OTHER;
}

/* The kind of a file from current_fd_file: one load, or one probe read (8 bytes) before 6.2. */
static __always_inline int file_kind_of(struct file *file)
{
	if (!file_ops_learned)
		return FILE_KIND_UNSURE;
	if (rdonly_cast_exists())
		return file_kind_of_ops((__u64)file->f_op);
	return file_kind_of_ops((__u64)BPF_CORE_READ(file, f_op));
}

/* An fdtable's first two fields, as every kernel we know lays them out. */
struct fdtable_head {
	unsigned int max_fds;
	struct file **fd;
};

/*
 * The file behind a descriptor of the current task, or NULL, by probe
 * reads (5.10): four, the table's size and address being read at once.
 */
static __always_inline struct file *current_fd_file_read(unsigned int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct fdtable_head head;
	struct file *file = NULL;

	if (!fdt)
		return NULL;
	if (bpf_core_field_offset(struct fdtable, max_fds) == offsetof(struct fdtable_head, max_fds) &&
	    bpf_core_field_offset(struct fdtable, fd) == offsetof(struct fdtable_head, fd)) {
		if (bpf_probe_read_kernel(&head, sizeof(head), fdt))
			return NULL;
	} else {
		head.max_fds = BPF_CORE_READ(fdt, max_fds);
		head.fd = BPF_CORE_READ(fdt, fd);
	}
	if (fd >= head.max_fds || bpf_probe_read_kernel(&file, sizeof(file), &head.fd[fd]))
		return NULL;
	return file;
}

/*
 * What tells a file's kind lies in the first bytes of its inode (i_mode,
 * i_sb, i_ino, i_rdev) on the kernels we know: one read fetches them all,
 * as each read is a helper call.  A field a kernel keeps further on is
 * read on its own.
 */
#define INODE_HEAD_BYTES 128
struct inode_head {
	struct inode *inode;
	struct super_block *sb;
	__u64 ino;
	__u32 rdev;
	__u16 mode;
};

#define inode_head_field(raw, inode, field, type)                                          \
	(bpf_core_field_offset(struct inode, field) + sizeof(type) <= INODE_HEAD_BYTES          \
		 ? *(type *)((raw) + bpf_core_field_offset(struct inode, field))               \
		 : (type)BPF_CORE_READ(inode, field))

/* The head of an inode; `raw` is INODE_HEAD_BYTES of room (off the stack). */
static __always_inline int inode_head_of(struct inode *inode, __u8 *raw, struct inode_head *h)
{
	if (!inode)
		return 0;
	if (rdonly_cast_exists()) {
		/* a BTF pointer (see current_fd_file_btf): each field one fault-safe load */
		inode = rdonly_cast(inode, struct inode);
		h->inode = inode;
		h->mode = inode->i_mode;
		h->sb = inode->i_sb;
		h->ino = inode->i_ino;
		h->rdev = inode->i_rdev;
		return 1;
	}
	if (bpf_probe_read_kernel(raw, INODE_HEAD_BYTES, inode))
		return 0;
	h->inode = inode;
	h->mode = inode_head_field(raw, inode, i_mode, umode_t);
	h->sb = inode_head_field(raw, inode, i_sb, struct super_block *);
	h->ino = inode_head_field(raw, inode, i_ino, unsigned long);
	h->rdev = inode_head_field(raw, inode, i_rdev, dev_t);
	return 1;
}

/*
 * The same for the fields of a struct file a transfer needs: f_inode,
 * private_data (for pipes and FIFOs the pipe, as inode->i_pipe: the
 * kernel's own pipe_read/pipe_write use it; for sockets the struct socket,
 * for ttys the tty_file_private) and f_mode.  They end by byte 40 on 6.18,
 * by 208 on 5.10 and 6.1 (private_data at 200): the read stops after the
 * last of them (CO-RE offsets), so it is short where it can be and never
 * goes past the object.  One beyond FILE_HEAD_BYTES is read on its own.
 */
#define FILE_HEAD_BYTES 256
struct file_head {
	struct inode *inode;
	void *private_data;
	fmode_t mode;
};

#define file_field_end(field, type) (bpf_core_field_offset(struct file, field) + sizeof(type))
#define file_head_field(raw, file, field, type)                                   \
	(file_field_end(field, type) <= FILE_HEAD_BYTES                               \
		 ? *(type *)((raw) + bpf_core_field_offset(struct file, field))       \
		 : (type)BPF_CORE_READ(file, field))

/* `raw` is FILE_HEAD_BYTES of room (off the stack). */
static __always_inline int file_head_of(struct file *file, __u8 *raw, struct file_head *f)
{
	__u32 span = file_field_end(f_inode, struct inode *), end;

	end = file_field_end(private_data, void *);
	span = end > span ? end : span;
	end = file_field_end(f_mode, fmode_t);
	span = end > span ? end : span;
	if (rdonly_cast_exists()) {
		file = rdonly_cast(file, struct file);
		f->inode = file->f_inode;
		f->private_data = file->private_data;
		f->mode = file->f_mode;
		return 1;
	}
	if (span > FILE_HEAD_BYTES)
		span = FILE_HEAD_BYTES;
	if (bpf_probe_read_kernel(raw, span, file))
		return 0;
	f->inode = file_head_field(raw, file, f_inode, struct inode *);
	f->private_data = file_head_field(raw, file, private_data, void *);
	f->mode = file_head_field(raw, file, f_mode, fmode_t);
	return 1;
}

/*
 * current_fd_file by direct loads: only where current_task_btf_exists().
 * The returned file is a BTF pointer where rdonly_cast_exists(), else a
 * plain address.
 */
static __always_inline struct file *current_fd_file_btf(struct task_struct *task, unsigned int fd)
{
	struct files_struct *files = task->files;
	struct fdtable *fdt;
	struct file **table;
	struct file *file = NULL;

	if (!files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return NULL;
	/* a plain address: the verifier types no pointer to pointers */
	table = fdt->fd;
	if (rdonly_cast_exists()) {
		/* the slot as a struct of one pointer (llist_node), what it holds as a file */
		return rdonly_cast(rdonly_cast(&table[fd], struct llist_node)->next, struct file);
	}
	if (bpf_probe_read_kernel(&file, sizeof(file), &table[fd]))
		return NULL;
	return file;
}

/* The file behind a descriptor of the current task, or NULL, the cheapest way this kernel has. */
static __always_inline struct file *current_fd_file(unsigned int fd)
{
	if (current_task_btf_exists())
		return current_fd_file_btf(bpf_get_current_task_btf(), fd);
	return current_fd_file_read(fd);
}

/*
 * As endpoint_of_current, for any task given as a BTF pointer, without a
 * helper call: the leader's name is three loads, and what a string copy
 * would do (at most 15 bytes, zeros after the NUL) is done with masks.
 */
static __always_inline void endpoint_of_task_btf(struct ipc_endpoint *ep, struct task_struct *task)
{
	const __u64 *name = (const __u64 *)task->group_leader->comm;
	__u64 lo = name[0], hi = name[1] & 0x00ffffffffffffffULL, zeros;
	__u32 *comm = (__u32 *)ep->comm;

	__builtin_memset(ep, 0, sizeof(*ep));
	ep->tgid = task->tgid;
	/* the high bit of each zero byte; the lowest one set is the first NUL */
	zeros = (lo - 0x0101010101010101ULL) & ~lo & 0x8080808080808080ULL;
	if (zeros) {
		lo &= ((zeros & -zeros) >> 7) - 1;
		hi = 0;
	} else {
		zeros = (hi - 0x0101010101010101ULL) & ~hi & 0x8080808080808080ULL;
		hi &= ((zeros & -zeros) >> 7) - 1;
	}
	comm[0] = lo;
	comm[1] = lo >> 32;
	comm[2] = hi;
	comm[3] = hi >> 32;
	if (identities)
		identity_of_task(ep, task);
}

/*
 * iov_iter as older kernels lay it out: 5.10 has `type` (with the
 * direction in bit 0) and `iov`; 6.1 names the iovec array `iov`, later
 * ones `__iov`.  CO-RE picks the fields the running kernel has.
 */
struct iov_iter___type {
	unsigned int type;
} __attribute__((preserve_access_index));

struct iov_iter___iov {
	const struct iovec *iov;
} __attribute__((preserve_access_index));

/* Where a transfer's bytes are, for events and the pty line discipline (CONTENT_* of event_output.bpf.h). */
struct iter_content {
	__u32 kind;		/* CONTENT_FLAT, CONTENT_KIOVEC, or 0: unknown */
	__u32 count;		/* CONTENT_KIOVEC: segments */
	unsigned long ptr;	/* the user address of the first byte, or the kernel address of the first segment */
};

#define ITER_CONTENT_FLAT 1	/* = CONTENT_FLAT */
#define ITER_CONTENT_KIOVEC 4	/* = CONTENT_KIOVEC */
#define ITER_SEGMENTS_BACK 8	/* = CONTENT_IOV_MAX */

/*
 * For a read or write that moved `bytes` through `iter` (at the hook's
 * exit): whether the bytes are in user memory (a read(), write(), send()
 * or recv() buffer; not splice's pages nor a kernel caller's buffer), and
 * in *c where: one user buffer, or segments of the iterator's iovec array
 * (readv, writev, sendmsg).  The iterator has moved past the bytes: they
 * end at its position, and began at the start of a segment (a syscall's
 * iterator begins at its first), else they are left unknown.
 */
static __always_inline int iter_user_bytes(struct iov_iter *iter, __u64 bytes, struct iter_content *c)
{
	__u64 offset = BPF_CORE_READ(iter, iov_offset), left;
	const struct iovec *iov;
	struct iovec seg;
	__u32 type;
	int i;

	c->kind = 0;
	c->count = 0;
	c->ptr = 0;
	if (bpf_core_field_exists(iter->iter_type)) {
		type = BPF_CORE_READ(iter, iter_type);
		if (bpf_core_enum_value_exists(enum iter_type, ITER_UBUF) &&
		    type == bpf_core_enum_value(enum iter_type, ITER_UBUF)) {
			if (offset >= bytes) {
				c->kind = ITER_CONTENT_FLAT;
				c->ptr = (unsigned long)BPF_CORE_READ(iter, ubuf) + offset - bytes;
			}
			return 1;
		}
		if (type != bpf_core_enum_value(enum iter_type, ITER_IOVEC))
			return 0;
		if (bpf_core_field_exists(iter->__iov))
			iov = BPF_CORE_READ(iter, __iov);
		else
			iov = BPF_CORE_READ((struct iov_iter___iov *)iter, iov);
	} else {
		type = BPF_CORE_READ((struct iov_iter___type *)iter, type);
		if ((type & ~1u) != bpf_core_enum_value(enum iter_type, ITER_IOVEC))
			return 0;
		iov = BPF_CORE_READ((struct iov_iter___iov *)iter, iov);
	}
	if (offset >= bytes) {
		if (!bpf_probe_read_kernel(&seg, sizeof(seg), iov)) {
			c->kind = ITER_CONTENT_FLAT;
			c->ptr = (unsigned long)seg.iov_base + offset - bytes;
		}
		return 1;
	}
	/* back through the segments before the position, to the first byte */
	left = bytes - offset;
	for (i = 1; i <= ITER_SEGMENTS_BACK; i++) {
		if (bpf_probe_read_kernel(&seg, sizeof(seg), iov - i))
			break;
		if (seg.iov_len >= left) {
			if (!offset && i == 1) {
				c->kind = ITER_CONTENT_FLAT;
				c->ptr = (unsigned long)seg.iov_base + seg.iov_len - left;
			} else if (seg.iov_len == left) {
				c->kind = ITER_CONTENT_KIOVEC;
				c->ptr = (unsigned long)(iov - i);
				c->count = i + (offset ? 1 : 0);
			}
			break;
		}
		left -= seg.iov_len;
	}
	return 1;
}

#endif
