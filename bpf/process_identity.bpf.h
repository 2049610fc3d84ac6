/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for the identities endpoints carry (bpf/kernel_access.bpf.h), kept
 * as they come into being so that a process or cgroup gone by scrape time
 * is still named: an executable's path at exec, a cgroup's path at mkdir.
 * User space resolves what existed before the exporter from /proc and the
 * cgroup filesystem.  Only loaded when those labels are asked for.
 */
#ifndef PROCESS_IDENTITY_BPF_H
#define PROCESS_IDENTITY_BPF_H

#include "kernel_access.bpf.h"

#define EXE_PATH_DEPTH 32

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);	/* ipc_exe_id() */
	__type(value, struct ipc_exe_path);
} exe_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);	/* cgroup id */
	__type(value, char[IPC_CGROUP_PATH_MAX]);
} cgroup_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipc_exe_path);
} exe_path_scratch SEC(".maps");

/*
 * The path of a file as the current task sees it (from its root, a
 * container's or a chroot's), walking dentries and mounts up as d_path()
 * does.  Written from the end of the buffer.
 */
static __always_inline void path_of_file(struct file *file, struct ipc_exe_path *out)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry), *parent;
	__u64 mnt_offset = bpf_core_field_offset(struct mount, mnt);
	struct mount *mnt = (void *)BPF_CORE_READ(file, f_path.mnt) - mnt_offset, *up;
	struct qstr name;
	__u32 pos, len;
	int i;

	out->truncated = 0;
	out->text[IPC_EXE_PATH_MAX - 1] = '\0';
	/*
	 * The write position lives in the map value, not in a register: the
	 * verifier then sees every iteration end alike and prunes, instead of
	 * following each combination of mount crossings and names.
	 */
	out->start = IPC_EXE_PATH_MAX - 1;
	for (i = 0; i < EXE_PATH_DEPTH; i++) {
		if (dentry == root && (void *)mnt + mnt_offset == (void *)root_mnt)
			break;
		if (dentry == BPF_CORE_READ(mnt, mnt.mnt_root)) {
			up = BPF_CORE_READ(mnt, mnt_parent);
			if (up == mnt)
				break;	/* the namespace's root */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		parent = BPF_CORE_READ(dentry, d_parent);
		if (!parent || parent == dentry)
			break;
		name = BPF_CORE_READ(dentry, d_name);
		len = name.len & (IPC_EXE_PATH_MAX - 1);
		pos = out->start;
		if (len + 1 > pos || pos >= IPC_EXE_PATH_MAX) {
			out->truncated = 1;
			break;
		}
		pos -= len;
		bpf_probe_read_kernel(&out->text[pos & (IPC_EXE_PATH_MAX - 1)], len, name.name);
		pos -= 1;
		out->text[pos & (IPC_EXE_PATH_MAX - 1)] = '/';
		out->start = pos;
		dentry = parent;
	}
	if (out->start == IPC_EXE_PATH_MAX - 1) {
		out->text[IPC_EXE_PATH_MAX - 2] = '/';	/* the root itself */
		out->start = IPC_EXE_PATH_MAX - 2;
	}
}

static __always_inline void exe_executed(struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct ipc_exe_path *path;
	__u32 zero = 0;
	__u64 id;

	if (!inode)
		return;
	id = ipc_exe_id(BPF_CORE_READ(inode, i_sb, s_dev), BPF_CORE_READ(inode, i_ino));
	if (bpf_map_lookup_elem(&exe_paths, &id))
		return;
	path = bpf_map_lookup_elem(&exe_path_scratch, &zero);
	if (!path)
		return;
	path_of_file(file, path);
	bpf_map_update_elem(&exe_paths, &id, path, BPF_NOEXIST);
}

/* cgroup ids are those of the v2 hierarchy, the default root's (hierarchy 0). */
static __always_inline void cgroup_made(struct cgroup *cgrp, const char *path)
{
	char text[IPC_CGROUP_PATH_MAX];
	__u64 id;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return;
	id = BPF_CORE_READ(cgrp, kn, id);
	if (bpf_probe_read_kernel_str(text, sizeof(text), path) < 0)
		return;
	bpf_map_update_elem(&cgroup_paths, &id, text, BPF_ANY);
}

#endif
