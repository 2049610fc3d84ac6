/* SPDX-License-Identifier: GPL-2.0 */
/* Signals: one message per signal generated, from sender to target. */
#ifndef SIGNAL_FLOW_BPF_H
#define SIGNAL_FLOW_BPF_H

#include "event_output.bpf.h"

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
	/* a probe read: 6.12 types this argument as a scalar (it may be 0 or 1) */
	code = BPF_CORE_READ(info, si_code);
	return code == SI_USER || code == SI_QUEUE || code == SI_TKILL || code == SI_MESGQ;
}

static __always_inline void event_signal(int sig, struct kernel_siginfo *info, const struct ipc_endpoint *src,
					 const struct ipc_endpoint *dst, int result, int by_current)
{
	struct ipc_event_config *cfg = event_config_on();
	struct event_scratch *ev;
	struct ipc_event *e;

	if (!cfg || !(cfg->mechanisms & (1u << IPC_SIGNAL)) || !event_pid_wanted(cfg, src->tgid, dst->tgid))
		return;
	ev = bpf_map_lookup_elem(&event_scratch, &(__u32){ EVENT_SCRATCH_SIGNAL });
	if (!ev)
		return;
	e = &ev->event;
	__builtin_memset(e, 0, sizeof(*e));
	e->time_ns = bpf_ktime_get_ns();
	e->mechanism = IPC_SIGNAL;
	e->src = *src;
	e->dst = *dst;
	e->messages = 1;
	e->signal = sig;
	e->meta_kind = IPC_META_SIGNAL;
	if (info != SEND_SIG_NOINFO && info != SEND_SIG_PRIV)
		e->meta.signal.code = BPF_CORE_READ(info, si_code);
	e->meta.signal.result = result;
	if (by_current) {
		/* the sending thread */
		e->thread_side = IPC_EVENT_THREAD_SRC;
		e->thread_id = (__u32)bpf_get_current_pid_tgid();
		bpf_get_current_comm(e->thread_comm, sizeof(e->thread_comm));
	}
	event_submit(ev);
}

static __always_inline void signal_generated(int sig, struct kernel_siginfo *info, struct task_struct *target,
					     int result)
{
	struct ipc_endpoint src, dst;
	int by_current;

	if (sig <= 0 || sig > IPC_SIGNAL_MAX)
		return;
	by_current = signal_sent_by_current(info);
	if (by_current && current_task_btf_exists())
		endpoint_of_task_btf(&src, bpf_get_current_task_btf());	/* loads, not helper calls */
	else if (by_current)
		endpoint_of_current(&src);
	else
		endpoint_placeholder(&src, IPC_COMM_KERNEL);
	/* the target is a BTF-typed argument on every kernel: loads, no helper calls */
	endpoint_of_task_btf(&dst, target);
	flow_count_endpoints(IPC_SIGNAL, sig, &src, &dst, 1, 0);
	event_signal(sig, info, &src, &dst, result, by_current);
}

#endif
