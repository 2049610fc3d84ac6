// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"
#include "web/listen_socket.h"

#define LISTEN_BACKLOG 1024

/* :PORT where IPv6 sockets cannot be made (ipv6.disable=1, a container without it): IPv4's any address. */
static int ipv4_any_socket(const struct listen_address *addr, struct sockaddr_in *in4)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&addr->addr;

	memset(in4, 0, sizeof(*in4));
	in4->sin_family = AF_INET;
	in4->sin_addr.s_addr = htonl(INADDR_ANY);
	in4->sin_port = in6->sin6_port;
	return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

int listen_socket_open(const struct listen_address *addr, const char *text)
{
	const struct sockaddr *where = (const struct sockaddr *)&addr->addr;
	socklen_t wherelen = addr->addrlen;
	struct sockaddr_in in4;
	int one = 1, zero = 0;
	int fd = socket(addr->family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 && addr->all_interfaces && errno == EAFNOSUPPORT) {
		fd = ipv4_any_socket(addr, &in4);
		where = (const struct sockaddr *)&in4;
		wherelen = sizeof(in4);
		if (fd >= 0)
			log_info("%s: no IPv6 on this host, listening on IPv4 only", text);
	}
	if (fd < 0) {
		log_warn("cannot create a socket for %s", text);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (where->sa_family == AF_INET6 && addr->all_interfaces)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, where, wherelen) < 0) {
		if (errno == EADDRINUSE)
			log_warnx("cannot listen on %s: the port is already in use (another exporter? "
				  "choose one with --web.listen-address)", text);
		else if (errno == EACCES)
			log_warnx("cannot listen on %s: ports below 1024 need CAP_NET_BIND_SERVICE; choose "
				  "another with --web.listen-address", text);
		else
			log_warn("cannot listen on %s", text);
		close(fd);
		return -1;
	}
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		log_warn("cannot listen on %s", text);
		close(fd);
		return -1;
	}
	return fd;
}
