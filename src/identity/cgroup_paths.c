// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "identity/cgroup_paths.h"

#define CGROUP_DEFAULT_MOUNT "/sys/fs/cgroup"
/* Deeper than any real hierarchy; each level holds a descriptor open. */
#define CGROUP_WALK_MAX_DEPTH 64

static void cgroup_paths_clear(struct cgroup_paths *c)
{
	size_t i;

	for (i = 0; i < c->capacity; i++)
		free(c->slots[i].path);
	if (c->capacity)
		memset(c->slots, 0, c->capacity * sizeof(*c->slots));
	c->count = 0;
}

void cgroup_paths_free(struct cgroup_paths *c)
{
	cgroup_paths_clear(c);
	free(c->slots);
	*c = (struct cgroup_paths){ 0 };
}

static struct cgroup_path *cgroup_slot(struct cgroup_path *slots, size_t capacity, uint64_t id)
{
	/* Inode numbers are close together: multiply to spread them over the table. */
	uint64_t h = id * 0x9e3779b97f4a7c15ULL;
	size_t i = (h ^ (h >> 32)) & (capacity - 1);

	while (slots[i].id && slots[i].id != id)
		i = (i + 1) & (capacity - 1);
	return &slots[i];
}

static int cgroup_paths_grow(struct cgroup_paths *c)
{
	size_t capacity = c->capacity ? c->capacity * 2 : 256;
	struct cgroup_path *slots = calloc(capacity, sizeof(*slots));
	size_t i;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < c->capacity; i++)
		if (c->slots[i].id)
			*cgroup_slot(slots, capacity, c->slots[i].id) = c->slots[i];
	free(c->slots);
	c->slots = slots;
	c->capacity = capacity;
	return 0;
}

static const char *cgroup_paths_find(const struct cgroup_paths *c, uint64_t id)
{
	const struct cgroup_path *p;

	if (!c->capacity || !id)
		return NULL;
	p = cgroup_slot(c->slots, c->capacity, id);
	return p->id ? p->path : NULL;
}

void cgroup_paths_note(struct cgroup_paths *c, uint64_t id, const char *path)
{
	struct cgroup_path *p;
	char *copy;

	if (!id)
		return;
	if (c->capacity) {
		p = cgroup_slot(c->slots, c->capacity, id);
		if (p->id) {
			/* A cgroup can be renamed within its parent. */
			if (strcmp(p->path, path) != 0 && (copy = strdup(path))) {
				free(p->path);
				p->path = copy;
			}
			return;
		}
	}
	/* Ids of removed cgroups would pile up for ever: start again instead. */
	if (c->count >= CGROUP_PATHS_MAX)
		cgroup_paths_clear(c);
	/* Keep the load under 3/4 so probes stay short. */
	if ((c->count + 1) * 4 > c->capacity * 3 && cgroup_paths_grow(c) < 0)
		return;
	copy = strdup(path);
	if (!copy)
		return;
	p = cgroup_slot(c->slots, c->capacity, id);
	p->id = id;
	p->path = copy;
	c->count++;
}

/* Undoes the octal escapes (\040 for a space) of a mountinfo field; false if it does not fit. */
static bool mountinfo_unescape(const char *s, size_t n, char *out, size_t size)
{
	size_t i, at = 0;

	if (!size)
		return false;
	for (i = 0; i < n; i++) {
		if (at + 1 >= size)
			return false;
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[at++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			out[at++] = s[i];
		}
	}
	out[at] = '\0';
	return true;
}

/* The next space-separated field of [*p, end), advancing *p; false at the end. */
static bool mountinfo_field(const char **p, const char *end, const char **s, size_t *n)
{
	while (*p < end && **p == ' ')
		(*p)++;
	if (*p == end)
		return false;
	*s = *p;
	while (*p < end && **p != ' ')
		(*p)++;
	*n = (size_t)(*p - *s);
	return true;
}

int cgroup2_mount_from_mountinfo(const char *mountinfo_text, char *out, size_t size)
{
	const char *line = mountinfo_text, *end, *p, *s, *point, *fstype, *mount = NULL;
	size_t n, point_n, fstype_n, mount_n = 0, field;
	bool dash;

	for (; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		p = line;
		point = fstype = NULL;
		point_n = fstype_n = 0;
		dash = false;
		/* id parent major:minor root mount-point options [optional...] - fstype ... */
		for (field = 0; mountinfo_field(&p, end, &s, &n); field++) {
			if (field == 4) {
				point = s;
				point_n = n;
			} else if (dash) {
				fstype = s;
				fstype_n = n;
				break;
			} else if (field >= 6 && n == 1 && *s == '-') {
				dash = true;
			}
		}
		if (!point || !fstype || fstype_n != strlen("cgroup2") ||
		    memcmp(fstype, "cgroup2", fstype_n) != 0)
			continue;
		/* Where systemd mounts it wins over any other mount of it. */
		if (!mount || (point_n == strlen(CGROUP_DEFAULT_MOUNT) &&
			       memcmp(point, CGROUP_DEFAULT_MOUNT, point_n) == 0)) {
			mount = point;
			mount_n = point_n;
		}
	}
	if (!mount)
		return -ENOENT;
	return mountinfo_unescape(mount, mount_n, out, size) ? 0 : -ENAMETOOLONG;
}

/* The whole of a /proc file, whose size stat does not tell; NULL on failure. */
static char *read_proc_file(const char *name)
{
	size_t size = 16384, len = 0, got;
	char *text = NULL, *bigger;
	FILE *f = fopen(name, "re");

	if (!f)
		return NULL;
	for (;;) {
		bigger = realloc(text, size);
		if (!bigger) {
			free(text);
			text = NULL;
			break;
		}
		text = bigger;
		got = fread(text + len, 1, size - len - 1, f);
		len += got;
		if (len < size - 1) {
			text[len] = '\0';
			break;
		}
		size *= 2;
	}
	fclose(f);
	return text;
}

int cgroup_paths_init(struct cgroup_paths *c)
{
	char *mountinfo = read_proc_file("/proc/self/mountinfo");

	*c = (struct cgroup_paths){ 0 };
	if (!mountinfo || cgroup2_mount_from_mountinfo(mountinfo, c->mount, sizeof(c->mount)) < 0)
		snprintf(c->mount, sizeof(c->mount), "%s", CGROUP_DEFAULT_MOUNT);
	free(mountinfo);
	return 0;
}

struct cgroup_walk {
	struct cgroup_paths *c;
	uint64_t want;
	char *found;		/* the path of want, kept in case the cache is emptied mid-walk */
	char path[PATH_MAX];	/* of the directory being walked, "" for the root */
};

/* Notes the directory open at fd and everything below it; closes fd. */
static void cgroup_walk_dir(struct cgroup_walk *w, int fd, size_t len, int depth)
{
	const char *path = len ? w->path : "/";
	struct dirent *de;
	struct stat st;
	size_t name_len;
	DIR *dir;
	int child;

	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	cgroup_paths_note(w->c, st.st_ino, path);
	if (st.st_ino == w->want && !w->found)
		w->found = strdup(path);
	if (depth >= CGROUP_WALK_MAX_DEPTH) {
		close(fd);
		return;
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	/* A cgroup removed under us just ends its readdir early. */
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		name_len = strlen(de->d_name);
		if (len + 1 + name_len >= sizeof(w->path))
			continue;
		/* Gone since readdir, not a directory after all, or a symlink: skip it. */
		child = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			continue;
		w->path[len] = '/';
		memcpy(w->path + len + 1, de->d_name, name_len + 1);
		cgroup_walk_dir(w, child, len + 1 + name_len, depth + 1);
		w->path[len] = '\0';
	}
	closedir(dir);
}

static void cgroup_paths_walk(struct cgroup_paths *c, struct cgroup_walk *w)
{
	struct statfs sfs;
	int fd = open(c->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	/* A v1 hierarchy or tmpfs there has inode numbers that are not cgroup ids. */
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		return;
	}
	w->path[0] = '\0';
	cgroup_walk_dir(w, fd, 0, 0);
}

static bool cgroup_walk_allowed(struct cgroup_paths *c, const struct timespec *now)
{
	int64_t ns;

	if (!c->walks)
		return true;
	ns = (int64_t)(now->tv_sec - c->last_walk.tv_sec) * 1000000000 +
	     (now->tv_nsec - c->last_walk.tv_nsec);
	return ns >= 1000000000;
}

const char *cgroup_paths_lookup(struct cgroup_paths *c, uint64_t id)
{
	struct cgroup_walk *w;
	struct timespec now;
	const char *path = cgroup_paths_find(c, id);

	if (path || !id)
		return path;
	/* Many new ids in one scrape cost one walk, not one each. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!cgroup_walk_allowed(c, &now))
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->c = c;
	w->want = id;
	cgroup_paths_walk(c, w);
	c->walks++;
	clock_gettime(CLOCK_MONOTONIC, &c->last_walk);
	path = cgroup_paths_find(c, id);
	if (!path && w->found) {
		cgroup_paths_note(c, id, w->found);
		path = cgroup_paths_find(c, id);
	}
	free(w->found);
	free(w);
	return path;
}
