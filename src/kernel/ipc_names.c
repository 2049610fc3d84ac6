// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ipc_types.h"
#include "kernel/ipc_names.h"

static const char *const mechanism_names[IPC_MECHANISM_COUNT] = {
	[IPC_PIPE] = "pipe",
	[IPC_FIFO] = "fifo",
	[IPC_SIGNAL] = "signal",
	[IPC_UNIX_STREAM] = "unix-stream",
	[IPC_UNIX_DGRAM] = "unix-dgram",
	[IPC_UNIX_SEQPACKET] = "unix-seqpacket",
	[IPC_LOOPBACK_TCP] = "loopback-tcp",
	[IPC_LOOPBACK_UDP] = "loopback-udp",
	[IPC_PTY] = "pty",
};

const char *mechanism_name(unsigned int mechanism)
{
	return mechanism < IPC_MECHANISM_COUNT ? mechanism_names[mechanism] : NULL;
}

int mechanism_from_name(const char *name)
{
	int i;

	for (i = 0; i < IPC_MECHANISM_COUNT; i++)
		if (strcmp(mechanism_names[i], name) == 0)
			return i;
	return -1;
}

/* The kernel's numbering on x86-64 (and every architecture but alpha, mips, sparc, parisc). */
static const char *const standard_signal_names[32] = {
	[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL",
	[5] = "SIGTRAP", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE",
	[9] = "SIGKILL", [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2",
	[13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM", [16] = "SIGSTKFLT",
	[17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG", [24] = "SIGXCPU",
	[25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH",
	[29] = "SIGIO", [30] = "SIGPWR", [31] = "SIGSYS",
};

/*
 * Realtime signals are named as the C library numbers them (glibc keeps the
 * first two for itself), so that a process that sends SIGRTMIN+3 is shown
 * as sending SIGRTMIN+3.  Those the library keeps show as SIG32, SIG33.
 */
void signal_name(int sig, char *buf, size_t size)
{
	if (sig > 0 && sig < 32 && standard_signal_names[sig])
		snprintf(buf, size, "%s", standard_signal_names[sig]);
	else if (sig == SIGRTMIN)
		snprintf(buf, size, "SIGRTMIN");
	else if (sig == SIGRTMAX)
		snprintf(buf, size, "SIGRTMAX");
	else if (sig > SIGRTMIN && sig < SIGRTMAX)
		snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, size, "SIG%d", sig);
}
