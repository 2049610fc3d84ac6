/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which process labels flows carry besides src_comm/dst_comm: each one is
 * optional because each multiplies the number of series.
 */
#ifndef PROCESS_LABELS_H
#define PROCESS_LABELS_H

#include <stddef.h>

#define PROCESS_LABEL_PID 0x1
#define PROCESS_LABEL_EXE 0x2
#define PROCESS_LABEL_CGROUP 0x4

/*
 * "pid,exe,cgroup" in any order and subset, or "none"/"" for none.
 * Returns 0, or -1 with a message naming the bad item in err.
 */
int process_labels_parse(const char *list, unsigned int *labels, char *err, size_t errlen);

#endif
