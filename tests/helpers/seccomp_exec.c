// SPDX-License-Identifier: GPL-2.0
/*
 * Runs a program under the seccomp filters systemd installs for a unit's
 * RestrictAddressFamilies=, MemoryDenyWriteExecute=, RestrictNamespaces=
 * and SystemCallArchitectures=native, so that tests/integration/
 * deployment_restrictions.sh can run the exporter as its unit would be run
 * without systemd.  Classic BPF through prctl: no libseccomp.
 *
 *   seccomp_exec [--address-families=AF_INET,AF_UNIX,...] [--deny-write-execute]
 *                [--restrict-namespaces] [--native] -- PROGRAM [ARG]...
 *
 * As systemd does: socket(2) with a family not listed fails with
 * EAFNOSUPPORT (socketpair(2) and sockets passed in are not filtered);
 * mmap(2) asking for PROT_WRITE and PROT_EXEC at once, mprotect(2) and
 * pkey_mprotect(2) adding PROT_EXEC, and shmat(2) with SHM_EXEC fail with
 * EPERM; unshare(2), setns(2) and clone(2) with a CLONE_NEW* flag fail with
 * EPERM and clone3(2), whose flags a filter cannot read, with ENOSYS (the C
 * library then falls back to clone); a call of another architecture kills
 * the process and one of the x32 ABI fails with ENOSYS.  Sets
 * no-new-privileges, which installing a filter without CAP_SYS_ADMIN needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define X32_SYSCALL_BIT 0x40000000u
#define CLONE_NEW_ANY                                                                                             \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | \
	 CLONE_NEWTIME)
#define ARG_LOW(n) (offsetof(struct seccomp_data, args[n]))	/* little-endian: the int arguments */
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define FAIL(e) RET(SECCOMP_RET_ERRNO | (e))

static const struct {
	const char *name;
	int family;
} families[] = {
	{ "AF_UNIX", AF_UNIX },	    { "AF_LOCAL", AF_LOCAL },	{ "AF_INET", AF_INET },
	{ "AF_INET6", AF_INET6 },   { "AF_NETLINK", AF_NETLINK }, { "AF_PACKET", AF_PACKET },
	{ "AF_VSOCK", AF_VSOCK },
};

static struct sock_filter prog[BPF_MAXINSNS];
static unsigned int len;

static void emit(struct sock_filter insn)
{
	if (len == BPF_MAXINSNS) {
		fprintf(stderr, "seccomp_exec: filter too long\n");
		exit(2);
	}
	prog[len++] = insn;
}

/* "if the call is NR: BODY" -- every body ends in a RET, so a block's end is the next block. */
static unsigned int block_begin(unsigned int nr)
{
	emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 0));
	return len;
}

static void block_end(unsigned int body)
{
	prog[body - 1].jf = (__u8)(len - body);
}

/* ARG & MASK: ERRNO(E), else allowed */
static void fail_if_any(unsigned int nr, int arg, unsigned int mask, int e)
{
	unsigned int body = block_begin(nr);

	emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(arg)));
	emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, mask, 0, 1));
	emit((struct sock_filter)FAIL(e));
	emit((struct sock_filter)RET(SECCOMP_RET_ALLOW));
	block_end(body);
}

static int family_of(const char *name)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(name, families[i].name) == 0)
			return families[i].family;
	fprintf(stderr, "seccomp_exec: unknown address family %s\n", name);
	exit(2);
}

int main(int argc, char **argv)
{
	int allowed[64], nallowed = -1, deny_wx = 0, restrict_ns = 0, native = 0, i;
	unsigned int body;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--address-families=", 19) == 0) {
			char *list = strdup(argv[i] + 19), *name, *save = NULL;

			nallowed = 0;
			for (name = strtok_r(list, ", ", &save); name && nallowed < 64; name = strtok_r(NULL, ", ", &save))
				allowed[nallowed++] = family_of(name);
			free(list);
		} else if (strcmp(argv[i], "--deny-write-execute") == 0) {
			deny_wx = 1;
		} else if (strcmp(argv[i], "--restrict-namespaces") == 0) {
			restrict_ns = 1;
		} else if (strcmp(argv[i], "--native") == 0) {
			native = 1;
		} else {
			break;
		}
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0) {
		fprintf(stderr, "usage: seccomp_exec [--address-families=LIST] [--deny-write-execute] "
				"[--restrict-namespaces] [--native] -- PROGRAM [ARG]...\n");
		return 2;
	}

	if (native) {
		emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
		emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
		emit((struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
		emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
		emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
		emit((struct sock_filter)FAIL(ENOSYS));
	}
	if (nallowed >= 0) {
		body = block_begin(__NR_socket);
		emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(0)));
		for (int f = 0; f < nallowed; f++) {
			emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)allowed[f], 0, 1));
			emit((struct sock_filter)RET(SECCOMP_RET_ALLOW));
		}
		emit((struct sock_filter)FAIL(EAFNOSUPPORT));
		block_end(body);
	}
	if (deny_wx) {
		body = block_begin(__NR_mmap);
		emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(2)));
		emit((struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PROT_WRITE | PROT_EXEC));
		emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PROT_WRITE | PROT_EXEC, 0, 1));
		emit((struct sock_filter)FAIL(EPERM));
		emit((struct sock_filter)RET(SECCOMP_RET_ALLOW));
		block_end(body);
		fail_if_any(__NR_mprotect, 2, PROT_EXEC, EPERM);
		fail_if_any(__NR_pkey_mprotect, 2, PROT_EXEC, EPERM);
		fail_if_any(__NR_shmat, 2, SHM_EXEC, EPERM);
	}
	if (restrict_ns) {
		fail_if_any(__NR_unshare, 0, CLONE_NEW_ANY, EPERM);
		fail_if_any(__NR_clone, 0, CLONE_NEW_ANY, EPERM);
		body = block_begin(__NR_setns);
		emit((struct sock_filter)FAIL(EPERM));
		block_end(body);
		body = block_begin(__NR_clone3);
		emit((struct sock_filter)FAIL(ENOSYS));
		block_end(body);
	}
	emit((struct sock_filter)RET(SECCOMP_RET_ALLOW));

	struct sock_fprog fprog = { .len = (unsigned short)len, .filter = prog };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) < 0) {
		perror("seccomp_exec: installing the filter");
		return 1;
	}
	execvp(argv[i + 1], argv + i + 1);
	perror(argv[i + 1]);
	return 127;
}
