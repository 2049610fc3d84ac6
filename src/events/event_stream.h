/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event stream: one thread reads the kernel's events ring buffer while
 * at least one consumer is subscribed, and hands each event to every
 * subscriber whose filter matches.  The kernel is told the union of what
 * subscribers want (mechanisms, pids, contents) so it makes no record
 * nobody asked for; with no subscriber it makes none at all.
 */
#ifndef EVENT_STREAM_H
#define EVENT_STREAM_H

#include <stdint.h>

#include "events/event_filter.h"
#include "ipc_types.h"

struct probe;
struct event_stream;

struct event_subscriber {
	struct event_filter filter;
	/*
	 * Called on the stream's thread for each matching event; must not
	 * block (queue it, or drop and count it).  wall_ns: epoch time.
	 */
	void (*deliver)(void *ctx, const struct ipc_event *e, const unsigned char *content, int64_t wall_ns);
	/* The kernel ring buffer lost `count` events of `mechanism` since the last call. */
	void (*lost)(void *ctx, unsigned int mechanism, uint64_t count, int64_t wall_ns);
	void *ctx;
	/* owned by the stream */
	struct event_subscriber *next;
};

int event_stream_open(struct event_stream **out, struct probe *probe);
void event_stream_close(struct event_stream *s);
/* Always 0: the caller caps its own consumers (the HTTP server, its clients). */
int event_stream_subscribe(struct event_stream *s, struct event_subscriber *sub);
void event_stream_unsubscribe(struct event_stream *s, struct event_subscriber *sub);
/* The exporter's own process as the kernel numbers it: its events are its own traffic. */
uint32_t event_stream_self_tgid(const struct event_stream *s);
/* Events the kernel ring buffer lost per mechanism, cumulative (for /metrics). */
uint64_t event_stream_lost(const struct event_stream *s, unsigned int mechanism);
unsigned int event_stream_subscribers(const struct event_stream *s);

#endif
