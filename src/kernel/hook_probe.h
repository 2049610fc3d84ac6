/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KERNEL_HOOK_PROBE_H
#define KERNEL_HOOK_PROBE_H

#include <stdbool.h>

/*
 * Whether an fentry program can attach to the kernel function `func` here:
 * an empty one is loaded and attached, then closed.  Kernels without
 * CONFIG_FUNCTION_TRACER refuse the load (EPERM on the CI host), some
 * refuse the attachment (arm64 6.1: ENOTSUPP); either way, false.
 */
bool fentry_attachable(const char *func);
/* The kernel's BTF, read once for fentry_attachable, is let go. */
void hook_probe_done(void);

#endif
