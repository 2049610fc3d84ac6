// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/yaml_doc.h"

int yaml_fail(struct yaml_doc *d, const yaml_node_t *at, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (at)
		snprintf(d->err, d->errlen, "%s:%zu:%zu: %s", d->name, at->start_mark.line + 1,
			 at->start_mark.column + 1, why);
	else
		snprintf(d->err, d->errlen, "%s: %s", d->name, why);
	return -1;
}

int yaml_doc_load(struct yaml_doc *d, const char *name, const char *text, size_t len, char *err, size_t errlen,
		  yaml_node_t **root)
{
	yaml_parser_t parser;

	memset(d, 0, sizeof(*d));
	d->name = name;
	d->err = err;
	d->errlen = errlen;
	if (!yaml_parser_initialize(&parser))
		return yaml_fail(d, NULL, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: %s%s%s", name, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1, parser.problem ? parser.problem : "not valid YAML",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	d->loaded = true;
	*root = yaml_document_get_root_node(&d->doc);
	/* what a second document (after ---) says would be silently ignored: refused */
	if (*root) {
		yaml_document_t next;

		bool more = true;
		yaml_mark_t at = parser.mark;

		if (yaml_parser_load(&parser, &next)) {
			yaml_node_t *again = yaml_document_get_root_node(&next);

			more = again && !yaml_is_null(again);	/* an empty one after a last --- is no more */
			yaml_document_delete(&next);
		}
		if (more) {
			snprintf(err, errlen, "%s:%zu:%zu: a second YAML document (---): put everything in one", name,
				 at.line + 1, at.column + 1);
			yaml_parser_delete(&parser);
			yaml_doc_free(d);
			return -1;
		}
	}
	yaml_parser_delete(&parser);
	return 0;
}

void yaml_doc_free(struct yaml_doc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
}

yaml_node_t *yaml_doc_node(struct yaml_doc *d, int id)
{
	return yaml_document_get_node(&d->doc, id);
}

const char *yaml_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

bool yaml_scalar_has_nul(const yaml_node_t *n)
{
	const char *v = yaml_scalar(n);

	return v && strlen(v) != n->data.scalar.length;
}

bool yaml_is_null(const yaml_node_t *n)
{
	const char *v = yaml_scalar(n);

	return v && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
		strcmp(v, "NULL") == 0);
}

int yaml_walk_mapping(struct yaml_doc *d, const yaml_node_t *map, const char *what, const struct yaml_key_rule *rules,
		      void *ctx)
{
	unsigned long long seen = 0;

	if (yaml_is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return yaml_fail(d, map, "%s must be a mapping of keys to values", what);
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_doc_node(d, pair->key);
		const yaml_node_t *value = yaml_doc_node(d, pair->value);
		const char *name = yaml_scalar(key);
		int i;

		if (!name)
			return yaml_fail(d, key, "%s: keys must be plain names", what);
		for (i = 0; rules[i].key && i < 64 && strcmp(rules[i].key, name) != 0; i++)
			;
		if (!rules[i].key || i >= 64)
			return yaml_fail(d, key, "%s: unknown key \"%s\"", what, name);
		if (seen & (1ull << i))
			return yaml_fail(d, key, "%s: \"%s\" is given twice", what, name);
		seen |= 1ull << i;
		if (rules[i].handle(d, ctx, key, value) < 0)
			return -1;
	}
	return 0;
}
