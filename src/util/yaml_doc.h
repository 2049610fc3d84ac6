/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A YAML file as a tree (libyaml's document API), and the checks every
 * configuration file of the exporter makes on it: known keys only, each
 * once, values of the right kind, errors as "FILE:LINE:COLUMN: why".
 */
#ifndef YAML_DOC_H
#define YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

struct yaml_doc {
	const char *name;	/* what errors call the file */
	yaml_document_t doc;
	bool loaded;
	char *err;
	size_t errlen;
};

/* Parses len bytes; 0, or -1 with the error in err.  root: the top node, NULL for an empty file. */
int yaml_doc_load(struct yaml_doc *d, const char *name, const char *text, size_t len, char *err, size_t errlen,
		  yaml_node_t **root);
void yaml_doc_free(struct yaml_doc *d);

/* Writes "NAME:LINE:COLUMN: why" (at the node; NULL: "NAME: why") and returns -1. */
int yaml_fail(struct yaml_doc *d, const yaml_node_t *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

yaml_node_t *yaml_doc_node(struct yaml_doc *d, int id);
/* The text of a scalar node, NULL for a mapping or sequence. */
const char *yaml_scalar(const yaml_node_t *n);
/* Whether the scalar holds a NUL byte (its text would end early). */
bool yaml_scalar_has_nul(const yaml_node_t *n);
/* A value YAML means as nothing: `key:`, `key: ~`, `key: null`. */
bool yaml_is_null(const yaml_node_t *n);

typedef int (*yaml_key_handler)(struct yaml_doc *d, void *ctx, const yaml_node_t *key, const yaml_node_t *value);
struct yaml_key_rule {
	const char *key;
	yaml_key_handler handle;
};

/* Each key of a mapping to its rule (at most 64 rules); unknown and repeated keys are errors. */
int yaml_walk_mapping(struct yaml_doc *d, const yaml_node_t *map, const char *what, const struct yaml_key_rule *rules,
		      void *ctx);

#endif
