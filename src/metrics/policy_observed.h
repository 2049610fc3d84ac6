/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GET /policy/observed: a policy, in --policy.file's YAML, that allows
 * exactly the flows seen since start, one rule per label set, sorted, each
 * with its counts in a comment.  Run the exporter on a host that behaves,
 * save it, review it, deploy it.
 */
#ifndef POLICY_OBSERVED_H
#define POLICY_OBSERVED_H

#include "metrics/flow_collector.h"
#include "util/strbuf.h"

/* Drains the kernel first, so that what was seen up to now is in it.  0 or -ENOMEM. */
int policy_observed_render(struct flow_collector *c, struct strbuf *out);

#endif
