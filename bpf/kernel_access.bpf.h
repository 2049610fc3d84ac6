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
 * NUL must be zero, and not every kernel's comm helpers pad them.
 * The name is read at every event, so a rename (prctl, exec) shows at once.
 */
static __always_inline void endpoint_of_current(struct ipc_endpoint *ep)
{
	__builtin_memset(ep, 0, sizeof(*ep));
	ep->tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(ep->comm, sizeof(ep->comm));
	if (identities)
		identity_of_task(ep, (struct task_struct *)bpf_get_current_task());
}

static __always_inline void endpoint_of_task(struct ipc_endpoint *ep, struct task_struct *task)
{
	__builtin_memset(ep, 0, sizeof(*ep));
	ep->tgid = BPF_CORE_READ(task, tgid);
	bpf_probe_read_kernel_str(ep->comm, sizeof(ep->comm), &task->comm);
	if (identities)
		identity_of_task(ep, task);
}

/* A placeholder identity ([kernel], [unknown], ...); `name` is a string literal. */
#define endpoint_placeholder(ep, name)                          \
	do {                                                    \
		__builtin_memset((ep), 0, sizeof(*(ep)));       \
		__builtin_memcpy((ep)->comm, name, sizeof(name)); \
	} while (0)

/* The file behind a descriptor of the current task, or NULL. */
static __always_inline struct file *current_fd_file(unsigned int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **table;
	struct file *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	table = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &table[fd]))
		return NULL;
	return file;
}

#endif
