/* SPDX-License-Identifier: GPL-2.0 */
/* The /metrics page: IPC series, then the exporter's own. */
#ifndef METRICS_PAGE_H
#define METRICS_PAGE_H

#include <stdint.h>

#include "ipc_types.h"
#include "metrics/exposition.h"
#include "metrics/flow_collector.h"
#include "util/strbuf.h"

/* What /debug/events counts, for its families on the page. */
struct page_event_counts {
	unsigned int clients;		/* streaming now */
	uint64_t client_dropped;	/* events a client's full buffer had no room for */
	uint64_t kernel_lost[IPC_MECHANISM_COUNT];	/* events the kernel ring buffer had no room for */
};

/* What the HTTP server refused or cut, for its families on the page. */
struct page_http_counts {
	uint64_t slow_clients_cut;	/* connections that missed the deadline for their request headers */
	uint64_t scrapes_refused;	/* 503s past --web.max-requests */
	uint64_t scrapes_shared;	/* answered with the page of a scrape that came at the same time */
	bool config_reload_ok;		/* the last (re)load of --web.config.file took */
	int64_t config_reload_time;	/* the last one that did, seconds since the epoch */
};

/*
 * Drains the kernel and writes the whole page in format; events is NULL
 * while /debug/events is off, http NULL outside the HTTP server.  0 or a
 * negative errno.
 */
int metrics_page_render(struct flow_collector *c, const struct page_event_counts *events,
			const struct page_http_counts *http, enum exposition_format format, struct strbuf *page);

#endif
