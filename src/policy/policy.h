/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy of expected flows (--policy.file): rules that allow a flow
 * when every field they name matches it.  Parsed from YAML; matching is
 * pure (shell globs, fnmatch), done once per label set by its users.
 *
 *   allow:
 *     - mechanism: pipe                 # a name or a list; absent: any
 *       signal: [SIGTERM, "SIGRTMIN+*"] # signals only; names or globs
 *       src: {comm: seq, exe: "/usr/bin/...", cgroup: "docker://..."}
 *       dst: {comm: "sort*"}
 */
#ifndef POLICY_H
#define POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum policy_field { POLICY_COMM, POLICY_EXE, POLICY_CGROUP, POLICY_FIELDS };

struct policy_side {
	char *glob[POLICY_FIELDS];	/* NULL: any */
};

struct policy_rule {
	uint32_t mechanisms;		/* bit per IPC mechanism; 0: any */
	char **signals;			/* globs on signal names; NULL: any signal, and non-signals */
	unsigned int nsignals;
	struct policy_side src, dst;
	unsigned int line;		/* where it starts in the file */
};

struct policy {
	struct policy_rule *rules;
	unsigned int nrules;
	unsigned int needs;		/* bit per enum policy_field some rule names */
	char *text;			/* the file as read, for GET /policy */
	size_t text_len;
	/*
	 * An index, so that a flow is tried against the few rules that can
	 * match it: rules whose src comm is a plain name, sorted by it, and
	 * the others, tried for every flow.
	 */
	struct policy_literal { const char *comm; unsigned int rule; } *literals;
	unsigned int nliterals;
	unsigned int *others, nothers;
};

/* A flow as its label set shows it; a field not known is NULL (only a rule that does not name it matches). */
struct policy_flow {
	unsigned int mechanism;
	int signal;			/* for IPC_SIGNAL, else 0 */
	const char *src[POLICY_FIELDS], *dst[POLICY_FIELDS];
};

/* 0, or -1 with "NAME:LINE:COLUMN: what is wrong" in err. */
int policy_parse(const char *name, const char *text, size_t len, struct policy *out, char *err, size_t errlen);
int policy_read(const char *path, struct policy *out, char *err, size_t errlen);
void policy_free(struct policy *p);

bool policy_allows(const struct policy *p, const struct policy_flow *flow);

struct ipc_event;
/* The same for one event, by its command names (an event carries no exe or cgroup names). */
bool policy_allows_event(const struct policy *p, const struct ipc_event *e);

#endif
