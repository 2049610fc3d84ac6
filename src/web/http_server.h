/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The embedded HTTP server: listeners, routes, methods, compression, and
 * the limits that keep scrapes answered whatever other clients do.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stdint.h>

#include "web/listen_address.h"
#include "web/shared_page.h"

struct connection_guard;
struct debug_events;
struct flow_collector;
struct MHD_Daemon;

#define HTTP_MAX_LISTENERS 16

struct http_limits {
	unsigned int max_connections;		/* per listener, streams and idle keep-alives included */
	unsigned int max_connections_per_address;	/* 0: no limit */
	unsigned int max_requests;		/* scrapes served at once; 503 past it */
	unsigned int read_header_seconds;	/* from connecting to the end of the request headers */
};

#define HTTP_DEFAULT_LIMITS { .max_connections = 1024, .max_connections_per_address = 64, \
			      .max_requests = 40, .read_header_seconds = 10 }

struct http_listener {
	struct MHD_Daemon *daemon;
	int fd;				/* until the daemon owns it */
	const char *address;		/* as given */
};

struct http_server {
	struct http_listener listeners[HTTP_MAX_LISTENERS];
	unsigned int nlisteners;
	struct connection_guard *guard;
	struct flow_collector *collector;
	struct debug_events *debug_events;	/* NULL: /debug/events is off (404) */
	const char *telemetry_path;
	struct http_limits limits;
	unsigned int scrapes_in_flight;		/* atomic */
	uint64_t scrapes_refused;		/* atomic */
	struct shared_page page;		/* concurrent scrapes share a drain */
	bool page_ready;
};

/*
 * Binds every address (HOST:PORT, :PORT, [IPV6]:PORT), before anything
 * slow happens at start, so that a port in use is the one error.  0, or -1
 * after logging why.
 */
int http_server_bind(struct http_server *s, const char *const *addresses, unsigned int n);
/* Serves on the bound sockets.  debug_events may be NULL.  0, or -1 after logging why. */
int http_server_start(struct http_server *s, const struct http_limits *limits, const char *telemetry_path,
		      struct flow_collector *collector, struct debug_events *debug_events);
void http_server_stop(struct http_server *s);

#endif
