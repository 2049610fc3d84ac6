/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 ids to paths.  The id bpf_get_current_cgroup_id() gives is,
 * since Linux 5.5, the inode number of the cgroup's directory, so a walk
 * of the cgroup2 tree finds it.  Not thread safe: the caller locks.
 */
#ifndef CGROUP_PATHS_H
#define CGROUP_PATHS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Past this many ids the cache is emptied and filled again. */
#define CGROUP_PATHS_MAX 65536

struct cgroup_path {
	uint64_t id;	/* 0 for a free slot: no cgroup has id 0 */
	char *path;
};

struct cgroup_paths {
	struct cgroup_path *slots;
	size_t capacity;	/* a power of two */
	size_t count;
	char mount[PATH_MAX];	/* where cgroup2 is mounted */
	struct timespec last_walk;	/* CLOCK_MONOTONIC */
	unsigned long walks;	/* walks so far, the first one is never held back */
};

/* Finds cgroup2 in /proc/self/mountinfo, else assumes /sys/fs/cgroup; returns 0. */
int cgroup_paths_init(struct cgroup_paths *c);
void cgroup_paths_free(struct cgroup_paths *c);
/* Adds or replaces the path of id (ignored for id 0 or out of memory). */
void cgroup_paths_note(struct cgroup_paths *c, uint64_t id, const char *path);
/*
 * The path of id relative to the cgroup2 root ("/system.slice/ssh.service"),
 * valid until the next call on c; NULL when unknown.  A miss walks the tree
 * again, at most once a second.
 */
const char *cgroup_paths_lookup(struct cgroup_paths *c, uint64_t id);
/*
 * The mount point of cgroup2 in /proc/self/mountinfo text, /sys/fs/cgroup
 * if it is one of them; 0, -ENOENT without one, -ENAMETOOLONG.
 */
int cgroup2_mount_from_mountinfo(const char *mountinfo_text, char *out, size_t size);

#endif
