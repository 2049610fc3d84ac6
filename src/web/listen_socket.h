/* SPDX-License-Identifier: GPL-2.0 */
/* A listening TCP socket for one --web.listen-address. */
#ifndef LISTEN_SOCKET_H
#define LISTEN_SOCKET_H

#include "web/listen_address.h"

/*
 * The socket, bound and listening; -1 after logging why.  All interfaces
 * (:PORT) are IPv6 and IPv4 on one socket, or IPv4 alone where the host
 * has no IPv6.
 */
int listen_socket_open(const struct listen_address *addr, const char *text);

#endif
