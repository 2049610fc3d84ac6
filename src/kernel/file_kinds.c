// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's pipe, socket and tty file operations are static objects
 * that nothing names portably: /proc/kallsyms lists them only on kernels
 * built with CONFIG_KALLSYMS_ALL.  So the exporter opens a file of each
 * kind and runs the sweep iterator, ipc_queue_sweep, which notes their
 * f_op, once, at start (bpf/kernel_access.bpf.h, file_kind_of).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "ipc_types.h"
#include "ipc_exporter.skel.h"
#include "kernel/bpf_loader.h"
#include "kernel/file_kinds.h"
#include "util/log.h"

static const char *const kind_names[IPC_FILE_OPS_COUNT] = {
	[IPC_FILE_OPS_PIPE] = "pipe",
	[IPC_FILE_OPS_FIFO] = "FIFO",
	[IPC_FILE_OPS_SOCKET] = "socket",
	[IPC_FILE_OPS_TTY] = "pty slave",
	[IPC_FILE_OPS_PTMX] = "pty master",
};

/* One file of each kind (-1 where none could be had), and the pipe's other end. */
struct sample_files {
	int fd[IPC_FILE_OPS_COUNT];
	int pipe_write;
};

/*
 * A FIFO's descriptor, its name already gone; -1 if none could be made.
 * Its own, not a pipe reopened through /proc: from 6.15 an anonymous
 * pipe's inode has the anonymous operations too.
 */
static int fifo_open_temporary(void)
{
	static const char *const parents[] = { "/tmp", "/dev/shm", "/run" };
	const char *tmpdir = getenv("TMPDIR");
	char dir[PATH_MAX], fifo[PATH_MAX + 8];
	int fd = -1;

	for (size_t i = 0; fd < 0 && i <= sizeof(parents) / sizeof(parents[0]); i++) {
		const char *parent = i == 0 ? tmpdir : parents[i - 1];

		if (!parent || snprintf(dir, sizeof(dir), "%s/ipc_exporter.XXXXXX", parent) >= (int)sizeof(dir) ||
		    !mkdtemp(dir))
			continue;
		snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
		if (mkfifo(fifo, 0600) == 0) {
			fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			unlink(fifo);
		}
		rmdir(dir);
	}
	return fd;
}

static void samples_open(struct sample_files *s)
{
	int ends[2];

	for (int i = 0; i < IPC_FILE_OPS_COUNT; i++)
		s->fd[i] = -1;
	s->pipe_write = -1;
	if (pipe2(ends, O_CLOEXEC) == 0) {
		s->fd[IPC_FILE_OPS_PIPE] = ends[0];
		s->pipe_write = ends[1];
	}
	s->fd[IPC_FILE_OPS_FIFO] = fifo_open_temporary();
	s->fd[IPC_FILE_OPS_SOCKET] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* a pty pair: the slave opened through its master (TIOCGPTPEER, 4.13+), wherever devpts is */
	s->fd[IPC_FILE_OPS_PTMX] = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->fd[IPC_FILE_OPS_PTMX] >= 0 && unlockpt(s->fd[IPC_FILE_OPS_PTMX]) == 0)
		s->fd[IPC_FILE_OPS_TTY] = ioctl(s->fd[IPC_FILE_OPS_PTMX], TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

static void samples_close(struct sample_files *s)
{
	for (int i = 0; i < IPC_FILE_OPS_COUNT; i++)
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	if (s->pipe_write >= 0)
		close(s->pipe_write);
}

/* The first kind not learned, or one sharing another's operations; NULL if all is well. */
static const char *unlearned_kind(const __u64 *ops)
{
	for (int i = 0; i < IPC_FILE_OPS_COUNT; i++) {
		if (!ops[i])
			return kind_names[i];
		/* anonymous pipes have operations of their own only from 6.15 on */
		for (int j = 0; j < i; j++)
			if (ops[j] == ops[i] && !(j == IPC_FILE_OPS_PIPE && i == IPC_FILE_OPS_FIFO))
				return kind_names[i];
	}
	return NULL;
}

bool file_kinds_learn(struct ipc_exporter_bpf *skel)
{
	struct ipc_exporter_bpf__bss *k = skel->bss;
	struct sample_files s;
	const char *missing;
	int ran;

	samples_open(&s);
	for (int i = 0; i < IPC_FILE_OPS_COUNT; i++) {
		k->file_ops_probe_fd[i] = s.fd[i];
		k->file_ops[i] = 0;
	}
	ran = probe_iterate(skel->links.ipc_queue_sweep);
	for (int i = 0; i < IPC_FILE_OPS_COUNT; i++)
		k->file_ops_probe_fd[i] = -1;
	samples_close(&s);
	missing = ran == 0 ? unlearned_kind(k->file_ops) : "file (the iterator failed)";
	if (missing) {
		log_info("the file operations of a %s could not be learned: every read and write is classified in "
			 "full, which costs more on files that are not IPC", missing);
		return false;
	}
	/* from here on the syscall program leaves every other file after one load */
	__atomic_store_n(&k->file_ops_learned, 1, __ATOMIC_RELEASE);
	log_info("files are told by their operations: a read or write on a file that is not a pipe, FIFO, "
		 "socket or tty is left at once");
	return true;
}
