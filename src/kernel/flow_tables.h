/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's flow tables: swaps the table the programs count into, hands
 * every entry of the old one to the caller and deletes it, tells how full
 * the active one is, and reads the cumulative overflow and health counters.
 */
#ifndef FLOW_TABLES_H
#define FLOW_TABLES_H

#include <stdint.h>

#include "ipc_types.h"

struct probe;

struct flow_tables {
	const struct probe *probe;
	int active_table;	/* 0: flow_counts_a is in use by the kernel */
	uint64_t drains;
	uint64_t flows_drained;	/* kernel entries handed over, all drains */
	uint64_t last_drained;	/* entries the table held at the last drain */
	uint64_t inserts_at_swap;	/* IPC_HEALTH_FLOW_INSERTS when the active table was swapped in */
};

/* Receives one drained kernel entry. */
typedef void (*flow_sink)(void *ctx, const struct ipc_flow_key *key, const struct ipc_flow_counts *counts);

void flow_tables_init(struct flow_tables *t, const struct probe *probe);
/*
 * Swap the tables, then pass each entry of the old one to sink and delete
 * it.  0 or a negative errno, logged.
 */
int flow_tables_drain(struct flow_tables *t, flow_sink sink, void *ctx);
/* Entries each flow table holds at most (--flow-table-size). */
uint32_t flow_tables_capacity(const struct flow_tables *t);
/*
 * Entries in the active table now: the pairs the kernel inserted since it
 * was swapped in.  A few inserted while the swap returned may be missed.
 */
uint64_t flow_tables_fill(const struct flow_tables *t);
/* The kernel's cumulative totals, summed over CPUs; a slot that cannot be read is left as it was. */
void flow_tables_read_overflow(const struct flow_tables *t, struct ipc_flow_counts overflow[IPC_OVERFLOW_SLOTS]);
void flow_tables_read_health(const struct flow_tables *t, uint64_t health[IPC_HEALTH_COUNTER_COUNT]);

#endif
