/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing --web.listen-address: ":PORT", "HOST:PORT", "[V6]:PORT". */
#ifndef LISTEN_ADDRESS_H
#define LISTEN_ADDRESS_H

#include <stddef.h>
#include <sys/socket.h>

struct listen_address {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int family;
	int all_interfaces;	/* ":PORT": IPv6 any, also accepting IPv4 */
};

/* 0, or -1 with a message for the user in err. */
int listen_address_parse(const char *text, struct listen_address *out, char *err, size_t errsize);

#endif
