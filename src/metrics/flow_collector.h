/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Folds the kernel's flow counts into the series table, at scrape time or
 * in the background when the kernel's table fills, with each endpoint's
 * labels and the series limit, and keeps the kernel's cumulative overflow
 * and health counters.
 */
#ifndef FLOW_COLLECTOR_H
#define FLOW_COLLECTOR_H

#include <pthread.h>
#include <stdint.h>

#include "identity/identity_names.h"
#include "ipc_types.h"
#include "kernel/flow_tables.h"
#include "kernel/queue_sweep.h"
#include "metrics/series_table.h"

/* The label set that flows past the series limit, or the kernel's full table, are folded into. */
#define OVERFLOW_COMM "[overflow]"

struct policy;
struct probe;

/* Why the kernel's flow table was drained. */
enum flow_drain_reason {
	FLOW_DRAIN_SCRAPE = 0,	/* a scrape */
	FLOW_DRAIN_FILL,	/* in the background: the active table was filling */
	FLOW_DRAIN_POLICY,	/* a new policy: what came before it is counted under the old one */
	FLOW_DRAIN_REASONS,
};

/*
 * The active flow table is drained in the background once it holds
 * capacity / FLOW_DRAIN_FILL_DIVISOR entries: the other half is room for
 * the new pairs of one poll interval and the drain itself.
 */
#define FLOW_DRAIN_FILL_DIVISOR 2

struct flow_collector {
	struct probe *probe;
	unsigned int labels;		/* PROCESS_LABEL_*: optional labels exported */
	unsigned int noted;		/* PROCESS_LABEL_EXE/CGROUP the policy needs beyond the labels */
	size_t series_limit;		/* label sets; new ones past it are folded into [overflow] */
	pthread_mutex_t lock;		/* one drain at a time; guards everything below */
	struct series_table series;
	struct identity_names names;
	struct flow_tables tables;
	uint64_t series_folded;		/* kernel entries folded into [overflow] by the limit */
	uint64_t series_add_failures;	/* out of memory: entries dropped, counted */
	struct queue_sweep_counts queues;	/* what the sweeps removed (the main thread copies it in) */
	uint64_t drains[FLOW_DRAIN_REASONS];
	uint64_t flow_table_peak;	/* most entries a drained flow table held since the last scrape */
	struct ipc_flow_counts overflow[IPC_OVERFLOW_SLOTS];
	uint64_t health[IPC_HEALTH_COUNTER_COUNT];
	/* --policy.file: flows no rule allows are counted again, as unexpected */
	const char *policy_path;	/* NULL: no policy, no unexpected families */
	struct policy *policy;		/* swapped under both lock and policy_lock */
	struct series_table verdicts;	/* with noted identities: flows judged, by their full key */
	pthread_mutex_t policy_lock;	/* for readers outside drains: the event thread */
	uint32_t policy_gen;		/* bumped at each load: every label set is judged again */
	bool policy_reload_ok;
	int64_t policy_reload_time;	/* wall-clock seconds of the last load that took */
};

/* noted: identities (PROCESS_LABEL_EXE, _CGROUP) resolved for the policy though not exported. */
int flow_collector_init(struct flow_collector *c, struct probe *probe, unsigned int labels, unsigned int noted,
			size_t series_limit);
void flow_collector_free(struct flow_collector *c);
/*
 * Drain the kernel's flow table into the series table, refresh the
 * cumulative counters.  Call with c->lock held.
 */
int flow_collector_drain(struct flow_collector *c, enum flow_drain_reason reason);
/*
 * Takes c->lock and drains if the active flow table holds its share of the
 * capacity (FLOW_DRAIN_FILL_DIVISOR).  1 if it drained, 0 if not, or a
 * negative errno.
 */
int flow_collector_drain_if_filling(struct flow_collector *c);
/*
 * (Re)reads c->policy_path; takes c->lock.  On an error the policy in force
 * stays and the error is written to err.  0 or -1.
 */
int flow_collector_load_policy(struct flow_collector *c, char *err, size_t errlen);
/* The rules of the policy in force (0 without one); takes c->lock. */
unsigned int flow_collector_policy_rules(struct flow_collector *c);
/* For /debug/events?unexpected=1: whether the policy in force does not allow the event's flow. */
bool flow_collector_event_unexpected(void *collector, const struct ipc_event *e);

#endif
