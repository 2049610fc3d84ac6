// SPDX-License-Identifier: GPL-2.0
/*
 * Reads and writes on files that are not IPC, beside a little IPC of known
 * ground truth, all in one process: what the exporter must leave alone and
 * what it must still count, for tests/integration/file_kinds.sh.
 *
 *   file_workload PREFIX ROUNDS DIR
 *
 * The process names itself PREFIX-files.  Each round it moves SIZE bytes
 * through each of
 *   - a regular file in DIR (write, writev, read, readv), sent on to
 *     /dev/null with sendfile;
 *   - /dev/null (write) and /dev/zero (read);
 *   - an eventfd, a timerfd, a memfd (write, read);
 *   - /proc/self/stat (read);
 *   - a netlink socket (a request and the kernel's replies): a socket, but
 *     not one between processes;
 * and, to itself, through a pipe, a UNIX stream socket pair and a raw pty
 * pair (master to slave).  It prints the truth of the latter, as
 * ipc_workload does:
 *
 *   flow MECHANISM PREFIX-files PREFIX-files MESSAGES BYTES
 *
 * and nothing may be counted for the rest.  Before it prints, the process
 * takes back the program's name, so stdout being a pipe adds no PREFIX
 * flow.  Exit status: 0, 2 (usage), 98 (a check failed), 99 (a call failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#define WORKLOAD_NAME "file_workload"
#include "workload_kit.h"

#define SIZE 64

/* The descriptors of a run. */
struct files {
	int regular, devnull, devzero, event, timer, memory, proc, netlink;
	int pipe[2], stream[2], master, slave;
};

static void write_all(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		die("write");
}

static void read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n <= 0)
			die("read");
		got += n;
	}
}

static void files_open(struct files *f, const char *dir)
{
	char path[4096];
	struct termios raw;

	snprintf(path, sizeof(path), "%s/file_workload.data", dir);
	f->regular = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	f->devnull = open("/dev/null", O_WRONLY);
	f->devzero = open("/dev/zero", O_RDONLY);
	f->event = eventfd(0, 0);
	f->timer = timerfd_create(CLOCK_MONOTONIC, 0);
	f->memory = memfd_create("file_workload", 0);
	f->proc = open("/proc/self/stat", O_RDONLY);
	f->netlink = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (f->regular < 0 || f->devnull < 0 || f->devzero < 0 || f->event < 0 || f->timer < 0 || f->memory < 0 ||
	    f->proc < 0 || f->netlink < 0)
		die("open");
	unlink(path);
	if (pipe(f->pipe) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, f->stream) < 0)
		die("pipe");
	f->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (f->master < 0 || grantpt(f->master) < 0 || unlockpt(f->master) < 0)
		die("posix_openpt");
	f->slave = open(ptsname(f->master), O_RDWR | O_NOCTTY);
	if (f->slave < 0 || tcgetattr(f->slave, &raw) < 0)
		die("pty slave");
	cfmakeraw(&raw);	/* no echo, no \r added: the slave reads what the master wrote */
	if (tcsetattr(f->slave, TCSANOW, &raw) < 0)
		die("tcsetattr");
}

/* One RTM_GETLINK dump: a request to the kernel, its replies up to NLMSG_DONE. */
static void netlink_round(int fd)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
	} req = { { NLMSG_LENGTH(sizeof(struct rtgenmsg)), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, 0 },
		  { AF_UNSPEC } };
	char buf[16384] __attribute__((aligned(4)));

	if (send(fd, &req, req.h.nlmsg_len, 0) < 0)
		die("netlink send");
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n <= 0)
			die("netlink recv");
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				return;
	}
}

/* Everything but IPC: none of it may be counted. */
static void files_round(const struct files *f)
{
	char buf[SIZE], back[SIZE];
	struct iovec iov[2] = { { buf, SIZE / 2 }, { buf + SIZE / 2, SIZE / 2 } };
	struct itimerspec soon = { { 0, 0 }, { 0, 1000 } };
	uint64_t count = 1;
	off_t offset = 0;

	memset(buf, 'f', sizeof(buf));
	if (lseek(f->regular, 0, SEEK_SET) < 0)
		die("lseek");
	write_all(f->regular, buf, SIZE);
	if (writev(f->regular, iov, 2) != SIZE)
		die("writev");
	if (lseek(f->regular, 0, SEEK_SET) < 0)
		die("lseek");
	read_all(f->regular, back, SIZE);
	if (readv(f->regular, iov, 2) != SIZE)
		die("readv");
	if (sendfile(f->devnull, f->regular, &offset, 2 * SIZE) != 2 * SIZE)
		die("sendfile");
	write_all(f->devnull, buf, SIZE);
	read_all(f->devzero, back, SIZE);
	write_all(f->event, &count, sizeof(count));
	read_all(f->event, &count, sizeof(count));
	if (timerfd_settime(f->timer, 0, &soon, NULL) < 0)
		die("timerfd_settime");
	read_all(f->timer, &count, sizeof(count));
	if (lseek(f->memory, 0, SEEK_SET) < 0)
		die("lseek");
	write_all(f->memory, buf, SIZE);
	if (lseek(f->memory, 0, SEEK_SET) < 0 || lseek(f->proc, 0, SEEK_SET) < 0)
		die("lseek");
	read_all(f->memory, back, SIZE);
	if (read(f->proc, back, SIZE) <= 0)
		die("read /proc/self/stat");
	netlink_round(f->netlink);
}

/* SIZE bytes to itself through an IPC pair: written at `in`, read at `out`. */
static void ipc_round(int in, int out)
{
	char buf[SIZE], back[SIZE];

	for (int k = 0; k < SIZE; k++)
		buf[k] = pattern(k);
	write_all(in, buf, SIZE);
	read_all(out, back, SIZE);
	if (memcmp(buf, back, SIZE) != 0)
		fail("bytes changed on their way");
}

int main(int argc, char **argv)
{
	struct files f;
	int rounds;

	if (argc != 4 || (rounds = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: file_workload PREFIX ROUNDS DIR\n");
		return 2;
	}
	prefix = argv[1];
	set_name("files");
	files_open(&f, argv[3]);
	for (int r = 0; r < rounds; r++) {
		files_round(&f);
		ipc_round(f.pipe[1], f.pipe[0]);
		ipc_round(f.stream[0], f.stream[1]);
		ipc_round(f.master, f.slave);
	}
	set_name(NULL);
	printf("flow pipe %s-files %s-files %d %d\n", prefix, prefix, rounds, rounds * SIZE);
	printf("flow unix-stream %s-files %s-files %d %d\n", prefix, prefix, rounds, rounds * SIZE);
	printf("flow pty %s-files %s-files %d %d\n", prefix, prefix, rounds, rounds * SIZE);
	return 0;
}
