/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The embedded HTTP server: listeners, routes, methods, compression, and
 * the limits that keep scrapes answered whatever other clients do.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics/exposition.h"
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

struct web_site;

struct http_listener {
	struct MHD_Daemon *daemon;
	int fd;				/* until the daemon owns it */
	const char *address;		/* as given */
	bool loopback;
	struct web_site *site;		/* what its daemon serves */
	char text[64];			/* the address of a socket systemd passed */
};

/* A daemon of an older configuration, answering its last requests after a reload. */
struct retiring_daemon {
	struct MHD_Daemon *daemon;
	struct web_site *site;
	uint64_t since_ns;
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
	/* concurrent scrapes of one format share a drain (a page is in one format) */
	struct shared_page pages[EXPOSITION_FORMATS];
	bool page_ready;
	const char *config_path;		/* --web.config.file, or NULL */
	bool needs_authentication;		/* --debug.events-contents on a listener beyond loopback */
	struct web_site *site;			/* in force */
	struct retiring_daemon retiring[HTTP_MAX_LISTENERS * 4];
	unsigned int nretiring;
	unsigned int connections;		/* per daemon */
	bool enable_lifecycle;			/* POST /-/reload (--web.enable-lifecycle) */
	bool reload_ok;				/* the last reload (or the start) took */
	int64_t reload_time;			/* its wall-clock time, seconds */
};

/*
 * Binds every address (HOST:PORT, :PORT, [IPV6]:PORT), or with
 * systemd_socket takes the sockets systemd passed instead, and reads the web
 * configuration (config_path, --web.config.file, may be NULL), before
 * anything slow happens at start, so that a port in use or a bad file is
 * the one error.  needs_authentication: refuse a configuration without
 * users unless every listener is on loopback.  0, or -1 after logging why.
 */
int http_server_bind(struct http_server *s, const char *const *addresses, unsigned int n, bool systemd_socket,
		     const char *config_path, bool needs_authentication);
/* Serves on the bound sockets.  debug_events may be NULL.  0, or -1 after logging why. */
int http_server_start(struct http_server *s, const struct http_limits *limits, const char *telemetry_path,
		      struct flow_collector *collector, struct debug_events *debug_events);
/* Re-reads the web configuration (SIGHUP); on an error the old one stays.  0 or -1. */
int http_server_reload(struct http_server *s);
/* Once a second: old daemons stopped when done, certificates re-read when their files change. */
void http_server_tick(struct http_server *s);
void http_server_stop(struct http_server *s);
/* Whether every address is on loopback (127.0.0.0/8, ::1). */
bool http_server_loopback_only(const struct http_server *s);

#endif
