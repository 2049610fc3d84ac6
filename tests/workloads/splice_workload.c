// SPDX-License-Identifier: GPL-2.0
/*
 * Zero-copy pipe IPC (splice, vmsplice, tee, sendfile) with known ground
 * truth, for the integration tests.
 *
 * Every process names itself PREFIX-ROLE with prctl(PR_SET_NAME) before it
 * moves a byte, and the workload prints what really happened, one line a
 * flow, as ipc_workload does:
 *
 *   flow MECHANISM SRC_COMM DST_COMM MESSAGES BYTES
 *
 * MESSAGES counts the source's calls that moved data (write, splice,
 * vmsplice, tee or sendfile calls with a positive result), BYTES what the
 * destination received.  Usage: splice_workload CASE PREFIX COUNT SIZE,
 * SIZE 1..4096 (a pipe write of at most PIPE_BUF bytes is atomic: writers
 * always move whole chunks).  Cases:
 *
 *   splice-pipe   PREFIX-w write()s COUNT x SIZE into pipe A, PREFIX-m
 *                 splice()s A into pipe B (SIZE a call), PREFIX-r read()s B
 *   vmsplice      PREFIX-w vmsplice()s COUNT buffers of SIZE (none across a
 *                 page boundary) into a pipe that PREFIX-r read()s; then
 *                 PREFIX-x write()s COUNT x SIZE into another pipe that
 *                 PREFIX-v reads with vmsplice()
 *   tee           PREFIX-w write()s COUNT x SIZE into pipe A; once it is
 *                 done PREFIX-t tee()s all of A into pipe B in one call (a
 *                 second tee would duplicate A's head again); then PREFIX-r1
 *                 read()s A and PREFIX-r2 read()s B.  All of it must fit in
 *                 pipe A: COUNT / (4096 / SIZE) pages, at most 256 (1 MiB,
 *                 fs.pipe-max-size) without CAP_SYS_RESOURCE
 *   splice-socket PREFIX-w write()s into a pipe, PREFIX-m splice()s it into
 *                 a UNIX stream socketpair, PREFIX-r read()s the other end
 *   splice-from-socket
 *                 PREFIX-w write()s into a socketpair, PREFIX-m splice()s the
 *                 other end into a pipe, PREFIX-r read()s the pipe
 *   sendfile-pipe as splice-socket, with sendfile(socket, pipe) instead of
 *                 splice; prints "unsupported" on stderr and exits 3 if
 *                 the kernel refuses a pipe as sendfile's input
 *   copy-file-range
 *                 copy_file_range() between a pipe and a regular file, both
 *                 ways; prints "refused EINVAL" and exits 0 if the kernel
 *                 refuses both with EINVAL, exits 1 otherwise
 *
 * Byte k of every stream is k * 7 + k / 256, so the readers check content
 * and order as well as the count, and read to end of file: no byte more.
 * The parent, PREFIX-ctl, only creates the pipes and sockets, forks and
 * waits (copy-file-range is one process, PREFIX-c); the children report through shared memory, not through IPC the
 * exporter would count.  Before it prints the truth the parent takes back
 * the program's name, so stdout being a pipe adds no PREFIX flow.  Exit
 * status: 0, 2 (usage), 3 (unsupported), 98 (a check failed), 99 (a call
 * failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKLOAD_NAME "splice_workload"
#include "workload_kit.h"

#define MAX_SIZE 4096
#define TIMEOUT_S 60		/* no process of a case lives longer */
#define MAX_FDS 16

static int count, size;
static long total;

/* Written by the children, read by the parent after waitpid(). */
static struct results {
	long calls;		/* data-moving splice/vmsplice/tee/sendfile calls */
} *results;

static int fds[MAX_FDS], nfds;


static void fill(unsigned char *buf, long from, long n)
{
	for (long i = 0; i < n; i++)
		buf[i] = pattern(from + i);
}

static void check(const char *role, const unsigned char *buf, long from, long n)
{
	for (long i = 0; i < n; i++)
		if (buf[i] != pattern(from + i))
			fail("%s: byte %ld is 0x%02x, want 0x%02x", role, from + i, buf[i], pattern(from + i));
}

/* The descriptors a child closes all of but its own. */
static void make_pipe(int p[2])
{
	if (pipe(p) < 0)
		die("pipe");
	fds[nfds++] = p[0];
	fds[nfds++] = p[1];
}

static void make_socketpair(int s[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0)
		die("socketpair");
	fds[nfds++] = s[0];
	fds[nfds++] = s[1];
}

static void keep_only(int a, int b)
{
	for (int i = 0; i < nfds; i++)
		if (fds[i] != a && fds[i] != b)
			close(fds[i]);
}

/* The parent closes a descriptor it no longer needs (the others must see EOF). */
static void parent_close(int fd)
{
	for (int i = 0; i < nfds; i++)
		if (fds[i] == fd) {
			close(fd);
			fds[i] = fds[--nfds];
			return;
		}
}

/* A child named ROLE that keeps only descriptors A and B. */
static pid_t spawn(const char *role, int a, int b)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		alarm(TIMEOUT_S);	/* alarms are not inherited */
		set_name(role);
		keep_only(a, b);
	}
	return pid;
}

/* COUNT write() calls of SIZE bytes each, never short. */
static void __attribute__((noreturn)) writer(const char *role, int fd)
{
	unsigned char buf[MAX_SIZE];

	for (int i = 0; i < count; i++) {
		ssize_t n;

		fill(buf, (long)i * size, size);
		n = write(fd, buf, (size_t)size);
		if (n < 0)
			die("write");
		if (n != size)
			fail("%s: write %d moved %zd of %d bytes: the truth would be wrong", role, i, n, size);
	}
	_exit(0);
}

/* read()s to end of file: exactly TOTAL bytes of the pattern. */
static void __attribute__((noreturn)) reader(const char *role, int fd)
{
	unsigned char buf[65536];
	long got = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (got + n > total)
			fail("%s: %ld bytes, more than the %ld written", role, got + n, total);
		check(role, buf, got, n);
		got += n;
	}
	if (got != total)
		fail("%s: end of file after %ld of %ld bytes", role, got, total);
	_exit(0);
}

enum mover { MOVE_SPLICE, MOVE_SENDFILE };

/* Moves TOTAL bytes from IN to OUT, at most SIZE a call; counts the calls that moved data. */
static void __attribute__((noreturn)) mover(const char *role, enum mover how, int in, int out)
{
	long moved = 0, calls = 0;

	while (moved < total) {
		size_t want = total - moved < size ? (size_t)(total - moved) : (size_t)size;
		ssize_t n = how == MOVE_SPLICE ? splice(in, NULL, out, NULL, want, 0) : sendfile(out, in, NULL, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(how == MOVE_SPLICE ? "splice" : "sendfile");
		if (n == 0)
			fail("%s: end of input after %ld of %ld bytes", role, moved, total);
		moved += n;
		calls++;
	}
	results->calls = calls;
	_exit(0);
}

static void print_truth(const char *mechanism, const char *src, const char *dst, long messages)
{
	printf("flow %s %s-%s %s-%s %ld %ld\n", mechanism, prefix, src, prefix, dst, messages, total);
}

/*
 * W -> first channel -> M (splice or sendfile) -> second channel -> R,
 * each channel a pipe or a UNIX stream socketpair: [0] is read, [1] written.
 */
struct channel {
	int fd[2];
	const char *mechanism;
};

static void make_channel(struct channel *c, int socket)
{
	if (socket) {
		make_socketpair(c->fd);
		c->mechanism = "unix-stream";
	} else {
		make_pipe(c->fd);
		c->mechanism = "pipe";
	}
}

static int run_chain(enum mover how, int first_is_socket, int second_is_socket)
{
	struct channel in, out;
	int failed = 0;
	pid_t r, m, w;

	make_channel(&in, first_is_socket);
	make_channel(&out, second_is_socket);
	r = spawn("r", out.fd[0], -1);
	if (r == 0)
		reader("r", out.fd[0]);
	m = spawn("m", in.fd[0], out.fd[1]);
	if (m == 0)
		mover("m", how, in.fd[0], out.fd[1]);
	w = spawn("w", in.fd[1], -1);
	if (w == 0)
		writer("w", in.fd[1]);
	keep_only(-1, -1);
	failed |= wait_for(w);
	failed |= wait_for(m);
	failed |= wait_for(r);
	if (failed)
		return 98;
	set_name(NULL);
	print_truth(in.mechanism, "w", "m", count);
	print_truth(out.mechanism, "m", "r", results->calls);
	return 0;
}

/* W -> pipe (vmsplice) -> R (read); X -> pipe (write) -> V (vmsplice) */
static int run_vmsplice(void)
{
	int p[2], q[2], failed = 0;
	long w_calls, v_calls = 0;
	pid_t r, w, v, x;

	make_pipe(p);
	r = spawn("r", p[0], -1);
	if (r == 0)
		reader("r", p[0]);
	w = spawn("w", p[1], -1);
	if (w == 0) {
		/*
		 * Without SPLICE_F_GIFT the pipe refers to these pages until they
		 * are read: each chunk has its own memory, never written again.
		 * No chunk crosses a page boundary, so each takes one pipe slot
		 * and a vmsplice() never stops midway for want of a second one
		 * (the loop would count such calls, but the truth stays stable).
		 */
		long page = sysconf(_SC_PAGESIZE), per_page = page / size, calls = 0;
		unsigned char *buf;

		errno = posix_memalign((void **)&buf, (size_t)page, (size_t)((count + per_page - 1) / per_page * page));
		if (errno)
			die("posix_memalign");
		for (int i = 0; i < count; i++) {
			unsigned char *chunk = buf + i / per_page * page + i % per_page * size;
			long done = 0;

			fill(chunk, (long)i * size, size);
			while (done < size) {
				struct iovec iov = { chunk + done, (size_t)(size - done) };
				ssize_t n = vmsplice(p[1], &iov, 1, 0);

				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					die("vmsplice to the pipe");
				done += n;
				calls++;
			}
		}
		results->calls = calls;
		_exit(0);
	}
	keep_only(-1, -1);
	nfds = 0;
	failed |= wait_for(w);
	failed |= wait_for(r);
	if (failed)
		return 98;
	w_calls = results->calls;

	make_pipe(q);
	v = spawn("v", q[0], -1);
	if (v == 0) {
		unsigned char *buf = malloc((size_t)total + size);
		long got = 0;

		if (!buf)
			die("malloc");
		for (;;) {
			struct iovec iov = { buf + got, (size_t)size };
			ssize_t n = vmsplice(q[0], &iov, 1, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				die("vmsplice from the pipe");
			if (n == 0)
				break;
			got += n;
			v_calls++;
			if (got > total)
				fail("v: %ld bytes, more than the %ld written", got, total);
		}
		if (got != total)
			fail("v: end of file after %ld of %ld bytes", got, total);
		check("v", buf, 0, total);
		results->calls = v_calls;
		_exit(0);
	}
	x = spawn("x", q[1], -1);
	if (x == 0)
		writer("x", q[1]);
	keep_only(-1, -1);
	failed |= wait_for(x);
	failed |= wait_for(v);
	if (failed)
		return 98;
	set_name(NULL);
	print_truth("pipe", "w", "r", w_calls);
	print_truth("pipe", "x", "v", count);
	return 0;
}

/*
 * Room for all COUNT writes at once.  A write goes into the last page only
 * if all of it fits there, so a page holds PAGE / SIZE writes; tee() puts
 * each of A's buffers in one slot of B.  Beyond fs.pipe-max-size (1 MiB:
 * 256 pages) only CAP_SYS_RESOURCE may grow a pipe.
 */
static void make_roomy_pipe(int p[2])
{
	long page = sysconf(_SC_PAGESIZE), per_page = page / size, want;

	want = (count + per_page - 1) / per_page * page;
	make_pipe(p);
	if (want > 65536 && fcntl(p[1], F_SETPIPE_SZ, (int)want) < 0) {
		fprintf(stderr, "splice_workload: tee: COUNT x SIZE needs a pipe of %ld bytes\n", want);
		die("F_SETPIPE_SZ");
	}
	if (fcntl(p[1], F_GETPIPE_SZ) < want)
		fail("pipe holds %d bytes, need %ld", fcntl(p[1], F_GETPIPE_SZ), want);
}

/* W -> pipe A; T tees A into B; R1 reads A, R2 reads B */
static int run_tee(void)
{
	int a[2], b[2], failed = 0;
	pid_t w, t, r1, r2;

	make_roomy_pipe(a);
	make_roomy_pipe(b);
	w = spawn("w", a[1], -1);
	if (w == 0)
		writer("w", a[1]);
	parent_close(a[1]);
	failed |= wait_for(w);	/* all of it is in A, nobody has read it */
	if (failed)
		return 98;
	t = spawn("t", a[0], b[1]);
	if (t == 0) {
		/* tee() always starts at A's head: one call must take it all */
		ssize_t n;

		while ((n = tee(a[0], b[1], (size_t)total, 0)) < 0 && errno == EINTR)
			;
		if (n < 0)
			die("tee");
		if (n != total)
			fail("t: tee moved %zd of %ld bytes; a second call would duplicate A's head", n, total);
		results->calls = 1;
		_exit(0);
	}
	parent_close(b[1]);
	failed |= wait_for(t);
	if (failed)
		return 98;
	r1 = spawn("r1", a[0], -1);
	if (r1 == 0)
		reader("r1", a[0]);
	r2 = spawn("r2", b[0], -1);
	if (r2 == 0)
		reader("r2", b[0]);
	keep_only(-1, -1);
	failed |= wait_for(r1);
	failed |= wait_for(r2);
	if (failed)
		return 98;
	set_name(NULL);
	print_truth("pipe", "w", "r1", count);
	print_truth("pipe", "t", "r2", results->calls);
	return 0;
}

/*
 * Does sendfile() take a pipe as its input?  Asked of an empty pipe without
 * writers, so nothing moves: 0 (end of file) if it does, EINVAL if not.
 */
static int sendfile_from_pipe_works(void)
{
	int p[2], s[2];
	ssize_t n;

	if (pipe(p) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0)
		die("pipe/socketpair");
	close(p[1]);
	n = sendfile(s[0], p[0], NULL, 1);
	if (n < 0 && errno != EINVAL)
		die("sendfile probe");
	if (n > 0)
		fail("sendfile probe moved %zd bytes out of an empty pipe", n);
	close(p[0]);
	close(s[0]);
	close(s[1]);
	return n == 0;
}

static int run_sendfile_pipe(void)
{
	if (!sendfile_from_pipe_works()) {
		fprintf(stderr, "unsupported\n");
		return 3;
	}
	return run_chain(MOVE_SENDFILE, 0, 1);
}

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ESPIPE: return "ESPIPE";
	case EXDEV: return "EXDEV";
	case EISDIR: return "EISDIR";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSYS: return "ENOSYS";
	default: return strerror(e);
	}
}

/*
 * copy_file_range() wants two regular files.  The pipe holds data and the
 * file has some, so a refusal is not for want of anything to copy; they are
 * put there before the process takes its PREFIX name.
 */
static int run_copy_file_range(void)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/dev/shm";
	char path[4096];
	unsigned char buf[MAX_SIZE];
	int p[2], file, refused = 0;
	loff_t off = 0;
	ssize_t n;

	if (pipe(p) < 0)
		die("pipe");
	fill(buf, 0, size);
	if (write(p[1], buf, (size_t)size) != size)
		die("write to the pipe");
	snprintf(path, sizeof(path), "%s/splice_workload.XXXXXX", dir);
	file = mkstemp(path);
	if (file < 0)
		die("mkstemp");
	unlink(path);
	if (write(file, buf, (size_t)size) != size)
		die("write to the file");

	set_name("c");
	n = copy_file_range(p[0], NULL, file, &off, (size_t)size, 0);
	if (n < 0 && errno == EINVAL)
		refused++;
	else
		fprintf(stderr, "splice_workload: copy_file_range(pipe -> file): %s\n",
			n < 0 ? errno_name(errno) : "copied");
	off = 0;
	n = copy_file_range(file, &off, p[1], NULL, (size_t)size, 0);
	if (n < 0 && errno == EINVAL)
		refused++;
	else
		fprintf(stderr, "splice_workload: copy_file_range(file -> pipe): %s\n",
			n < 0 ? errno_name(errno) : "copied");
	close(file);
	close(p[0]);
	close(p[1]);
	set_name(NULL);
	if (refused != 2)
		return 1;
	printf("refused EINVAL\n");
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: splice_workload CASE PREFIX COUNT SIZE   (SIZE 1..%d)\n"
			"CASE: splice-pipe vmsplice tee splice-socket splice-from-socket sendfile-pipe\n"
			"      copy-file-range\n",
		MAX_SIZE);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc != 5)
		usage();
	c = argv[1];
	prefix = argv[2];
	count = atoi(argv[3]);
	size = atoi(argv[4]);
	total = (long)count * size;
	if (count < 1 || size < 1 || size > MAX_SIZE || strlen(prefix) > 11)	/* PREFIX-ctl fits in 15 bytes */
		usage();
	if (strcmp(c, "copy-file-range") == 0)
		return run_copy_file_range();

	set_name("ctl");
	alarm(3 * TIMEOUT_S);
	results = mmap(NULL, sizeof(*results), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		die("mmap");
	if (strcmp(c, "splice-pipe") == 0)
		return run_chain(MOVE_SPLICE, 0, 0);
	if (strcmp(c, "vmsplice") == 0)
		return run_vmsplice();
	if (strcmp(c, "tee") == 0)
		return run_tee();
	if (strcmp(c, "splice-socket") == 0)
		return run_chain(MOVE_SPLICE, 0, 1);
	if (strcmp(c, "splice-from-socket") == 0)
		return run_chain(MOVE_SPLICE, 1, 0);
	if (strcmp(c, "sendfile-pipe") == 0)
		return run_sendfile_pipe();
	usage();
	return 2;
}
