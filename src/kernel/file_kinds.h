/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Teaches the kernel side the file operations of pipes, sockets and ttys,
 * so that a read or write on any other file costs it one load.
 */
#ifndef FILE_KINDS_H
#define FILE_KINDS_H

#include <stdbool.h>

struct ipc_exporter_bpf;

/* Whether they were learned; if not, every file is classified in full (slower, as exact).  Logs which. */
bool file_kinds_learn(struct ipc_exporter_bpf *skel);

#endif
