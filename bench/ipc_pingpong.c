// SPDX-License-Identifier: GPL-2.0
/*
 * ipc_pingpong: the IPC workloads of bench/run-bench.sh that perf bench
 * does not have.
 *   ipc_pingpong unix N     N round trips of 64 bytes over a UNIX stream socket pair
 *   ipc_pingpong tcp N      the same over loopback TCP (IPv4, TCP_NODELAY)
 *   ipc_pingpong signal N   a signal storm: N kill(SIGUSR1) at a process that handles them
 *   ipc_pingpong pairs N    N distinct (source, destination) process pairs over a pipe:
 *                           the writer takes a new name (prctl) before each byte
 * Exits 0 when every round trip completed, 1 on any error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MESSAGE_BYTES 64

static int fail(const char *what)
{
	fprintf(stderr, "ipc_pingpong: %s: %s\n", what, strerror(errno));
	return 1;
}

static int move_exactly(int fd, char *buf, size_t len, int writing)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = writing ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/* A child that dies with this process: a bench cut short leaves nothing behind. */
static pid_t fork_child(void)
{
	pid_t pid = fork();

	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

/* The child echoes every message until the parent closes its end. */
static int ping_pong(int parent_fd, int child_fd, unsigned long rounds)
{
	char buf[MESSAGE_BYTES] = { 0 };
	int status;
	pid_t child;

	child = fork_child();
	if (child < 0)
		return fail("fork");
	if (child == 0) {
		close(parent_fd);
		while (move_exactly(child_fd, buf, sizeof(buf), 0) == 0)
			if (move_exactly(child_fd, buf, sizeof(buf), 1) < 0)
				_exit(1);
		_exit(0);
	}
	close(child_fd);
	for (unsigned long i = 0; i < rounds; i++)
		if (move_exactly(parent_fd, buf, sizeof(buf), 1) < 0 || move_exactly(parent_fd, buf, sizeof(buf), 0) < 0)
			return fail("round trip");
	close(parent_fd);
	return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int unix_pingpong(unsigned long rounds)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return fail("socketpair");
	return ping_pong(sv[0], sv[1], rounds);
}

static int tcp_pingpong(unsigned long rounds)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int listener, client, server, one = 1;

	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listener, 1) < 0 ||
	    getsockname(listener, (struct sockaddr *)&addr, &len) < 0)
		return fail("listening on 127.0.0.1");
	client = socket(AF_INET, SOCK_STREAM, 0);
	if (client < 0 || connect(client, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return fail("connect");
	server = accept(listener, NULL, NULL);
	if (server < 0)
		return fail("accept");
	close(listener);
	setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return ping_pong(client, server, rounds);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Regular signals merge while pending: most kills find one pending, as in a real storm. */
static int signal_storm(unsigned long count)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int ready[2], status;
	char byte = 0;
	pid_t target;

	if (pipe(ready) < 0)
		return fail("pipe");
	target = fork_child();
	if (target < 0)
		return fail("fork");
	if (target == 0) {
		sigaction(SIGUSR1, &sa, NULL);
		if (write(ready[1], &byte, 1) != 1)
			_exit(1);
		for (;;)
			pause();	/* until SIGTERM */
	}
	if (read(ready[0], &byte, 1) != 1)
		return fail("waiting for the target");
	for (unsigned long i = 0; i < count; i++)
		if (kill(target, SIGUSR1) < 0)
			return fail("kill");
	kill(target, SIGTERM);
	return waitpid(target, &status, 0) == target && WIFSIGNALED(status) ? 0 : 1;
}

/* One byte per writer name: the reader sees `count` different sources. */
static int distinct_pairs(unsigned long count)
{
	char name[32], byte = 'x';
	int fds[2], status;
	pid_t reader;

	if (pipe(fds) < 0)
		return fail("pipe");
	reader = fork_child();
	if (reader < 0)
		return fail("fork");
	if (reader == 0) {
		char buf[4096];
		ssize_t n;

		close(fds[1]);
		prctl(PR_SET_NAME, "bench_reader");
		while ((n = read(fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			;
		_exit(n == 0 ? 0 : 1);
	}
	close(fds[0]);
	for (unsigned long i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "bw%lu", i);
		prctl(PR_SET_NAME, name);
		if (move_exactly(fds[1], &byte, 1, 1) < 0)
			return fail("write");
	}
	close(fds[1]);
	return waitpid(reader, &status, 0) == reader && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	unsigned long n;
	char *end;

	if (argc != 3 || (n = strtoul(argv[2], &end, 10)) == 0 || *end || n > 1000000000ul) {
		fprintf(stderr, "usage: ipc_pingpong unix|tcp|signal|pairs N\n");
		return 2;
	}
	if (strcmp(argv[1], "unix") == 0)
		return unix_pingpong(n);
	if (strcmp(argv[1], "tcp") == 0)
		return tcp_pingpong(n);
	if (strcmp(argv[1], "signal") == 0)
		return signal_storm(n);
	if (strcmp(argv[1], "pairs") == 0)
		return distinct_pairs(n);
	fprintf(stderr, "ipc_pingpong: unknown workload '%s'\n", argv[1]);
	return 2;
}
