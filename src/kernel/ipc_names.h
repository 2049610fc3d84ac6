/* SPDX-License-Identifier: GPL-2.0 */
/* Names users see for the kernel side's numbers. */
#ifndef IPC_NAMES_H
#define IPC_NAMES_H

#include <stddef.h>

/* "pipe", "unix-stream", ...; NULL for a number out of range. */
const char *mechanism_name(unsigned int mechanism);
/* -1 if no mechanism has that name. */
int mechanism_from_name(const char *name);
/* "SIGUSR1", "SIGRTMIN+3", "SIG70" for numbers past SIGRTMAX. */
void signal_name(int sig, char *buf, size_t size);

#endif
