// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "identity/cgroup_names.h"

/* One path component, not NUL-terminated: the path is only read in place. */
struct component {
	const char *s;
	size_t n;
};

/* The last non-empty component in [path, end); false when there is none. */
static bool component_before(const char *path, const char *end, struct component *c)
{
	while (end > path && end[-1] == '/')
		end--;
	if (end == path)
		return false;
	c->n = 0;
	while (end > path && end[-1] != '/') {
		end--;
		c->n++;
	}
	c->s = end;
	return true;
}

static bool component_is(const struct component *c, const char *word)
{
	return c->n == strlen(word) && memcmp(c->s, word, c->n) == 0;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t len = strlen(prefix);

	return n >= len && memcmp(s, prefix, len) == 0;
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t len = strlen(suffix);

	return n >= len && memcmp(s + n - len, suffix, len) == 0;
}

static bool is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Runtimes name containers by 64 hex digits; anything else is not one of theirs. */
static bool is_container_id(const char *s, size_t n)
{
	return n == 64 && is_lower_hex(s, n);
}

/*
 * A pod UID: a UUID (with sep for its dashes: systemd slice names escape
 * "-" as "_"), or the 32 hex digits kubelet gives static pods.
 */
static bool is_pod_uid(const char *s, size_t n, char sep)
{
	size_t i;

	if (n == 32)
		return is_lower_hex(s, n);
	if (n != 36)
		return false;
	for (i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != sep : !is_lower_hex(s + i, 1))
			return false;
	}
	return true;
}

/* Writes prefix then n bytes of s; '_' in s become '-' when undash is set. */
static void put_label(char *out, size_t size, const char *prefix, const char *s, size_t n,
		      bool undash)
{
	size_t at = 0, len = strlen(prefix), i;

	if (!size)
		return;
	for (i = 0; i < len && at + 1 < size; i++)
		out[at++] = prefix[i];
	for (i = 0; i < n && at + 1 < size; i++)
		out[at++] = undash && s[i] == '_' ? '-' : s[i];
	out[at] = '\0';
}

static const struct {
	const char *prefix;	/* of the component */
	const char *scheme;	/* of the label */
} container_scopes[] = {
	{ "docker-", "docker://" },
	{ "cri-containerd-", "containerd://" },
	{ "crio-conmon-", "cri-o-conmon://" },
	{ "crio-", "cri-o://" },
	{ "libpod-", "podman://" },
};

/*
 * "pod<uid>" under kubepods (cgroupfs driver), directly or below a QoS
 * class; kubelet puts guaranteed pods straight under kubepods.
 */
static bool is_cgroupfs_pod(const char *path, const struct component *c)
{
	struct component parent, grandparent;

	if (!has_prefix(c->s, c->n, "pod") || !is_pod_uid(c->s + 3, c->n - 3, '-'))
		return false;
	if (!component_before(path, c->s, &parent))
		return false;
	if (component_is(&parent, "kubepods"))
		return true;
	return (component_is(&parent, "burstable") || component_is(&parent, "besteffort")) &&
	       component_before(path, parent.s, &grandparent) &&
	       component_is(&grandparent, "kubepods");
}

/*
 * "kubepods[-qos]-pod<uid>.slice" (systemd driver; kind prefixes
 * "kubelet-"): the uid is the last "-" word, and some word is "kubepods".
 */
static bool systemd_pod_uid(const struct component *c, struct component *uid)
{
	size_t n, i, word = 0;
	bool kubepods = false;

	if (!has_suffix(c->s, c->n, ".slice"))
		return false;
	n = c->n - strlen(".slice");
	for (i = 0; i < n; i++) {
		if (c->s[i] != '-')
			continue;
		if (i - word == strlen("kubepods") && memcmp(c->s + word, "kubepods", i - word) == 0)
			kubepods = true;
		word = i + 1;
	}
	if (!kubepods || !has_prefix(c->s + word, n - word, "pod"))
		return false;
	uid->s = c->s + word + 3;
	uid->n = n - word - 3;
	return is_pod_uid(uid->s, uid->n, '_');
}

static bool container_label(const char *path, const struct component *c, char *out, size_t size)
{
	struct component parent, id;
	size_t i;

	for (i = 0; i < sizeof(container_scopes) / sizeof(container_scopes[0]); i++) {
		if (!has_prefix(c->s, c->n, container_scopes[i].prefix))
			continue;
		id.s = c->s + strlen(container_scopes[i].prefix);
		id.n = c->n - strlen(container_scopes[i].prefix);
		/* cgroupfs drivers of CRI-O and podman leave ".scope" off. */
		if (has_suffix(id.s, id.n, ".scope"))
			id.n -= strlen(".scope");
		if (is_container_id(id.s, id.n)) {
			put_label(out, size, container_scopes[i].scheme, id.s, id.n, false);
			return true;
		}
	}
	if (!is_container_id(c->s, c->n) || !component_before(path, c->s, &parent))
		return false;
	if (component_is(&parent, "docker")) {
		put_label(out, size, "docker://", c->s, c->n, false);
		return true;
	}
	/* Under a cgroupfs pod the runtime does not show; containerd is the common one. */
	if (is_cgroupfs_pod(path, &parent)) {
		put_label(out, size, "containerd://", c->s, c->n, false);
		return true;
	}
	return false;
}

static bool pod_label(const char *path, const struct component *c, char *out, size_t size)
{
	struct component uid;

	if (systemd_pod_uid(c, &uid)) {
		put_label(out, size, "pod://", uid.s, uid.n, true);
		return true;
	}
	if (is_cgroupfs_pod(path, c)) {
		put_label(out, size, "pod://", c->s + 3, c->n - 3, false);
		return true;
	}
	return false;
}

static bool is_unit(const struct component *c)
{
	return (has_suffix(c->s, c->n, ".service") && c->n > strlen(".service")) ||
	       (has_suffix(c->s, c->n, ".scope") && c->n > strlen(".scope"));
}

void cgroup_label(const char *path, char *out, size_t size)
{
	const char *end = path + strlen(path);
	struct component c, last;
	bool only_slices = true;
	const char *at;

	if (!component_before(path, end, &last)) {
		put_label(out, size, "/", "", 0, false);
		return;
	}
	/* A container wins over the units and slices it runs under and in. */
	for (at = end; component_before(path, at, &c); at = c.s)
		if (container_label(path, &c, out, size))
			return;
	for (at = end; component_before(path, at, &c); at = c.s)
		if (pod_label(path, &c, out, size))
			return;
	for (at = end; component_before(path, at, &c); at = c.s) {
		if (is_unit(&c)) {
			put_label(out, size, "", c.s, c.n, false);
			return;
		}
		if (!has_suffix(c.s, c.n, ".slice") || c.n == strlen(".slice"))
			only_slices = false;
	}
	if (only_slices)
		put_label(out, size, "", last.s, last.n, false);
	else
		put_label(out, size, "", path, (size_t)(end - path), false);
}

int cgroup_path_from_proc(const char *proc_cgroup_text, char *out, size_t size)
{
	const char *line = proc_cgroup_text, *end;

	while (*line) {
		end = line + strcspn(line, "\n");
		/* v1 hierarchies are numbered from 1; the v2 one is "0::". */
		if (end - line >= 3 && memcmp(line, "0::", 3) == 0) {
			put_label(out, size, "", line + 3, (size_t)(end - line - 3), false);
			return 0;
		}
		line = *end ? end + 1 : end;
	}
	return -ENOENT;
}
