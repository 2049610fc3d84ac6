// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "web/tls_credentials.h"

#define PEM_MAX_BYTES (1u << 20)

static char *read_pem(const char *path, struct timespec *mtime, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	size_t len;
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0)
		*mtime = st.st_mtim;
	text = malloc(PEM_MAX_BYTES + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	len = fread(text, 1, PEM_MAX_BYTES + 1, f);
	if (ferror(f) || len > PEM_MAX_BYTES || !len) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ? strerror(errno) : len ? "too large for a PEM file" :
			 "empty");
		free(text);
		fclose(f);
		return NULL;
	}
	text[len] = '\0';
	fclose(f);
	return text;
}

static const char *priorities_of(const struct web_config *c)
{
	/* the toolkit's default floor is TLS 1.2 */
	static const char *const names[] = { "", "+VERS-TLS1.0", "+VERS-TLS1.1", "+VERS-TLS1.2", "+VERS-TLS1.3" };
	static char text[160];
	enum tls_version lo = c->min_version ? c->min_version : TLS_12, hi = c->max_version ? c->max_version : TLS_13;

	snprintf(text, sizeof(text), "NORMAL:-VERS-ALL");
	for (enum tls_version v = lo; v <= hi; v++) {
		strncat(text, ":", sizeof(text) - strlen(text) - 1);
		strncat(text, names[v], sizeof(text) - strlen(text) - 1);
	}
	return text;
}

/* The checks GnuTLS would make when the daemon starts, made here with the file names in the message. */
static int check_pair(const struct web_config *c, const struct tls_credentials *t, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert = { (unsigned char *)t->cert_pem, (unsigned int)strlen(t->cert_pem) };
	gnutls_datum_t key = { (unsigned char *)t->key_pem, (unsigned int)strlen(t->key_pem) };
	const char *prio_err = NULL;
	gnutls_priority_t prio;
	int rc;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "%s: out of memory", c->cert_file);
		return -1;
	}
	rc = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
		snprintf(err, errlen, "%s: the key does not match the certificate %s", c->key_file, c->cert_file);
	else if (rc < 0)
		snprintf(err, errlen, "%s, %s: not a PEM certificate and its key: %s", c->cert_file, c->key_file,
			 gnutls_strerror(rc));
	if (rc >= 0 && t->ca_pem) {
		gnutls_datum_t ca = { (unsigned char *)t->ca_pem, (unsigned int)strlen(t->ca_pem) };

		if (gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM) <= 0) {
			snprintf(err, errlen, "%s: holds no PEM certificate", c->client_ca_file);
			rc = -1;
		}
	}
	gnutls_certificate_free_credentials(cred);
	if (rc >= 0 && gnutls_priority_init(&prio, t->priorities, &prio_err) < 0) {
		snprintf(err, errlen, "TLS versions %s: not accepted by GnuTLS", t->priorities);
		rc = -1;
	} else if (rc >= 0) {
		gnutls_priority_deinit(prio);
	}
	return rc < 0 ? -1 : 0;
}

int tls_credentials_load(const struct web_config *c, struct tls_credentials *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!web_config_tls(c))
		return 0;
	out->cert_pem = read_pem(c->cert_file, &out->cert_mtime, err, errlen);
	out->key_pem = out->cert_pem ? read_pem(c->key_file, &out->key_mtime, err, errlen) : NULL;
	if (out->key_pem && c->client_ca_file)
		out->ca_pem = read_pem(c->client_ca_file, &out->ca_mtime, err, errlen);
	out->priorities = strdup(priorities_of(c));
	if (!out->cert_pem || !out->key_pem || (c->client_ca_file && !out->ca_pem) || !out->priorities ||
	    check_pair(c, out, err, errlen) < 0) {
		tls_credentials_free(out);
		return -1;
	}
	return 0;
}

void tls_credentials_free(struct tls_credentials *t)
{
	free(t->cert_pem);
	if (t->key_pem)
		memset(t->key_pem, 0, strlen(t->key_pem));	/* a private key does not linger in freed memory */
	free(t->key_pem);
	free(t->ca_pem);
	free(t->priorities);
	memset(t, 0, sizeof(*t));
}

static int mtime_changed(const char *path, const struct timespec *then)
{
	struct stat st;

	if (!path || stat(path, &st) < 0)
		return 0;	/* gone for a moment while being replaced: look again later */
	return st.st_mtim.tv_sec != then->tv_sec || st.st_mtim.tv_nsec != then->tv_nsec;
}

int tls_credentials_changed(const struct web_config *c, const struct tls_credentials *t)
{
	return web_config_tls(c) && (mtime_changed(c->cert_file, &t->cert_mtime) ||
				     mtime_changed(c->key_file, &t->key_mtime) ||
				     mtime_changed(c->client_ca_file, &t->ca_mtime));
}
