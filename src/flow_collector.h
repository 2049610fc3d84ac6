/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Moves the kernel's flow counts into the series table at scrape time and
 * reads the kernel's cumulative overflow and health counters.
 */
#ifndef FLOW_COLLECTOR_H
#define FLOW_COLLECTOR_H

#include <pthread.h>
#include <stdint.h>

#include "identity_names.h"
#include "ipc_types.h"
#include "series_table.h"

/* The label set that flows past the series limit, or the kernel's full table, are folded into. */
#define OVERFLOW_COMM "[overflow]"

struct probe;

struct flow_collector {
	struct probe *probe;
	unsigned int labels;		/* PROCESS_LABEL_*: optional labels exported */
	size_t series_limit;		/* label sets; new ones past it are folded into [overflow] */
	pthread_mutex_t lock;		/* one drain at a time; guards everything below */
	struct series_table series;
	struct identity_names names;
	uint64_t series_folded;		/* kernel entries folded into [overflow] by the limit */
	int active_table;		/* 0: flow_counts_a is in use by the kernel */
	uint64_t drains;
	uint64_t flows_drained;		/* kernel entries moved, all drains */
	uint64_t series_add_failures;	/* out of memory: entries dropped, counted */
	uint64_t pipe_queues_collected;	/* idle pipe queues removed */
	uint64_t pipe_stale_bytes;	/* bytes of pipe queues removed with data */
	struct ipc_flow_counts overflow[IPC_OVERFLOW_SLOTS];
	uint64_t health[IPC_HEALTH_COUNTER_COUNT];
};

int flow_collector_init(struct flow_collector *c, struct probe *probe, unsigned int labels, size_t series_limit);
void flow_collector_free(struct flow_collector *c);
/*
 * Swap the kernel's flow table, move the old one's entries into the series
 * table, refresh the cumulative counters.  Call with c->lock held.
 */
int flow_collector_drain(struct flow_collector *c);

#endif
