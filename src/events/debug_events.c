// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE	/* POLLRDHUP */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events/debug_events.h"
#include "events/event_filter.h"
#include "events/event_format.h"
#include "events/event_stream.h"
#include "kernel/ipc_names.h"
#include "util/log.h"
#include "util/strbuf.h"

/*
 * Unsent bytes a client may have waiting; past it its events are dropped
 * and counted until it has read the buffer down to half, so that it gets
 * one record of what it lost, not one per event at the edge.
 */
#define CLIENT_BUFFER_BYTES (1u << 20)
#define CLIENT_RESUME_BYTES (CLIENT_BUFFER_BYTES / 2)
/* A waiting stream is looked at this often: has its client gone, is a keep-alive due. */
#define WAIT_SECONDS 1
/*
 * Silence after which a stream sends a keep-alive: one empty line.
 * libmicrohttpd closes a connection that sent nothing for the server's
 * timeout (30 s), so a quiet filter would be cut off without it; that same
 * timeout is what frees the slot of a client that stopped reading (its
 * socket stays full, nothing can be sent).  A chunked body has no empty
 * chunk to send instead (a zero-size chunk ends it), so the keep-alive is
 * body bytes: "\n" is whitespace to JSON parsers such as jq, the NDJSON
 * spec lets readers skip empty lines, and a text reader sees a blank line.
 * Clients that left are noticed otherwise (client_left), within a second.
 */
#define KEEPALIVE_SECONDS 15
/* At shutdown, how long streams get to send what they hold and end cleanly. */
#define SHUTDOWN_WAIT_SECONDS 2

struct client {
	struct debug_events *owner;
	struct event_subscriber sub;	/* sub.filter: the query string */
	struct client *prev, *next;	/* owner->clients, under owner->lock */
	int fd;				/* the connection's socket */
	struct MHD_Connection *conn;
	const void *tag;		/* the decoration context it was served with */
	pthread_mutex_t lock;		/* guards what follows */
	bool suspended;			/* nothing to send: libmicrohttpd leaves the connection be until woken */
	struct strbuf queue;		/* formatted lines; [head, len) not yet handed to MHD */
	size_t head;
	uint64_t events;		/* queued, for count= */
	bool overflowing;		/* dropping until the backlog is down to CLIENT_RESUME_BYTES */
	/* Not yet told: per mechanism (the last slot: out of range), dropped here; lost by the kernel. */
	uint64_t dropped[IPC_MECHANISM_COUNT + 1];
	uint64_t ring_lost[IPC_MECHANISM_COUNT];
	bool done;			/* count= reached */
	struct timespec last_output;	/* CLOCK_MONOTONIC: bytes last given to MHD */
};

struct debug_events {
	struct event_stream *stream;
	unsigned int max_clients;
	bool allow_contents;
	uint32_t self_tgid;
	pthread_mutex_t lock;		/* guards clients and nclients */
	pthread_cond_t gone;		/* a client left; the ticker's sleep */
	pthread_t ticker;
	bool ticker_joined;
	bool (*judge)(void *ctx, const struct ipc_event *e);	/* unexpected=1; NULL: no policy */
	/* decoration contexts (web configurations) replaced: their new streams are refused (under lock) */
	const void *retired[16];
	unsigned int nretired;
	void *judge_ctx;
	struct client *clients;
	unsigned int nclients;		/* also read without the lock, atomically */
	bool closing;			/* atomic */
	uint64_t client_dropped;	/* atomic */
};


static bool closing(const struct debug_events *d)
{
	return __atomic_load_n(&d->closing, __ATOMIC_ACQUIRE);
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static size_t pending(const struct client *c)
{
	return c->queue.len - c->head;
}

/*
 * Keeps the record just formatted after `mark`, or takes it back when it
 * did not fit (or memory ran out): false then.
 */
static bool keep_record(struct client *c, size_t mark)
{
	if (!c->queue.failed && pending(c) <= CLIENT_BUFFER_BYTES)
		return true;
	c->queue.len = mark;
	c->queue.failed = false;
	if (c->queue.data)
		c->queue.data[mark] = '\0';
	return false;
}

static bool queue_lost(struct client *c, int64_t wall_ns, const char *mechanism, uint64_t count, const char *reason)
{
	size_t mark = c->queue.len;

	event_format_lost(&c->queue, c->sub.filter.format, wall_ns, mechanism, count, reason);
	return keep_record(c, mark);
}

/* Tells the client what it has lost so far; false if that did not fit yet (it is kept). */
static bool queue_losses(struct client *c, int64_t wall_ns)
{
	if (c->sub.filter.hide_lost) {
		memset(c->dropped, 0, sizeof(c->dropped));
		memset(c->ring_lost, 0, sizeof(c->ring_lost));
		return true;
	}
	for (unsigned int m = 0; m < IPC_MECHANISM_COUNT; m++) {
		if (!c->ring_lost[m])
			continue;
		if (!queue_lost(c, wall_ns, mechanism_name(m), c->ring_lost[m], "ring buffer full"))
			return false;
		c->ring_lost[m] = 0;
	}
	for (unsigned int m = 0; m <= IPC_MECHANISM_COUNT; m++) {
		if (!c->dropped[m])
			continue;
		if (!queue_lost(c, wall_ns, mechanism_name(m), c->dropped[m], "client too slow"))
			return false;
		c->dropped[m] = 0;
	}
	return true;
}

static bool losses_untold(const struct client *c)
{
	for (unsigned int m = 0; m <= IPC_MECHANISM_COUNT; m++)
		if (c->dropped[m] || (m < IPC_MECHANISM_COUNT && c->ring_lost[m]))
			return true;
	return false;
}

static void drop_event(struct client *c, unsigned int mechanism)
{
	c->overflowing = true;
	c->dropped[mechanism < IPC_MECHANISM_COUNT ? mechanism : IPC_MECHANISM_COUNT]++;
	__atomic_add_fetch(&c->owner->client_dropped, 1, __ATOMIC_RELAXED);
}

/* Room for more: not full, and once it was, read down to half. */
static bool has_room(struct client *c)
{
	if (c->overflowing && pending(c) <= CLIENT_RESUME_BYTES)
		c->overflowing = false;
	return !c->overflowing && pending(c) < CLIENT_BUFFER_BYTES;
}

/*
 * Something to send, the stream's end, or a look at the client: a
 * suspended connection goes back into libmicrohttpd's loop, which calls
 * read_stream.  Under c->lock, as read_stream suspends under it.
 */
static void wake(struct client *c)
{
	if (!c->suspended)
		return;
	c->suspended = false;
	MHD_resume_connection(c->conn);
}

/* On the stream's thread, shared by every consumer: never waits for the client. */
static void deliver(void *ctx, const struct ipc_event *e, const unsigned char *content, int64_t wall_ns)
{
	struct client *c = ctx;
	const struct event_filter *f = &c->sub.filter;
	size_t mark;

	/* Our own sends to a client are events too: streaming them would feed the stream. */
	if (e->src.tgid == c->owner->self_tgid || closing(c->owner))
		return;
	if (f->unexpected && !c->owner->judge(c->owner->judge_ctx, e))
		return;
	pthread_mutex_lock(&c->lock);
	if (c->done)
		goto out;
	/* Full: do not spend the shared thread's time formatting what cannot be kept. */
	if (!has_room(c) || !queue_losses(c, wall_ns)) {
		drop_event(c, e->mechanism);
		goto out;
	}
	mark = c->queue.len;
	event_format(&c->queue, f->format, e, content, f->contents, wall_ns);
	if (!keep_record(c, mark)) {
		drop_event(c, e->mechanism);
		goto out;
	}
	c->events++;
	if (f->count && c->events >= f->count)
		c->done = true;
	wake(c);
out:
	pthread_mutex_unlock(&c->lock);
}

static void lost(void *ctx, unsigned int mechanism, uint64_t count, int64_t wall_ns)
{
	struct client *c = ctx;

	if (mechanism >= IPC_MECHANISM_COUNT || c->sub.filter.hide_lost || closing(c->owner))
		return;
	pthread_mutex_lock(&c->lock);
	if (!c->done) {
		c->ring_lost[mechanism] += count;
		if (has_room(c) && queue_losses(c, wall_ns))
			wake(c);
	}
	pthread_mutex_unlock(&c->lock);
}

/* Hands MHD up to max queued bytes. */
static size_t take(struct client *c, char *buf, size_t max)
{
	size_t n = pending(c) < max ? pending(c) : max;

	memcpy(buf, c->queue.data + c->head, n);
	c->head += n;
	if (c->head == c->queue.len) {
		c->head = c->queue.len = 0;
	} else if (c->head > pending(c)) {
		/* Slide the rest down so a steady backlog does not grow the buffer forever. */
		memmove(c->queue.data, c->queue.data + c->head, pending(c) + 1);
		c->queue.len -= c->head;
		c->head = 0;
	}
	return n;
}

/*
 * Has the client gone?  MHD would notice only when it next writes, which
 * for a quiet filter is a keep-alive away; the socket knows at once: the
 * peer's FIN (RDHUP) or reset (HUP, ERR).  A client that half-closes after
 * its request would count as gone; HTTP clients do not do that.
 */
static bool client_left(const struct client *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLRDHUP };

	if (c->fd < 0)
		return false;
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static bool keepalive_due(const struct client *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - c->last_output.tv_sec >= KEEPALIVE_SECONDS;
}

/*
 * MHD's content reader.  It must not block (one thread serves many
 * connections): with nothing to send, the connection is suspended and 0
 * returned, the pattern libmicrohttpd prescribes; wake() resumes it when
 * there is, and the ticker every WAIT_SECONDS to look at the client.
 */
static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct client *c = cls;
	ssize_t n;

	(void)pos;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		if (pending(c)) {
			n = (ssize_t)take(c, buf, max);
			break;
		}
		/* Losses that found no room before go out as soon as there is room. */
		if (!c->done && losses_untold(c) && has_room(c) && queue_losses(c, realtime_ns()))
			continue;
		if (c->done || closing(c->owner)) {
			n = MHD_CONTENT_READER_END_OF_STREAM;
			break;
		}
		if (client_left(c)) {
			n = MHD_CONTENT_READER_END_WITH_ERROR;
			break;
		}
		if (keepalive_due(c)) {
			buf[0] = '\n';
			n = 1;
			break;
		}
		c->suspended = true;
		MHD_suspend_connection(c->conn);
		n = 0;
		break;
	}
	if (n > 0)
		clock_gettime(CLOCK_MONOTONIC, &c->last_output);
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void free_client(void *cls)
{
	struct client *c = cls;
	struct debug_events *d = c->owner;

	/* After this the stream thread no longer calls deliver() or lost() with c. */
	event_stream_unsubscribe(d->stream, &c->sub);
	pthread_mutex_lock(&d->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	__atomic_sub_fetch(&d->nclients, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&d->gone);
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_destroy(&c->lock);
	strbuf_free(&c->queue);
	free(c);
}

struct decoration {
	void (*decorate)(void *ctx, struct MHD_Response *r);
	void *ctx;
};

static void decorate(const struct decoration *how, struct MHD_Response *r)
{
	if (how->decorate)
		how->decorate(how->ctx, r);
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status, const char *body,
				  const struct decoration *how)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	decorate(how, r);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * The stream, or for HEAD (c NULL) its headers alone: an empty body, not
 * a chunked one, so the connection stays good for the next request.
 */
static enum MHD_Result reply_stream(struct MHD_Connection *conn, const struct event_filter *f, struct client *c,
				    const struct decoration *how)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (c)
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, read_stream, c, free_client);
	else
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (c)
			free_client(c);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				f->format == EVENT_FORMAT_JSON ? "application/x-ndjson" : "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	decorate(how, r);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);	/* the last reference, if queueing failed: free_client runs */
	return ret;
}

struct query {
	struct event_filter filter;
	bool allow_contents;
	bool failed;
	char err[256];
};

/* Every pair, repeated keys included (pid=1&pid=2), in order; stops at the first bad one. */
static enum MHD_Result parse_param(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query *q = cls;

	(void)kind;
	if (event_filter_parse_param(&q->filter, key ? key : "", value, q->allow_contents, q->err,
				     sizeof(q->err)) < 0) {
		q->failed = true;
		return MHD_NO;
	}
	return MHD_YES;
}

static bool retired_tag(const struct debug_events *d, const void *tag)
{
	for (unsigned int i = 0; i < d->nretired && i < sizeof(d->retired) / sizeof(d->retired[0]); i++)
		if (tag && d->retired[i] == tag)
			return true;
	return false;
}

/* The stream's slot, or NULL when all are taken (reason in err). */
static struct client *add_client(struct debug_events *d, struct MHD_Connection *conn, const struct event_filter *f,
				 const void *tag, char *err, size_t errlen)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct client *c;

	pthread_mutex_lock(&d->lock);
	if (closing(d) || d->nclients >= d->max_clients || retired_tag(d, tag)) {
		if (closing(d))
			snprintf(err, errlen, "error: the exporter is shutting down\n");
		else if (retired_tag(d, tag))
			snprintf(err, errlen, "error: the web configuration was reloaded: connect again\n");
		else
			snprintf(err, errlen,
				 "error: too many " DEBUG_EVENTS_PATH " clients (%u, set by --debug.events-clients); "
				 "try again when one has left\n",
				 d->max_clients);
		pthread_mutex_unlock(&d->lock);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "error: out of memory\n");
		pthread_mutex_unlock(&d->lock);
		return NULL;
	}
	c->owner = d;
	c->sub = (struct event_subscriber){ .filter = *f, .deliver = deliver, .lost = lost, .ctx = c };
	c->fd = info ? info->connect_fd : -1;
	c->conn = conn;
	c->tag = tag;
	pthread_mutex_init(&c->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &c->last_output);
	c->next = d->clients;
	if (d->clients)
		d->clients->prev = c;
	d->clients = c;
	__atomic_add_fetch(&d->nclients, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&d->lock);
	event_stream_subscribe(d->stream, &c->sub);
	return c;
}

enum MHD_Result debug_events_serve(struct debug_events *d, struct MHD_Connection *conn, bool head,
				   void (*decorate_fn)(void *ctx, struct MHD_Response *r), void *ctx)
{
	const struct decoration how = { decorate_fn, ctx };
	struct query q = { .allow_contents = d->allow_contents };
	char reply[sizeof(q.err) + 16];
	struct client *c;

	event_filter_init(&q.filter);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, parse_param, &q);
	if (q.failed) {
		snprintf(reply, sizeof(reply), "error: %s\n", q.err);
		return reply_text(conn, MHD_HTTP_BAD_REQUEST, reply, &how);
	}
	if (q.filter.unexpected && !d->judge)
		return reply_text(conn, MHD_HTTP_BAD_REQUEST,
				  "error: unexpected=1 needs a policy of expected flows (--policy.file)\n", &how);
	/* HEAD streams nothing, so it takes no slot. */
	if (head)
		return reply_stream(conn, &q.filter, NULL, &how);
	c = add_client(d, conn, &q.filter, ctx, reply, sizeof(reply));
	if (!c)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, reply, &how);
	return reply_stream(conn, &q.filter, c, &how);
}

/* Wakes every waiting stream: each looks at its client, a keep-alive, and at shutdown. */
static void wake_all(struct debug_events *d)
{
	for (struct client *c = d->clients; c; c = c->next) {
		pthread_mutex_lock(&c->lock);
		wake(c);
		pthread_mutex_unlock(&c->lock);
	}
}

static void *ticker(void *arg)
{
	struct debug_events *d = arg;
	struct timespec next;

	pthread_mutex_lock(&d->lock);
	while (!closing(d)) {
		wake_all(d);
		clock_gettime(CLOCK_MONOTONIC, &next);
		next.tv_sec += WAIT_SECONDS;
		pthread_cond_timedwait(&d->gone, &d->lock, &next);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

int debug_events_open(struct debug_events **out, struct event_stream *stream, unsigned int max_clients,
		      bool allow_contents)
{
	struct debug_events *d = calloc(1, sizeof(*d));
	pthread_condattr_t attr;

	if (!d)
		return -ENOMEM;
	d->stream = stream;
	d->max_clients = max_clients;
	d->allow_contents = allow_contents;
	d->self_tgid = event_stream_self_tgid(stream);	/* as the kernel numbers it */
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&d->gone, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&d->ticker, NULL, ticker, d) != 0) {
		pthread_cond_destroy(&d->gone);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void debug_events_shutdown(struct debug_events *d)
{
	struct timespec deadline;

	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	__atomic_store_n(&d->closing, true, __ATOMIC_RELEASE);
	/* Streams end at once, after what is already queued. */
	wake_all(d);
	pthread_cond_broadcast(&d->gone);	/* the ticker ends */
	/*
	 * Stopping the daemon shuts every socket down at once, cutting streams
	 * before their last chunk: give them a moment to end properly.  A
	 * client that does not read is cut when the time is up.
	 */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += SHUTDOWN_WAIT_SECONDS;
	while (d->clients && pthread_cond_timedwait(&d->gone, &d->lock, &deadline) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->ticker, NULL);
	d->ticker_joined = true;
}

void debug_events_set_judge(struct debug_events *d, bool (*judge)(void *ctx, const struct ipc_event *e), void *ctx)
{
	d->judge = judge;
	d->judge_ctx = ctx;
}

void debug_events_end_streams_of(struct debug_events *d, const void *ctx)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	if (!retired_tag(d, ctx))	/* the oldest is forgotten: its daemons have long stopped */
		d->retired[d->nretired++ % (sizeof(d->retired) / sizeof(d->retired[0]))] = ctx;
	for (struct client *c = d->clients; c; c = c->next) {
		if (c->tag != ctx)
			continue;
		pthread_mutex_lock(&c->lock);
		c->done = true;
		wake(c);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&d->lock);
}

void debug_events_forget(struct debug_events *d, const void *ctx)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < sizeof(d->retired) / sizeof(d->retired[0]); i++)
		if (d->retired[i] == ctx)
			d->retired[i] = NULL;
	pthread_mutex_unlock(&d->lock);
}

unsigned int debug_events_streams_of(struct debug_events *d, const void *ctx)
{
	unsigned int n = 0;

	if (!d)
		return 0;
	pthread_mutex_lock(&d->lock);
	for (struct client *c = d->clients; c; c = c->next)
		n += c->tag == ctx;
	pthread_mutex_unlock(&d->lock);
	return n;
}

void debug_events_close(struct debug_events *d)
{
	if (!d)
		return;
	if (!d->ticker_joined) {
		/* not shut down (a failed start): the ticker still runs */
		__atomic_store_n(&d->closing, true, __ATOMIC_RELEASE);
		pthread_mutex_lock(&d->lock);
		pthread_cond_broadcast(&d->gone);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->ticker, NULL);
	}
	/* Cannot happen once MHD has stopped; if it did, a leak beats a client using freed memory. */
	if (d->clients) {
		log_warnx("%u " DEBUG_EVENTS_PATH " clients still open at shutdown", d->nclients);
		return;
	}
	pthread_cond_destroy(&d->gone);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void debug_events_stats(const struct debug_events *d, struct debug_events_stats *out)
{
	out->clients = __atomic_load_n(&d->nclients, __ATOMIC_RELAXED);
	out->max_clients = d->max_clients;
	out->client_dropped = __atomic_load_n(&d->client_dropped, __ATOMIC_RELAXED);
	for (unsigned int m = 0; m < IPC_MECHANISM_COUNT; m++)
		out->kernel_lost[m] = event_stream_lost(d->stream, m);
}

