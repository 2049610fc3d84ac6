// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "web/web_config.h"

/* The biggest file read: a web configuration is a few hundred bytes. */
#define WEB_CONFIG_MAX_BYTES (1u << 20)

struct parse {
	const char *name, *dir;
	yaml_document_t *doc;
	struct web_config *out;
	char *err;
	size_t errlen;
};

static int fail(struct parse *p, const yaml_node_t *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct parse *p, const yaml_node_t *at, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (at)
		snprintf(p->err, p->errlen, "%s:%zu:%zu: %s", p->name, at->start_mark.line + 1,
			 at->start_mark.column + 1, why);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->name, why);
	return -1;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A value YAML means as nothing: `key:`, `key: ~`, `key: null`. */
static bool is_null(const yaml_node_t *n)
{
	const char *v = scalar(n);

	return v && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
		strcmp(v, "NULL") == 0);
}

static bool is_empty_sequence(const yaml_node_t *n)
{
	return is_null(n) || (n->type == YAML_SEQUENCE_NODE && n->data.sequence.items.start == n->data.sequence.items.top);
}

typedef int (*key_handler)(struct parse *p, const yaml_node_t *key, const yaml_node_t *value);
struct key_rule {
	const char *key;
	key_handler handle;
};

/* Each key of a mapping to its rule; unknown and repeated keys are errors. */
static int walk_mapping(struct parse *p, const yaml_node_t *map, const char *what, const struct key_rule *rules)
{
	unsigned long long seen = 0;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "%s must be a mapping of keys to values", what);
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(p->doc, pair->value);
		const char *name = scalar(key);
		int i;

		if (!name)
			return fail(p, key, "%s: keys must be plain names", what);
		for (i = 0; rules[i].key && strcmp(rules[i].key, name) != 0; i++)
			;
		if (!rules[i].key)
			return fail(p, key, "%s: unknown key \"%s\"", what, name);
		if (seen & (1ull << i))
			return fail(p, key, "%s: \"%s\" is given twice", what, name);
		seen |= 1ull << i;
		if (rules[i].handle(p, key, value) < 0)
			return -1;
	}
	return 0;
}

/* A path, relative to the configuration file's directory. */
static int take_path(struct parse *p, const yaml_node_t *key, const yaml_node_t *value, char **out)
{
	const char *v = scalar(value);

	if (is_null(value))
		return 0;
	if (!v || !*v)
		return fail(p, value, "%s must be a file name", scalar(key));
	if (strlen(v) != value->data.scalar.length)
		return fail(p, value, "%s: a file name cannot hold a NUL byte", scalar(key));
	if (v[0] == '/' || !p->dir)
		*out = strdup(v);
	else if (asprintf(out, "%s/%s", p->dir, v) < 0)
		*out = NULL;
	return *out ? 0 : fail(p, value, "out of memory");
}

static int cert_file(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return take_path(p, k, v, &p->out->cert_file);
}

static int key_file(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return take_path(p, k, v, &p->out->key_file);
}

static int client_ca_file(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return take_path(p, k, v, &p->out->client_ca_file);
}

static int client_auth_type(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	/* in the order of enum client_auth */
	static const char *const names[] = { "NoClientCert", "RequestClientCert", "RequireAnyClientCert",
					     "VerifyClientCertIfGiven", "RequireAndVerifyClientCert" };
	const char *s = scalar(v);

	(void)k;
	if (is_null(v))
		return 0;
	for (unsigned int i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			p->out->client_auth = (enum client_auth)i;
			return 0;
		}
	return fail(p, v, "client_auth_type must be one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
		    "VerifyClientCertIfGiven, RequireAndVerifyClientCert");
}

static int tls_version(struct parse *p, const yaml_node_t *k, const yaml_node_t *v, enum tls_version *out)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };
	const char *s = scalar(v);

	if (is_null(v))
		return 0;
	for (unsigned int i = 0; s && i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum tls_version)(TLS_10 + i);
			return 0;
		}
	return fail(p, v, "%s must be one of TLS10, TLS11, TLS12, TLS13", scalar(k));
}

static int min_version(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return tls_version(p, k, v, &p->out->min_version);
}

static int max_version(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	return tls_version(p, k, v, &p->out->max_version);
}

static int boolean(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	const char *s = scalar(v);

	if (is_null(v) || (s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)))
		return 0;
	return fail(p, v, "%s must be true or false", scalar(k));
}

/*
 * Restrictions the toolkit offers that this server cannot apply through
 * libmicrohttpd: refused when they say something, rather than accepted and
 * not enforced.
 */
static int unsupported_list(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	if (is_empty_sequence(v))
		return 0;
	return fail(p, v, "%s is not supported by ipc_exporter (its TLS is GnuTLS's defaults, bounded by "
		    "min_version and max_version); remove it", scalar(k));
}

static int inline_pem(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	if (is_null(v))
		return 0;
	return fail(p, k, "%s: give the PEM in a file (cert_file, key_file)", scalar(k));
}

static int tls_server_config(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	static const struct key_rule rules[] = {
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

	if (walk_mapping(p, v, "tls_server_config", rules) < 0)
		return -1;
	if (is_null(v))
		return 0;
	if (!c->cert_file != !c->key_file)
		return fail(p, k, "tls_server_config needs both cert_file and key_file");
	if (!c->cert_file && (c->client_auth || c->client_ca_file || c->min_version || c->max_version))
		return fail(p, k, "tls_server_config: cert_file and key_file are needed for TLS");
	/* libmicrohttpd asks clients for a certificate only with CAs to name */
	if (c->client_auth != CLIENT_AUTH_NONE && !c->client_ca_file)
		return fail(p, k, "tls_server_config: client_auth_type asks for client certificates: client_ca_file "
			    "is needed (the CAs to trust)");
	if (c->client_ca_file && c->client_auth == CLIENT_AUTH_NONE)
		return fail(p, k, "tls_server_config: client_ca_file is given but client_auth_type is NoClientCert "
			    "(say which client certificates to ask for)");
	if (c->min_version && c->max_version && c->min_version > c->max_version)
		return fail(p, k, "tls_server_config: min_version is above max_version");
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

static int headers(struct parse *p, const yaml_node_t *k, const yaml_node_t *map)
{
	struct web_config *c = p->out;

	(void)k;
	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "headers must be a mapping of header names to values");
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(p->doc, pair->value);
		const char *name = scalar(key), *text = scalar(value), *why;

		if (!name)
			return fail(p, key, "headers: names must be plain text");
		if ((why = header_refusal(name)))
			return fail(p, key, "headers: \"%s\": %s", name, why);
		if (!text || strlen(text) != value->data.scalar.length || strpbrk(text, "\r\n"))
			return fail(p, value, "headers: the value of \"%s\" must be one line of text", name);
		for (unsigned int i = 0; i < c->nheaders; i++)
			if (strcasecmp(c->headers[i].name, name) == 0)
				return fail(p, key, "headers: \"%s\" is given twice", name);
		if (c->nheaders == WEB_CONFIG_MAX_HEADERS)
			return fail(p, key, "headers: at most %d", WEB_CONFIG_MAX_HEADERS);
		c->headers[c->nheaders].name = strdup(name);
		c->headers[c->nheaders].value = strdup(text);
		if (!c->headers[c->nheaders].name || !c->headers[c->nheaders].value) {
			free(c->headers[c->nheaders].name);
			free(c->headers[c->nheaders].value);
			return fail(p, key, "out of memory");
		}
		c->nheaders++;
	}
	return 0;
}

static int http_server_config(struct parse *p, const yaml_node_t *k, const yaml_node_t *v)
{
	static const struct key_rule rules[] = {
		{ "headers", headers },
		{ "http2", boolean },	/* the toolkit's switch; this server speaks HTTP/1.1 */
		{ NULL, NULL },
	};

	(void)k;
	return walk_mapping(p, v, "http_server_config", rules);
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

static int basic_auth_users(struct parse *p, const yaml_node_t *k, const yaml_node_t *map)
{
	struct web_config *c = p->out;

	(void)k;
	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "basic_auth_users must be a mapping of user names to bcrypt hashes");
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(p->doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(p->doc, pair->value);
		const char *name = scalar(key), *hash = scalar(value);

		if (!name || !*name || strlen(name) != key->data.scalar.length || strchr(name, ':'))
			return fail(p, key, "basic_auth_users: a user name must be text without a colon");
		if (!hash || !is_bcrypt(hash))
			return fail(p, value ? value : key,
				    "basic_auth_users: the password of \"%s\" must be a bcrypt hash ($2y$..., e.g. from "
				    "htpasswd -nbBC 10 USER PASSWORD)", name);
		for (unsigned int i = 0; i < c->nusers; i++)
			if (strcmp(c->users[i].name, name) == 0)
				return fail(p, key, "basic_auth_users: \"%s\" is given twice", name);
		if (c->nusers == WEB_CONFIG_MAX_USERS)
			return fail(p, key, "basic_auth_users: at most %d users", WEB_CONFIG_MAX_USERS);
		c->users[c->nusers].name = strdup(name);
		c->users[c->nusers].hash = strdup(hash);
		if (!c->users[c->nusers].name || !c->users[c->nusers].hash) {
			free(c->users[c->nusers].name);
			free(c->users[c->nusers].hash);
			return fail(p, key, "out of memory");
		}
		c->nusers++;
	}
	return 0;
}

int web_config_parse(const char *name, const char *dir, const char *text, size_t len, struct web_config *out,
		     char *err, size_t errlen)
{
	static const struct key_rule rules[] = {
		{ "tls_server_config", tls_server_config },
		{ "http_server_config", http_server_config },
		{ "basic_auth_users", basic_auth_users },
		{ NULL, NULL },
	};
	struct parse p = { .name = name, .dir = dir, .out = out, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!yaml_parser_initialize(&parser))
		return fail(&p, NULL, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: %s%s%s", name, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1, parser.problem ? parser.problem : "not valid YAML",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root)	/* an empty file: no TLS, no users */
		ret = walk_mapping(&p, root, "the web configuration", rules);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
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
