// SPDX-License-Identifier: GPL-2.0
/* Mechanism and signal names. */
#include <signal.h>

#include "ipc_types.h"
#include "kernel/ipc_names.h"
#include "tap.h"

static const char *sig(int n)
{
	static char buf[32];

	signal_name(n, buf, sizeof(buf));
	return buf;
}

int main(void)
{
	tap_str_eq(mechanism_name(IPC_PIPE), "pipe", "pipe");
	tap_str_eq(mechanism_name(IPC_UNIX_SEQPACKET), "unix-seqpacket", "unix-seqpacket");
	tap_str_eq(mechanism_name(IPC_LOOPBACK_UDP), "loopback-udp", "loopback-udp");
	tap_ok(mechanism_name(IPC_MECHANISM_COUNT) == NULL, "out of range: NULL");
	tap_ok(mechanism_from_name("fifo") == IPC_FIFO, "fifo by name");
	tap_ok(mechanism_from_name("nope") == -1, "unknown name: -1");
	tap_str_eq(sig(SIGUSR1), "SIGUSR1", "SIGUSR1");
	tap_str_eq(sig(SIGKILL), "SIGKILL", "SIGKILL");
	tap_str_eq(sig(SIGSYS), "SIGSYS", "SIGSYS");
	tap_str_eq(sig(SIGRTMIN), "SIGRTMIN", "SIGRTMIN");
	tap_str_eq(sig(SIGRTMIN + 3), "SIGRTMIN+3", "SIGRTMIN+3");
	tap_str_eq(sig(SIGRTMAX), "SIGRTMAX", "SIGRTMAX");
	tap_str_eq(sig(32), "SIG32", "signal the C library keeps for itself");
	tap_str_eq(sig(99), "SIG99", "number past SIGRTMAX");
	return tap_done();
}
