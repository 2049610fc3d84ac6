// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "identity/cgroup_names.h"
#include "identity/identity_names.h"
#include "identity/process_labels.h"
#include "ipc_types.h"

/* A miss rescans /proc at most this often: many unknown ids, one scan. */
#define PROC_SCAN_INTERVAL_NS 1000000000LL

static struct id_name *id_slot(struct id_name *slots, size_t capacity, uint64_t id)
{
	size_t i = (id * 0x9e3779b97f4a7c15ULL) >> 20 & (capacity - 1);

	while (slots[i].id && slots[i].id != id)
		i = (i + 1) & (capacity - 1);
	return &slots[i];
}

static const char *id_names_find(const struct id_names *t, uint64_t id)
{
	return t->capacity ? id_slot(t->slots, t->capacity, id)->name : NULL;
}

static void id_names_put(struct id_names *t, uint64_t id, const char *name)
{
	struct id_name *slot;

	if ((t->count + 1) * 4 > t->capacity * 3) {
		size_t capacity = t->capacity ? t->capacity * 2 : 256;
		struct id_name *slots = calloc(capacity, sizeof(*slots));

		if (!slots)
			return;
		for (size_t i = 0; i < t->capacity; i++)
			if (t->slots[i].id)
				*id_slot(slots, capacity, t->slots[i].id) = t->slots[i];
		free(t->slots);
		t->slots = slots;
		t->capacity = capacity;
	}
	slot = id_slot(t->slots, t->capacity, id);
	if (!slot->id)
		t->count++;
	slot->id = id;
	slot->name = name;
}

const char *identity_intern(struct identity_names *n, const char *s)
{
	return string_pool_intern(&n->pool, s);
}

/* The kernel's encoding of a device number, as in struct super_block's s_dev. */
static uint32_t kernel_dev(dev_t dev)
{
	return (uint32_t)major(dev) << 20 | minor(dev);
}

/* Every running process's executable: those exec'd before the exporter. */
static void scan_proc_exes(struct identity_names *n)
{
	char link[300], path[4096];
	struct dirent *d;
	struct stat st;
	DIR *proc = opendir("/proc");
	ssize_t len;

	if (!proc)
		return;
	while ((d = readdir(proc))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(link, sizeof(link), "/proc/%s/exe", d->d_name);
		if (stat(link, &st) < 0)
			continue;	/* a kernel thread, or gone */
		uint64_t id = ipc_exe_id(kernel_dev(st.st_dev), st.st_ino);
		if (id_names_find(&n->exes, id))
			continue;
		len = readlink(link, path, sizeof(path) - 1);
		if (len <= 0)
			continue;
		path[len] = '\0';
		const char *name = identity_intern(n, path);
		if (name)
			id_names_put(&n->exes, id, name);
	}
	closedir(proc);
	clock_gettime(CLOCK_MONOTONIC, &n->last_proc_scan);
	n->proc_scans++;
}

static int proc_scan_due(const struct identity_names *n)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - n->last_proc_scan.tv_sec) * 1000000000LL + (now.tv_nsec - n->last_proc_scan.tv_nsec) >=
	       PROC_SCAN_INTERVAL_NS;
}

const char *identity_exe_name(struct identity_names *n, uint64_t exe)
{
	struct ipc_exe_path recorded;
	const char *name;
	char path[2 * IPC_EXE_PATH_MAX + 8];

	if (!exe)
		return identity_intern(n, "");
	name = id_names_find(&n->exes, exe);
	if (name)
		return name;
	if (n->exe_paths_fd >= 0 && bpf_map_lookup_elem(n->exe_paths_fd, &exe, &recorded) == 0 &&
	    recorded.start < IPC_EXE_PATH_MAX) {
		recorded.text[sizeof(recorded.text) - 1] = '\0';
		snprintf(path, sizeof(path), "%s%s", recorded.truncated ? "..." : "", recorded.text + recorded.start);
		name = identity_intern(n, path);
	} else if (proc_scan_due(n)) {
		scan_proc_exes(n);
		name = id_names_find(&n->exes, exe);
	}
	if (!name)
		return identity_intern(n, IDENTITY_UNKNOWN);	/* not kept: a later scan may know it */
	id_names_put(&n->exes, exe, name);
	return name;
}

const char *identity_cgroup_name(struct identity_names *n, uint64_t cgroup)
{
	char recorded[IPC_CGROUP_PATH_MAX], label[IPC_CGROUP_PATH_MAX + 64];
	const char *name, *path = NULL;

	if (!cgroup)
		return identity_intern(n, "");
	name = id_names_find(&n->cgroups, cgroup);
	if (name)
		return name;
	if (n->cgroup_paths_fd >= 0 && bpf_map_lookup_elem(n->cgroup_paths_fd, &cgroup, recorded) == 0) {
		recorded[sizeof(recorded) - 1] = '\0';
		path = recorded;
	} else {
		path = cgroup_paths_lookup(&n->cgroup_tree, cgroup);
	}
	if (!path)
		return identity_intern(n, IDENTITY_UNKNOWN);
	cgroup_label(path, label, sizeof(label));
	name = identity_intern(n, label);
	if (name)
		id_names_put(&n->cgroups, cgroup, name);
	return name;
}

int identity_names_init(struct identity_names *n, int exe_paths_fd, int cgroup_paths_fd, unsigned int labels)
{
	memset(n, 0, sizeof(*n));
	n->exe_paths_fd = exe_paths_fd;
	n->cgroup_paths_fd = cgroup_paths_fd;
	if (labels & PROCESS_LABEL_CGROUP)
		cgroup_paths_init(&n->cgroup_tree);
	if (labels & PROCESS_LABEL_EXE)
		scan_proc_exes(n);
	return 0;
}

void identity_names_free(struct identity_names *n)
{
	free(n->exes.slots);
	free(n->cgroups.slots);
	cgroup_paths_free(&n->cgroup_tree);
	string_pool_free(&n->pool);
}
