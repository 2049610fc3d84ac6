// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_types.h"
#include "kernel/ipc_names.h"
#include "policy/policy.h"
#include "util/yaml_doc.h"

#define POLICY_MAX_BYTES (16u << 20)
#define POLICY_MAX_RULES 100000
#define POLICY_MAX_SIGNALS 64

static const char *const field_names[POLICY_FIELDS] = { "comm", "exe", "cgroup" };

struct parse {
	struct yaml_doc *doc;
	struct policy *out;
	struct policy_rule *rule;	/* being read */
	const char *side_name;
	struct policy_side *side;
};

/*
 * The shortest text a glob matches, or -1 if it is not a valid glob (an
 * unclosed '[', a '\' at the end).
 */
static int glob_min_length(const char *g)
{
	int n = 0;

	for (; *g; g++) {
		if (*g == '*')
			continue;
		if (*g == '\\') {
			if (!*++g)
				return -1;
		} else if (*g == '[') {
			const char *c = g + 1;

			if (*c == '!' || *c == '^')
				c++;
			if (*c == ']')
				c++;
			while (*c && *c != ']')
				c++;
			if (!*c)
				return -1;
			g = c;
		}
		n++;
	}
	return n;
}

static int glob_value(struct parse *p, const yaml_node_t *v, const char *what, char **out)
{
	const char *g = yaml_scalar(v);
	int min;

	if (!g || !*g || yaml_scalar_has_nul(v))
		return yaml_fail(p->doc, v, "%s must be a name or a shell glob", what);
	min = glob_min_length(g);
	if (min < 0)
		return yaml_fail(p->doc, v, "%s: \"%s\" is not a valid glob (an unclosed [ or a trailing \\)", what, g);
	*out = strdup(g);
	return *out ? 0 : yaml_fail(p->doc, v, "out of memory");
}

static int side_field(struct yaml_doc *doc, struct parse *p, enum policy_field f, const yaml_node_t *v)
{
	char what[32];
	const char *g;

	snprintf(what, sizeof(what), "%s.%s", p->side_name, field_names[f]);
	if (glob_value(p, v, what, &p->side->glob[f]) < 0)
		return -1;
	g = p->side->glob[f];
	if (f == POLICY_COMM && glob_min_length(g) > IPC_COMM_LEN - 1)
		return yaml_fail(doc, v, "%s: \"%s\" can never match: a command name is at most %d characters", what,
				 g, IPC_COMM_LEN - 1);
	if (f == POLICY_EXE && g[0] != '/' && g[0] != '*' && g[0] != '?' && g[0] != '[')
		return yaml_fail(doc, v, "%s: \"%s\" can never match: executables are absolute paths", what, g);
	p->out->needs |= 1u << f;
	return 0;
}

static int side_comm(struct yaml_doc *d, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	(void)k;
	return side_field(d, ctx, POLICY_COMM, v);
}

static int side_exe(struct yaml_doc *d, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	(void)k;
	return side_field(d, ctx, POLICY_EXE, v);
}

static int side_cgroup(struct yaml_doc *d, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	(void)k;
	return side_field(d, ctx, POLICY_CGROUP, v);
}

static int side(struct yaml_doc *d, struct parse *p, const char *name, struct policy_side *s, const yaml_node_t *v)
{
	static const struct yaml_key_rule rules[] = {
		{ "comm", side_comm },
		{ "exe", side_exe },
		{ "cgroup", side_cgroup },
		{ NULL, NULL },
	};

	p->side_name = name;
	p->side = s;
	if (v->type != YAML_MAPPING_NODE)
		return yaml_fail(d, v, "%s must be a mapping of comm, exe, cgroup to globs", name);
	return yaml_walk_mapping(d, v, name, rules, p);
}

static int rule_src(struct yaml_doc *d, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	struct parse *p = ctx;

	(void)k;
	return side(d, p, "src", &p->rule->src, v);
}

static int rule_dst(struct yaml_doc *d, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	struct parse *p = ctx;

	(void)k;
	return side(d, p, "dst", &p->rule->dst, v);
}

/* A scalar or a sequence of scalars: calls each(p, node) for every one. */
static int each_item(struct yaml_doc *d, struct parse *p, const yaml_node_t *v, const char *what,
		     int (*each)(struct yaml_doc *, struct parse *, const yaml_node_t *))
{
	if (v->type == YAML_SCALAR_NODE)
		return each(d, p, v);
	if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.start == v->data.sequence.items.top)
		return yaml_fail(d, v, "%s must be a name or a non-empty list of names", what);
	for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
		if (each(d, p, yaml_doc_node(d, *i)) < 0)
			return -1;
	return 0;
}

static int one_mechanism(struct yaml_doc *d, struct parse *p, const yaml_node_t *v)
{
	const char *name = yaml_scalar(v);
	int m = name ? mechanism_from_name(name) : -1;

	if (m < 0)
		return yaml_fail(d, v, "mechanism: \"%s\" is not one of pipe, fifo, unix-stream, unix-dgram, "
				 "unix-seqpacket, loopback-tcp, loopback-udp, pty, signal", name ? name : "?");
	p->rule->mechanisms |= 1u << m;
	return 0;
}

static int rule_mechanism(struct yaml_doc *d, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	(void)k;
	return each_item(d, ctx, v, "mechanism", one_mechanism);
}

static bool glob_matches_a_signal(const char *g)
{
	char name[16];

	for (int sig = 1; sig <= IPC_SIGNAL_MAX; sig++) {
		signal_name(sig, name, sizeof(name));
		if (fnmatch(g, name, 0) == 0)
			return true;
	}
	return false;
}

static int one_signal(struct yaml_doc *d, struct parse *p, const yaml_node_t *v)
{
	struct policy_rule *r = p->rule;
	char *g;

	if (r->nsignals == POLICY_MAX_SIGNALS)
		return yaml_fail(d, v, "signal: at most %d names", POLICY_MAX_SIGNALS);
	if (glob_value(p, v, "signal", &g) < 0)
		return -1;
	r->signals[r->nsignals++] = g;
	if (!glob_matches_a_signal(g))
		return yaml_fail(d, v, "signal: \"%s\" names no signal (SIGTERM, SIGUSR1, SIGRTMIN+3, ...)", g);
	return 0;
}

static int rule_signal(struct yaml_doc *d, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	struct parse *p = ctx;

	(void)k;
	p->rule->signals = calloc(POLICY_MAX_SIGNALS, sizeof(char *));
	if (!p->rule->signals)
		return yaml_fail(d, v, "out of memory");
	return each_item(d, p, v, "signal", one_signal);
}

static int allow(struct yaml_doc *d, void *ctx, const yaml_node_t *k, const yaml_node_t *v)
{
	static const struct yaml_key_rule rules[] = {
		{ "mechanism", rule_mechanism },
		{ "signal", rule_signal },
		{ "src", rule_src },
		{ "dst", rule_dst },
		{ NULL, NULL },
	};
	struct parse *p = ctx;
	size_t n;

	(void)k;
	if (yaml_is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return yaml_fail(d, v, "allow must be a list of rules");
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > POLICY_MAX_RULES)
		return yaml_fail(d, v, "allow: at most %d rules", POLICY_MAX_RULES);
	p->out->rules = calloc(n ? n : 1, sizeof(struct policy_rule));
	if (!p->out->rules)
		return yaml_fail(d, v, "out of memory");
	for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
		const yaml_node_t *item = yaml_doc_node(d, *i);

		p->rule = &p->out->rules[p->out->nrules++];
		p->rule->line = (unsigned int)item->start_mark.line + 1;
		if (item->type != YAML_MAPPING_NODE)
			return yaml_fail(d, item, "a rule must be a mapping of mechanism, signal, src, dst");
		if (yaml_walk_mapping(d, item, "a rule", rules, p) < 0)
			return -1;
		if (p->rule->signals && p->rule->mechanisms & ~(1u << IPC_SIGNAL))
			return yaml_fail(d, item, "a rule with signal: applies to signals only: its mechanism can only "
					 "be signal");
	}
	return 0;
}

/* A glob that matches one text only: that text, its escapes undone, into out; false for a real glob. */
static bool glob_literal(const char *g, char *out, size_t size)
{
	size_t n = 0;

	for (; *g; g++) {
		if (strchr("*?[", *g))
			return false;
		if (*g == '\\' && !*++g)
			return false;
		if (n + 1 >= size)
			return false;
		out[n++] = *g;
	}
	out[n] = '\0';
	return true;
}

static int literal_order(const void *a, const void *b)
{
	const struct policy_literal *x = a, *y = b;
	int c = strcmp(x->comm, y->comm);

	return c ? c : (x->rule > y->rule) - (x->rule < y->rule);
}

/* Builds the index (struct policy); -ENOMEM. */
static int policy_index(struct policy *p)
{
	char literal[IPC_COMM_LEN];

	p->literals = calloc(p->nrules ? p->nrules : 1, sizeof(*p->literals));
	p->others = calloc(p->nrules ? p->nrules : 1, sizeof(*p->others));
	if (!p->literals || !p->others)
		return -ENOMEM;
	for (unsigned int i = 0; i < p->nrules; i++) {
		const char *g = p->rules[i].src.glob[POLICY_COMM];

		if (g && glob_literal(g, literal, sizeof(literal)) && (p->literals[p->nliterals].comm = strdup(literal)))
			p->literals[p->nliterals++].rule = i;
		else
			p->others[p->nothers++] = i;
	}
	qsort(p->literals, p->nliterals, sizeof(*p->literals), literal_order);
	return 0;
}

int policy_parse(const char *name, const char *text, size_t len, struct policy *out, char *err, size_t errlen)
{
	static const struct yaml_key_rule rules[] = {
		{ "allow", allow },
		{ NULL, NULL },
	};
	struct yaml_doc doc;
	struct parse p = { .doc = &doc, .out = out };
	yaml_node_t *root;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (yaml_doc_load(&doc, name, text, len, err, errlen, &root) < 0)
		return -1;
	if (root)	/* an empty policy allows nothing */
		ret = yaml_walk_mapping(&doc, root, "the policy", rules, &p);
	yaml_doc_free(&doc);
	if (ret == 0 && policy_index(out) < 0)
		ret = yaml_fail(&doc, NULL, "out of memory");
	if (ret == 0) {
		out->text = malloc(len + 1);
		if (out->text) {
			memcpy(out->text, text, len);
			out->text[len] = '\0';
			out->text_len = len;
		} else {
			ret = yaml_fail(&doc, NULL, "out of memory");
		}
	}
	if (ret < 0)
		policy_free(out);
	return ret;
}

int policy_read(const char *path, struct policy *out, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int ret = -1;
	FILE *f = fopen(path, "r");

	memset(out, 0, sizeof(*out));
	if (!f) {
		snprintf(err, errlen, "%s: cannot read the policy: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(POLICY_MAX_BYTES + 1);
	len = text ? fread(text, 1, POLICY_MAX_BYTES + 1, f) : 0;
	if (!text || ferror(f))
		snprintf(err, errlen, "%s: cannot read the policy: %s", path, text ? strerror(errno) : "out of memory");
	else if (len > POLICY_MAX_BYTES)
		snprintf(err, errlen, "%s: larger than %u bytes", path, POLICY_MAX_BYTES);
	else
		ret = policy_parse(path, text, len, out, err, errlen);
	fclose(f);
	free(text);
	return ret;
}

void policy_free(struct policy *p)
{
	for (unsigned int i = 0; i < p->nrules; i++) {
		struct policy_rule *r = &p->rules[i];

		for (int f = 0; f < POLICY_FIELDS; f++) {
			free(r->src.glob[f]);
			free(r->dst.glob[f]);
		}
		for (unsigned int s = 0; s < r->nsignals; s++)
			free(r->signals[s]);
		free(r->signals);
	}
	free(p->rules);
	free(p->text);
	for (unsigned int i = 0; i < p->nliterals; i++)
		free((char *)p->literals[i].comm);
	free(p->literals);
	free(p->others);
	memset(p, 0, sizeof(*p));
}

static bool side_matches(const struct policy_side *s, const char *const *values)
{
	for (int f = 0; f < POLICY_FIELDS; f++)
		if (s->glob[f] && (!values[f] || fnmatch(s->glob[f], values[f], 0) != 0))
			return false;
	return true;
}

static bool signal_matches(const struct policy_rule *r, const struct policy_flow *flow)
{
	char name[16];

	if (!r->signals)
		return true;
	if (flow->mechanism != IPC_SIGNAL)
		return false;
	signal_name(flow->signal, name, sizeof(name));
	for (unsigned int i = 0; i < r->nsignals; i++)
		if (fnmatch(r->signals[i], name, 0) == 0)
			return true;
	return false;
}

bool policy_allows_event(const struct policy *p, const struct ipc_event *e)
{
	char src[IPC_COMM_LEN], dst[IPC_COMM_LEN];
	struct policy_flow flow = { .mechanism = e->mechanism, .signal = e->mechanism == IPC_SIGNAL ? e->signal : 0 };

	snprintf(src, sizeof(src), "%.*s", IPC_COMM_LEN - 1, e->src.comm);
	snprintf(dst, sizeof(dst), "%.*s", IPC_COMM_LEN - 1, e->dst.comm);
	flow.src[POLICY_COMM] = src;
	flow.dst[POLICY_COMM] = dst;
	return policy_allows(p, &flow);
}

static bool rule_allows(const struct policy_rule *r, const struct policy_flow *flow)
{
	if (r->mechanisms && !(r->mechanisms & (1u << flow->mechanism)))
		return false;
	return signal_matches(r, flow) && side_matches(&r->src, flow->src) && side_matches(&r->dst, flow->dst);
}

bool policy_allows(const struct policy *p, const struct policy_flow *flow)
{
	const char *comm = flow->src[POLICY_COMM];
	size_t lo = 0, hi = p->nliterals;

	for (unsigned int i = 0; i < p->nothers; i++)
		if (rule_allows(&p->rules[p->others[i]], flow))
			return true;
	if (!comm)
		return false;
	/* the first literal rule for this name, then each one after it */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(p->literals[mid].comm, comm) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->nliterals && strcmp(p->literals[lo].comm, comm) == 0; lo++)
		if (rule_allows(&p->rules[p->literals[lo].rule], flow))
			return true;
	return false;
}
