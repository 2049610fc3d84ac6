// SPDX-License-Identifier: GPL-2.0
/*
 * Stream-socket IPC with known ground truth, for the integration tests.
 * Every process names itself PREFIX-ROLE with prctl(PR_SET_NAME) first and
 * the workload prints what really moved, one line a flow, as ipc_workload:
 *
 *   flow MECHANISM SRC_COMM DST_COMM MESSAGES BYTES
 *
 * Modes:
 *   socketpair PREFIX N SIZE API      a socketpair shared across fork
 *   server PREFIX KIND ADDR N SIZE API
 *       a listener (PREFIX-lsn0) forks a worker (PREFIX-wrk0) that accepts
 *       and reads; a client (PREFIX-cli0) connects and sends N x SIZE; the
 *       worker answers 10 bytes.  KIND: stream, seqpacket (UNIX; ADDR a path
 *       or @abstract) or tcp (ADDR 127.0.0.1, ::1, ...).
 *   scm-rights PREFIX N SIZE          a socket passed with SCM_RIGHTS is used
 *                                     by the process that received it
 *   udp PREFIX ADDR N SIZE            a UDP server (PREFIX-srv0) on ADDR gets
 *                                     N datagrams from PREFIX-cli0 (sendto)
 *                                     and PREFIX-cli1 (connect + send); it
 *                                     reads with recvfrom, or recvmsg with
 *                                     API sendmsg
 *   dgram PREFIX PATH N SIZE          a UNIX datagram server (PREFIX-srv0)
 *                                     receives N datagrams of SIZE from
 *                                     PREFIX-cli0 and N of 2 x SIZE from
 *                                     PREFIX-cli1
 * API (how the sender sends; the receiver mirrors it): write, send,
 * sendmsg, sendmmsg (4 messages a call), peek (send; the receiver peeks
 * with MSG_PEEK before each read), sendfile (from a file; read), splice
 * (from a file through a pipe into the socket; read).
 * With --wait-file F the client connects, creates F.connected, and waits
 * for F before sending, the worker before receiving (a connection older
 * than the exporter).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPLY_SIZE 10
#define MMSG_BATCH 4

static const char *prefix, *api = "write", *wait_file;

static void die(const char *what)
{
	fprintf(stderr, "socket_workload: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void set_name(const char *role)
{
	char name[16];

	snprintf(name, sizeof(name), "%s-%s", prefix, role);
	if (prctl(PR_SET_NAME, name) < 0)
		die("prctl");
}

/* Sends n buffers of size bytes; returns the number of send-side calls. */
static long send_all(int fd, int n, int size)
{
	char *buf = calloc(1, (size_t)size);
	long calls = 0;

	memset(buf, 'x', (size_t)size);
	if (strcmp(api, "sendfile") == 0 || strcmp(api, "splice") == 0) {
		char path[] = "/dev/shm/socket_workload.XXXXXX";
		int file = mkstemp(path), through[2] = { -1, -1 };

		if (file < 0 || write(file, buf, (size_t)size) != size)
			die("temporary file");
		unlink(path);
		if (strcmp(api, "splice") == 0 && pipe(through) < 0)
			die("pipe");
		for (int i = 0; i < n; i++) {
			off_t off = 0;
			loff_t loff = 0;

			if (through[0] < 0) {
				if (sendfile(fd, file, &off, (size_t)size) != size)
					die("sendfile");
			} else if (splice(file, &loff, through[1], NULL, (size_t)size, 0) != size ||
				   splice(through[0], NULL, fd, NULL, (size_t)size, 0) != size) {
				die("splice");
			}
		}
		close(file);
		free(buf);
		return n;
	}
	for (int i = 0; i < n;) {
		ssize_t r;

		if (strcmp(api, "sendmmsg") == 0) {
			struct mmsghdr msgs[MMSG_BATCH];
			struct iovec iov[MMSG_BATCH];
			int batch = n - i < MMSG_BATCH ? n - i : MMSG_BATCH, sent;

			memset(msgs, 0, sizeof(msgs));
			for (int j = 0; j < batch; j++) {
				iov[j] = (struct iovec){ buf, (size_t)size };
				msgs[j].msg_hdr.msg_iov = &iov[j];
				msgs[j].msg_hdr.msg_iovlen = 1;
			}
			sent = sendmmsg(fd, msgs, (unsigned int)batch, 0);
			if (sent <= 0)
				die("sendmmsg");
			for (int j = 0; j < sent; j++)
				if (msgs[j].msg_len != (unsigned int)size)
					die("sendmmsg short");
			i += sent;
			calls += sent;
			continue;
		}
		if (strcmp(api, "sendmsg") == 0) {
			struct iovec iov = { buf, (size_t)size };
			struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

			r = sendmsg(fd, &m, 0);
		} else if (strcmp(api, "write") == 0) {
			r = write(fd, buf, (size_t)size);
		} else {
			r = send(fd, buf, (size_t)size, 0);
		}
		if (r != size)
			die("send");
		i++;
		calls++;
	}
	free(buf);
	return calls;
}

/* Reads until `total` bytes arrived; with "peek", peeks before each read. */
static void receive_all(int fd, long total, int size)
{
	char *buf = malloc((size_t)size * MMSG_BATCH);
	long got = 0;

	while (got < total) {
		ssize_t r;

		if (strcmp(api, "peek") == 0 && recv(fd, buf, (size_t)size, MSG_PEEK) <= 0)
			die("peek");
		if (strcmp(api, "sendmmsg") == 0) {
			struct mmsghdr msgs[MMSG_BATCH];
			struct iovec iov[MMSG_BATCH];
			int n;

			memset(msgs, 0, sizeof(msgs));
			for (int j = 0; j < MMSG_BATCH; j++) {
				iov[j] = (struct iovec){ buf + j * size, (size_t)size };
				msgs[j].msg_hdr.msg_iov = &iov[j];
				msgs[j].msg_hdr.msg_iovlen = 1;
			}
			n = recvmmsg(fd, msgs, 1, 0, NULL);
			if (n <= 0)
				die("recvmmsg");
			r = msgs[0].msg_len;
		} else if (strcmp(api, "sendmsg") == 0) {
			struct iovec iov = { buf, (size_t)size };
			struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

			r = recvmsg(fd, &m, 0);
		} else if (strcmp(api, "write") == 0 || strcmp(api, "sendfile") == 0 || strcmp(api, "splice") == 0) {
			r = read(fd, buf, (size_t)size);
		} else {
			r = recv(fd, buf, (size_t)size, 0);
		}
		if (r <= 0)
			die("receive");
		got += r;
	}
	free(buf);
}

static int wait_children(void)
{
	int status, failed = 0;

	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	return failed;
}

static int run_socketpair(int n, int size)
{
	int sv[2];

	set_name("ctl0");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair");
	if (fork() == 0) {
		set_name("a0");
		close(sv[1]);
		send_all(sv[0], n, size);
		receive_all(sv[0], REPLY_SIZE, REPLY_SIZE);
		_exit(0);
	}
	if (fork() == 0) {
		set_name("b0");
		close(sv[0]);
		receive_all(sv[1], (long)n * size, size);
		if (write(sv[1], "0123456789", REPLY_SIZE) != REPLY_SIZE)
			die("reply");
		_exit(0);
	}
	close(sv[0]);
	close(sv[1]);
	if (wait_children())
		return 99;
	printf("flow unix-stream %s-a0 %s-b0 %d %ld\n", prefix, prefix, n, (long)n * size);
	printf("flow unix-stream %s-b0 %s-a0 1 %d\n", prefix, prefix, REPLY_SIZE);
	return 0;
}

static socklen_t make_address(const char *kind, const char *addr, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strcmp(kind, "tcp") != 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		un->sun_family = AF_UNIX;
		strncpy(un->sun_path, addr, sizeof(un->sun_path) - 1);
		if (addr[0] == '@') {	/* abstract: a leading NUL */
			un->sun_path[0] = '\0';
			return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(addr));
		}
		return sizeof(*un);
	}
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			die("address");
		return sizeof(*in6);
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	in->sin_family = AF_INET;
	in->sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
		die("address");
	return sizeof(*in);
}

static int run_server(const char *kind, const char *addr, int n, int size)
{
	int type = strcmp(kind, "seqpacket") == 0 ? SOCK_SEQPACKET : SOCK_STREAM;
	int family = strcmp(kind, "tcp") != 0 ? AF_UNIX : strchr(addr, ':') ? AF_INET6 : AF_INET;
	const char *mechanism = family == AF_UNIX ? (type == SOCK_STREAM ? "unix-stream" : "unix-seqpacket")
						  : "loopback-tcp";
	struct sockaddr_storage ss;
	socklen_t len;
	int listener, one = 1, port = 0, ready[2];
	pid_t worker;
	char c;

	set_name("lsn0");
	if (family == AF_UNIX && addr[0] != '@')
		unlink(addr);
	listener = socket(family, type, 0);
	if (listener < 0)
		die("socket");
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = make_address(kind, addr, 0, &ss);
	if (bind(listener, (struct sockaddr *)&ss, len) < 0 || listen(listener, 8) < 0)
		die("bind/listen");
	if (family != AF_UNIX) {
		len = sizeof(ss);
		getsockname(listener, (struct sockaddr *)&ss, &len);
		port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					       : ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	worker = fork();
	if (worker == 0) {	/* pre-forked worker: accepts and serves */
		int conn;

		set_name("wrk0");
		conn = accept(listener, NULL, NULL);
		if (conn < 0)
			die("accept");
		/* not blocked in read() across the exporter's start: fexit misses calls already in flight */
		while (wait_file && access(wait_file, F_OK) != 0)
			usleep(20000);
		receive_all(conn, (long)n * size, size);
		if (send(conn, "0123456789", REPLY_SIZE, 0) != REPLY_SIZE)
			die("reply");
		close(conn);
		_exit(0);
	}
	if (pipe(ready) < 0)
		die("pipe");
	if (fork() == 0) {
		int fd;

		set_name("cli0");
		close(ready[0]);
		fd = socket(family, type, 0);
		len = make_address(kind, addr, port, &ss);
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
			die("connect");
		if (wait_file) {	/* a connection that is older than the exporter */
			char marker[4096];
			FILE *f;

			snprintf(marker, sizeof(marker), "%s.connected", wait_file);
			f = fopen(marker, "w");
			if (f)
				fclose(f);
			while (access(wait_file, F_OK) != 0)
				usleep(20000);
		}
		send_all(fd, n, size);
		receive_all(fd, REPLY_SIZE, REPLY_SIZE);
		close(ready[1]);
		_exit(0);
	}
	close(ready[1]);
	while (read(ready[0], &c, 1) < 0 && errno == EINTR)	/* EOF when the client is done */
		;
	close(listener);
	if (wait_children())
		return 99;
	if (family == AF_UNIX && addr[0] != '@')
		unlink(addr);
	printf("flow %s %s-cli0 %s-wrk0 %d %ld\n", mechanism, prefix, prefix, n, (long)n * size);
	printf("flow %s %s-wrk0 %s-cli0 1 %d\n", mechanism, prefix, prefix, REPLY_SIZE);
	return 0;
}

/* PREFIX-pass0 makes a socketpair and gives one end to PREFIX-recv0, which sends on it. */
static int run_scm_rights(int n, int size)
{
	int control[2], data[2];

	set_name("pass0");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, control) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, data) < 0)
		die("socketpair");
	if (fork() == 0) {
		char byte, cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &byte, 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		int fd;

		set_name("recv0");
		close(control[0]);
		close(data[0]);
		close(data[1]);	/* it only has the end it is given */
		if (recvmsg(control[1], &m, 0) != 1 || !CMSG_FIRSTHDR(&m))
			die("recvmsg SCM_RIGHTS");
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(fd));
		send_all(fd, n, size);
		_exit(0);
	}
	close(control[1]);
	{
		char byte = 'f', cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &byte, 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &data[1], sizeof(int));
		if (sendmsg(control[0], &m, 0) != 1)
			die("sendmsg SCM_RIGHTS");
	}
	close(data[1]);
	receive_all(data[0], (long)n * size, size);
	if (wait_children())
		return 99;
	printf("flow unix-stream %s-pass0 %s-recv0 1 1\n", prefix, prefix);
	printf("flow unix-stream %s-recv0 %s-pass0 %d %ld\n", prefix, prefix, n, (long)n * size);
	return 0;
}

static int run_dgram(const char *path, int n, int size)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int server;

	set_name("ctl0");
	unlink(path);
	server = socket(AF_UNIX, SOCK_DGRAM, 0);
	len = make_address("dgram", path, 0, &ss);
	if (server < 0 || bind(server, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	if (fork() == 0) {
		char buf[65536];

		set_name("srv0");
		for (int i = 0; i < 2 * n; i++)
			if (recv(server, buf, sizeof(buf), 0) <= 0)
				die("recv");
		_exit(0);
	}
	for (int c = 0; c < 2; c++) {
		if (fork() == 0) {
			int fd = socket(AF_UNIX, SOCK_DGRAM, 0), bytes = size * (c + 1);
			char *buf = calloc(1, (size_t)bytes);

			set_name(c ? "cli1" : "cli0");
			for (int i = 0; i < n; i++)
				if (sendto(fd, buf, (size_t)bytes, 0, (struct sockaddr *)&ss, len) != bytes)
					die("sendto");
			_exit(0);
		}
	}
	close(server);
	if (wait_children())
		return 99;
	unlink(path);
	printf("flow unix-dgram %s-cli0 %s-srv0 %d %ld\n", prefix, prefix, n, (long)n * size);
	printf("flow unix-dgram %s-cli1 %s-srv0 %d %ld\n", prefix, prefix, n, (long)n * size * 2);
	return 0;
}

static int run_udp(const char *addr, int n, int size)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET, server, port, big = 4 << 20, result[2];
	long got_messages[2] = { 0 }, got_bytes[2] = { 0 };

	set_name("ctl0");
	server = socket(family, SOCK_DGRAM, 0);
	setsockopt(server, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	len = make_address("tcp", addr, 0, &ss);
	if (server < 0 || bind(server, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	len = sizeof(ss);
	getsockname(server, (struct sockaddr *)&ss, &len);
	port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (pipe(result) < 0)
		die("pipe");
	if (fork() == 0) {	/* the receiver tallies by the client tag in each datagram */
		char buf[65536];
		struct sockaddr_storage from;
		char line[64];
		int l;

		set_name("srv0");
		close(result[0]);
		for (int i = 0; i < 2 * n; i++) {
			socklen_t fromlen = sizeof(from);
			ssize_t r;

			if (strcmp(api, "sendmsg") == 0) {
				struct iovec iov = { buf, sizeof(buf) };
				struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
						    .msg_iovlen = 1 };

				r = recvmsg(server, &m, 0);
			} else {
				r = recvfrom(server, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
			}
			if (r <= 0 || (buf[0] != '0' && buf[0] != '1'))
				die("recv");
			got_messages[buf[0] - '0']++;
			got_bytes[buf[0] - '0'] += r;
		}
		l = snprintf(line, sizeof(line), "%ld %ld %ld %ld\n", got_messages[0], got_bytes[0], got_messages[1],
			     got_bytes[1]);
		if (write(result[1], line, (size_t)l) != l)
			die("result");
		_exit(0);
	}
	close(result[1]);
	for (int c = 0; c < 2; c++) {
		if (fork() == 0) {
			int fd = socket(family, SOCK_DGRAM, 0), bytes = size * (c + 1);
			char *buf = malloc((size_t)bytes);

			set_name(c ? "cli1" : "cli0");
			memset(buf, '0' + c, (size_t)bytes);
			len = make_address("tcp", addr, port, &ss);
			if (c && connect(fd, (struct sockaddr *)&ss, len) < 0)
				die("connect");
			for (int i = 0; i < n; i++) {
				ssize_t r = c ? send(fd, buf, (size_t)bytes, 0)
					      : sendto(fd, buf, (size_t)bytes, 0, (struct sockaddr *)&ss, len);

				if (r != bytes)
					die("send");
				if (i % 16 == 15)
					usleep(1000);	/* let the receiver keep up: no drops */
			}
			_exit(0);
		}
	}
	{
		FILE *in = fdopen(result[0], "r");

		if (!in || fscanf(in, "%ld %ld %ld %ld", &got_messages[0], &got_bytes[0], &got_messages[1],
				  &got_bytes[1]) != 4)
			die("result");
	}
	if (wait_children())
		return 99;
	printf("flow loopback-udp %s-cli0 %s-srv0 %ld %ld\n", prefix, prefix, got_messages[0], got_bytes[0]);
	printf("flow loopback-udp %s-cli1 %s-srv0 %ld %ld\n", prefix, prefix, got_messages[1], got_bytes[1]);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: socket_workload socketpair PREFIX N SIZE [API]\n"
			"       socket_workload server PREFIX stream|seqpacket|tcp ADDR N SIZE [API] [--wait-file F]\n"
			"       socket_workload scm-rights PREFIX N SIZE\n"
			"       socket_workload dgram PREFIX PATH N SIZE\n"
			"       socket_workload udp PREFIX ADDR N SIZE [API]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], "--wait-file") == 0) {
			wait_file = argv[i + 1];
			argc = i;
		}
	if (argc < 5)
		usage();
	prefix = argv[2];
	if (strcmp(argv[1], "socketpair") == 0) {
		if (argc > 5)
			api = argv[5];
		return run_socketpair(atoi(argv[3]), atoi(argv[4]));
	}
	if (strcmp(argv[1], "scm-rights") == 0)
		return run_scm_rights(atoi(argv[3]), atoi(argv[4]));
	if (strcmp(argv[1], "udp") == 0 && argc >= 6) {
		if (argc > 6)
			api = argv[6];
		return run_udp(argv[3], atoi(argv[4]), atoi(argv[5]));
	}
	if (strcmp(argv[1], "dgram") == 0 && argc >= 6)
		return run_dgram(argv[3], atoi(argv[4]), atoi(argv[5]));
	if (strcmp(argv[1], "server") == 0 && argc >= 7) {
		if (argc > 7)
			api = argv[7];
		return run_server(argv[3], argv[4], atoi(argv[5]), atoi(argv[6]));
	}
	usage();
	return 2;
}
