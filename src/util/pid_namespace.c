// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <unistd.h>

#include "util/pid_namespace.h"

/*
 * The initial pid namespace's inode is a constant of the kernel
 * (PROC_PID_INIT_INO).  NSpid in /proc/self/status would not do: it lists
 * pids from the namespace of the /proc mounted, which a container mounts
 * for its own.
 */
#define INITIAL_PID_NAMESPACE "pid:[4026531836]"

bool in_initial_pid_namespace(void)
{
	char link[64];
	ssize_t n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1);

	if (n < 0)
		return true;	/* no /proc to tell: as before namespaces */
	link[n] = '\0';
	return strcmp(link, INITIAL_PID_NAMESPACE) == 0;
}
