// SPDX-License-Identifier: GPL-2.0
/*
 * IPC with known ground truth, for the integration tests.
 *
 * Every process names itself PREFIX-ROLE with prctl(PR_SET_NAME) before it
 * moves a byte.  The workload prints what really happened, one line a flow:
 *
 *   flow MECHANISM SRC_COMM DST_COMM MESSAGES BYTES
 *   signal SIGNO SRC_COMM DST_COMM COUNT
 *
 * Pipe truth comes from the readers, not from the design under test: each
 * write carries its writer's tag in every byte (lowercase in the first byte,
 * uppercase after), so a reader knows whose bytes it got and how many
 * writes began in them, whatever the interleaving.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 8

struct pipe_plan {
	const char *mechanism;	/* "pipe" or "fifo" */
	const char *prefix;
	const char *fifo_path;
	int writers, readers, writes, size, read_size;
	int reader_delay_ms;	/* readers start this late (writers may be gone) */
	int reader_pause_us;	/* readers pause after each read, so several get data */
	int use_vectors;	/* writev/readv in two halves instead of write/read */
	int rename_after;	/* writers rename themselves PREFIX-vN after this many writes (0: never) */
	const char *go_file;	/* writers wait for this file to exist before writing */
};

/* A renamed writer tags its bytes as writer index + RENAMED, so readers tell the names apart. */
#define RENAMED (MAX_PROCS / 2)

static void die(const char *what)
{
	fprintf(stderr, "ipc_workload: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void set_name(const char *prefix, const char *role, int index)
{
	char name[16];

	snprintf(name, sizeof(name), "%s-%s%d", prefix, role, index);
	if (prctl(PR_SET_NAME, name) < 0)
		die("prctl");
	/* For the pid label's truth; stdout is then a file the test reads, not a pipe. */
	if (getenv("IPC_WORKLOAD_PIDS"))
		dprintf(1, "pid %s %d\n", name, (int)getpid());
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static ssize_t write_all(int fd, const char *buf, size_t n, int vectors)
{
	struct iovec iov[2] = { { (void *)buf, n / 2 }, { (void *)(buf + n / 2), n - n / 2 } };

	/* n <= PIPE_BUF: one call moves it all, atomically */
	return vectors ? writev(fd, iov, 2) : write(fd, buf, n);
}

static void run_writer(const struct pipe_plan *p, int fd, int index)
{
	char *buf = malloc((size_t)p->size);

	set_name(p->prefix, "w", index);
	while (p->go_file && access(p->go_file, F_OK) != 0)
		sleep_ms(10);
	memset(buf, 'A' + index, (size_t)p->size);
	buf[0] = (char)('a' + index);
	for (int i = 0; i < p->writes; i++) {
		if (p->rename_after && i == p->rename_after) {
			set_name(p->prefix, "v", index);
			memset(buf, 'A' + index + RENAMED, (size_t)p->size);
			buf[0] = (char)('a' + index + RENAMED);
		}
		if (write_all(fd, buf, (size_t)p->size, p->use_vectors) != p->size)
			die("write");
	}
	_exit(0);
}

/*
 * Reports "READER WRITER MESSAGES BYTES" per writer on the result pipe, one
 * write each; that pipe's own traffic is ground truth too (reader -> ctl).
 */
static void run_reader(const struct pipe_plan *p, int fd, int index, int result_fd)
{
	long bytes[MAX_PROCS] = { 0 }, messages[MAX_PROCS] = { 0 };
	char *buf = malloc((size_t)p->read_size), line[128];
	ssize_t n;

	set_name(p->prefix, "r", index);
	if (p->reader_delay_ms)
		sleep_ms(p->reader_delay_ms);
	for (;;) {
		if (p->use_vectors) {
			struct iovec iov[2] = { { buf, (size_t)p->read_size / 2 },
						{ buf + p->read_size / 2, (size_t)p->read_size - (size_t)p->read_size / 2 } };
			n = readv(fd, iov, 2);
		} else {
			n = read(fd, buf, (size_t)p->read_size);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		if (p->reader_pause_us)
			usleep((useconds_t)p->reader_pause_us);
		for (ssize_t i = 0; i < n; i++) {
			int lower = buf[i] >= 'a' && buf[i] < 'a' + MAX_PROCS;
			int w = lower ? buf[i] - 'a' : buf[i] - 'A';

			if (w < 0 || w >= MAX_PROCS)
				continue;
			bytes[w]++;
			messages[w] += lower;
		}
	}
	for (int w = 0; w < MAX_PROCS; w++) {
		int len = snprintf(line, sizeof(line), "%d %d %ld %ld\n", index, w, messages[w], bytes[w]);

		if (write(result_fd, line, (size_t)len) != len)
			die("result");
	}
	_exit(0);
}

static int open_fifo(const struct pipe_plan *p, int flags)
{
	int fd = open(p->fifo_path, flags);

	if (fd < 0)
		die("open fifo");
	return fd;
}

static int run_pipe(const struct pipe_plan *p)
{
	int fds[2], results[2], status, failed = 0;
	long messages[MAX_PROCS][MAX_PROCS] = { { 0 } }, bytes[MAX_PROCS][MAX_PROCS] = { { 0 } };
	long result_lines[MAX_PROCS] = { 0 }, result_bytes[MAX_PROCS] = { 0 };
	FILE *in;
	char line[128];
	int fifo = strcmp(p->mechanism, "fifo") == 0;

	set_name(p->prefix, "ctl", 0);
	if (pipe(results) < 0)
		die("pipe");
	if (fifo) {
		unlink(p->fifo_path);
		if (mkfifo(p->fifo_path, 0600) < 0)
			die("mkfifo");
	} else if (pipe(fds) < 0) {
		die("pipe");
	}
	/*
	 * FIFO writers all open before any of them writes, or a reader could
	 * see end-of-file between two writers.  The barriers move no bytes:
	 * "opened" reaches end-of-file when every writer has closed its copy,
	 * "go" when the parent closes its own.
	 */
	int opened[2], go[2], holder = -1;

	if (pipe(opened) < 0 || pipe(go) < 0)
		die("pipe");
	if (fifo)
		holder = open(p->fifo_path, O_RDONLY | O_NONBLOCK);	/* writers' opens need a reader */
	for (int w = 0; w < p->writers; w++) {
		if (fork() == 0) {
			int fd = fifo ? open_fifo(p, O_WRONLY) : fds[1];
			char c;

			close(results[0]);
			close(results[1]);
			close(opened[0]);
			close(opened[1]);
			close(go[1]);
			if (!fifo)
				close(fds[0]);
			while (read(go[0], &c, 1) < 0 && errno == EINTR)
				;
			run_writer(p, fd, w);
		}
	}
	close(opened[1]);
	{
		char c;

		while (read(opened[0], &c, 1) < 0 && errno == EINTR)
			;
	}
	for (int r = 0; r < p->readers; r++) {
		if (fork() == 0) {
			int fd = fifo ? open_fifo(p, O_RDONLY) : fds[0];

			close(results[0]);
			close(go[1]);
			if (!fifo)
				close(fds[1]);
			run_reader(p, fd, r, results[1]);
		}
	}
	close(go[1]);
	if (holder >= 0)
		close(holder);
	if (!fifo) {
		close(fds[0]);
		close(fds[1]);
	}
	close(results[1]);
	in = fdopen(results[0], "r");
	for (int i = 0; i < p->readers * MAX_PROCS; i++) {
		int ri, wi;
		long m, b;

		if (!fgets(line, sizeof(line), in) || sscanf(line, "%d %d %ld %ld", &ri, &wi, &m, &b) != 4 ||
		    ri < 0 || ri >= MAX_PROCS || wi < 0 || wi >= MAX_PROCS)
			die("reader result");
		messages[wi][ri] += m;
		bytes[wi][ri] += b;
		result_lines[ri]++;
		result_bytes[ri] += (long)strlen(line);
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	if (fifo)
		unlink(p->fifo_path);
	for (int w = 0; w < MAX_PROCS; w++)
		for (int r = 0; r < p->readers; r++)
			if (bytes[w][r])
				printf("flow %s %s-%s%d %s-r%d %ld %ld\n", p->mechanism, p->prefix, w < RENAMED ? "w" : "v",
				       w % RENAMED, p->prefix, r, messages[w][r], bytes[w][r]);
	for (int r = 0; r < p->readers; r++)
		printf("flow pipe %s-r%d %s-ctl0 %ld %ld\n", p->prefix, r, p->prefix, result_lines[r], result_bytes[r]);
	return failed ? 99 : 0;
}

/*
 * Data left in a FIFO when its last descriptor closes is discarded.  The
 * next opening must not hand those bytes' writer to its readers: first
 * PREFIX-ctl0 writes 100 bytes and closes unread, then PREFIX-w0 writes 200
 * bytes that PREFIX-r0 reads.
 */
static int run_fifo_reopen(const char *prefix, const char *path)
{
	char buf[200], got[400];
	int fd, status, failed = 0;
	ssize_t n, total = 0;
	pid_t writer;

	set_name(prefix, "ctl", 0);
	unlink(path);
	if (mkfifo(path, 0600) < 0)
		die("mkfifo");
	memset(buf, 'x', sizeof(buf));
	fd = open(path, O_RDWR);	/* Linux: a FIFO opened read-write never blocks */
	if (fd < 0 || write(fd, buf, 100) != 100)
		die("first opening");
	close(fd);

	writer = fork();
	if (writer == 0) {
		set_name(prefix, "w", 0);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("second opening: write");
		_exit(0);
	}
	if (fork() == 0) {
		set_name(prefix, "r", 0);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die("second opening: open");
		while ((n = read(fd, got, sizeof(got))) > 0)
			total += n;
		_exit(total == (ssize_t)sizeof(buf) ? 0 : 1);
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	unlink(path);
	printf("flow fifo %s-w0 %s-r0 1 %zu\n", prefix, prefix, sizeof(buf));
	return failed ? 99 : 0;
}

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * A sender sends COUNT signals SIGNO to a receiver that handles them, then
 * one to itself; the parent (named PREFIX-parent) gets SIGCHLD from the
 * kernel for each child.
 */
static int run_signals(const char *prefix, int signo, int count)
{
	int ready[2], done[2], status, failed = 0;
	pid_t receiver, sender;
	char c;

	set_name(prefix, "parent", 0);
	if (pipe(ready) < 0 || pipe(done) < 0)
		die("pipe");
	receiver = fork();
	if (receiver == 0) {
		/* A handler that does nothing: the signals are delivered, not ignored. */
		struct sigaction sa = { .sa_handler = on_signal };

		set_name(prefix, "recv", 0);
		sigemptyset(&sa.sa_mask);
		if (sigaction(signo, &sa, NULL) < 0 || sigaction(SIGUSR2, &sa, NULL) < 0)
			die("sigaction");
		close(ready[0]);
		close(done[1]);
		if (write(ready[1], "r", 1) != 1)
			die("ready");
		while (read(done[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	if (read(ready[0], &c, 1) != 1)
		die("ready");
	sender = fork();
	if (sender == 0) {
		union sigval value = { 0 };

		set_name(prefix, "send", 0);
		for (int i = 0; i < count; i++) {
			if (signo >= SIGRTMIN ? sigqueue(receiver, signo, value) : kill(receiver, signo))
				die("send signal");
		}
		/* another signal to the same receiver */
		if (kill(receiver, SIGUSR2))
			die("send SIGUSR2");
		/* one to itself, with a handler so it survives */
		signal(SIGUSR2, on_signal);
		if (raise(SIGUSR2))
			die("raise");
		_exit(0);
	}
	waitpid(sender, &status, 0);
	failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	close(done[1]);
	waitpid(receiver, &status, 0);
	failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	printf("signal %d %s-send0 %s-recv0 %d\n", signo, prefix, prefix, count);
	printf("signal %d %s-send0 %s-recv0 1\n", SIGUSR2, prefix, prefix);
	printf("signal %d %s-send0 %s-send0 1\n", SIGUSR2, prefix, prefix);
	printf("signal %d [kernel] %s-parent0 2\n", SIGCHLD, prefix);
	return failed ? 99 : 0;
}

/* Exactly n bytes, or fewer only at end-of-file. */
static size_t read_full(int fd, char *buf, size_t n)
{
	size_t have = 0;
	ssize_t got;

	while (have < n && (got = read(fd, buf + have, n - have)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			die("read");
		have += (size_t)got;
	}
	return have;
}

/*
 * COUNT distinct pairs, more than a small flow table holds: one writer
 * takes the name PREFIX-pI before its I-th write of SIZE bytes (I in the
 * first bytes, so the reader checks the order) and waits for PREFIX-r0's
 * one-byte ack.  Every pair is then a data flow PREFIX-pI -> PREFIX-r0 and
 * an ack flow PREFIX-r0 -> PREFIX-pI, one share in flight at a time (and
 * the reader's SIGCHLD).  A pause of PAUSE_MS after every BATCH pairs
 * spreads them over time.
 */
static int run_pairs(const char *prefix, int count, int size, int batch, int pause_ms)
{
	char *buf = malloc((size_t)size), c;
	int data[2], ack[2], status;
	pid_t reader;

	if (!buf || pipe(data) < 0 || pipe(ack) < 0)
		die("pipe");
	reader = fork();
	if (reader < 0)
		die("fork");
	if (reader == 0) {
		int got = 0;

		close(data[1]);
		close(ack[0]);
		set_name(prefix, "r", 0);
		while (read_full(data[0], buf, (size_t)size) == (size_t)size && memcmp(buf, &got, sizeof(got)) == 0) {
			got++;
			if (write(ack[1], "k", 1) != 1)
				die("ack");
		}
		for (int i = 0; i < got; i++)
			printf("flow pipe %s-p%d %s-r0 1 %d\n", prefix, i, prefix, size);
		fflush(stdout);
		_exit(got == count ? 0 : 99);
	}
	close(data[0]);
	close(ack[1]);
	memset(buf, 'p', (size_t)size);
	for (int i = 0; i < count; i++) {
		set_name(prefix, "p", i);
		memcpy(buf, &i, sizeof(i));
		if (write(data[1], buf, (size_t)size) != size)
			die("write");
		if (read_full(ack[0], &c, 1) != 1)
			die("ack");
		if (batch && (i + 1) % batch == 0)
			sleep_ms(pause_ms);
	}
	close(data[1]);
	if (waitpid(reader, &status, 0) != reader || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 99;
	for (int i = 0; i < count; i++)
		printf("flow pipe %s-r0 %s-p%d 1 1\n", prefix, prefix, i);
	printf("signal %d [kernel] %s-p%d 1\n", SIGCHLD, prefix, count - 1);	/* the reader's exit */
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ipc_workload pipe|fifo PREFIX WRITERS READERS WRITES SIZE [READ_SIZE] [options]\n"
		"       ipc_workload signal PREFIX SIGNO COUNT\n"
		"       ipc_workload fifo-reopen PREFIX PATH\n"
		"       ipc_workload pairs PREFIX COUNT SIZE [BATCH PAUSE_MS]\n"
		"pipe/fifo options: --reader-delay-ms N, --reader-pause-us N, --vectors, --fifo-path PATH,\n"
		"                   --rename-after N (writers rename themselves PREFIX-vI after N writes),\n"
		"                   --go-file PATH (writers wait for PATH to exist)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct pipe_plan p = { 0 };
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "fifo-reopen") == 0) {
		if (argc != 4)
			usage();
		return run_fifo_reopen(argv[2], argv[3]);
	}
	if (strcmp(argv[1], "pairs") == 0) {
		int count, size, batch = 0, pause_ms = 0;

		if (argc != 5 && argc != 7)
			usage();
		count = atoi(argv[3]);
		size = atoi(argv[4]);
		if (argc == 7) {
			batch = atoi(argv[5]);
			pause_ms = atoi(argv[6]);
		}
		if (count < 1 || size < (int)sizeof(int) || size > 4096 || batch < 0 || pause_ms < 0)
			usage();
		return run_pairs(argv[2], count, size, batch, pause_ms);
	}
	if (strcmp(argv[1], "signal") == 0) {
		if (argc != 5)
			usage();
		return run_signals(argv[2], atoi(argv[3]), atoi(argv[4]));
	}
	if ((strcmp(argv[1], "pipe") && strcmp(argv[1], "fifo")) || argc < 7)
		usage();
	p.mechanism = argv[1];
	p.prefix = argv[2];
	p.writers = atoi(argv[3]);
	p.readers = atoi(argv[4]);
	p.writes = atoi(argv[5]);
	p.size = atoi(argv[6]);
	p.read_size = p.size;
	i = 7;
	if (argc > 7 && argv[7][0] != '-')
		p.read_size = atoi(argv[i++]);
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--reader-delay-ms") == 0 && i + 1 < argc)
			p.reader_delay_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--reader-pause-us") == 0 && i + 1 < argc)
			p.reader_pause_us = atoi(argv[++i]);
		else if (strcmp(argv[i], "--rename-after") == 0 && i + 1 < argc)
			p.rename_after = atoi(argv[++i]);
		else if (strcmp(argv[i], "--go-file") == 0 && i + 1 < argc)
			p.go_file = argv[++i];
		else if (strcmp(argv[i], "--vectors") == 0)
			p.use_vectors = 1;
		else if (strcmp(argv[i], "--fifo-path") == 0 && i + 1 < argc)
			p.fifo_path = argv[++i];
		else
			usage();
	}
	if (p.writers < 1 || p.writers > MAX_PROCS || p.readers < 1 || p.readers > MAX_PROCS || p.size < 1 ||
	    p.size > 4096 || p.read_size < 1 || p.writes < 0)
		usage();
	if (strcmp(p.mechanism, "fifo") == 0 && !p.fifo_path)
		usage();
	if (p.rename_after && p.writers > RENAMED)
		usage();
	return run_pipe(&p);
}
