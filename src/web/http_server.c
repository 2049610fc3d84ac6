// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "events/debug_events.h"
#include "metrics/exposition.h"
#include "metrics/metrics_page.h"
#include "util/log.h"
#include "web/connection_guard.h"
#include "web/gzip.h"
#include "web/http_server.h"
#include "web/listen_socket.h"
#include "web/shared_page.h"
#include "util/monotonic.h"

/* Silence after which libmicrohttpd closes a connection; also the most a keep-alive may wait. */
#define HTTP_IDLE_TIMEOUT_SECONDS 30
/* Threads per listener, each with its own epoll set: a scrape being written holds one. */
#define HTTP_THREADS 4

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned int status, const char *type,
				 const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Hands the buffer's memory to libmicrohttpd. */
static enum MHD_Result send_buffer(struct MHD_Connection *conn, struct strbuf *body, bool gzipped)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		strbuf_free(body);
		return MHD_NO;
	}
	*body = (struct strbuf){ 0 };
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, EXPOSITION_CONTENT_TYPE);
	if (gzipped)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* What the metrics page shows of /debug/events. */
static const struct page_event_counts *page_event_counts(const struct debug_events *d, struct page_event_counts *out)
{
	struct debug_events_stats stats;

	debug_events_stats(d, &stats);
	out->clients = stats.clients;
	out->client_dropped = stats.client_dropped;
	memcpy(out->kernel_lost, stats.kernel_lost, sizeof(out->kernel_lost));
	return out;
}

/* shared_page's render: drain and write the page. */
static int render_page(void *ctx, struct strbuf *page)
{
	struct http_server *s = ctx;
	struct page_event_counts events;
	struct page_http_counts http = {
		.slow_clients_cut = connection_guard_cut(s->guard),
		.scrapes_refused = __atomic_load_n(&s->scrapes_refused, __ATOMIC_RELAXED),
		.scrapes_shared = __atomic_load_n(&s->page.shared, __ATOMIC_RELAXED),
	};

	return metrics_page_render(s->collector, s->debug_events ? page_event_counts(s->debug_events, &events) : NULL,
				   &http, page);
}

static enum MHD_Result render_metrics(struct http_server *s, struct MHD_Connection *conn, uint64_t arrived_ns)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	struct strbuf page = { 0 }, packed = { 0 };

	if (shared_page_get(&s->page, arrived_ns, render_page, s, &page) < 0) {
		strbuf_free(&page);
		return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
				 "error: could not render the metrics page (out of memory)\n");
	}
	if (gzip_accepted(accept) && gzip_compress(&page, &packed) == 0) {
		strbuf_free(&page);
		return send_buffer(conn, &packed, true);
	}
	strbuf_free(&packed);
	return send_buffer(conn, &page, false);
}

/* At most max_requests pages are written at once: each holds a thread and a page's memory. */
static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *conn)
{
	char reply[160];
	enum MHD_Result ret;

	if (__atomic_add_fetch(&s->scrapes_in_flight, 1, __ATOMIC_ACQ_REL) > s->limits.max_requests) {
		__atomic_sub_fetch(&s->scrapes_in_flight, 1, __ATOMIC_ACQ_REL);
		__atomic_add_fetch(&s->scrapes_refused, 1, __ATOMIC_RELAXED);
		snprintf(reply, sizeof(reply), "error: %u scrapes are being served already (--web.max-requests)\n",
			 s->limits.max_requests);
		return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", reply);
	}
	ret = render_metrics(s, conn, monotonic_ns());
	__atomic_sub_fetch(&s->scrapes_in_flight, 1, __ATOMIC_ACQ_REL);
	return ret;
}

static enum MHD_Result serve_landing(struct http_server *s, struct MHD_Connection *conn)
{
	char page[1024];

	snprintf(page, sizeof(page),
		 "<!DOCTYPE html>\n<html><head><title>ipc_exporter</title></head><body>\n"
		 "<h1>ipc_exporter</h1>\n<p>Who talks to whom on this host, by IPC mechanism.</p>\n"
		 "<ul><li><a href=\"%s\">Metrics</a></li>%s</ul>\n</body></html>\n",
		 s->telemetry_path,
		 s->debug_events ? "<li><a href=\"" DEBUG_EVENTS_PATH "?format=text&amp;count=20\">Events</a> "
				   "(the next 20)</li>" : "");
	return send_text(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page);
}

static int connection_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	return info ? info->connect_fd : -1;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				      const char *version, const char *upload_data, size_t *upload_data_size,
				      void **request_state)
{
	struct http_server *s = cls;
	static int first_call_marker;

	(void)version;
	(void)upload_data;
	/* The first call only announces the headers; answer on the second. */
	if (*request_state == NULL) {
		*request_state = &first_call_marker;
		connection_guard_request_read(s->guard, connection_fd(conn));
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body is ignored; the method check answers */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
				 "error: only GET and HEAD are supported\n");
	if (strcmp(url, s->telemetry_path) == 0)
		return serve_metrics(s, conn);
	if (strcmp(url, "/") == 0)
		return serve_landing(s, conn);
	if (s->debug_events && strcmp(url, DEBUG_EVENTS_PATH) == 0)
		return debug_events_serve(s->debug_events, conn, strcmp(method, MHD_HTTP_METHOD_HEAD) == 0);
	return send_text(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "error: not found\n");
}

static void connection_changed(void *cls, struct MHD_Connection *conn, void **socket_context,
			       enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;

	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		connection_guard_started(s->guard, connection_fd(conn));
	else
		connection_guard_closed(s->guard, connection_fd(conn));
}

/* A keep-alive connection's next request is due within the idle timeout. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **request_state,
			      enum MHD_RequestTerminationCode code)
{
	struct http_server *s = cls;

	(void)request_state;
	if (code == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		connection_guard_request_done(s->guard, connection_fd(conn));
}

static void log_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("http: %s", line);
}

int http_server_bind(struct http_server *s, const char *const *addresses, unsigned int n)
{
	struct listen_address addr;
	char err[256];

	memset(s, 0, sizeof(*s));
	if (n > HTTP_MAX_LISTENERS) {
		log_warnx("--web.listen-address: at most %d addresses", HTTP_MAX_LISTENERS);
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct http_listener *l = &s->listeners[i];

		l->address = addresses[i];
		l->fd = -1;
		s->nlisteners = i + 1;
		if (listen_address_parse(addresses[i], &addr, err, sizeof(err)) < 0) {
			log_warnx("%s", err);
			goto fail;
		}
		l->fd = listen_socket_open(&addr, addresses[i]);
		if (l->fd < 0)
			goto fail;
	}
	return 0;
fail:
	http_server_stop(s);
	return -1;
}

static struct MHD_Daemon *start_daemon(struct http_server *s, int fd, unsigned int connections)
{
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
					MHD_USE_ERROR_LOG,
				0, NULL, NULL, handle_request, s,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)HTTP_THREADS,
				MHD_OPTION_CONNECTION_LIMIT, connections,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->limits.max_connections_per_address,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_SECONDS,
				MHD_OPTION_NOTIFY_CONNECTION, connection_changed, s,
				MHD_OPTION_NOTIFY_COMPLETED, request_completed, s,
				MHD_OPTION_EXTERNAL_LOGGER, log_mhd_error, NULL,
				MHD_OPTION_END);
}

int http_server_start(struct http_server *s, const struct http_limits *limits, const char *telemetry_path,
		      struct flow_collector *collector, struct debug_events *debug_events)
{
	unsigned int connections = limits->max_connections;
	struct debug_events_stats debug;

	s->collector = collector;
	s->debug_events = debug_events;
	s->telemetry_path = telemetry_path;
	s->limits = *limits;
	shared_page_init(&s->page);
	s->page_ready = true;
	/* Event streams stay open: room for all of them on top, so scrapes always get in. */
	if (debug_events) {
		debug_events_stats(debug_events, &debug);
		connections += debug.max_clients;
	}
	if (connection_guard_open(&s->guard, limits->read_header_seconds, HTTP_IDLE_TIMEOUT_SECONDS) < 0) {
		log_warnx("cannot start the HTTP server: out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < s->nlisteners; i++) {
		struct http_listener *l = &s->listeners[i];

		l->daemon = start_daemon(s, l->fd, connections);
		if (!l->daemon) {
			log_warnx("cannot start the HTTP server on %s", l->address);
			http_server_stop(s);
			return -1;
		}
		l->fd = -1;	/* the daemon owns and closes it now */
		log_info("listening on %s, metrics at %s%s", l->address, telemetry_path,
			 debug_events ? ", events at " DEBUG_EVENTS_PATH : "");
	}
	return 0;
}

void http_server_stop(struct http_server *s)
{
	for (unsigned int i = 0; i < s->nlisteners; i++) {
		struct http_listener *l = &s->listeners[i];

		if (l->daemon)
			MHD_stop_daemon(l->daemon);
		if (l->fd >= 0)
			close(l->fd);
		l->daemon = NULL;
		l->fd = -1;
	}
	/* after the daemons: their last connections report closing to it */
	connection_guard_close(s->guard);
	s->guard = NULL;
	if (s->page_ready)
		shared_page_free(&s->page);
	s->page_ready = false;
}
