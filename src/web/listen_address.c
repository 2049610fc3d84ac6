// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/listen_address.h"

static int parse_port(const char *text, unsigned short *port)
{
	char *end;
	long value;

	if (!*text)
		return -1;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || *end || value < 1 || value > 65535 || text[0] == '+' || text[0] == '-')
		return -1;
	*port = (unsigned short)value;
	return 0;
}

int listen_address_parse(const char *text, struct listen_address *out, char *err, size_t errsize)
{
	char host[256];
	const char *colon, *port_text;
	unsigned short port;
	size_t hostlen;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res;

	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errsize, "listen address \"%s\": expected [IPV6]:PORT", text);
			return -1;
		}
		hostlen = (size_t)(close - text - 1);
		memcpy(host, text + 1, hostlen < sizeof(host) ? hostlen : 0);
		if (hostlen >= sizeof(host)) {
			snprintf(err, errsize, "listen address \"%s\": host too long", text);
			return -1;
		}
		host[hostlen] = '\0';
		port_text = close + 2;
		hints.ai_family = AF_INET6;
		hints.ai_flags |= AI_NUMERICHOST;
	} else {
		colon = strrchr(text, ':');
		if (!colon || memchr(text, ':', (size_t)(colon - text))) {
			snprintf(err, errsize, "listen address \"%s\": expected HOST:PORT, :PORT or [IPV6]:PORT",
				 text);
			return -1;
		}
		hostlen = (size_t)(colon - text);
		if (hostlen >= sizeof(host)) {
			snprintf(err, errsize, "listen address \"%s\": host too long", text);
			return -1;
		}
		memcpy(host, text, hostlen);
		host[hostlen] = '\0';
		port_text = colon + 1;
	}
	if (parse_port(port_text, &port) < 0) {
		snprintf(err, errsize, "listen address \"%s\": port must be a number from 1 to 65535", text);
		return -1;
	}
	if (!host[0]) {
		struct sockaddr_in6 *any = (struct sockaddr_in6 *)&out->addr;

		any->sin6_family = AF_INET6;
		any->sin6_addr = in6addr_any;
		any->sin6_port = htons(port);
		out->addrlen = sizeof(*any);
		out->family = AF_INET6;
		out->all_interfaces = 1;
		return 0;
	}
	if (getaddrinfo(host, port_text, &hints, &res) != 0 || !res) {
		snprintf(err, errsize, "listen address \"%s\": cannot resolve host \"%s\"", text, host);
		return -1;
	}
	memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
	out->addrlen = res->ai_addrlen;
	out->family = res->ai_family;
	freeaddrinfo(res);
	return 0;
}
