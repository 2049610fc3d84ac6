/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Removes the attribution queues of pipes that have gone quiet, so the
 * kernel table has room for new pipes.  There is no hook for a pipe being
 * freed, so idleness stands in for it.
 */
#ifndef PIPE_QUEUE_GC_H
#define PIPE_QUEUE_GC_H

#include <stdint.h>

struct probe;

struct pipe_queue_gc_counts {
	uint64_t collected;	/* queues removed */
	uint64_t stale_bytes;	/* bytes they held that no reader will get */
};

/* Empty queues idle this long are removed. */
#define PIPE_QUEUE_IDLE_EMPTY_SECONDS 30
/* Queues still holding data are removed after this long, only when the table is half full. */
#define PIPE_QUEUE_IDLE_DATA_SECONDS 600

/* Adds what it removed to counts. */
void pipe_queue_gc(const struct probe *p, struct pipe_queue_gc_counts *counts);

#endif
