/* SPDX-License-Identifier: GPL-2.0 */
/* The standard process_* metrics every Prometheus client library exports. */
#ifndef PROCESS_STATS_H
#define PROCESS_STATS_H

#include "metrics/exposition.h"

void process_stats_render(struct exposition *out);

#endif
