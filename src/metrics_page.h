/* SPDX-License-Identifier: GPL-2.0 */
/* The /metrics page: IPC series, then the exporter's own. */
#ifndef METRICS_PAGE_H
#define METRICS_PAGE_H

#include "flow_collector.h"
#include "strbuf.h"

/* Drains the kernel and writes the whole page; 0 or a negative errno. */
int metrics_page_render(struct flow_collector *c, struct strbuf *out);

#endif
