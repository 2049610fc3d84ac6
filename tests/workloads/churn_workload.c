// SPDX-License-Identifier: GPL-2.0
/*
 * Churn, for the integration tests: many short-lived pipes, processes and
 * connections, each of which leaves kernel state behind if nothing frees
 * it when its object goes away.
 *
 *   churn_workload PREFIX tcp N SIZE   N loopback TCP connections, SIZE bytes
 *                                      each way, each closed by the client
 *   churn_workload PREFIX pipes N      N processes, each writing 8 bytes into
 *                                      a pipe of its own to its parent
 *   churn_workload PREFIX orphans N    N times: pipe(), write 8 bytes, close
 *                                      both ends unread (what anyone may do)
 *
 * Prints "churned N" when all went as planned.
 */
#define _GNU_SOURCE
#define WORKLOAD_NAME "churn_workload"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "workload_kit.h"

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			die("write");
		buf += n;
		len -= n;
	}
}

static void read_all(int fd, char *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0)
			die("read");
		if (n == 0)
			fail("short read: %zu bytes missing", len);
		buf += n;
		len -= n;
	}
}

static void serve(int listener, long n, size_t size)
{
	char buf[65536];

	set_name("srv");
	for (long i = 0; i < n; i++) {
		int c = accept(listener, NULL, NULL);

		if (c < 0)
			die("accept");
		read_all(c, buf, size);
		write_all(c, buf, size);
		close(c);
	}
	exit(0);
}

static int churn_tcp(long n, size_t size)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	char buf[65536];
	int listener;
	pid_t server;

	if (size > sizeof(buf))
		fail("SIZE at most %zu", sizeof(buf));
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listener, 128) < 0 ||
	    getsockname(listener, (struct sockaddr *)&addr, &len) < 0)
		die("listen");
	server = fork();
	if (server < 0)
		die("fork");
	if (server == 0)
		serve(listener, n, size);
	close(listener);
	set_name("cli");
	memset(buf, 'c', size);
	for (long i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
			die("connect");
		write_all(s, buf, size);
		read_all(s, buf, size);
		close(s);
	}
	return wait_for(server);
}

static int churn_pipes(long n)
{
	char buf[8];

	set_name("parent");
	for (long i = 0; i < n; i++) {
		int fds[2];
		pid_t child;

		if (pipe(fds) < 0)
			die("pipe");
		child = fork();
		if (child < 0)
			die("fork");
		if (child == 0) {
			close(fds[0]);
			write_all(fds[1], "churned!", 8);
			_exit(0);
		}
		close(fds[1]);
		read_all(fds[0], buf, 8);
		close(fds[0]);
		if (wait_for(child))
			return 1;
	}
	return 0;
}

static int churn_orphans(long n)
{
	set_name("orphan");
	for (long i = 0; i < n; i++) {
		int fds[2];

		if (pipe(fds) < 0)
			die("pipe");
		write_all(fds[1], "orphaned", 8);
		close(fds[0]);
		close(fds[1]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4 || strlen(argv[1]) > 8 || (n = atol(argv[3])) < 1 ||
	    (strcmp(argv[2], "tcp") == 0 && argc != 5)) {
		fprintf(stderr, "usage: churn_workload PREFIX tcp N SIZE | PREFIX pipes N | PREFIX orphans N\n");
		return 2;
	}
	prefix = argv[1];
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[2], "tcp") == 0)
		status = churn_tcp(n, (size_t)atol(argv[4]));
	else if (strcmp(argv[2], "pipes") == 0)
		status = churn_pipes(n);
	else if (strcmp(argv[2], "orphans") == 0)
		status = churn_orphans(n);
	else
		status = 2;
	if (status == 0)
		printf("churned %ld\n", n);
	return status;
}
