/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deadlines for clients that hold a connection without finishing a request
 * (slowloris): libmicrohttpd's own timeout is for silence, and each byte
 * restarts it.  A connection must send its request headers within
 * header_seconds of connecting, and the next request's within idle_seconds
 * of the previous answer; past it, its socket is shut down.
 */
#ifndef CONNECTION_GUARD_H
#define CONNECTION_GUARD_H

#include <stdint.h>

struct connection_guard;

/* 0, or a negative errno. */
int connection_guard_open(struct connection_guard **out, unsigned int header_seconds, unsigned int idle_seconds);
void connection_guard_close(struct connection_guard *g);

/* The connection on socket fd has: connected; sent its headers; been answered; closed. */
void connection_guard_started(struct connection_guard *g, int fd);
void connection_guard_request_read(struct connection_guard *g, int fd);
void connection_guard_request_done(struct connection_guard *g, int fd);
void connection_guard_closed(struct connection_guard *g, int fd);

/* Connections cut for missing their deadline, since start. */
uint64_t connection_guard_cut(const struct connection_guard *g);

#endif
