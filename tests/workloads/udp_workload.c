// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback UDP with known ground truth, for tests/integration/udp.sh.
 * Processes name themselves PREFIX-ROLE; the workload prints what really
 * moved, one line a flow (flow MECHANISM SRC_COMM DST_COMM MESSAGES BYTES),
 * and "peer ROLE ADDR PORT" lines: each socket's address as its peers see it.
 *
 *   forms PREFIX ADDR FORM connected|unconnected N SIZE
 *       PREFIX-cli0 sends N datagrams of SIZE to PREFIX-srv0 (sendto, or
 *       send when connected); srv0 receives them with FORM: recv, read,
 *       readv, recvfrom, recvmsg, recvmmsg (with the senders' names),
 *       recvfrom-anon, recvmsg-anon or recvmmsg-anon (without).
 *   senders PREFIX ADDR FORM N
 *       PREFIX-cli0 (100-byte datagrams) and PREFIX-cli1 (200-byte ones)
 *       send N each at the same time to unconnected PREFIX-srv0, which
 *       receives them as they come with FORM.
 *   drop PREFIX ADDR N SIZE
 *       srv0 has the smallest receive buffer and reads only after cli0 has
 *       sent all N: most datagrams are dropped by the kernel.  srv0 then
 *       drains its socket with recvfrom; what it got is the truth, the rest
 *       goes to [dropped].
 *   mmsg PREFIX ADDR
 *       cli0 sends one sendmmsg of 6 datagrams, 3 to srv0 (100, 101, 102
 *       bytes) and 3 to srv1 (200, 201, 202) interleaved; cli1 sends 2 of
 *       300 to srv0 with sendto; then srv0 and srv1 each take theirs with
 *       one recvmmsg.
 */
#define _GNU_SOURCE
#define WORKLOAD_NAME "udp_workload"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "workload_kit.h"


struct endpoint {
	int fd;
	struct sockaddr_storage addr;
	socklen_t len;
};

/* A UDP socket bound to ADDR on a port of the kernel's choosing. */
static void bound_socket(const char *addr, int rcvbuf, struct endpoint *e)
{
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	memset(e, 0, sizeof(*e));
	e->fd = socket(family, SOCK_DGRAM, 0);
	if (e->fd < 0)
		die("socket");
	/* FORCE: past net.core.rmem_max (200 KiB), which a slow receiver under TCG fills */
	if (rcvbuf && setsockopt(e->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(e->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		die("SO_RCVBUF");
	/* a datagram that never comes fails the case instead of hanging the test */
	if (setsockopt(e->fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 30, 0 }, sizeof(struct timeval)) < 0)
		die("SO_RCVTIMEO");
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&e->addr;

		in6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			die("address");
		e->len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&e->addr;

		in->sin_family = AF_INET;
		if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
			die("address");
		e->len = sizeof(*in);
	}
	if (bind(e->fd, (struct sockaddr *)&e->addr, e->len) < 0 ||
	    getsockname(e->fd, (struct sockaddr *)&e->addr, &e->len) < 0)
		die("bind");
}

static void print_peer(const char *role, const struct endpoint *e)
{
	char text[INET6_ADDRSTRLEN];
	const struct sockaddr_in *in = (const struct sockaddr_in *)&e->addr;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&e->addr;

	if (e->addr.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
	else
		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
	printf("peer %s-%s %s %d\n", prefix, role, text,
	       ntohs(e->addr.ss_family == AF_INET6 ? in6->sin6_port : in->sin_port));
}

static int wait_children(void)
{
	int status, failed = 0;

	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	return failed;
}

/* One datagram received with FORM; its size, or -1. */
static ssize_t receive_one(int fd, const char *form, char *buf, size_t size)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	struct iovec iov[2] = { { buf, 7 }, { buf + 7, size - 7 } };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = iov, .msg_iovlen = 2 };

	if (strcmp(form, "recv") == 0)
		return recv(fd, buf, size, 0);
	if (strcmp(form, "read") == 0)
		return read(fd, buf, size);
	if (strcmp(form, "readv") == 0)
		return readv(fd, iov, 2);
	if (strcmp(form, "recvfrom") == 0)
		return recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &fromlen);
	if (strcmp(form, "recvmsg") == 0)
		return recvmsg(fd, &m, 0);
	if (strcmp(form, "recvfrom-anon") == 0)
		return recvfrom(fd, buf, size, 0, NULL, NULL);
	if (strcmp(form, "recvmsg-anon") == 0) {
		m.msg_name = NULL;
		m.msg_namelen = 0;
		return recvmsg(fd, &m, 0);
	}
	errno = EINVAL;
	return -1;
}

/* recvmmsg of up to n datagrams; with_names: each message asks for its sender's address. */
static int receive_mmsg(int fd, int n, int with_names, long *bytes)
{
	struct mmsghdr msgs[16];
	struct iovec iov[16];
	struct sockaddr_storage from[16];
	static char bufs[16][2048];
	int got;

	if (n > 16)
		n = 16;
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < n; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (with_names) {
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
	}
	got = recvmmsg(fd, msgs, (unsigned int)n, MSG_WAITFORONE, NULL);
	for (int i = 0; i < got; i++)
		*bytes += msgs[i].msg_len;
	return got;
}

static int run_forms(const char *addr, const char *form, int connected, int n, int size)
{
	struct endpoint srv, cli;
	char *buf = malloc(65536);
	long bytes = 0;
	int got = 0;

	set_name("ctl0");
	bound_socket(addr, 4 << 20, &srv);
	bound_socket(addr, 0, &cli);
	if (connected && (connect(srv.fd, (struct sockaddr *)&cli.addr, cli.len) < 0 ||
			  connect(cli.fd, (struct sockaddr *)&srv.addr, srv.len) < 0))
		die("connect");
	if (fork() == 0) {
		set_name("cli0");
		memset(buf, 'c', (size_t)size);
		for (int i = 0; i < n; i++) {
			ssize_t r = connected ? send(cli.fd, buf, (size_t)size, 0)
					      : sendto(cli.fd, buf, (size_t)size, 0, (struct sockaddr *)&srv.addr, srv.len);

			if (r != size)
				die("send");
		}
		_exit(0);
	}
	if (fork() == 0) {
		set_name("srv0");
		while (got < n) {
			if (strncmp(form, "recvmmsg", 8) == 0) {
				int k = receive_mmsg(srv.fd, n - got, strcmp(form, "recvmmsg") == 0, &bytes);

				if (k <= 0)
					die("recvmmsg");
				got += k;
				continue;
			}
			ssize_t r = receive_one(srv.fd, form, buf, 65536);

			if (r != size)
				die("receive");
			bytes += r;
			got++;
		}
		_exit(bytes == (long)n * size ? 0 : 98);
	}
	if (wait_children())
		return 99;
	printf("flow loopback-udp %s-cli0 %s-srv0 %d %ld\n", prefix, prefix, n, (long)n * size);
	print_peer("cli0", &cli);
	print_peer("srv0", &srv);
	return 0;
}

/* Two senders of different sizes at once; the receiver reads as they come. */
static int run_senders(const char *addr, const char *form, int n)
{
	struct endpoint srv, cli[2];
	char buf[65536];
	long bytes = 0;

	set_name("ctl0");
	bound_socket(addr, 4 << 20, &srv);
	for (int c = 0; c < 2; c++) {
		bound_socket(addr, 0, &cli[c]);
		if (fork() == 0) {
			set_name(c ? "cli1" : "cli0");
			memset(buf, 's', sizeof(buf));
			for (int i = 0; i < n; i++)
				if (sendto(cli[c].fd, buf, (size_t)(100 * (c + 1)), 0, (struct sockaddr *)&srv.addr,
					   srv.len) != 100 * (c + 1))
					die("sendto");
			_exit(0);
		}
	}
	if (fork() == 0) {
		set_name("srv0");
		for (int got = 0; got < 2 * n; got++) {
			ssize_t r = receive_one(srv.fd, form, buf, sizeof(buf));

			if (r != 100 && r != 200)
				die("receive");
			bytes += r;
		}
		_exit(bytes == 300L * n ? 0 : 98);
	}
	if (wait_children())
		return 99;
	printf("flow loopback-udp %s-cli0 %s-srv0 %d %d\n", prefix, prefix, n, 100 * n);
	printf("flow loopback-udp %s-cli1 %s-srv0 %d %d\n", prefix, prefix, n, 200 * n);
	return 0;
}

static int run_drop(const char *addr, int n, int size)
{
	struct endpoint srv, cli;
	char buf[65536];
	int sent[2], result[2], got = 0;

	set_name("ctl0");
	bound_socket(addr, 1, &srv);	/* raised to the kernel's minimum: a few datagrams */
	bound_socket(addr, 0, &cli);
	if (pipe(sent) < 0 || pipe(result) < 0)
		die("pipe");
	if (fork() == 0) {
		set_name("srv0");
		close(sent[1]);
		if (read(sent[0], buf, 1) != 1)	/* the client is done */
			die("wait");
		for (;;) {
			struct sockaddr_storage from;
			socklen_t fromlen = sizeof(from);
			ssize_t r = recvfrom(srv.fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);

			if (r < 0 && errno == EAGAIN)
				break;
			if (r != size)
				die("receive");
			got++;
		}
		if (write(result[1], &got, sizeof(got)) != sizeof(got))
			die("result");
		_exit(0);
	}
	close(sent[0]);
	if (fork() == 0) {
		set_name("cli0");
		memset(buf, 'd', (size_t)size);
		for (int i = 0; i < n; i++)
			if (sendto(cli.fd, buf, (size_t)size, 0, (struct sockaddr *)&srv.addr, srv.len) != size)
				die("sendto");
		if (write(sent[1], "x", 1) != 1)
			die("done");
		_exit(0);
	}
	close(sent[1]);
	if (read(result[0], &got, sizeof(got)) != sizeof(got) || wait_children())
		return 99;
	if (got <= 0 || got >= n)
		return fprintf(stderr, "udp_workload: %d of %d received: no drop to test\n", got, n), 97;
	printf("flow loopback-udp %s-cli0 %s-srv0 %d %ld\n", prefix, prefix, got, (long)got * size);
	printf("flow loopback-udp %s-cli0 [dropped] %d %ld\n", prefix, n - got, (long)(n - got) * size);
	return 0;
}

static int run_mmsg(const char *addr)
{
	struct endpoint srv[2], cli[2];
	struct mmsghdr msgs[6];
	struct iovec iov[6];
	static char buf[4096];
	int ready[2];

	set_name("ctl0");
	for (int i = 0; i < 2; i++) {
		bound_socket(addr, 4 << 20, &srv[i]);
		bound_socket(addr, 0, &cli[i]);
	}
	if (pipe(ready) < 0)
		die("pipe");
	if (fork() == 0) {
		set_name("cli0");
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < 6; i++) {
			int to = i % 2;

			iov[i] = (struct iovec){ buf, (size_t)(100 * (to + 1) + i / 2) };
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &srv[to].addr;
			msgs[i].msg_hdr.msg_namelen = srv[to].len;
		}
		if (sendmmsg(cli[0].fd, msgs, 6, 0) != 6)
			die("sendmmsg");
		_exit(0);
	}
	if (fork() == 0) {
		set_name("cli1");
		for (int i = 0; i < 2; i++)
			if (sendto(cli[1].fd, buf, 300, 0, (struct sockaddr *)&srv[0].addr, srv[0].len) != 300)
				die("sendto");
		_exit(0);
	}
	if (wait_children())
		return 99;
	/* everything is queued: one recvmmsg each takes datagrams of several senders */
	for (int s = 0; s < 2; s++) {
		if (fork() == 0) {
			long bytes = 0;
			int want = s ? 3 : 5;

			set_name(s ? "srv1" : "srv0");
			if (receive_mmsg(srv[s].fd, want, 1, &bytes) != want)
				die("recvmmsg");
			_exit(bytes == (s ? 603 : 903) ? 0 : 98);
		}
	}
	if (wait_children())
		return 99;
	printf("flow loopback-udp %s-cli0 %s-srv0 3 303\n", prefix, prefix);
	printf("flow loopback-udp %s-cli0 %s-srv1 3 603\n", prefix, prefix);
	printf("flow loopback-udp %s-cli1 %s-srv0 2 600\n", prefix, prefix);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4)
		prefix = argv[2];
	if (argc == 8 && strcmp(argv[1], "forms") == 0)
		return run_forms(argv[3], argv[4], strcmp(argv[5], "connected") == 0, atoi(argv[6]), atoi(argv[7]));
	if (argc == 6 && strcmp(argv[1], "drop") == 0)
		return run_drop(argv[3], atoi(argv[4]), atoi(argv[5]));
	if (argc == 6 && strcmp(argv[1], "senders") == 0)
		return run_senders(argv[3], argv[4], atoi(argv[5]));
	if (argc == 4 && strcmp(argv[1], "mmsg") == 0)
		return run_mmsg(argv[3]);
	fprintf(stderr, "usage: udp_workload forms PREFIX ADDR FORM connected|unconnected N SIZE\n"
			"       udp_workload senders PREFIX ADDR FORM N\n"
			"       udp_workload drop PREFIX ADDR N SIZE\n"
			"       udp_workload mmsg PREFIX ADDR\n");
	return 2;
}
