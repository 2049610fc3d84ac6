/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deadlines for clients that hold a connection without finishing a request
 * (slowloris): libmicrohttpd's own timeout is for silence, and each byte
 * restarts it.  A connection must send its whole request (headers and any
 * body) within header_seconds of connecting, and the next request within
 * idle_seconds of the previous answer; past it, its socket is shut down.
 * It also closes the idle connections of a configuration being replaced.
 */
#ifndef CONNECTION_GUARD_H
#define CONNECTION_GUARD_H

#include <stdint.h>

struct connection_guard;

/* 0, or a negative errno. */
int connection_guard_open(struct connection_guard **out, unsigned int header_seconds, unsigned int idle_seconds);
void connection_guard_close(struct connection_guard *g);

/*
 * The connection on socket fd (served for `owner`, a web configuration) has:
 * connected; sent its whole request; been answered; closed.
 */
void connection_guard_started(struct connection_guard *g, int fd, const void *owner);
void connection_guard_request_read(struct connection_guard *g, int fd);
void connection_guard_request_done(struct connection_guard *g, int fd);
void connection_guard_closed(struct connection_guard *g, int fd);

/* Shuts down the connections of owner that wait between two requests (keep-alives). */
void connection_guard_close_idle(struct connection_guard *g, const void *owner);

/* Connections cut for missing their deadline, since start. */
uint64_t connection_guard_cut(const struct connection_guard *g);

#endif
