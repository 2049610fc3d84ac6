// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "events/debug_events.h"
#include "metrics/exposition.h"
#include "metrics/flow_collector.h"
#include "metrics/metrics_page.h"
#include "metrics/policy_observed.h"
#include "policy/policy.h"
#include "util/log.h"
#include "web/connection_guard.h"
#include "web/gzip.h"
#include "web/negotiate.h"
#include "web/http_server.h"
#include "web/listen_socket.h"
#include "web/shared_page.h"
#include "web/web_site.h"
#include "util/monotonic.h"

/* Silence after which libmicrohttpd closes a connection; also the most a keep-alive may wait. */
#define HTTP_IDLE_TIMEOUT_SECONDS 30
/* Threads per listener, each with its own epoll set: a scrape being written holds one. */
#define HTTP_THREADS 4
/* How often the certificate files are looked at for a rotation. */
#define TLS_LOOK_SECONDS 5

static enum MHD_Result send_text(struct web_site *site, struct MHD_Connection *conn, unsigned int status,
				 const char *type, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	web_site_decorate(site, r);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Hands the buffer's memory to libmicrohttpd, with a content type. */
static enum MHD_Result send_owned(struct web_site *site, struct MHD_Connection *conn, unsigned int status,
				  const char *type, struct strbuf *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		strbuf_free(body);
		return MHD_NO;
	}
	*body = (struct strbuf){ 0 };
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	web_site_decorate(site, r);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Hands the buffer's memory to libmicrohttpd. */
static enum MHD_Result send_buffer(struct web_site *site, struct MHD_Connection *conn, struct strbuf *body,
				   enum exposition_format format, bool gzipped)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		strbuf_free(body);
		return MHD_NO;
	}
	*body = (struct strbuf){ 0 };
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, exposition_content_type(format));
	if (gzipped)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT ", " MHD_HTTP_HEADER_ACCEPT_ENCODING);
	web_site_decorate(site, r);
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

/* A page to make: the server and the format the scrape asked for. */
struct page_request {
	struct http_server *server;
	enum exposition_format format;
};

/* shared_page's render: drain and write the page. */
static int render_page(void *ctx, struct strbuf *page)
{
	const struct page_request *req = ctx;
	struct http_server *s = req->server;
	struct page_event_counts events;
	struct page_http_counts http = {
		.slow_clients_cut = connection_guard_cut(s->guard),
		.scrapes_refused = __atomic_load_n(&s->scrapes_refused, __ATOMIC_RELAXED),
		.config_reload_ok = __atomic_load_n(&s->reload_ok, __ATOMIC_RELAXED),
		.config_reload_time = __atomic_load_n(&s->reload_time, __ATOMIC_RELAXED),
	};

	for (unsigned int f = 0; f < EXPOSITION_FORMATS; f++)
		http.scrapes_shared += __atomic_load_n(&s->pages[f].shared, __ATOMIC_RELAXED);
	return metrics_page_render(s->collector, s->debug_events ? page_event_counts(s->debug_events, &events) : NULL,
				   &http, req->format, page);
}

/*
 * The format is the Accept header's (negotiate.c), each with its own shared
 * page: a scrape shares only a page of its format, and one that waited for
 * a page of the other format makes its own.
 */
static enum MHD_Result render_metrics(struct web_site *site, struct MHD_Connection *conn, uint64_t arrived_ns)
{
	struct http_server *s = site->server;
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	struct page_request req = {
		.server = s,
		.format = negotiate_exposition_format(
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT)),
	};
	struct strbuf page = { 0 }, packed = { 0 };

	if (shared_page_get(&s->pages[req.format], arrived_ns, render_page, &req, &page) < 0) {
		strbuf_free(&page);
		return send_text(site, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
				 "error: could not render the metrics page (out of memory)\n");
	}
	if (gzip_accepted(accept) && gzip_compress(&page, &packed) == 0) {
		strbuf_free(&page);
		return send_buffer(site, conn, &packed, req.format, true);
	}
	strbuf_free(&packed);
	return send_buffer(site, conn, &page, req.format, false);
}

/* At most max_requests pages are written at once: each holds a thread and a page's memory. */
static enum MHD_Result serve_metrics(struct web_site *site, struct MHD_Connection *conn)
{
	struct http_server *s = site->server;
	char reply[160];
	enum MHD_Result ret;

	if (__atomic_add_fetch(&s->scrapes_in_flight, 1, __ATOMIC_ACQ_REL) > s->limits.max_requests) {
		__atomic_sub_fetch(&s->scrapes_in_flight, 1, __ATOMIC_ACQ_REL);
		__atomic_add_fetch(&s->scrapes_refused, 1, __ATOMIC_RELAXED);
		snprintf(reply, sizeof(reply), "error: %u scrapes are being served already (--web.max-requests)\n",
			 s->limits.max_requests);
		return send_text(site, conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", reply);
	}
	ret = render_metrics(site, conn, monotonic_ns());
	__atomic_sub_fetch(&s->scrapes_in_flight, 1, __ATOMIC_ACQ_REL);
	return ret;
}

static enum MHD_Result serve_landing(struct web_site *site, struct MHD_Connection *conn)
{
	struct http_server *s = site->server;
	char page[1024];

	snprintf(page, sizeof(page),
		 "<!DOCTYPE html>\n<html><head><title>ipc_exporter</title></head><body>\n"
		 "<h1>ipc_exporter</h1>\n<p>Who talks to whom on this host, by IPC mechanism.</p>\n"
		 "<ul><li><a href=\"%s\">Metrics</a></li>%s</ul>\n</body></html>\n",
		 s->telemetry_path,
		 s->debug_events ? "<li><a href=\"" DEBUG_EVENTS_PATH "?format=text&amp;count=20\">Events</a> "
				   "(the next 20)</li>" : "");
	return send_text(site, conn, MHD_HTTP_OK, "text/html; charset=utf-8", page);
}

/* GET /policy: the policy in force, as its file was. */
static enum MHD_Result serve_policy(struct web_site *site, struct MHD_Connection *conn)
{
	struct flow_collector *c = site->server->collector;
	struct strbuf text = { 0 };

	pthread_mutex_lock(&c->lock);
	if (c->policy)
		strbuf_append(&text, c->policy->text, c->policy->text_len);
	pthread_mutex_unlock(&c->lock);
	if (!c->policy_path) {
		strbuf_free(&text);
		return send_text(site, conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
				 "error: no --policy.file\n");
	}
	if (text.failed || !text.data) {
		strbuf_free(&text);
		return send_text(site, conn, MHD_HTTP_OK, "application/yaml; charset=utf-8", "");
	}
	return send_owned(site, conn, MHD_HTTP_OK, "application/yaml; charset=utf-8", &text);
}

/* GET /policy/observed: a policy allowing exactly what was seen (metrics/policy_observed.c). */
static enum MHD_Result serve_observed(struct web_site *site, struct MHD_Connection *conn)
{
	struct strbuf text = { 0 };

	if (policy_observed_render(site->server->collector, &text) < 0) {
		strbuf_free(&text);
		return send_text(site, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
				 "error: out of memory\n");
	}
	return send_owned(site, conn, MHD_HTTP_OK, "application/yaml; charset=utf-8", &text);
}

/*
 * POST or PUT /-/reload, the Prometheus convention: re-reads --policy.file
 * and answers how it went (500 with the file's error).  Only with
 * --web.enable-lifecycle.
 */
static enum MHD_Result serve_reload(struct web_site *site, struct MHD_Connection *conn, const char *method)
{
	struct http_server *s = site->server;
	char err[512], reply[600];

	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0 && strcmp(method, MHD_HTTP_METHOD_PUT) != 0)
		return send_text(site, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
				 "error: only POST and PUT reload\n");
	if (!s->enable_lifecycle)
		return send_text(site, conn, MHD_HTTP_FORBIDDEN, "text/plain; charset=utf-8",
				 "error: the lifecycle API is not enabled (--web.enable-lifecycle)\n");
	if (!s->collector->policy_path)
		return send_text(site, conn, MHD_HTTP_OK, "text/plain; charset=utf-8", "no --policy.file to reload\n");
	if (flow_collector_load_policy(s->collector, err, sizeof(err)) < 0) {
		log_warnx("--policy.file: %s; the policy in force stays", err);
		snprintf(reply, sizeof(reply), "error: %s; the policy in force stays\n", err);
		return send_text(site, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", reply);
	}
	log_info("--policy.file: %s reloaded (POST /-/reload)", s->collector->policy_path);
	return send_text(site, conn, MHD_HTTP_OK, "text/plain; charset=utf-8", "reloaded\n");
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
	struct web_site *site = cls;
	struct http_server *s = site->server;
	static int first_call_marker;
	enum MHD_Result answered;

	(void)version;
	(void)upload_data;
	/* The first call only announces the headers; answer on the last. */
	if (*request_state == NULL) {
		*request_state = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body is ignored; the method check answers */
		return MHD_YES;
	}
	/* the whole request is in, body included: the deadline for it is met */
	connection_guard_request_read(s->guard, connection_fd(conn));
	/* every path, even one that does not exist, is behind the authentication */
	if (!web_site_admits(site, conn, &answered))
		return answered;
	if (strcmp(url, "/-/reload") == 0)
		return serve_reload(site, conn, method);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_text(site, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
				 "error: only GET and HEAD are supported\n");
	if (strcmp(url, s->telemetry_path) == 0)
		return serve_metrics(site, conn);
	if (strcmp(url, "/") == 0)
		return serve_landing(site, conn);
	if (strcmp(url, "/policy") == 0)
		return serve_policy(site, conn);
	if (strcmp(url, "/policy/observed") == 0)
		return serve_observed(site, conn);
	if (s->debug_events && strcmp(url, DEBUG_EVENTS_PATH) == 0)
		return debug_events_serve(s->debug_events, conn, strcmp(method, MHD_HTTP_METHOD_HEAD) == 0,
					  web_site_decorate, site);
	return send_text(site, conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "error: not found\n");
}

static void connection_changed(void *cls, struct MHD_Connection *conn, void **socket_context,
			       enum MHD_ConnectionNotificationCode code)
{
	struct web_site *site = cls;

	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		connection_guard_started(site->server->guard, connection_fd(conn), site);
	else
		connection_guard_closed(site->server->guard, connection_fd(conn));
}

/* A keep-alive connection's next request is due within the idle timeout. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **request_state,
			      enum MHD_RequestTerminationCode code)
{
	struct web_site *site = cls;

	(void)request_state;
	if (code == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		connection_guard_request_done(site->server->guard, connection_fd(conn));
}

static void log_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("http: %s", line);
}

static bool site_acceptable(struct http_server *s, const struct web_site *site);

static bool address_is_loopback(const struct listen_address *a)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)&a->addr;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->addr;

	if (a->all_interfaces)
		return false;
	if (a->family == AF_INET)
		return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	return a->family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

bool http_server_loopback_only(const struct http_server *s)
{
	for (unsigned int i = 0; i < s->nlisteners; i++)
		if (!s->listeners[i].loopback)
			return false;
	return true;
}

/* The address of a listening socket, as text, and whether it is on loopback. */
static void describe_socket(int fd, char *text, size_t len, bool *loopback)
{
	struct listen_address a = { 0 };
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	a.addrlen = sizeof(a.addr);
	getsockname(fd, (struct sockaddr *)&a.addr, &a.addrlen);
	a.family = a.addr.ss_family;
	if (a.family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)&a.addr;

		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		port = ntohs(in4->sin_port);
		snprintf(text, len, "%s:%u", host, port);
	} else if (a.family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a.addr;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(text, len, "[%s]:%u", host, port);
	} else {
		snprintf(text, len, "socket %d", fd);
	}
	*loopback = address_is_loopback(&a);
}

/*
 * systemd socket activation (sd_listen_fds(3)): LISTEN_PID is this process,
 * LISTEN_FDS sockets from descriptor 3 on.  Each must be a listening TCP
 * socket.
 */
static int take_systemd_sockets(struct http_server *s)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int accepting = 0, type = 0;
	socklen_t len;
	long n;

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid() || (n = strtol(fds, NULL, 10)) < 1) {
		log_warnx("--web.systemd-socket: no sockets passed (LISTEN_PID and LISTEN_FDS are not set for this "
			  "process: start it from a systemd .socket unit)");
		return -1;
	}
	if (n > HTTP_MAX_LISTENERS) {
		log_warnx("--web.systemd-socket: %ld sockets passed, at most %d", n, HTTP_MAX_LISTENERS);
		return -1;
	}
	for (int fd = 3; fd < 3 + n; fd++) {
		struct http_listener *l = &s->listeners[s->nlisteners];

		len = sizeof(accepting);
		getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len);
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM || !accepting) {
			log_warnx("--web.systemd-socket: descriptor %d is not a listening stream socket", fd);
			return -1;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		l->fd = fd;
		describe_socket(fd, l->text, sizeof(l->text), &l->loopback);
		l->address = l->text;
		s->nlisteners++;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 0;
}

int http_server_bind(struct http_server *s, const char *const *addresses, unsigned int n, bool systemd_socket,
		     const char *config_path, bool needs_authentication)
{
	struct listen_address addr;
	char err[256];

	memset(s, 0, sizeof(*s));
	s->config_path = config_path;
	s->needs_authentication = needs_authentication;
	if (systemd_socket) {
		n = 0;
		if (take_systemd_sockets(s) < 0)
			goto fail;
	}
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
		l->loopback = address_is_loopback(&addr);
		l->fd = listen_socket_open(&addr, addresses[i]);
		if (l->fd < 0)
			goto fail;
	}
	s->site = web_site_open(s, config_path);
	if (!s->site || !site_acceptable(s, s->site))
		goto fail;
	return 0;
fail:
	http_server_stop(s);
	return -1;
}

static struct MHD_Daemon *start_daemon(struct http_server *s, struct web_site *site, int fd)
{
	struct MHD_OptionItem options[16];
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			     MHD_USE_ITC | MHD_USE_ERROR_LOG;
	unsigned int n = 0;
	struct MHD_Daemon *d;

#define OPTION(o, v, p) (options[n++] = (struct MHD_OptionItem){ (o), (intptr_t)(v), (p) })
	OPTION(MHD_OPTION_LISTEN_SOCKET, fd, NULL);
	OPTION(MHD_OPTION_THREAD_POOL_SIZE, HTTP_THREADS, NULL);
	OPTION(MHD_OPTION_CONNECTION_LIMIT, s->connections, NULL);
	OPTION(MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->limits.max_connections_per_address, NULL);
	OPTION(MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_TIMEOUT_SECONDS, NULL);
	OPTION(MHD_OPTION_NOTIFY_CONNECTION, connection_changed, site);
	OPTION(MHD_OPTION_NOTIFY_COMPLETED, request_completed, site);
	OPTION(MHD_OPTION_EXTERNAL_LOGGER, log_mhd_error, NULL);
	if (web_config_tls(&site->config)) {
		flags |= MHD_USE_TLS;
		OPTION(MHD_OPTION_HTTPS_MEM_CERT, 0, site->tls.cert_pem);
		OPTION(MHD_OPTION_HTTPS_MEM_KEY, 0, site->tls.key_pem);
		OPTION(MHD_OPTION_HTTPS_PRIORITIES, 0, site->tls.priorities);
		if (site->tls.ca_pem)
			OPTION(MHD_OPTION_HTTPS_MEM_TRUST, 0, site->tls.ca_pem);
	}
	OPTION(MHD_OPTION_END, 0, NULL);
#undef OPTION
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle_request, site, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
	if (d)
		site->daemons++;
	return d;
}

/*
 * A daemon on a copy of listening socket fd, which stays the caller's: on
 * some failures libmicrohttpd closes the socket it was given, and a closed
 * (or reused) descriptor must never be tried again.  A copy that failed is
 * not closed here for the same reason (it may have been).
 */
static struct MHD_Daemon *start_on(struct http_server *s, struct web_site *site, int fd)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return copy < 0 ? NULL : start_daemon(s, site, copy);
}

/* A configuration no daemon serves any more. */
static void free_site(struct http_server *s, struct web_site *site)
{
	debug_events_forget(s->debug_events, site);
	web_site_free(site);
}

static void stop_daemon(struct http_server *s, struct MHD_Daemon *d, struct web_site *site)
{
	MHD_stop_daemon(d);
	if (--site->daemons == 0 && site != s->site)
		free_site(s, site);
}

/* --debug.events-contents shows what processes send each other: not to anyone who can connect. */
static bool site_acceptable(struct http_server *s, const struct web_site *site)
{
	if (!s->needs_authentication || http_server_loopback_only(s) || web_site_authenticates(site))
		return true;
	log_warnx("--debug.events-contents shows what processes send each other: it needs basic_auth_users "
		  "(or client_auth_type: RequireAndVerifyClientCert) in --web.config.file, or every "
		  "--web.listen-address on loopback (127.0.0.1:PORT, [::1]:PORT)");
	return false;
}

static void note_reload(struct http_server *s, bool ok)
{
	__atomic_store_n(&s->reload_ok, ok, __ATOMIC_RELAXED);
	if (ok)
		__atomic_store_n(&s->reload_time, (int64_t)time(NULL), __ATOMIC_RELAXED);
}

int http_server_start(struct http_server *s, const struct http_limits *limits, const char *telemetry_path,
		      struct flow_collector *collector, struct debug_events *debug_events)
{
	struct debug_events_stats debug;

	s->collector = collector;
	s->debug_events = debug_events;
	s->telemetry_path = telemetry_path;
	s->limits = *limits;
	for (unsigned int f = 0; f < EXPOSITION_FORMATS; f++)
		shared_page_init(&s->pages[f]);
	s->page_ready = true;
	s->connections = limits->max_connections;
	/* Event streams stay open: room for all of them on top, so scrapes always get in. */
	if (debug_events) {
		debug_events_stats(debug_events, &debug);
		s->connections += debug.max_clients;
	}
	if (connection_guard_open(&s->guard, limits->read_header_seconds, HTTP_IDLE_TIMEOUT_SECONDS) < 0) {
		log_warnx("cannot start the HTTP server: out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < s->nlisteners; i++) {
		struct http_listener *l = &s->listeners[i];

		l->daemon = start_on(s, s->site, l->fd);
		l->site = s->site;
		if (!l->daemon) {
			log_warnx("cannot start the HTTP server on %s", l->address);
			return -1;
		}
		close(l->fd);	/* the daemon has its copy */
		l->fd = -1;
		log_info("listening on %s%s, metrics at %s%s", l->address,
			 web_config_tls(&s->site->config) ? " (TLS)" : "", telemetry_path,
			 debug_events ? ", events at " DEBUG_EVENTS_PATH : "");
	}
	note_reload(s, true);
	return 0;
}

/*
 * New daemons on the same sockets, with the new configuration; the old
 * ones stop accepting at once and finish what they serve (http_server_tick).
 */
int http_server_reload(struct http_server *s)
{
	struct web_site *site, *old = s->site;
	bool complete = true;

	if (!s->config_path) {
		log_info("no --web.config.file to re-read");
		return 0;
	}
	site = web_site_open(s, s->config_path);
	if (!site || !site_acceptable(s, site)) {
		web_site_free(site);
		log_warnx("--web.config.file: %s not reloaded: the configuration in force stays", s->config_path);
		note_reload(s, false);
		return -1;
	}
	s->site = site;
	for (unsigned int i = 0; i < s->nlisteners; i++) {
		struct http_listener *l = &s->listeners[i];
		struct MHD_Daemon *d;
		int fd;

		if (!l->daemon || s->nretiring == sizeof(s->retiring) / sizeof(s->retiring[0])) {
			complete = false;	/* too many still retiring: this listener keeps its daemon */
			continue;
		}
		fd = (int)MHD_quiesce_daemon(l->daemon);
		if (fd < 0) {
			complete = false;
			continue;
		}
		s->retiring[s->nretiring++] = (struct retiring_daemon){ l->daemon, l->site, monotonic_ns() };
		l->daemon = NULL;
		d = start_on(s, site, fd);
		if (d) {
			l->site = site;
		} else {
			complete = false;
			d = start_on(s, l->site, fd);	/* serve on as before rather than not at all */
		}
		if (d) {
			close(fd);
			l->daemon = d;
		} else {
			l->fd = fd;	/* retried at every tick */
			log_warnx("cannot start the HTTP server on %s again: retrying", l->address);
		}
	}
	/*
	 * What the old configuration admitted goes: its event streams end, its
	 * idle keep-alives are closed (clients reconnect to the new daemons),
	 * and each answer it still gives closes its connection.
	 */
	for (unsigned int i = 0; i < s->nretiring; i++) {
		struct web_site *retired = s->retiring[i].site;

		if (retired == site || (retired == old && !complete))
			continue;
		__atomic_store_n(&retired->retired, true, __ATOMIC_RELEASE);
		debug_events_end_streams_of(s->debug_events, retired);
		connection_guard_close_idle(s->guard, retired);
	}
	if (old->daemons == 0)
		free_site(s, old);
	if (!complete) {
		log_warnx("--web.config.file: %s: some listeners still serve the previous configuration", s->config_path);
		note_reload(s, false);
		return -1;
	}
	log_info("--web.config.file: %s reloaded%s", s->config_path,
		 web_config_tls(&site->config) ? " (TLS)" : "");
	note_reload(s, true);
	return 0;
}

void http_server_tick(struct http_server *s)
{
	static uint64_t next_look;
	uint64_t now = monotonic_ns();
	unsigned int i = 0;

	while (i < s->nretiring) {
		struct retiring_daemon *r = &s->retiring[i];
		const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

		/*
		 * Never with a stream left: libmicrohttpd aborts when stopped with a
		 * suspended connection.  Ended streams do not suspend again, and one
		 * whose client stopped reading is closed by the idle timeout.
		 */
		if (debug_events_streams_of(s->debug_events, r->site) ||
		    ((!info || info->num_connections > 0) &&
		     now - r->since_ns < HTTP_IDLE_TIMEOUT_SECONDS * NS_PER_SECOND)) {
			i++;
			continue;
		}
		stop_daemon(s, r->daemon, r->site);
		*r = s->retiring[--s->nretiring];
	}
	/* a listener whose daemon could not start again after a reload */
	for (unsigned int l = 0; l < s->nlisteners; l++) {
		struct http_listener *li = &s->listeners[l];

		if (li->daemon || li->fd < 0 || !s->site)
			continue;
		li->daemon = start_on(s, s->site, li->fd);
		if (li->daemon) {
			close(li->fd);
			li->fd = -1;
			li->site = s->site;
			log_info("serving on %s again", li->address);
		}
	}
	/* rotated certificates: files replaced in place are taken up without a restart */
	if (s->config_path && s->site && now >= next_look) {
		next_look = now + TLS_LOOK_SECONDS * NS_PER_SECOND;
		if (tls_credentials_changed(&s->site->config, &s->site->tls)) {
			log_info("--web.config.file: the certificate files changed: reloading");
			http_server_reload(s);
		}
	}
}

void http_server_stop(struct http_server *s)
{
	for (unsigned int i = 0; i < s->nlisteners; i++) {
		struct http_listener *l = &s->listeners[i];

		if (l->daemon)
			stop_daemon(s, l->daemon, l->site);
		if (l->fd >= 0)
			close(l->fd);
		l->daemon = NULL;
		l->fd = -1;
	}
	s->nlisteners = 0;
	while (s->nretiring > 0) {
		s->nretiring--;
		stop_daemon(s, s->retiring[s->nretiring].daemon, s->retiring[s->nretiring].site);
	}
	if (s->site && s->site->daemons == 0)
		free_site(s, s->site);
	s->site = NULL;
	/* after the daemons: their last connections report closing to it */
	connection_guard_close(s->guard);
	s->guard = NULL;
	if (s->page_ready)
		for (unsigned int f = 0; f < EXPOSITION_FORMATS; f++)
			shared_page_free(&s->pages[f]);
	s->page_ready = false;
}
