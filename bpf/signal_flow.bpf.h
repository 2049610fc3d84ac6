/* SPDX-License-Identifier: GPL-2.0 */
/* Signals: one message per signal generated, from sender to target. */
#ifndef SIGNAL_FLOW_BPF_H
#define SIGNAL_FLOW_BPF_H

#include "flow_counts.bpf.h"

/* siginfo special values and the si_code values a process can send with. */
#define SEND_SIG_NOINFO ((struct kernel_siginfo *)0)
#define SEND_SIG_PRIV ((struct kernel_siginfo *)1)
#define SI_USER 0
#define SI_QUEUE -1
#define SI_MESGQ -3
#define SI_TKILL -6

/*
 * The tracepoint runs in the sender's context for kill(), tgkill(),
 * sigqueue() and mq_notify(); timers, faults, SIGCHLD and the like run in
 * whatever context is current, so they are attributed to the kernel.
 */
static __always_inline int signal_sent_by_current(struct kernel_siginfo *info)
{
	int code;

	if (info == SEND_SIG_NOINFO)
		return 1;
	if (info == SEND_SIG_PRIV)
		return 0;
	code = BPF_CORE_READ(info, si_code);
	return code == SI_USER || code == SI_QUEUE || code == SI_TKILL || code == SI_MESGQ;
}

static __always_inline void signal_generated(int sig, struct kernel_siginfo *info, struct task_struct *target)
{
	struct ipc_endpoint src, dst;

	if (sig <= 0 || sig > IPC_SIGNAL_MAX)
		return;
	if (signal_sent_by_current(info))
		endpoint_of_current(&src);
	else
		endpoint_placeholder(&src, IPC_COMM_KERNEL);
	endpoint_of_task(&dst, target);
	flow_count_endpoints(IPC_SIGNAL, sig, &src, &dst, 1, 0);
}

#endif
