// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "util/log.h"
#include "web/web_site.h"

#define REALM "ipc_exporter"

struct web_site *web_site_open(struct http_server *server, const char *path)
{
	struct web_site *site = calloc(1, sizeof(*site));
	char err[512];

	if (!site) {
		log_warnx("out of memory");
		return NULL;
	}
	site->server = server;
	if (path && web_config_read(path, &site->config, err, sizeof(err)) < 0) {
		log_warnx("--web.config.file: %s", err);
		free(site);
		return NULL;
	}
	if (tls_credentials_load(&site->config, &site->tls, err, sizeof(err)) < 0) {
		log_warnx("--web.config.file: %s", err);
		web_config_free(&site->config);
		free(site);
		return NULL;
	}
	site->auth_cache = basic_auth_cache_new();
	if (!site->auth_cache) {
		log_warnx("out of memory");
		web_site_free(site);
		return NULL;
	}
	return site;
}

void web_site_free(struct web_site *site)
{
	if (!site)
		return;
	web_config_free(&site->config);
	tls_credentials_free(&site->tls);
	basic_auth_cache_free(site->auth_cache);
	free(site);
}

void web_site_decorate(void *cls, struct MHD_Response *r)
{
	const struct web_site *site = cls;

	if (__atomic_load_n(&site->retired, __ATOMIC_ACQUIRE))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	for (unsigned int i = 0; i < site->config.nheaders; i++)
		MHD_add_response_header(r, site->config.headers[i].name, site->config.headers[i].value);
}

static enum MHD_Result refuse(struct web_site *site, struct MHD_Connection *conn, unsigned int status,
			      const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	web_site_decorate(site, r);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, "Retry-After", "1");
	if (status == MHD_HTTP_UNAUTHORIZED)
		ret = MHD_queue_basic_auth_fail_response(conn, REALM, r);
	else
		ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * The client's certificate as client_auth_type asks.  libmicrohttpd asks
 * for one (client_ca_file given) but lets the handshake through without:
 * what the toolkit refuses in the handshake is refused here, before any
 * route.
 */
static bool certificate_admitted(const struct web_site *site, struct MHD_Connection *conn)
{
	enum client_auth how = site->config.client_auth;
	const union MHD_ConnectionInfo *info;
	gnutls_session_t session;
	unsigned int n = 0, status = 1;

	if (how == CLIENT_AUTH_NONE || how == CLIENT_AUTH_REQUEST)
		return true;
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!info || !info->tls_session)
		return false;
	session = (gnutls_session_t)info->tls_session;
	if (!gnutls_certificate_get_peers(session, &n) || !n)
		return how == CLIENT_AUTH_VERIFY_IF_GIVEN;
	if (how == CLIENT_AUTH_REQUIRE_ANY)
		return true;
	return gnutls_certificate_verify_peers2(session, &status) == 0 && status == 0;
}

bool web_site_admits(struct web_site *site, struct MHD_Connection *conn, enum MHD_Result *answered)
{
	char *user, *password = NULL;
	enum basic_auth_result result;

	if (web_config_tls(&site->config) && !certificate_admitted(site, conn)) {
		*answered = refuse(site, conn, MHD_HTTP_FORBIDDEN,
				   "error: a client certificate signed by a trusted CA is required\n");
		return false;
	}
	if (!site->config.nusers)
		return true;
	user = MHD_basic_auth_get_username_password(conn, &password);
	result = basic_auth_check(&site->config, site->auth_cache, user, password);
	if (password) {
		memset(password, 0, strlen(password));
		MHD_free(password);
	}
	MHD_free(user);
	if (result == BASIC_AUTH_BUSY)
		*answered = refuse(site, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "error: too many passwords being checked at once; try again\n");
	else if (result != BASIC_AUTH_OK)
		*answered = refuse(site, conn, MHD_HTTP_UNAUTHORIZED, "error: unauthorized\n");
	return result == BASIC_AUTH_OK;
}
