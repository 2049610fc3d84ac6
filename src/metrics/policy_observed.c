// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "identity/process_labels.h"
#include "kernel/ipc_names.h"
#include "metrics/policy_observed.h"

/*
 * A label value as a glob that matches only itself, in a YAML double-quoted
 * string: glob metacharacters get a backslash (fnmatch), and YAML's own
 * escapes come on top.
 */
static void put_literal_glob(struct strbuf *out, const char *value)
{
	strbuf_puts(out, "\"");
	for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
		if (strchr("*?[]\\", *c))
			strbuf_puts(out, "\\\\");	/* the glob's backslash, escaped for YAML */
		if (*c == '"' || *c == '\\')
			strbuf_printf(out, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			strbuf_printf(out, "\\x%02x", *c);
		else
			strbuf_printf(out, "%c", *c);
	}
	strbuf_puts(out, "\"");
}

static void put_side(struct strbuf *out, const char *name, const char *comm, const char *exe, const char *cgroup)
{
	strbuf_printf(out, "    %s: {comm: ", name);
	put_literal_glob(out, comm);
	/* only names a rule can hold: an absolute path (not a truncated or unknown one), a known cgroup */
	if (exe && exe[0] != '/')
		exe = NULL;
	if (cgroup && (!cgroup[0] || cgroup[0] == '[' || strncmp(cgroup, "...", 3) == 0))
		cgroup = NULL;
	if (exe) {
		strbuf_puts(out, ", exe: ");
		put_literal_glob(out, exe);
	}
	if (cgroup) {
		strbuf_puts(out, ", cgroup: ");
		put_literal_glob(out, cgroup);
	}
	strbuf_puts(out, "}\n");
}

int policy_observed_render(struct flow_collector *c, struct strbuf *out)
{
	char signal[32], when[32];
	size_t rules = 0;
	time_t now = time(NULL);
	struct tm tm;

	pthread_mutex_lock(&c->lock);
	flow_collector_drain(c, FLOW_DRAIN_SCRAPE);
	series_table_sort(&c->series);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_printf(out, "# The flows ipc_exporter saw on this host from its start to %s, as a\n"
			   "# --policy.file that allows exactly them.  Review before deploying: a flow seen\n"
			   "# once is allowed as much as one seen a million times.\n", when);
	strbuf_puts(out, "allow:\n");
	for (size_t i = 0; i < c->series.count; i++) {
		const struct series *s = &c->series.entries[i];
		const struct series_key *k = &s->key;

		/* [overflow] stands for pairs the exporter could not tell apart: no rule can name them */
		if (strcmp(k->src_comm, OVERFLOW_COMM) == 0)
			continue;
		if (k->mechanism == IPC_SIGNAL) {
			signal_name(k->signal, signal, sizeof(signal));
			strbuf_printf(out, "  - signal: %s    # %" PRIu64 " sent\n", signal, s->messages);
		} else {
			strbuf_printf(out, "  - mechanism: %s    # %" PRIu64 " messages, %" PRIu64 " bytes\n",
				      mechanism_name(k->mechanism), s->messages, s->bytes);
		}
		put_side(out, "src", k->src_comm, k->src_exe, k->src_cgroup);
		put_side(out, "dst", k->dst_comm, k->dst_exe, k->dst_cgroup);
		rules++;
	}
	pthread_mutex_unlock(&c->lock);
	if (!rules)
		strbuf_puts(out, "  []\n");
	return out->failed ? -ENOMEM : 0;
}
