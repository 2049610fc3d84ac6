/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one event consumer wants: mechanisms, pids and names at either end,
 * contents, how many, in which format.  The same filter comes from
 * ipcdump's flags and from /debug/events' query string.  Pure logic.
 */
#ifndef EVENT_FILTER_H
#define EVENT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc_types.h"

#define EVENT_FILTER_MAX_VALUES 16	/* per list: pids, src pids, comms, ... */

enum event_format {
	EVENT_FORMAT_JSON = 0,	/* one object per line */
	EVENT_FORMAT_TEXT,	/* ipcdump's: time type pid(comm) > pid(comm): key value, ... */
};

enum event_side { EVENT_EITHER = 0, EVENT_SRC, EVENT_DST, EVENT_SIDES };

struct event_filter {
	uint32_t mechanisms;	/* bit (1u << enum ipc_mechanism); 0 means all */
	uint32_t pids[EVENT_SIDES][EVENT_FILTER_MAX_VALUES];
	unsigned int npids[EVENT_SIDES];
	char comms[EVENT_SIDES][EVENT_FILTER_MAX_VALUES][IPC_COMM_LEN];
	unsigned int ncomms[EVENT_SIDES];
	unsigned int contents;	/* bytes of contents per event, 0: none (<= IPC_EVENT_CONTENT_MAX) */
	uint64_t count;		/* stop after this many events, 0: never */
	bool hide_lost;		/* no records about lost events */
	bool unexpected;	/* only flows the policy in force does not allow (the consumer judges) */
	enum event_format format;
};

void event_filter_init(struct event_filter *f);

/*
 * ipcdump's -t names: a|all, k|signal, u|unix, us|unix-stream,
 * ud|unix-dgram, t|pty, lo|loopback, lt|loopback-tcp, lu|loopback-udp,
 * p|pipe (pipe covers pipes and FIFOs; all covers everything), and the
 * exporter's mechanism names (fifo, unix-seqpacket, ...).  Adds to the set.
 */
int event_filter_add_type(struct event_filter *f, const char *name, char *err, size_t errlen);
/* "1234"; 0, or -1 with a message. */
int event_filter_add_pid(struct event_filter *f, enum event_side side, const char *text, char *err, size_t errlen);
/* a process name, at most 15 bytes */
int event_filter_add_comm(struct event_filter *f, enum event_side side, const char *name, char *err, size_t errlen);

/*
 * One query parameter of /debug/events: mechanism (= -t), pid, src_pid,
 * dst_pid, comm, src_comm, dst_comm (repeatable), contents=N, count=N,
 * format=json|text, lost=show|hide, unexpected=1|0.  Returns 0, or -1 with err naming the
 * parameter and what is wrong with it.  allow_contents: the exporter was
 * started with contents enabled; otherwise contents>0 is refused.
 */
int event_filter_parse_param(struct event_filter *f, const char *key, const char *value, bool allow_contents,
			     char *err, size_t errlen);

/* Does the event match?  (mechanism, pids and comms; the other fields are not filters) */
bool event_filter_match(const struct event_filter *f, const struct ipc_event *e);

#endif
