/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --web.config.file: Prometheus's exporter-toolkit web configuration (TLS,
 * response headers, basic authentication users), so that files written
 * for other exporters work unchanged.  Parsing reads no other file: the
 * certificates are loaded by web/tls_credentials.c.
 */
#ifndef WEB_CONFIG_H
#define WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_CONFIG_MAX_USERS 64
#define WEB_CONFIG_MAX_HEADERS 16

enum client_auth {
	CLIENT_AUTH_NONE,		/* NoClientCert (default) */
	CLIENT_AUTH_REQUEST,		/* RequestClientCert */
	CLIENT_AUTH_REQUIRE_ANY,	/* RequireAnyClientCert */
	CLIENT_AUTH_VERIFY_IF_GIVEN,	/* VerifyClientCertIfGiven */
	CLIENT_AUTH_REQUIRE_VERIFY,	/* RequireAndVerifyClientCert */
};

/* TLS versions as the toolkit names them: TLS10 ... TLS13. */
enum tls_version { TLS_VERSION_UNSET, TLS_10, TLS_11, TLS_12, TLS_13 };

struct web_user {
	char *name;
	char *hash;			/* bcrypt: $2a$, $2b$ or $2y$ */
};

struct web_header {
	char *name;
	char *value;
};

struct web_config {
	/* TLS: on when cert_file is set */
	char *cert_file, *key_file, *client_ca_file;
	enum client_auth client_auth;
	enum tls_version min_version, max_version;
	struct web_header headers[WEB_CONFIG_MAX_HEADERS];
	unsigned int nheaders;
	struct web_user users[WEB_CONFIG_MAX_USERS];
	unsigned int nusers;
};

/*
 * Parses `len` bytes of YAML; `name` is what errors call the file.  0, or
 * -1 with "NAME:LINE:COLUMN: what is wrong" in err.  A relative path in
 * the file is taken from the file's directory (`dir`, may be NULL: the
 * working directory).
 */
int web_config_parse(const char *name, const char *dir, const char *text, size_t len, struct web_config *out,
		     char *err, size_t errlen);
/* Reads and parses the file: the same, with "NAME: cannot read..." for a file that cannot be read. */
int web_config_read(const char *path, struct web_config *out, char *err, size_t errlen);
void web_config_free(struct web_config *c);

static inline bool web_config_tls(const struct web_config *c)
{
	return c->cert_file != NULL;
}

#endif
