// SPDX-License-Identifier: GPL-2.0
/* --web.listen-address parsing: accepted forms and clear errors. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "tap.h"
#include "web/listen_address.h"

static int port_of(const struct listen_address *a)
{
	if (a->family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->addr)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->addr)->sin6_port);
}

int main(void)
{
	struct listen_address a;
	char err[256];

	tap_ok(listen_address_parse(":19163", &a, err, sizeof(err)) == 0 && a.all_interfaces && a.family == AF_INET6 &&
		       port_of(&a) == 19163,
	       ":PORT listens on all interfaces");
	tap_ok(listen_address_parse("127.0.0.1:8080", &a, err, sizeof(err)) == 0 && a.family == AF_INET &&
		       port_of(&a) == 8080 && !a.all_interfaces,
	       "IPv4 host and port");
	tap_ok(listen_address_parse("[::1]:9", &a, err, sizeof(err)) == 0 && a.family == AF_INET6 && port_of(&a) == 9,
	       "bracketed IPv6");
	tap_ok(listen_address_parse("localhost:1234", &a, err, sizeof(err)) == 0 && port_of(&a) == 1234,
	       "host name resolved");
	tap_ok(listen_address_parse("19163", &a, err, sizeof(err)) < 0 && strstr(err, "HOST:PORT"),
	       "bare port rejected with the expected forms named");
	tap_ok(listen_address_parse(":0", &a, err, sizeof(err)) < 0 && strstr(err, "1 to 65535"), "port 0 rejected");
	tap_ok(listen_address_parse(":65536", &a, err, sizeof(err)) < 0, "port 65536 rejected");
	tap_ok(listen_address_parse(":80x", &a, err, sizeof(err)) < 0, "trailing garbage rejected");
	tap_ok(listen_address_parse(":", &a, err, sizeof(err)) < 0, "empty port rejected");
	tap_ok(listen_address_parse("::1:80", &a, err, sizeof(err)) < 0, "unbracketed IPv6 rejected");
	tap_ok(listen_address_parse("[::1]80", &a, err, sizeof(err)) < 0, "missing colon after ] rejected");
	tap_ok(listen_address_parse("[zz]:80", &a, err, sizeof(err)) < 0 && strstr(err, "cannot resolve"),
	       "bad IPv6 literal rejected");
	tap_ok(listen_address_parse("no-such-host.invalid:80", &a, err, sizeof(err)) < 0, "unresolvable host rejected");
	return tap_done();
}
