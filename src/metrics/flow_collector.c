// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "identity/process_labels.h"
#include "kernel/bpf_loader.h"
#include "policy/policy.h"
#include "metrics/flow_collector.h"
#include "util/log.h"

int flow_collector_init(struct flow_collector *c, struct probe *probe, unsigned int labels, unsigned int noted,
			size_t series_limit)
{
	memset(c, 0, sizeof(*c));
	c->probe = probe;
	c->labels = labels;
	c->noted = noted & ~labels;
	c->series_limit = series_limit;
	flow_tables_init(&c->tables, probe);
	identity_names_init(&c->names, probe_exe_paths_fd(probe), probe_cgroup_paths_fd(probe), labels | noted);
	pthread_mutex_init(&c->policy_lock, NULL);
	return -pthread_mutex_init(&c->lock, NULL);
}

void flow_collector_free(struct flow_collector *c)
{
	if (c->policy) {
		policy_free(c->policy);
		free(c->policy);
	}
	series_table_free(&c->series);
	series_table_free(&c->verdicts);
	identity_names_free(&c->names);
	pthread_mutex_destroy(&c->policy_lock);
	pthread_mutex_destroy(&c->lock);
}

/* Up to the NUL, zero after it: series keys are compared whole. */
static void copy_comm(char *dst, const char *src)
{
	size_t len = strnlen(src, SERIES_COMM_LEN - 1);

	memset(dst, 0, SERIES_COMM_LEN);
	memcpy(dst, src, len);
}

/* One endpoint's labels, those that are exported. */
static void endpoint_labels(struct flow_collector *c, const struct ipc_endpoint *ep, char *comm, uint32_t *pid,
			    const char **exe, const char **cgroup)
{
	copy_comm(comm, ep->comm);
	if (c->labels & PROCESS_LABEL_PID)
		*pid = ep->tgid;
	if (c->labels & PROCESS_LABEL_EXE)
		*exe = identity_exe_name(&c->names, ep->exe);
	if (c->labels & PROCESS_LABEL_CGROUP)
		*cgroup = identity_cgroup_name(&c->names, ep->cgroup);
}

/* The [overflow] label set of a mechanism (and signal number). */
static void overflow_key(struct flow_collector *c, struct series_key *key, uint8_t mechanism, uint8_t signal)
{
	const char *overflow = identity_intern(&c->names, OVERFLOW_COMM);

	memset(key, 0, sizeof(*key));
	key->mechanism = mechanism;
	key->signal = signal;
	copy_comm(key->src_comm, OVERFLOW_COMM);
	copy_comm(key->dst_comm, OVERFLOW_COMM);
	if (c->labels & PROCESS_LABEL_EXE)
		key->src_exe = key->dst_exe = overflow;
	if (c->labels & PROCESS_LABEL_CGROUP)
		key->src_cgroup = key->dst_cgroup = overflow;
}

/*
 * Whether the policy in force allows a flow, judged once per key and policy
 * (the key's series holds the verdict): the label set's, or with noted
 * identities the full one.
 */
static bool unexpected(struct flow_collector *c, struct series *s)
{
	const struct series_key *k = &s->key;
	struct policy_flow flow = { .mechanism = k->mechanism, .signal = k->signal };

	if (s->policy_gen == c->policy_gen)
		return s->unexpected;
	s->policy_gen = c->policy_gen;
	/* [overflow] stands for many pairs: no rule can judge it */
	if (strcmp(k->src_comm, OVERFLOW_COMM) == 0) {
		s->unexpected = false;
		return false;
	}
	flow.src[POLICY_COMM] = k->src_comm;
	flow.dst[POLICY_COMM] = k->dst_comm;
	flow.src[POLICY_EXE] = k->src_exe;
	flow.dst[POLICY_EXE] = k->dst_exe;
	flow.src[POLICY_CGROUP] = k->src_cgroup;
	flow.dst[POLICY_CGROUP] = k->dst_cgroup;
	s->unexpected = !policy_allows(c->policy, &flow);
	return s->unexpected;
}

/* verdict_key: the flow's full key when the policy needs identities the labels leave out, else NULL. */
static void add_series(struct flow_collector *c, const struct series_key *key, const struct series_key *verdict_key,
		       uint64_t messages, uint64_t bytes)
{
	struct series *s = series_table_entry(&c->series, key), *v;
	bool is_unexpected = false;

	if (!s) {
		c->series_add_failures++;
		return;
	}
	s->messages += messages;
	s->bytes += bytes;
	if (!c->policy)
		return;
	if (verdict_key) {
		/* bounded: past the series limit, flows are judged each time rather than kept */
		v = c->verdicts.count < c->series_limit * 4 ? series_table_entry(&c->verdicts, verdict_key) : NULL;
		if (v) {
			is_unexpected = unexpected(c, v);
		} else {
			struct series once = { .key = *verdict_key };

			is_unexpected = unexpected(c, &once);
		}
	} else {
		is_unexpected = unexpected(c, s);
	}
	if (is_unexpected) {
		s->unexpected_messages += messages;
		s->unexpected_bytes += bytes;
	}
}

unsigned int flow_collector_policy_rules(struct flow_collector *c)
{
	unsigned int n;

	pthread_mutex_lock(&c->lock);
	n = c->policy ? c->policy->nrules : 0;
	pthread_mutex_unlock(&c->lock);
	return n;
}

bool flow_collector_event_unexpected(void *collector, const struct ipc_event *e)
{
	struct flow_collector *c = collector;
	bool unexpected;

	pthread_mutex_lock(&c->policy_lock);
	unexpected = c->policy && !policy_allows_event(c->policy, e);
	pthread_mutex_unlock(&c->policy_lock);
	return unexpected;
}

int flow_collector_load_policy(struct flow_collector *c, char *err, size_t errlen)
{
	struct policy *p = calloc(1, sizeof(*p)), *old;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (policy_read(c->policy_path, p, err, errlen) < 0) {
		free(p);
		pthread_mutex_lock(&c->lock);
		c->policy_reload_ok = false;
		pthread_mutex_unlock(&c->lock);
		return -1;
	}
	/* what the kernel side was told to record is fixed at start */
	if (c->policy && (p->needs & ~((c->labels | c->noted) & PROCESS_LABEL_EXE ? 1u << POLICY_EXE : 0) &
			  ~((c->labels | c->noted) & PROCESS_LABEL_CGROUP ? 1u << POLICY_CGROUP : 0) &
			  (1u << POLICY_EXE | 1u << POLICY_CGROUP)))
		log_warning("--policy.file: %s names exe or cgroup, which the exporter has not recorded since it "
			    "started: rules naming them match nothing until a restart", c->policy_path);
	pthread_mutex_lock(&c->lock);
	/* what the kernel holds was counted under the old policy: drained under it */
	if (c->policy)
		flow_collector_drain(c, FLOW_DRAIN_POLICY);
	old = c->policy;
	pthread_mutex_lock(&c->policy_lock);
	c->policy = p;
	pthread_mutex_unlock(&c->policy_lock);
	c->policy_gen++;
	c->policy_reload_ok = true;
	c->policy_reload_time = (int64_t)time(NULL);
	pthread_mutex_unlock(&c->lock);
	if (old) {
		policy_free(old);
		free(old);
	}
	return 0;
}

/* A flow_sink: one drained kernel entry into its label set. */
static void fold_flow(void *collector, const struct ipc_flow_key *k, const struct ipc_flow_counts *v)
{
	struct flow_collector *c = collector;
	struct series_key key, full;
	uint8_t signal = k->mechanism == IPC_SIGNAL ? k->signal : 0;

	memset(&key, 0, sizeof(key));
	key.mechanism = k->mechanism;
	key.signal = signal;
	endpoint_labels(c, &k->src, key.src_comm, &key.src_pid, &key.src_exe, &key.src_cgroup);
	endpoint_labels(c, &k->dst, key.dst_comm, &key.dst_pid, &key.dst_exe, &key.dst_cgroup);
	/* the policy names identities the labels leave out: the flow is judged with them */
	if (c->noted && c->policy) {
		full = key;
		full.src_pid = full.dst_pid = 0;
		if (c->noted & PROCESS_LABEL_EXE) {
			full.src_exe = identity_exe_name(&c->names, k->src.exe);
			full.dst_exe = identity_exe_name(&c->names, k->dst.exe);
		}
		if (c->noted & PROCESS_LABEL_CGROUP) {
			full.src_cgroup = identity_cgroup_name(&c->names, k->src.cgroup);
			full.dst_cgroup = identity_cgroup_name(&c->names, k->dst.cgroup);
		}
	}
	/* Past the limit, a new label set is folded; known ones keep counting. */
	if (c->series.count >= c->series_limit && !series_table_find(&c->series, &key)) {
		overflow_key(c, &key, k->mechanism, signal);
		c->series_folded++;
	}
	add_series(c, &key, c->noted && c->policy && strcmp(key.src_comm, OVERFLOW_COMM) != 0 ? &full : NULL,
		   v->messages, v->bytes);
}

/* What the kernel could not keep per pair joins the [overflow] label set. */
static void fold_overflow(struct flow_collector *c)
{
	struct ipc_flow_counts now[IPC_OVERFLOW_SLOTS];

	memcpy(now, c->overflow, sizeof(now));
	flow_tables_read_overflow(&c->tables, now);
	for (unsigned int slot = 0; slot < IPC_OVERFLOW_SLOTS; slot++) {
		struct series_key key;

		if (now[slot].messages == c->overflow[slot].messages && now[slot].bytes == c->overflow[slot].bytes)
			continue;
		if (slot < IPC_MECHANISM_COUNT)
			overflow_key(c, &key, slot, 0);
		else
			overflow_key(c, &key, IPC_SIGNAL, slot - IPC_MECHANISM_COUNT);
		add_series(c, &key, NULL, now[slot].messages - c->overflow[slot].messages,
			   now[slot].bytes - c->overflow[slot].bytes);
		c->overflow[slot] = now[slot];
	}
}

int flow_collector_drain(struct flow_collector *c, enum flow_drain_reason reason)
{
	int err = flow_tables_drain(&c->tables, fold_flow, c);

	c->drains[reason]++;
	if (c->tables.last_drained > c->flow_table_peak)
		c->flow_table_peak = c->tables.last_drained;
	fold_overflow(c);
	flow_tables_read_health(&c->tables, c->health);
	return err;
}

int flow_collector_drain_if_filling(struct flow_collector *c)
{
	uint32_t capacity = flow_tables_capacity(&c->tables);
	uint64_t fill;
	int err = 0;

	pthread_mutex_lock(&c->lock);
	fill = flow_tables_fill(&c->tables);
	if (fill * FLOW_DRAIN_FILL_DIVISOR >= capacity) {
		err = flow_collector_drain(c, FLOW_DRAIN_FILL);
		log_debug("flow table filling (%" PRIu64 " of %u entries): drained %" PRIu64 " in the background",
			  fill, capacity, c->tables.last_drained);
		if (err == 0)
			err = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}
