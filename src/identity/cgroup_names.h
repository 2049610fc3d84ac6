/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Short names for cgroup v2 paths, for the src_cgroup label.  Container
 * ids are written "runtime://id" as Kubernetes writes containerID, so the
 * series join with kube-state-metrics.
 */
#ifndef CGROUP_NAMES_H
#define CGROUP_NAMES_H

#include <stddef.h>

/*
 * path is relative to the cgroup2 root ("/system.slice/ssh.service").
 * The first that applies, each looked for from the deepest component up:
 * "docker://<id>", "containerd://<id>", "cri-o://<id>", "cri-o-conmon://<id>",
 * "podman://<id>"; "pod://<uid>"; the unit ("foo.service", "session-3.scope");
 * the last slice of a path of slices only; "/" for the root; else the path.
 * Always NUL-terminated, truncated to size.
 */
void cgroup_label(const char *path, char *out, size_t size);
/* The "0::" path of /proc/PID/cgroup text; 0, or -ENOENT without one. */
int cgroup_path_from_proc(const char *proc_cgroup_text, char *out, size_t size);

#endif
