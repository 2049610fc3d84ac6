/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One generation of the web configuration in force: the parsed file, its
 * TLS credentials and the authentication it asks for.  Each daemon serves
 * one; a reload starts daemons on a new one and lets the old go when its
 * last daemon stops.
 */
#ifndef WEB_SITE_H
#define WEB_SITE_H

#include <stdbool.h>
#include <microhttpd.h>

#include "web/basic_auth.h"
#include "web/tls_credentials.h"
#include "web/web_config.h"

struct http_server;

struct web_site {
	struct http_server *server;
	struct web_config config;
	struct tls_credentials tls;
	struct basic_auth_cache *auth_cache;
	unsigned int daemons;		/* that serve it; freed at 0 (under the server's reload lock) */
	bool retired;			/* atomic: replaced by a reload; each answer closes its connection */
};

/* path NULL: no file, plain HTTP for everyone.  NULL after logging why. */
struct web_site *web_site_open(struct http_server *server, const char *path);
void web_site_free(struct web_site *site);

/*
 * MHD_YES when the request may go on; otherwise an answer was queued (401
 * with WWW-Authenticate, or 403 for a client certificate) and *answered
 * says what to return to libmicrohttpd.
 */
bool web_site_admits(struct web_site *site, struct MHD_Connection *conn, enum MHD_Result *answered);
/* The configured response headers, on every answer. */
void web_site_decorate(void *site, struct MHD_Response *r);

static inline bool web_site_authenticates(const struct web_site *site)
{
	return site->config.nusers > 0 || site->config.client_auth == CLIENT_AUTH_REQUIRE_VERIFY;
}

#endif
