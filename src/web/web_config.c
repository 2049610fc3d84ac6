// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/yaml_doc.h"
#include "web/web_config.h"

/* The biggest file read: a web configuration is a few hundred bytes. */
#define WEB_CONFIG_MAX_BYTES (1u << 20)

struct parse {
	const char *dir;
	struct yaml_doc *doc;
	struct web_config *out;
};

static bool is_empty_sequence(const yaml_node_t *n)
{
	return yaml_is_null(n) ||
	       (n->type == YAML_SEQUENCE_NODE && n->data.sequence.items.start == n->data.sequence.items.top);
}

/* A key whose value one helper reads into the field of the same name. */
#define FIELD_HANDLER(field, helper)                                                                      \
	static int field(struct yaml_doc *doc, void *ctx, const yaml_node_t *k, const yaml_node_t *v)      \
	{                                                                                                  \
		struct parse *p = ctx;                                                                     \
                                                                                                           \
		(void)doc;                                                                                 \
		return helper(p, k, v, &p->out->field);                                                    \
	}

/* A path, relative to the configuration file's directory. */
static int take_path(struct parse *p, const yaml_node_t *key, const yaml_node_t *value, char **out)
{
	const char *v = yaml_scalar(value);

	if (yaml_is_null(value))
		return 0;
	if (!v || !*v)
		return yaml_fail(p->doc, value, "%s must be a file name", yaml_scalar(key));
	if (yaml_scalar_has_nul(value))
		return yaml_fail(p->doc, value, "%s: a file name cannot hold a NUL byte", yaml_scalar(key));
	if (v[0] == '/' || !p->dir)
		*out = strdup(v);
	else if (asprintf(out, "%s/%s", p->dir, v) < 0)
		*out = NULL;
	return *out ? 0 : yaml_fail(p->doc, value, "out of memory");
}

FIELD_HANDLER(cert_file, take_path)
FIELD_HANDLER(key_file, take_path)
FIELD_HANDLER(client_ca_file, take_path)

static int client_auth_type(struct yaml_doc *doc, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	struct parse *p = ctx;

	(void)doc;
	/* in the order of enum client_auth */
	static const char *const names[] = { "NoClientCert", "RequestClientCert", "RequireAnyClientCert",
					     "VerifyClientCertIfGiven", "RequireAndVerifyClientCert" };
	const char *s = yaml_scalar(v);

	(void)k;
	if (yaml_is_null(v))
		return 0;
	for (unsigned int i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			p->out->client_auth = (enum client_auth)i;
			return 0;
		}
	return yaml_fail(p->doc, v, "client_auth_type must be one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
		    "VerifyClientCertIfGiven, RequireAndVerifyClientCert");
}

static int tls_version(struct parse *p, const yaml_node_t *k, const yaml_node_t *v, enum tls_version *out)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };
	const char *s = yaml_scalar(v);

	if (yaml_is_null(v))
		return 0;
	for (unsigned int i = 0; s && i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum tls_version)(TLS_10 + i);
			return 0;
		}
	return yaml_fail(p->doc, v, "%s must be one of TLS10, TLS11, TLS12, TLS13", yaml_scalar(k));
}

FIELD_HANDLER(min_version, tls_version)
FIELD_HANDLER(max_version, tls_version)

static int boolean(struct yaml_doc *doc, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	struct parse *p = ctx;

	(void)doc;
	const char *s = yaml_scalar(v);

	if (yaml_is_null(v) || (s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)))
		return 0;
	return yaml_fail(p->doc, v, "%s must be true or false", yaml_scalar(k));
}

/*
 * Restrictions the toolkit offers that this server cannot apply through
 * libmicrohttpd: refused when they say something, rather than accepted and
 * not enforced.
 */
static int unsupported_list(struct yaml_doc *doc, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	struct parse *p = ctx;

	(void)doc;
	if (is_empty_sequence(v))
		return 0;
	return yaml_fail(p->doc, v, "%s is not supported by ipc_exporter (its TLS is GnuTLS's defaults, bounded by "
		    "min_version and max_version); remove it", yaml_scalar(k));
}

static int inline_pem(struct yaml_doc *doc, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	struct parse *p = ctx;

	(void)doc;
	if (yaml_is_null(v))
		return 0;
	return yaml_fail(p->doc, k, "%s: give the PEM in a file (cert_file, key_file)", yaml_scalar(k));
}

static int tls_server_config(struct yaml_doc *doc, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	struct parse *p = ctx;

	(void)doc;
	static const struct yaml_key_rule rules[] = {
		{ "cert_file", cert_file },
		{ "key_file", key_file },
		{ "client_auth_type", client_auth_type },
		{ "client_ca_file", client_ca_file },
		{ "min_version", min_version },
		{ "max_version", max_version },
		{ "prefer_server_cipher_suites", boolean },
		{ "cipher_suites", unsupported_list },
		{ "curve_preferences", unsupported_list },
		{ "client_allowed_sans", unsupported_list },
		{ "cert", inline_pem },
		{ "key", inline_pem },
		{ NULL, NULL },
	};
	struct web_config *c = p->out;

	if (yaml_walk_mapping(p->doc, v, "tls_server_config", rules, p) < 0)
		return -1;
	if (yaml_is_null(v))
		return 0;
	if (!c->cert_file != !c->key_file)
		return yaml_fail(p->doc, k, "tls_server_config needs both cert_file and key_file");
	if (!c->cert_file && (c->client_auth || c->client_ca_file || c->min_version || c->max_version))
		return yaml_fail(p->doc, k, "tls_server_config: cert_file and key_file are needed for TLS");
	/* libmicrohttpd asks clients for a certificate only with CAs to name */
	if (c->client_auth != CLIENT_AUTH_NONE && !c->client_ca_file)
		return yaml_fail(p->doc, k, "tls_server_config: client_auth_type asks for client certificates: client_ca_file "
			    "is needed (the CAs to trust)");
	if (c->client_ca_file && c->client_auth == CLIENT_AUTH_NONE)
		return yaml_fail(p->doc, k, "tls_server_config: client_ca_file is given but client_auth_type is NoClientCert "
			    "(say which client certificates to ask for)");
	if (c->min_version && c->max_version && c->min_version > c->max_version)
		return yaml_fail(p->doc, k, "tls_server_config: min_version is above max_version");
	return 0;
}

/* HTTP header names: RFC 9110 tokens; those that frame or route the answer are ours to set. */
static const char *header_refusal(const char *name)
{
	static const char *const reserved[] = { "Content-Length", "Content-Type", "Content-Encoding",
						"Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade",
						"Trailer", "WWW-Authenticate", "Date", "Vary", NULL };

	if (!*name)
		return "a header name cannot be empty";
	for (const char *c = name; *c; c++)
		if (!strchr("!#$%&'*+-.^_`|~", *c) && !(*c >= '0' && *c <= '9') && !(*c >= 'a' && *c <= 'z') &&
		    !(*c >= 'A' && *c <= 'Z'))
			return "not a valid header name";
	for (int i = 0; reserved[i]; i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return "the server sets this header itself";
	return NULL;
}

static int headers(struct yaml_doc *doc, void *ctx, const yaml_node_t *k, const yaml_node_t *map)
{
	struct parse *p = ctx;
	struct web_config *c = p->out;

	(void)doc;
	(void)k;
	if (yaml_is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return yaml_fail(p->doc, map, "headers must be a mapping of header names to values");
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_doc_node(p->doc, pair->key);
		const yaml_node_t *value = yaml_doc_node(p->doc, pair->value);
		const char *name = yaml_scalar(key), *text = yaml_scalar(value), *why;

		if (!name)
			return yaml_fail(p->doc, key, "headers: names must be plain text");
		if ((why = header_refusal(name)))
			return yaml_fail(p->doc, key, "headers: \"%s\": %s", name, why);
		if (!text || yaml_scalar_has_nul(value) || strpbrk(text, "\r\n"))
			return yaml_fail(p->doc, value, "headers: the value of \"%s\" must be one line of text", name);
		for (unsigned int i = 0; i < c->nheaders; i++)
			if (strcasecmp(c->headers[i].name, name) == 0)
				return yaml_fail(p->doc, key, "headers: \"%s\" is given twice", name);
		if (c->nheaders == WEB_CONFIG_MAX_HEADERS)
			return yaml_fail(p->doc, key, "headers: at most %d", WEB_CONFIG_MAX_HEADERS);
		c->headers[c->nheaders].name = strdup(name);
		c->headers[c->nheaders].value = strdup(text);
		if (!c->headers[c->nheaders].name || !c->headers[c->nheaders].value) {
			free(c->headers[c->nheaders].name);
			free(c->headers[c->nheaders].value);
			return yaml_fail(p->doc, key, "out of memory");
		}
		c->nheaders++;
	}
	return 0;
}

static int http_server_config(struct yaml_doc *doc, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	struct parse *p = ctx;

	(void)doc;
	static const struct yaml_key_rule rules[] = {
		{ "headers", headers },
		{ "http2", boolean },	/* the toolkit's switch; this server speaks HTTP/1.1 */
		{ NULL, NULL },
	};

	(void)k;
	return yaml_walk_mapping(p->doc, v, "http_server_config", rules, p);
}

/* $2a$, $2b$ or $2y$, a cost from 04 to 31, then 53 characters of bcrypt's base64. */
static bool is_bcrypt(const char *h)
{
	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' ||
	    h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	if ((h[4] - '0') * 10 + (h[5] - '0') < 4 || (h[4] - '0') * 10 + (h[5] - '0') > 31)
		return false;
	for (int i = 7; i < 60; i++)
		if (!strchr("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", h[i]) || !h[i])
			return false;
	return true;
}

static int basic_auth_users(struct yaml_doc *doc, void *ctx, const yaml_node_t *k, const yaml_node_t *map)
{
	struct parse *p = ctx;
	struct web_config *c = p->out;

	(void)doc;
	(void)k;
	if (yaml_is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return yaml_fail(p->doc, map, "basic_auth_users must be a mapping of user names to bcrypt hashes");
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_doc_node(p->doc, pair->key);
		const yaml_node_t *value = yaml_doc_node(p->doc, pair->value);
		const char *name = yaml_scalar(key), *hash = yaml_scalar(value);

		if (!name || !*name || yaml_scalar_has_nul(key) || strchr(name, ':'))
			return yaml_fail(p->doc, key, "basic_auth_users: a user name must be text without a colon");
		if (!hash || !is_bcrypt(hash))
			return yaml_fail(p->doc, value ? value : key,
				    "basic_auth_users: the password of \"%s\" must be a bcrypt hash ($2y$..., e.g. from "
				    "htpasswd -nbBC 10 USER PASSWORD)", name);
		for (unsigned int i = 0; i < c->nusers; i++)
			if (strcmp(c->users[i].name, name) == 0)
				return yaml_fail(p->doc, key, "basic_auth_users: \"%s\" is given twice", name);
		if (c->nusers == WEB_CONFIG_MAX_USERS)
			return yaml_fail(p->doc, key, "basic_auth_users: at most %d users", WEB_CONFIG_MAX_USERS);
		c->users[c->nusers].name = strdup(name);
		c->users[c->nusers].hash = strdup(hash);
		if (!c->users[c->nusers].name || !c->users[c->nusers].hash) {
			free(c->users[c->nusers].name);
			free(c->users[c->nusers].hash);
			return yaml_fail(p->doc, key, "out of memory");
		}
		c->nusers++;
	}
	return 0;
}

int web_config_parse(const char *name, const char *dir, const char *text, size_t len, struct web_config *out,
		     char *err, size_t errlen)
{
	static const struct yaml_key_rule rules[] = {
		{ "tls_server_config", tls_server_config },
		{ "http_server_config", http_server_config },
		{ "basic_auth_users", basic_auth_users },
		{ NULL, NULL },
	};
	struct yaml_doc doc;
	struct parse p = { .dir = dir, .doc = &doc, .out = out };
	yaml_node_t *root;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (yaml_doc_load(&doc, name, text, len, err, errlen, &root) < 0)
		return -1;
	if (root)	/* an empty file: no TLS, no users */
		ret = yaml_walk_mapping(&doc, root, "the web configuration", rules, &p);
	yaml_doc_free(&doc);
	if (ret < 0)
		web_config_free(out);
	return ret;
}

int web_config_read(const char *path, struct web_config *out, char *err, size_t errlen)
{
	char *text = NULL, *copy, *dir;
	size_t len = 0;
	int ret = -1;
	FILE *f = fopen(path, "r");

	memset(out, 0, sizeof(*out));
	if (!f) {
		snprintf(err, errlen, "%s: cannot read the web configuration: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(WEB_CONFIG_MAX_BYTES + 1);
	if (text)
		len = fread(text, 1, WEB_CONFIG_MAX_BYTES + 1, f);
	if (!text || ferror(f))
		snprintf(err, errlen, "%s: cannot read the web configuration: %s", path,
			 text ? strerror(errno) : "out of memory");
	else if (len > WEB_CONFIG_MAX_BYTES)
		snprintf(err, errlen, "%s: larger than %u bytes: not a web configuration", path, WEB_CONFIG_MAX_BYTES);
	else if (!(copy = strdup(path)))
		snprintf(err, errlen, "%s: out of memory", path);
	else {
		dir = dirname(copy);
		ret = web_config_parse(path, dir, text, len, out, err, errlen);
		free(copy);
	}
	fclose(f);
	free(text);
	return ret;
}

void web_config_free(struct web_config *c)
{
	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	for (unsigned int i = 0; i < c->nheaders; i++) {
		free(c->headers[i].name);
		free(c->headers[i].value);
	}
	for (unsigned int i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	memset(c, 0, sizeof(*c));
}
