/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /debug/events: IPC events streamed over HTTP as they happen, one per
 * line, while the client stays.  Each client has its own filter (the
 * query string, see event_filter_parse_param) and its own bounded buffer:
 * a slow client loses events, and is told so, but never slows the event
 * stream, the metrics or the other clients.
 *
 * What it counts (debug_events_stats; the web layer hands it to the metrics
 * page, which renders it while the endpoint is on):
 *   ipc_exporter_debug_events_clients               gauge
 *   ipc_exporter_debug_events_client_dropped_total  counter
 *   ipc_exporter_events_lost_total{mechanism}       counter (the kernel ring buffer's)
 */
#ifndef DEBUG_EVENTS_H
#define DEBUG_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "ipc_types.h"

#define DEBUG_EVENTS_PATH "/debug/events"
#define DEBUG_EVENTS_DEFAULT_CLIENTS 4
#define DEBUG_EVENTS_MAX_CLIENTS 64

struct event_stream;
struct debug_events;

struct debug_events_stats {
	unsigned int clients;		/* streaming now */
	unsigned int max_clients;	/* --debug.events-clients */
	uint64_t client_dropped;	/* events a client's full buffer had no room for, all clients */
	uint64_t kernel_lost[IPC_MECHANISM_COUNT];	/* events the kernel ring buffer had no room for */
};

/*
 * The endpoint, over an open event stream (which it does not own).
 * allow_contents: --debug.events-contents.  0 or -ENOMEM.
 */
int debug_events_open(struct debug_events **out, struct event_stream *stream, unsigned int max_clients,
		      bool allow_contents);
/* Ends every client's stream; new requests get 503.  Call before stopping the HTTP server. */
void debug_events_shutdown(struct debug_events *d);
/* After the HTTP server has stopped (so no client is left). */
void debug_events_close(struct debug_events *d);

/* Answers GET or HEAD /debug/events on a thread-per-connection daemon. */
/*
 * unexpected=1: judge(ctx, event) says whether the policy in force does not
 * allow the event's flow.  Without a judge (no --policy.file) the parameter
 * is refused.
 */
void debug_events_set_judge(struct debug_events *d, bool (*judge)(void *ctx, const struct ipc_event *e), void *ctx);

/* decorate(ctx, response) adds what every answer carries (configured headers). */
enum MHD_Result debug_events_serve(struct debug_events *d, struct MHD_Connection *conn, bool head,
				   void (*decorate)(void *ctx, struct MHD_Response *r), void *ctx);
/*
 * The streams served with decoration context `ctx` (one web configuration,
 * web/web_site.h): ended when it is replaced, and counted, as a daemon that
 * still has one may not stop (it could be suspended).  d may be NULL.
 */
void debug_events_end_streams_of(struct debug_events *d, const void *ctx);
unsigned int debug_events_streams_of(struct debug_events *d, const void *ctx);
/* ctx is about to be freed: a later one at the same address is not the retired one. */
void debug_events_forget(struct debug_events *d, const void *ctx);

void debug_events_stats(const struct debug_events *d, struct debug_events_stats *out);

#endif
