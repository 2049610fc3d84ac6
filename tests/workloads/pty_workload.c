// SPDX-License-Identifier: GPL-2.0
/*
 * Pseudo-terminal IPC with known ground truth, for the integration tests.
 *
 * Every process names itself PREFIX-ROLE with prctl(PR_SET_NAME) before it
 * moves a byte, and the workload prints what really happened, one line a
 * flow, as ipc_workload does:
 *
 *   flow pty SRC_COMM DST_COMM MESSAGES BYTES
 *
 * MESSAGES counts the writer's write() calls, BYTES what the reader got.
 *
 *   raw PREFIX WRITES SIZE
 *       The slave is put in raw mode (cfmakeraw: no echo, no CR/LF
 *       translation, no signals, no flow control) before anything forks.
 *       PREFIX-mw writes WRITES x SIZE bytes to the master and PREFIX-sr
 *       reads them from the slave; then PREFIX-sw writes WRITES x SIZE
 *       bytes to the slave and PREFIX-mr reads them from the master.  Every
 *       byte value crosses (byte k of a stream is k * 7 + k / 256) and the
 *       readers check every byte; afterwards nothing is left on either side.
 *
 *   cooked PREFIX LINES
 *       The slave keeps the default termios (ICANON, ECHO, OPOST|ONLCR).
 *       PREFIX-mw writes LINES lines "hello\n" to the master, PREFIX-sr
 *       reads them line by line from the slave, and PREFIX-mr reads from
 *       the master what the line discipline echoes back ("hello\r\n" a
 *       line) until it has LINES x 7 bytes or nothing came for a second.
 *       Besides the flow line it prints
 *
 *         echo pty PREFIX-mr BYTES
 *
 *       the bytes the line discipline produced and PREFIX-mr read: no
 *       process wrote them.
 *
 *   held PREFIX LINES
 *       As cooked, but PREFIX-mw writes the LINES lines in one write(),
 *       more than the slave's input and flip buffers hold (use 5,000 or more), and PREFIX-sr starts
 *       reading only once PREFIX-mr has read 2,048 bytes of echo: the
 *       write is blocked all that time, so the master reads the echo
 *       before the write that caused it returns.
 *
 * The parent, PREFIX-ctl, only opens the pair, forks and waits; the
 * children report through shared memory, not through IPC the exporter
 * would count.  Before it prints the truth the parent takes back the
 * program's name, so stdout being a pipe adds no PREFIX flow.  Exit status:
 * 0, 2 (usage), 98 (a check failed), 99 (a call failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define WORKLOAD_NAME "pty_workload"
#include "workload_kit.h"

#define MAX_SIZE 512
#define TIMEOUT_S 60		/* no process of a case lives longer */
#define QUIET_MS 1000		/* cooked: a reader stops after this long without data */
#define LINE "hello\n"
#define LINE_LEN 6
#define ECHOED "hello\r\n"
#define ECHOED_LEN 7


/* Written by the children, read by the parent after waitpid(). */
static struct results {
	long slave_bytes;	/* cooked: what PREFIX-sr got */
	long master_bytes;	/* cooked: what PREFIX-mr got */
	volatile long master_progress;	/* held: what PREFIX-mr got so far */
} *results;

#define HELD_ECHO_FIRST 2048	/* held: echo the master reads before the slave reads anything */


static pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0)
		alarm(TIMEOUT_S);	/* alarms are not inherited */
	return pid;
}

/* WRITES x SIZE bytes of the pattern, one write() call each, never short. */
static void __attribute__((noreturn)) raw_writer(const char *role, int fd, int other, int writes, int size)
{
	unsigned char buf[MAX_SIZE];
	long k = 0;

	set_name(role);
	close(other);
	for (int i = 0; i < writes; i++) {
		ssize_t n;

		for (int j = 0; j < size; j++)
			buf[j] = pattern(k++);
		n = write(fd, buf, (size_t)size);
		if (n < 0)
			die("write");
		if (n != size)
			fail("%s: write %d moved %zd of %d bytes: the truth would be wrong", role, i, n, size);
	}
	_exit(0);
}

/* Reads exactly TOTAL bytes of the pattern. */
static void __attribute__((noreturn)) raw_reader(const char *role, int fd, int other, long total)
{
	unsigned char buf[4096];
	long got = 0;

	set_name(role);
	close(other);
	while (got < total) {
		size_t want = total - got < (long)sizeof(buf) ? (size_t)(total - got) : sizeof(buf);
		ssize_t n = read(fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			fail("%s: end of file after %ld of %ld bytes", role, got, total);
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(got + i))
				fail("%s: byte %ld is 0x%02x, want 0x%02x", role, got + i, buf[i], pattern(got + i));
		got += n;
	}
	_exit(0);
}

/* Nothing may be left to read on FD: no echo, no stray byte. */
static int check_empty(int fd, const char *side)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, 100);

	if (r < 0)
		die("poll");
	if (r > 0 && (p.revents & POLLIN)) {
		fprintf(stderr, "pty_workload: bytes left unread on the %s\n", side);
		return 1;
	}
	return 0;
}

static int run_raw(int master, int slave, int writes, int size)
{
	struct termios t;
	long total = (long)writes * size;
	int failed = 0;
	pid_t reader, writer;

	if (tcgetattr(slave, &t) < 0)
		die("tcgetattr");
	cfmakeraw(&t);
	if (tcsetattr(slave, TCSANOW, &t) < 0)
		die("tcsetattr");

	/* master -> slave; the reader reads while the writer writes */
	reader = spawn();
	if (reader == 0)
		raw_reader("sr", slave, master, total);
	writer = spawn();
	if (writer == 0)
		raw_writer("mw", master, slave, writes, size);
	failed |= wait_for(writer);
	failed |= wait_for(reader);
	failed |= check_empty(slave, "slave");
	failed |= check_empty(master, "master (an echo?)");

	/* slave -> master */
	reader = spawn();
	if (reader == 0)
		raw_reader("mr", master, slave, total);
	writer = spawn();
	if (writer == 0)
		raw_writer("sw", slave, master, writes, size);
	failed |= wait_for(writer);
	failed |= wait_for(reader);
	failed |= check_empty(master, "master");
	failed |= check_empty(slave, "slave (an echo?)");
	if (failed)
		return 98;

	set_name(NULL);
	printf("flow pty %s-mw %s-sr %d %ld\n", prefix, prefix, writes, total);
	printf("flow pty %s-sw %s-mr %d %ld\n", prefix, prefix, writes, total);
	return 0;
}

/*
 * Reads FD until WANT bytes came or nothing came for QUIET_MS; every byte
 * must continue the repetition of UNIT.  Returns the bytes read, and keeps
 * *PROGRESS (if not NULL) up to date.
 */
static long read_units(const char *role, int fd, const char *unit, size_t unit_len, long want,
		       volatile long *progress)
{
	char buf[4096];
	long got = 0;

	while (got < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, QUIET_MS);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll");
		if (r == 0)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != unit[(got + i) % (long)unit_len])
				fail("%s: byte %ld is 0x%02x, want 0x%02x", role, got + i, (unsigned char)buf[i],
				     (unsigned char)unit[(got + i) % (long)unit_len]);
		got += n;
		if (progress)
			*progress = got;
	}
	return got;
}

/* held: the slave's reader waits until the master's has read some echo (or 20 s). */
static void wait_for_echo(void)
{
	for (int i = 0; i < 2000 && results->master_progress < HELD_ECHO_FIRST; i++)
		usleep(10000);
	if (results->master_progress < HELD_ECHO_FIRST)
		fail("sr: the master's reader got %ld bytes of echo before the write returned, want %d",
		     results->master_progress, HELD_ECHO_FIRST);
}

static int run_cooked(int master, int slave, int lines, int held)
{
	struct termios t;
	int failed = 0;
	pid_t echo_reader, reader, writer;

	/* a new pair has the default termios; say so rather than assume it */
	if (tcgetattr(slave, &t) < 0)
		die("tcgetattr");
	if (!(t.c_lflag & ICANON) || !(t.c_lflag & ECHO) || !(t.c_oflag & OPOST) || !(t.c_oflag & ONLCR))
		fail("the new slave is not in canonical mode with ECHO and ONLCR");

	echo_reader = spawn();
	if (echo_reader == 0) {
		set_name("mr");
		close(slave);
		results->master_bytes = read_units("mr", master, ECHOED, ECHOED_LEN, (long)lines * ECHOED_LEN,
						  &results->master_progress);
		_exit(0);
	}
	reader = spawn();
	if (reader == 0) {
		set_name("sr");
		close(master);
		if (held)
			wait_for_echo();
		results->slave_bytes = read_units("sr", slave, LINE, LINE_LEN, (long)lines * LINE_LEN, NULL);
		_exit(0);
	}
	writer = spawn();
	if (writer == 0) {
		set_name("mw");
		close(slave);
		if (held) {
			size_t len = (size_t)lines * LINE_LEN;
			char *all = malloc(len);
			ssize_t n;

			if (!all)
				die("malloc");
			for (int i = 0; i < lines; i++)
				memcpy(all + (size_t)i * LINE_LEN, LINE, LINE_LEN);
			n = write(master, all, len);
			if (n < 0)
				die("write");
			if ((size_t)n != len)
				fail("mw: write moved %zd of %zu bytes", n, len);
			_exit(0);
		}
		for (int i = 0; i < lines; i++) {
			ssize_t n = write(master, LINE, LINE_LEN);

			if (n < 0)
				die("write");
			if (n != LINE_LEN)
				fail("mw: line %d: write moved %zd of %d bytes", i, n, LINE_LEN);
		}
		_exit(0);
	}
	failed |= wait_for(writer);
	failed |= wait_for(reader);
	failed |= wait_for(echo_reader);
	if (failed)
		return 98;
	if (results->slave_bytes != (long)lines * LINE_LEN)
		fprintf(stderr, "pty_workload: note: the slave reader got %ld bytes, %ld were written\n",
			results->slave_bytes, (long)lines * LINE_LEN);
	if (results->master_bytes != (long)lines * ECHOED_LEN)
		fprintf(stderr, "pty_workload: note: the master reader got %ld echoed bytes, expected %ld\n",
			results->master_bytes, (long)lines * ECHOED_LEN);

	set_name(NULL);
	printf("flow pty %s-mw %s-sr %d %ld\n", prefix, prefix, held ? 1 : lines, results->slave_bytes);
	printf("echo pty %s-mr %ld\n", prefix, results->master_bytes);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pty_workload raw PREFIX WRITES SIZE     (SIZE 1..%d)\n"
			"       pty_workload cooked|held PREFIX LINES\n",
		MAX_SIZE);
	exit(2);
}

int main(int argc, char **argv)
{
	int master, slave, raw, held;
	const char *path;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4)
		usage();
	raw = strcmp(argv[1], "raw") == 0;
	held = strcmp(argv[1], "held") == 0;
	if (!raw && !held && strcmp(argv[1], "cooked") != 0)
		usage();
	if ((raw && argc != 5) || (!raw && argc != 4))
		usage();
	prefix = argv[2];
	if (raw && (atoi(argv[3]) < 1 || atoi(argv[4]) < 1 || atoi(argv[4]) > MAX_SIZE))
		usage();
	if (!raw && atoi(argv[3]) < 1)
		usage();
	if (strlen(prefix) > 11)	/* PREFIX-ctl must fit in 15 bytes */
		usage();

	set_name("ctl");
	alarm(2 * TIMEOUT_S + 10);
	results = mmap(NULL, sizeof(*results), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		die("mmap");
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0)
		die("posix_openpt");
	if (grantpt(master) < 0 || unlockpt(master) < 0)
		die("grantpt/unlockpt");
	path = ptsname(master);
	if (!path)
		die("ptsname");
	slave = open(path, O_RDWR | O_NOCTTY);
	if (slave < 0)
		die("open slave");
	/* the parent keeps both ends open until the end: no hangup midway */
	return raw ? run_raw(master, slave, atoi(argv[3]), atoi(argv[4])) : run_cooked(master, slave, atoi(argv[3]), held);
}
