/* SPDX-License-Identifier: GPL-2.0 */
/* The process's capabilities: which it has, and giving up all but a few. */
#ifndef CAPABILITIES_H
#define CAPABILITIES_H

#include <stddef.h>
#include <stdint.h>
#include <linux/capability.h>

#define CAP_BIT(cap) (1ull << (cap))

/* The calling thread's effective set, as a bit mask (CAP_BIT). */
uint64_t capabilities_effective(void);
/* "CAP_BPF, CAP_PERFMON": the names of the capabilities of `mask`, into out. */
void capabilities_names(uint64_t mask, char *out, size_t len);
/*
 * Sets no-new-privileges and keeps only `keep` (of what it has): effective
 * and permitted; inheritable, ambient and the bounding set emptied of the
 * rest.  For the calling thread and the threads it makes from then on: call
 * it while the process has one thread.  0, or a negative errno.
 */
int capabilities_keep_only(uint64_t keep);
/* Sets the effective set to `effective` (of the permitted set, which stays): to try something without some. */
int capabilities_set_effective(uint64_t effective);

#endif
