/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The files a web configuration's TLS names, read into memory for
 * libmicrohttpd and checked first: the key must match the certificate, the
 * client CA file must hold certificates.
 */
#ifndef TLS_CREDENTIALS_H
#define TLS_CREDENTIALS_H

#include <time.h>

#include "web/web_config.h"

struct tls_credentials {
	char *cert_pem, *key_pem, *ca_pem;	/* ca_pem: NULL without client_ca_file */
	char *priorities;			/* GnuTLS's, from min_version and max_version */
	struct timespec cert_mtime, key_mtime, ca_mtime;	/* as read: rotation is a change of these */
};

/* 0, or -1 with "FILE: why" in err. */
int tls_credentials_load(const struct web_config *c, struct tls_credentials *out, char *err, size_t errlen);
void tls_credentials_free(struct tls_credentials *t);
/* Whether a file changed since it was read (certificates are rotated by replacing them). */
int tls_credentials_changed(const struct web_config *c, const struct tls_credentials *t);

#endif
