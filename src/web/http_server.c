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
#include "web/gzip.h"
#include "web/http_server.h"

#define HTTP_CONNECTION_LIMIT 64
#define HTTP_IDLE_TIMEOUT_SECONDS 30

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

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	struct strbuf page = { 0 }, packed = { 0 };
	struct page_event_counts events;

	if (metrics_page_render(s->collector, s->debug_events ? page_event_counts(s->debug_events, &events) : NULL,
				&page) < 0) {
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

static void log_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("http: %s", line);
}

static int open_listen_socket(const struct listen_address *addr, const char *text)
{
	int one = 1, zero = 0;
	int fd = socket(addr->family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		log_warn("cannot create a socket for %s", text);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->all_interfaces)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (const struct sockaddr *)&addr->addr, addr->addrlen) < 0) {
		if (errno == EADDRINUSE)
			log_warnx("cannot listen on %s: the port is already in use (another exporter? "
				  "choose one with --web.listen-address)", text);
		else
			log_warn("cannot listen on %s", text);
		close(fd);
		return -1;
	}
	if (listen(fd, 64) < 0) {
		log_warn("cannot listen on %s", text);
		close(fd);
		return -1;
	}
	return fd;
}

int http_server_start(struct http_server *s, const struct listen_address *addr, const char *address_text,
		      const char *telemetry_path, struct flow_collector *collector,
		      struct debug_events *debug_events)
{
	unsigned int connections = HTTP_CONNECTION_LIMIT;
	struct debug_events_stats debug;

	memset(s, 0, sizeof(*s));
	s->collector = collector;
	s->debug_events = debug_events;
	/* Event streams stay open: room for all of them on top, so scrapes always get in. */
	if (debug_events) {
		debug_events_stats(debug_events, &debug);
		connections += debug.max_clients;
	}
	s->telemetry_path = telemetry_path;
	s->listen_fd = open_listen_socket(addr, address_text);
	if (s->listen_fd < 0)
		return -1;
	s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
					     MHD_USE_ERROR_LOG,
				     0, NULL, NULL, handle_request, s,
				     MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
				     MHD_OPTION_CONNECTION_LIMIT, connections,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_SECONDS,
				     MHD_OPTION_EXTERNAL_LOGGER, log_mhd_error, NULL,
				     MHD_OPTION_END);
	if (!s->daemon) {
		log_warnx("cannot start the HTTP server on %s", address_text);
		close(s->listen_fd);
		return -1;
	}
	s->listen_fd = -1;	/* the daemon owns and closes it now */
	log_info("listening on %s, metrics at %s%s", address_text, telemetry_path,
		 debug_events ? ", events at " DEBUG_EVENTS_PATH : "");
	return 0;
}

void http_server_stop(struct http_server *s)
{
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->daemon = NULL;
	s->listen_fd = -1;
}
