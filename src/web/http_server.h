/* SPDX-License-Identifier: GPL-2.0 */
/* The embedded HTTP server: routes, methods, compression. */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include "web/listen_address.h"

struct debug_events;
struct flow_collector;
struct MHD_Daemon;

struct http_server {
	struct MHD_Daemon *daemon;
	struct flow_collector *collector;
	struct debug_events *debug_events;	/* NULL: /debug/events is off (404) */
	const char *telemetry_path;
	int listen_fd;
};

/* 0, or -1 after logging why (address in use, ...).  debug_events may be NULL. */
int http_server_start(struct http_server *s, const struct listen_address *addr, const char *address_text,
		      const char *telemetry_path, struct flow_collector *collector,
		      struct debug_events *debug_events);
void http_server_stop(struct http_server *s);

#endif
