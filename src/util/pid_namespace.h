/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PID_NAMESPACE_H
#define PID_NAMESPACE_H

#include <stdbool.h>

/*
 * Whether this process runs in the initial pid namespace, the one the
 * kernel side numbers pids in: a container's own namespace (no hostPID)
 * numbers them otherwise, and its /proc shows only its own processes.
 */
bool in_initial_pid_namespace(void);

#endif
