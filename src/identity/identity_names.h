/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Label values for the identities the kernel side records by number: an
 * executable (ipc_exe_id) becomes its path, a cgroup id its short name
 * (src/cgroup_names.c).  Names come from what the kernel noted at exec and
 * mkdir, then from /proc and the cgroup filesystem for what existed before
 * the exporter.  Values are interned: equal names, one pointer.
 */
#ifndef IDENTITY_NAMES_H
#define IDENTITY_NAMES_H

#include <stdint.h>
#include <time.h>

#include "identity/cgroup_paths.h"
#include "util/string_pool.h"

struct id_name {
	uint64_t id;		/* 0: free slot */
	const char *name;	/* interned */
};

struct id_names {
	struct id_name *slots;
	size_t capacity;	/* a power of two */
	size_t count;
};

struct identity_names {
	int exe_paths_fd;	/* the kernel's notes (map fds), -1: none */
	int cgroup_paths_fd;
	struct string_pool pool;
	struct id_names exes;
	struct id_names cgroups;
	struct cgroup_paths cgroup_tree;
	struct timespec last_proc_scan;	/* CLOCK_MONOTONIC */
	int proc_scans;
};

#define IDENTITY_UNKNOWN "[unknown]"

/*
 * exe_paths_fd and cgroup_paths_fd are the kernel's maps of what it noted at
 * exec and cgroup_mkdir (struct ipc_exe_path, cgroup path text), or -1.
 */
int identity_names_init(struct identity_names *n, int exe_paths_fd, int cgroup_paths_fd, unsigned int labels);
void identity_names_free(struct identity_names *n);
/* Interned label values; "" for id 0 (placeholders), NULL only when out of memory. */
const char *identity_exe_name(struct identity_names *n, uint64_t exe);
const char *identity_cgroup_name(struct identity_names *n, uint64_t cgroup);
const char *identity_intern(struct identity_names *n, const char *s);

#endif
