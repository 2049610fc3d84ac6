/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Removes the attribution queues whose pipe, FIFO, socket or pty is gone.
 * The kernel side drops the queues of objects it sees end (TCP close,
 * new connections, pty pairs); for the rest, a sweep asks the kernel which
 * objects are still open (bpf/queue_lifecycle.bpf.h) and removes the
 * queues of those that are not.  Idleness stays as a safety net.
 */
#ifndef QUEUE_SWEEP_H
#define QUEUE_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

struct probe;

struct queue_sweep_counts {
	uint64_t sweeps;
	uint64_t dead;		/* queues of objects no longer open */
	uint64_t idle;		/* queues idle past the limits below */
	uint64_t stale_bytes;	/* bytes they held that no reader will get */
	uint64_t removed;	/* dead + idle */
	uint64_t refused_seen;	/* queues refused (table or share full), at the last check */
};

/* Sweep this often, and sooner when the table fills. */
#define QUEUE_SWEEP_SECONDS 5
/* A closed UNIX datagram socket's queue goes once idle this long: its datagrams may still be read. */
#define QUEUE_DEAD_GRACE_SECONDS 2
/* Empty queues idle this long are removed (they are made again at the next transfer). */
#define PIPE_QUEUE_IDLE_EMPTY_SECONDS 30
/* Queues still holding data are removed after this long, only when the table is half full. */
#define PIPE_QUEUE_IDLE_DATA_SECONDS 600

/* Runs one sweep and adds what it removed to counts. */
void queue_sweep(const struct probe *p, struct queue_sweep_counts *counts);
/* Whether the table is filling: over a quarter full, or a queue was refused since the last call. */
bool queue_sweep_due(const struct probe *p, struct queue_sweep_counts *counts);

#endif
