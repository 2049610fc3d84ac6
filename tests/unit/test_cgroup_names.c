// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup labels from real-world cgroup v2 paths, /proc/PID/cgroup and
 * mountinfo parsing, and the id -> path cache (on a real cgroup2 when root).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "identity/cgroup_names.h"
#include "identity/cgroup_paths.h"
#include "tap.h"

#define ID "4f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define ID63 "4f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f"
#define ID65 ID "a"
#define ID_UPPER "4F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0"
#define UID "1b2c3d4e-5f6a-7b8c-9d0e-f1a2b3c4d5e6"
#define UID_ "1b2c3d4e_5f6a_7b8c_9d0e_f1a2b3c4d5e6"
/* kubelet names static pods by an md5 in hex. */
#define STATIC_UID "6f2c8c2d8a2e1f4b3e2f1a0b9c8d7e6f"
#define BURSTABLE "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"
#define BESTEFFORT "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice"

static const char *label(const char *path)
{
	static char buf[8192];

	cgroup_label(path, buf, sizeof(buf));
	return buf;
}

static const char *or_null(const char *s)
{
	return s ? s : "(null)";
}

static void test_containers(void)
{
	tap_str_eq(label("/system.slice/docker-" ID ".scope"), "docker://" ID, "docker, systemd driver");
	tap_str_eq(label("/system.slice/docker-" ID ".scope/init.scope"), "docker://" ID,
		   "docker running systemd: the container, not its init.scope");
	tap_str_eq(label("/docker/" ID), "docker://" ID, "docker, cgroupfs driver");
	tap_str_eq(label("/docker/" ID "/docker/" ID63 "0"), "docker://" ID63 "0",
		   "docker in docker: the innermost container");
	tap_str_eq(label("/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" ID ".scope"),
		   "docker://" ID, "rootless docker");
	tap_str_eq(label(BURSTABLE "/cri-containerd-" ID ".scope"), "containerd://" ID,
		   "containerd, burstable pod, systemd driver");
	tap_str_eq(label(BESTEFFORT "/cri-containerd-" ID ".scope"), "containerd://" ID,
		   "containerd, best-effort pod, systemd driver");
	tap_str_eq(label("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope"),
		   "containerd://" ID, "containerd, guaranteed pod, systemd driver");
	tap_str_eq(label("/kubepods/burstable/pod" UID "/" ID), "containerd://" ID,
		   "containerd, burstable pod, cgroupfs driver");
	tap_str_eq(label("/kubepods/besteffort/pod" UID "/" ID), "containerd://" ID,
		   "containerd, best-effort pod, cgroupfs driver");
	tap_str_eq(label("/kubepods/pod" UID "/" ID), "containerd://" ID,
		   "containerd, guaranteed pod, cgroupfs driver");
	tap_str_eq(label("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
			 "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID ".scope"),
		   "containerd://" ID, "containerd in kind (kubelet- prefixed slices)");
	tap_str_eq(label(BESTEFFORT "/crio-" ID ".scope"), "cri-o://" ID, "CRI-O, systemd driver");
	tap_str_eq(label(BESTEFFORT "/crio-conmon-" ID ".scope"), "cri-o-conmon://" ID,
		   "CRI-O's conmon, systemd driver");
	tap_str_eq(label("/kubepods/burstable/pod" UID "/crio-" ID), "cri-o://" ID,
		   "CRI-O, cgroupfs driver (no .scope)");
	tap_str_eq(label("/machine.slice/libpod-" ID ".scope"), "podman://" ID, "podman, systemd driver");
	tap_str_eq(label("/machine.slice/libpod-" ID ".scope/container"), "podman://" ID,
		   "podman's nested container cgroup");
	tap_str_eq(label("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope"),
		   "podman://" ID, "rootless podman");
	tap_str_eq(label("/libpod_parent/libpod-" ID), "podman://" ID, "podman, cgroupfs driver");
	tap_str_eq(label("/machine.slice/libpod-conmon-" ID ".scope"), "libpod-conmon-" ID ".scope",
		   "podman's conmon is a unit");
}

static void test_not_containers(void)
{
	tap_str_eq(label("/system.slice/docker-" ID63 ".scope"), "docker-" ID63 ".scope",
		   "63 hex digits: a unit, not a container");
	tap_str_eq(label("/system.slice/docker-" ID65 ".scope"), "docker-" ID65 ".scope",
		   "65 hex digits: a unit, not a container");
	tap_str_eq(label("/docker/" ID63), "/docker/" ID63, "cgroupfs docker, 63 hex digits: the path");
	tap_str_eq(label("/docker/" ID65), "/docker/" ID65, "cgroupfs docker, 65 hex digits: the path");
	tap_str_eq(label("/system.slice/docker-" ID_UPPER ".scope"), "docker-" ID_UPPER ".scope",
		   "upper-case hex: a unit");
	tap_str_eq(label("/system.slice/docker-g" ID63 ".scope"), "docker-g" ID63 ".scope",
		   "64 characters, one not hex: a unit");
	tap_str_eq(label("/system.slice/docker-foo.scope"), "docker-foo.scope", "docker-foo.scope: a unit");
	tap_str_eq(label("/system.slice/docker.service"), "docker.service", "the docker daemon");
	tap_str_eq(label("/system.slice/containerd.service"), "containerd.service", "the containerd daemon");
	tap_str_eq(label("/other/" ID), "/other/" ID, "64 hex digits under neither docker nor a pod: the path");
	tap_str_eq(label("/kubepods.slice/kubepods-pod" UID_ ".slice/" ID), "pod://" UID,
		   "bare id under a systemd pod slice: the pod");
	tap_str_eq(label("/system.slice/cri-containerd-" ID "x.scope"), "cri-containerd-" ID "x.scope",
		   "id followed by junk: a unit");
}

static void test_pods(void)
{
	tap_str_eq(label(BURSTABLE), "pod://" UID, "burstable pod, systemd driver");
	tap_str_eq(label(BESTEFFORT), "pod://" UID, "best-effort pod, systemd driver");
	tap_str_eq(label("/kubepods.slice/kubepods-pod" UID_ ".slice"), "pod://" UID,
		   "guaranteed pod, systemd driver");
	tap_str_eq(label("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID ".slice"),
		   "pod://" STATIC_UID, "static pod (md5 uid), systemd driver");
	tap_str_eq(label("/kubepods/burstable/pod" UID), "pod://" UID, "burstable pod, cgroupfs driver");
	tap_str_eq(label("/kubepods/besteffort/pod" UID), "pod://" UID, "best-effort pod, cgroupfs driver");
	tap_str_eq(label("/kubepods/pod" UID), "pod://" UID, "guaranteed pod, cgroupfs driver");
	tap_str_eq(label("/kubepods/burstable/pod" UID "/"), "pod://" UID, "trailing slash");
	tap_str_eq(label("/kubepods.slice/kubepods-burstable.slice"), "kubepods-burstable.slice",
		   "QoS slice: the last slice");
	tap_str_eq(label("/kubepods.slice"), "kubepods.slice", "kubepods.slice");
	tap_str_eq(label("/kubepods/burstable"), "/kubepods/burstable", "cgroupfs QoS level: the path");
	tap_str_eq(label("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podxyz.slice"),
		   "kubepods-burstable-podxyz.slice", "pod slice with a bad uid: a slice");
	tap_str_eq(label("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID ".slice"),
		   "kubepods-burstable-pod" UID ".slice", "systemd pod slice with dashes: not a pod");
	tap_str_eq(label("/system.slice/pod" UID_ ".slice"), "pod" UID_ ".slice",
		   "pod slice outside kubepods: a slice");
	tap_str_eq(label("/other/pod" UID), "/other/pod" UID, "pod<uid> outside kubepods: the path");
	tap_str_eq(label("/other/burstable/pod" UID), "/other/burstable/pod" UID,
		   "pod<uid> under burstable outside kubepods: the path");
	tap_str_eq(label("/kubepods/burstable/pod" UID "/" ID63), "pod://" UID,
		   "63 hex digits under a pod: the pod");
}

static void test_units(void)
{
	tap_str_eq(label("/system.slice/ssh.service"), "ssh.service", "system service");
	tap_str_eq(label("/system.slice/ssh.service/"), "ssh.service", "trailing slash");
	tap_str_eq(label("system.slice/ssh.service"), "ssh.service", "no leading slash");
	tap_str_eq(label("//system.slice//ssh.service"), "ssh.service", "doubled slashes");
	tap_str_eq(label("/system.slice/system-getty.slice/getty@tty1.service"), "getty@tty1.service",
		   "template instance");
	tap_str_eq(label("/init.scope"), "init.scope", "PID 1");
	tap_str_eq(label("/user.slice/user-1000.slice/session-3.scope"), "session-3.scope", "user session");
	tap_str_eq(label("/user.slice/user-1000.slice/user@1000.service"), "user@1000.service",
		   "user manager");
	tap_str_eq(label("/user.slice/user-1000.slice/user@1000.service/init.scope"), "init.scope",
		   "user manager's init.scope");
	tap_str_eq(label("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service"),
		   "foo.service", "user@ nested app");
	tap_str_eq(label("/user.slice/user-1000.slice/user@1000.service/app.slice/"
			 "app-gnome-firefox-2345.scope"),
		   "app-gnome-firefox-2345.scope", "user@ nested app scope");
	tap_str_eq(label("/user.slice/user-1000.slice/user@1000.service/app.slice"), "user@1000.service",
		   "a slice inside user@: the deepest unit");
	tap_str_eq(label("/system.slice/foo.service/worker"), "foo.service", "sub-cgroup of a service");
	tap_str_eq(label("/system.slice"), "system.slice", "only slices: the last");
	tap_str_eq(label("/user.slice/user-1000.slice"), "user-1000.slice", "only slices, two deep");
	tap_str_eq(label("/system.slice/.service"), "/system.slice/.service", "\".service\" alone: the path");
	tap_str_eq(label("/.slice"), "/.slice", "\".slice\" alone: the path");
}

static void test_others(void)
{
	char big[5000 + 1], out[16], canary[4] = "xyz";
	size_t i;

	tap_str_eq(label("/"), "/", "root");
	tap_str_eq(label(""), "/", "empty");
	tap_str_eq(label("///"), "/", "only slashes");
	tap_str_eq(label("/ipc_test_1234/child"), "/ipc_test_1234/child", "anything else: the path");
	tap_str_eq(label("/system.slice/ipc_test"), "/system.slice/ipc_test", "slice then a plain name");

	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 10 == 0 ? '/' : 'a' + (char)(i % 10);
	big[sizeof(big) - 1] = '\0';
	tap_str_eq(label(big), big, "5000 characters: the path, whole");
	memcpy(big + sizeof(big) - 1 - strlen("/foo.service"), "/foo.service", strlen("/foo.service"));
	tap_str_eq(label(big), "foo.service", "5000 characters ending in a unit");
	memset(big + 1, 'b', sizeof(big) - 2);
	tap_str_eq(label(big), big, "one 4999-character component: the path");
	cgroup_label(big, out, sizeof(out));
	tap_str_eq(out, "/bbbbbbbbbbbbbb", "5000 characters into 16 bytes");

	cgroup_label("/system.slice/docker-" ID ".scope", out, sizeof(out));
	tap_str_eq(out, "docker://4f1e2d", "container label truncated to 16 bytes");
	cgroup_label(BURSTABLE, out, sizeof(out));
	tap_str_eq(out, "pod://1b2c3d4e-", "pod label truncated, dashes restored");
	cgroup_label("/system.slice/ssh.service", out, 4);
	tap_str_eq(out, "ssh", "unit truncated to 4 bytes");
	cgroup_label("/", out, 1);
	tap_str_eq(out, "", "1 byte: only the NUL");
	cgroup_label("/system.slice/ssh.service", canary, 0);
	tap_str_eq(canary, "xyz", "0 bytes: nothing written");
}

static void test_proc(void)
{
	static const char hybrid[] =
		"12:pids:/system.slice/ssh.service\n"
		"11:memory:/system.slice/ssh.service\n"
		"4:cpu,cpuacct:/system.slice/ssh.service\n"
		"1:name=systemd:/system.slice/ssh.service\n"
		"0::/system.slice/docker-" ID ".scope\n";
	char out[256], small[8];

	tap_ok(cgroup_path_from_proc(hybrid, out, sizeof(out)) == 0, "v1 and v2: found");
	tap_str_eq(out, "/system.slice/docker-" ID ".scope", "v1 and v2: the v2 path");
	tap_ok(cgroup_path_from_proc("0::/user.slice/user-1000.slice/session-3.scope\n", out, sizeof(out)) == 0,
	       "v2 only: found");
	tap_str_eq(out, "/user.slice/user-1000.slice/session-3.scope", "v2 only: the path");
	tap_ok(cgroup_path_from_proc("1:name=systemd:/\n0::/init.scope", out, sizeof(out)) == 0,
	       "v2 line without a newline: found");
	tap_str_eq(out, "/init.scope", "v2 line without a newline: the path");
	tap_ok(cgroup_path_from_proc("0::/\n", out, sizeof(out)) == 0, "root: found");
	tap_str_eq(out, "/", "root: \"/\"");
	strcpy(out, "untouched");
	tap_ok(cgroup_path_from_proc("12:pids:/a\n10:0::/b\n1:name=systemd:/c\n", out, sizeof(out)) == -ENOENT,
	       "v1 only: -ENOENT");
	tap_str_eq(out, "untouched", "v1 only: out left alone");
	tap_ok(cgroup_path_from_proc("", out, sizeof(out)) == -ENOENT, "empty: -ENOENT");
	tap_ok(cgroup_path_from_proc("0::/system.slice/ssh.service\n", small, sizeof(small)) == 0,
	       "small buffer: found");
	tap_str_eq(small, "/system", "small buffer: truncated");
}

static void test_mountinfo(void)
{
	static const char hybrid[] =
		"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	static const char unified[] =
		"22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
		"35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
		"rw,nsdelegate,memory_recursiveprot\n";
	static const char two[] =
		"50 22 0:30 / /mnt/cg2 rw,relatime - cgroup2 cgroup2 rw\n"
		"35 24 0:30 / /sys/fs/cgroup rw,relatime shared:9 master:2 - cgroup2 cgroup2 rw\n";
	char out[256], small[8];

	tap_ok(cgroup2_mount_from_mountinfo(hybrid, out, sizeof(out)) == 0, "hybrid: found");
	tap_str_eq(out, "/sys/fs/cgroup/unified", "hybrid: /sys/fs/cgroup/unified");
	tap_ok(cgroup2_mount_from_mountinfo(unified, out, sizeof(out)) == 0, "unified: found");
	tap_str_eq(out, "/sys/fs/cgroup", "unified: /sys/fs/cgroup");
	tap_ok(cgroup2_mount_from_mountinfo(two, out, sizeof(out)) == 0, "two mounts: found");
	tap_str_eq(out, "/sys/fs/cgroup", "two mounts: /sys/fs/cgroup preferred");
	tap_ok(cgroup2_mount_from_mountinfo("60 22 0:30 / /mnt/my\\040cg rw - cgroup2 none rw\n", out,
					    sizeof(out)) == 0, "escaped space: found");
	tap_str_eq(out, "/mnt/my cg", "escaped space: unescaped");
	tap_ok(cgroup2_mount_from_mountinfo("60 22 0:30 / /mnt/a\\134b rw - cgroup2 none rw\n", out,
					    sizeof(out)) == 0, "escaped backslash: found");
	tap_str_eq(out, "/mnt/a\\b", "escaped backslash: unescaped");
	tap_ok(cgroup2_mount_from_mountinfo("32 31 0:29 / /cgroup2 rw - cgroup cgroup rw,cpu\n"
					    "33 31 0:29 / /x rw - tmpfs cgroup2 rw\n", out,
					    sizeof(out)) == -ENOENT, "v1 and a source named cgroup2: -ENOENT");
	tap_ok(cgroup2_mount_from_mountinfo("", out, sizeof(out)) == -ENOENT, "empty: -ENOENT");
	tap_ok(cgroup2_mount_from_mountinfo(unified, small, sizeof(small)) == -ENAMETOOLONG,
	       "small buffer: -ENAMETOOLONG");
}

static void test_cache(void)
{
	struct cgroup_paths c;
	char path[32];
	uint64_t base = 1ULL << 40, i;

	tap_ok(cgroup_paths_init(&c) == 0, "init");
	cgroup_paths_note(&c, base, "/a");
	tap_str_eq(or_null(cgroup_paths_lookup(&c, base)), "/a", "noted id found");
	cgroup_paths_note(&c, base, "/b");
	tap_str_eq(or_null(cgroup_paths_lookup(&c, base)), "/b", "noted again: the new path");
	tap_ok(c.walks == 0, "hits do not walk the tree");
	tap_ok(cgroup_paths_lookup(&c, 0) == NULL && c.walks == 0, "id 0: NULL, no walk");
	for (i = 1; i <= CGROUP_PATHS_MAX + 10; i++) {
		snprintf(path, sizeof(path), "/n%llu", (unsigned long long)i);
		cgroup_paths_note(&c, base + i, path);
	}
	tap_ok(c.count == 11, "full cache started again (%zu entries, want 11)", c.count);
	tap_str_eq(or_null(cgroup_paths_lookup(&c, base + CGROUP_PATHS_MAX + 10)), "/n65546",
		   "the latest id survives the restart");
	cgroup_paths_free(&c);
	tap_ok(c.slots == NULL && c.count == 0, "free empties it");
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static void test_cgroupfs(void)
{
	struct cgroup_paths c;
	char dir[PATH_MAX + 64], child[PATH_MAX + 128], want[64];
	struct statfs sfs;
	struct stat st, st_child;
	const char *got;
	int n;

	cgroup_paths_init(&c);
	if (statfs(c.mount, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC || geteuid() != 0) {
		printf("ok %d # SKIP no cgroup2 at %s, or not root\n", ++tap_count, c.mount);
		cgroup_paths_free(&c);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/ipc_unit_%d", c.mount, (int)getpid());
	snprintf(child, sizeof(child), "%s/child", dir);
	if (mkdir(dir, 0755) < 0 || stat(dir, &st) < 0) {
		tap_ok(0, "mkdir %s: %s", dir, strerror(errno));
		cgroup_paths_free(&c);
		return;
	}
	snprintf(want, sizeof(want), "/ipc_unit_%d", (int)getpid());
	tap_str_eq(or_null(cgroup_paths_lookup(&c, st.st_ino)), want, "new cgroup found by its inode");
	tap_ok(c.walks == 1, "one walk (%lu)", c.walks);
	tap_str_eq(or_null(cgroup_paths_lookup(&c, 1)), "/", "the root cgroup is id 1");

	n = mkdir(child, 0755) == 0 && stat(child, &st_child) == 0;
	tap_ok(n, "mkdir %s", child);
	tap_ok(cgroup_paths_lookup(&c, st_child.st_ino) == NULL && c.walks == 1,
	       "a second miss within a second: NULL, no walk");
	sleep_ms(1100);
	snprintf(want, sizeof(want), "/ipc_unit_%d/child", (int)getpid());
	got = cgroup_paths_lookup(&c, st_child.st_ino);
	tap_str_eq(or_null(got), want, "a second later: walked again, found");
	tap_ok(c.walks == 2, "two walks (%lu)", c.walks);
	rmdir(child);
	rmdir(dir);
	tap_str_eq(or_null(cgroup_paths_lookup(&c, st_child.st_ino)), want,
		   "a removed cgroup keeps its path, for flows counted before");
	cgroup_paths_free(&c);
}

int main(void)
{
	test_containers();
	test_not_containers();
	test_pods();
	test_units();
	test_others();
	test_proc();
	test_mountinfo();
	test_cache();
	test_cgroupfs();
	return tap_done();
}
