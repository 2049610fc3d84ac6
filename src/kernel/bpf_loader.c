// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipc_exporter.skel.h"
#include "ipc_types.h"
#include "kernel/bpf_loader.h"
#include "kernel/hook_probe.h"
#include "kernel/file_kinds.h"
#include "kernel/ipc_names.h"
#include "kernel/start_bridge.h"
#include "util/capabilities.h"
#include "util/log.h"

#define KERNEL_BTF_PATH "/sys/kernel/btf/vmlinux"

static const bool mechanism_counted[IPC_MECHANISM_COUNT] = {
	[IPC_PIPE] = true,
	[IPC_FIFO] = true,
	[IPC_SIGNAL] = true,
	[IPC_UNIX_STREAM] = true,
	[IPC_UNIX_DGRAM] = true,
	[IPC_UNIX_SEQPACKET] = true,
	[IPC_LOOPBACK_TCP] = true,
	[IPC_LOOPBACK_UDP] = true,
	[IPC_PTY] = true,
};

static bool libbpf_verbose;

/* What the loaded object is to hook, decided before the load. */
struct hook_plan {
	bool spin_lock;		/* pipe queues locked with bpf_spin_lock, else map locks */
	bool mechanisms;	/* the mechanism hooks (bpf/mechanism_hooks.bpf.h) instead of sys_exit */
	bool udp_consume;	/* fentry/skb_consume_udp */
};

/* A mechanism hook: the function, its program, what it counts. */
struct mechanism_hook {
	const char *function;
	struct bpf_program *prog;
	const char *mechanisms;
};

/* vmsplice's hook: the architecture's syscall wrapper (bpf/mechanism_hooks.bpf.h) */
#if defined(__aarch64__)
#define VMSPLICE_WRAPPER "__arm64_sys_vmsplice"
#else
#define VMSPLICE_WRAPPER "__x64_sys_vmsplice"
#endif

#define UNIX_SOCKETS "unix-stream,unix-dgram,unix-seqpacket"
#define INET_SOCKETS "loopback-tcp,loopback-udp"

/* The mechanism hooks of this plan, into `out` (room for MECHANISM_HOOKS_MAX); how many. */
#define MECHANISM_HOOKS_MAX 24
static unsigned int mechanism_hooks(struct ipc_exporter_bpf *skel, struct mechanism_hook *out)
{
	typeof(skel->progs) *g = &skel->progs;
	unsigned int n = 0;

#define HOOK(function, name, mechanisms) out[n++] = (struct mechanism_hook){ function, g->name, mechanisms }

	HOOK("pipe_read", ipc_pipe_read, "pipe,fifo");
	HOOK("pipe_write", ipc_pipe_write, "pipe,fifo");
	HOOK("tty_read", ipc_tty_read, "pty");
	HOOK("tty_write", ipc_tty_write, "pty");
	HOOK("unix_stream_sendmsg", ipc_unix_stream_sendmsg, "unix-stream");
	HOOK("unix_stream_recvmsg", ipc_unix_stream_recvmsg, "unix-stream");
	HOOK("unix_dgram_sendmsg", ipc_unix_dgram_sendmsg, "unix-dgram");
	HOOK("unix_dgram_recvmsg", ipc_unix_dgram_recvmsg, "unix-dgram");
	HOOK("unix_seqpacket_sendmsg", ipc_unix_seqpacket_sendmsg, "unix-seqpacket");
	HOOK("unix_seqpacket_recvmsg", ipc_unix_seqpacket_recvmsg, "unix-seqpacket");
	HOOK("inet_sendmsg", ipc_inet_sendmsg, INET_SOCKETS);
	HOOK("inet_recvmsg", ipc_inet_recvmsg, INET_SOCKETS);
	HOOK("inet6_sendmsg", ipc_inet6_sendmsg, INET_SOCKETS);
	HOOK("inet6_recvmsg", ipc_inet6_recvmsg, INET_SOCKETS);
	HOOK("do_splice", ipc_splice, "pipe,fifo,pty," UNIX_SOCKETS "," INET_SOCKETS);
	HOOK("do_tee", ipc_tee, "pipe,fifo");
	HOOK("do_sendfile", ipc_sendfile, "pipe,fifo,pty," UNIX_SOCKETS "," INET_SOCKETS);
	HOOK(VMSPLICE_WRAPPER, ipc_vmsplice, "pipe,fifo");
	HOOK("fifo_open", ipc_fifo_open, "");
	HOOK("ptmx_open", ipc_ptmx_open, "");
	HOOK("unix_stream_connect", ipc_unix_stream_connect, "");
	HOOK("unix_socketpair", ipc_unix_socketpair, "");
#undef HOOK
	return n;
}

/* The mechanism hooks' programs loaded or not (before the load). */
static void mechanism_hooks_autoload(struct ipc_exporter_bpf *skel, bool on)
{
	struct mechanism_hook hooks[MECHANISM_HOOKS_MAX];
	unsigned int n = mechanism_hooks(skel, hooks);

	for (unsigned int i = 0; i < n; i++)
		bpf_program__set_autoload(hooks[i].prog, on);
}

/* ... and attached or not by the skeleton's attach (after it). */
static void mechanism_hooks_autoattach(struct ipc_exporter_bpf *skel, bool on)
{
	struct mechanism_hook hooks[MECHANISM_HOOKS_MAX];
	unsigned int n = mechanism_hooks(skel, hooks);

	for (unsigned int i = 0; i < n; i++)
		bpf_program__set_autoattach(hooks[i].prog, on);
}

/*
 * Attach everything; with the mechanism hooks, the sys_exit program first,
 * as the bridge for calls already in flight (src/kernel/start_bridge.c),
 * then the hooks.
 */
static int attach_plan(struct ipc_exporter_bpf *skel, const struct hook_plan *plan, struct start_bridge *bridge)
{
	int err;

	if (!plan->mechanisms)
		return ipc_exporter_bpf__attach(skel);
	start_bridge_begin(bridge, skel);
	mechanism_hooks_autoattach(skel, false);
	err = ipc_exporter_bpf__attach(skel);
	if (err)
		return err;
	start_bridge_fill(bridge, skel);
	mechanism_hooks_autoattach(skel, true);
	err = ipc_exporter_bpf__attach(skel);	/* what is attached already stays as it is */
	if (!err)
		start_bridge_hooks_attached(skel);
	return err;
}

/* libbpf's own lines only with --verbose: our one-line errors say what failed. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int explain_load_error(int err)
{
	/* what loading and attaching tracing programs takes (CAP_SYS_ADMIN stands for both) */
	uint64_t have = capabilities_effective(), missing = 0;
	char names[128];

	if (!(have & CAP_BIT(CAP_SYS_ADMIN)))
		missing = ~have & (CAP_BIT(CAP_BPF) | CAP_BIT(CAP_PERFMON));
	if (err == -EPERM && missing) {
		capabilities_names(missing, names, sizeof(names));
		log_warnx("loading the BPF programs was refused: the exporter lacks %s; run as root, or give it "
			  "CAP_BPF and CAP_PERFMON (AmbientCapabilities= in a systemd unit; on 5.10 also "
			  "CAP_SYS_RESOURCE)", names);
	} else if (err == -EPERM && geteuid() != 0 && !(have & CAP_BIT(CAP_SYS_RESOURCE))) {
		log_warnx("loading the BPF programs was refused: on kernels before 5.11 the exporter also needs "
			  "CAP_SYS_RESOURCE (for RLIMIT_MEMLOCK), or run as root");
	} else if (err == -EPERM) {
		log_warnx("loading the BPF programs was refused: is the kernel locked down (lockdown=confidentiality) "
			  "or BPF restricted by an LSM?");
	} else if (err == -EACCES || err == -EINVAL) {
		log_warnx("this kernel's BPF verifier rejected the programs (%s); please report it with the "
			  "output of --verbose and uname -r", strerror(-err));
	} else {
		log_warnx("loading the BPF programs failed: %s (run with --verbose for libbpf's log)",
			  strerror(-err));
	}
	return err;
}

/* Open, size and load one variant of the object; 0 or a negative errno. */
static int load_variant(struct ipc_exporter_bpf **out, const struct probe_options *opts, const struct hook_plan *plan,
			struct start_bridge *bridge)
{
	struct ipc_exporter_bpf *skel = ipc_exporter_bpf__open();
	int err;

	if (!skel)
		return -errno;
	if (opts->flow_table_size) {
		bpf_map__set_max_entries(skel->maps.flow_counts_a, opts->flow_table_size);
		bpf_map__set_max_entries(skel->maps.flow_counts_b, opts->flow_table_size);
	}
	if (opts->pipe_table_size)
		bpf_map__set_max_entries(skel->maps.pipe_queues, opts->pipe_table_size);
	/* No user may fill the table for the others (bpf/queue_lifecycle.bpf.h). */
	skel->rodata->queue_quota = opts->queue_quota ? opts->queue_quota
						      : bpf_map__max_entries(skel->maps.pipe_queues) / 2;
	skel->rodata->identities = opts->identities;
	bpf_program__set_autoload(skel->progs.ipc_sched_process_exec, opts->identities & IPC_IDENTITY_EXE);
	bpf_program__set_autoload(skel->progs.ipc_cgroup_mkdir, opts->identities & IPC_IDENTITY_CGROUP);
	bpf_program__set_autoload(skel->progs.ipc_spin_lock_probe, false);
	/* beside the mechanism hooks, the spin-lock sys_exit program is their start bridge */
	bpf_program__set_autoload(skel->progs.ipc_sys_exit, plan->spin_lock);
	bpf_program__set_autoload(skel->progs.ipc_sys_exit_maplock, !plan->mechanisms && !plan->spin_lock);
	bpf_program__set_autoload(skel->progs.ipc_start_bridge_enter, plan->mechanisms);
	skel->rodata->sys_exit_is_bridge = plan->mechanisms;
	if (plan->mechanisms)
		bpf_map__set_max_entries(skel->maps.start_bridge_threads, START_BRIDGE_THREADS);
	mechanism_hooks_autoload(skel, plan->mechanisms);
	bpf_program__set_autoload(skel->progs.ipc_udp_consumed, plan->udp_consume);
	skel->rodata->udp_consume_hooked = plan->udp_consume;
	err = ipc_exporter_bpf__load(skel);
	if (!err)
		err = attach_plan(skel, plan, bridge);
	if (err) {
		ipc_exporter_bpf__destroy(skel);
		*bridge = (struct start_bridge){ 0 };
		return err;
	}
	*out = skel;
	return 0;
}

/*
 * Whether the verifier lets tracing programs take bpf_spin_lock (6.1+):
 * the object with one tiny program, ipc_spin_lock_probe, loaded and closed.
 * A failed load of the whole object would cost seconds (minutes under TCG).
 */
static bool spin_lock_usable(void)
{
	static int usable = -1;	/* asked once */
	struct ipc_exporter_bpf *skel;
	struct bpf_program *prog;

	if (usable >= 0)
		return usable;
	skel = ipc_exporter_bpf__open();
	if (!skel)
		return true;	/* the real load will say what is wrong */
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == skel->progs.ipc_spin_lock_probe);
	usable = ipc_exporter_bpf__load(skel) == 0;
	ipc_exporter_bpf__destroy(skel);
	return usable;
}

/* Load and attach for `plan`, a spin lock refused falling back to map locks; 0 or a negative errno. */
static int load_plan(struct ipc_exporter_bpf **out, const struct probe_options *opts, struct hook_plan *plan,
		     struct start_bridge *bridge)
{
	int err;

	/* The verifier refuses bpf_spin_lock in tracing programs before 6.1 or so. */
	if (plan->spin_lock && opts->pipe_lock == PIPE_LOCK_CHOICE_AUTO && !spin_lock_usable()) {
		log_info("this kernel does not give tracing programs bpf_spin_lock: pipe queues use map locks");
		plan->spin_lock = false;
	}
	err = load_variant(out, opts, plan, bridge);
	if (err && plan->spin_lock && opts->pipe_lock == PIPE_LOCK_CHOICE_AUTO && (err == -EINVAL || err == -EACCES)) {
		log_info("this kernel refused the spin-lock variant: pipe queues use map locks");
		plan->spin_lock = false;
		err = load_variant(out, opts, plan, bridge);
	}
	return err;
}

int probe_open(struct probe *p, const struct probe_options *opts)
{
	struct ipc_exporter_bpf *skel = NULL;
	struct hook_plan plan = { .spin_lock = opts->pipe_lock != PIPE_LOCK_CHOICE_MAP };
	struct mechanism_hook hooks[MECHANISM_HOOKS_MAX];
	unsigned int nhooks;
	int err;

	*p = (struct probe){ 0 };
	local_addresses_init(&p->addresses);
	libbpf_verbose = opts->verbose;
	libbpf_set_print(libbpf_log);

	if (access(KERNEL_BTF_PATH, R_OK) != 0) {
		log_warnx("kernel BTF not found at %s: ipc_exporter needs a kernel built with "
			  "CONFIG_DEBUG_INFO_BTF=y (Linux 5.10 or later)", KERNEL_BTF_PATH);
		return -ENOENT;
	}

	/* Tried alone first, so a kernel without fentry costs no failed load of the whole object. */
	if (opts->hooks != HOOK_CHOICE_SYS_EXIT)
		plan.udp_consume = fentry_attachable("skb_consume_udp");
	/* vmsplice's hook is the syscall wrapper: a kernel may not let it be traced */
	if (opts->hooks != HOOK_CHOICE_SYS_EXIT) {
		plan.mechanisms = fentry_attachable("pipe_read") && fentry_attachable(VMSPLICE_WRAPPER);
		if (!plan.mechanisms)
			log_info("the mechanism hooks: this kernel does not attach fexit: using the sys_exit path");
	}
	hook_probe_done();
	/* The mechanism hooks take spin locks: where tracing programs may not, the sys_exit path serves */
	if (plan.mechanisms && (opts->pipe_lock == PIPE_LOCK_CHOICE_MAP || !spin_lock_usable())) {
		log_info("the mechanism hooks: they need bpf_spin_lock in tracing programs (6.1+) and spin "
			 "locks: using the sys_exit path");
		plan.mechanisms = false;
	}
	err = load_plan(&skel, opts, &plan, &p->start_bridge);
	if (err && plan.mechanisms) {
		/* a hook this kernel lacks or refuses: the syscall-exit path still counts everything */
		log_info("the mechanism hooks could not be loaded (%s): using the sys_exit path", strerror(-err));
		plan = (struct hook_plan){ .spin_lock = opts->pipe_lock != PIPE_LOCK_CHOICE_MAP,
					   .udp_consume = plan.udp_consume };
		err = load_plan(&skel, opts, &plan, &p->start_bridge);
	}
	if (err)
		return explain_load_error(err);
	p->skel = skel;
	p->pipe_map_lock = !plan.spin_lock;
	file_kinds_learn(skel);
	/* noted by the iterator the learning ran; getpid() (right outside a pid namespace) if it could not run */
	if (!skel->bss->self_tgid)
		skel->bss->self_tgid = (__u32)getpid();
	p->self_tgid = skel->bss->self_tgid;
	if (plan.mechanisms) {
		nhooks = mechanism_hooks(skel, hooks);
		for (unsigned int i = 0; i < nhooks; i++) {
			char *name = p->hook_names[p->nhooks];

			snprintf(name, sizeof(p->hook_names[0]), "fexit/%s", hooks[i].function);
			p->hooks[p->nhooks++] = (struct probe_hook){ name, bpf_program__name(hooks[i].prog),
								     hooks[i].mechanisms };
		}
	} else {
		p->hooks[p->nhooks++] = (struct probe_hook){
			"tp_btf/sys_exit", plan.spin_lock ? "ipc_sys_exit" : "ipc_sys_exit_maplock",
			"pipe,fifo,unix-stream,unix-dgram,unix-seqpacket,loopback-tcp,loopback-udp,pty"
		};
	}
	p->hooks[p->nhooks++] = (struct probe_hook){ "tp_btf/skb_copy_datagram_iovec", "ipc_skb_copy_datagram_iovec",
						     "unix-dgram" };
	p->hooks[p->nhooks++] = (struct probe_hook){ "tp_btf/signal_generate", "ipc_signal_generate", "signal" };
	p->hooks[p->nhooks++] = (struct probe_hook){ "tp_btf/kfree_skb", "ipc_kfree_skb", "loopback-udp" };
	p->hooks[p->nhooks++] = (struct probe_hook){ "tp_btf/inet_sock_set_state", "ipc_inet_sock_set_state", "" };
	p->hooks[p->nhooks++] = (struct probe_hook){ "iter/task_file", "ipc_queue_sweep", "" };
	if (plan.udp_consume)
		p->hooks[p->nhooks++] = (struct probe_hook){ "fentry/skb_consume_udp", "ipc_udp_consumed",
							     "loopback-udp" };
	if (opts->identities & IPC_IDENTITY_EXE)
		p->hooks[p->nhooks++] = (struct probe_hook){ "tp_btf/sched_process_exec", "ipc_sched_process_exec",
							     "" };
	if (opts->identities & IPC_IDENTITY_CGROUP)
		p->hooks[p->nhooks++] = (struct probe_hook){ "tp_btf/cgroup_mkdir", "ipc_cgroup_mkdir",
							     "" };
	for (unsigned int i = 0; i < p->nhooks; i++)
		log_info("hook %s (program %s)%s%s", p->hooks[i].hook, p->hooks[i].program,
			 p->hooks[i].mechanisms[0] ? " counts " : "", p->hooks[i].mechanisms);
	if (plan.mechanisms)
		log_info("calls in flight at start: tp_btf/sys_exit (program ipc_sys_exit) counts them for the "
			 "%u threads that may be inside one, until they return (at most %d s)",
			 p->start_bridge.waiting, START_BRIDGE_SECONDS);
	for (unsigned int m = 0; m < IPC_MECHANISM_COUNT; m++)
		if (!mechanism_counted[m])
			log_info("mechanism %s is not counted by this version: reported unavailable",
				 mechanism_name(m));
	return 0;
}

int probe_iterate(struct bpf_link *link)
{
	char buf[64];
	ssize_t n;
	int fd = bpf_iter_create(bpf_link__fd(link));

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 ? -1 : 0;
}

void probe_tick(struct probe *p)
{
	start_bridge_tick(&p->start_bridge, p->skel);
}

void probe_close(struct probe *p)
{
	ipc_exporter_bpf__destroy(p->skel);
	p->skel = NULL;
	pthread_mutex_destroy(&p->addresses.lock);
}

/*
 * Map-lock variant: operations that found their pipe's queue locked wait in
 * a per-CPU ring until the next pipe operation on that CPU.  Make one on
 * every CPU, from this thread, so that a scrape sees them all.
 */
void probe_flush_deferred(const struct probe *p)
{
	int ncpus = libbpf_num_possible_cpus();
	cpu_set_t saved, one;
	int fds[2];
	char byte = 0;

	if (!p->pipe_map_lock || ncpus <= 0 || pipe(fds) < 0)
		return;
	if (pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0) {
		for (int cpu = 0; cpu < ncpus && cpu < CPU_SETSIZE; cpu++) {
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one) != 0)
				continue;	/* offline or not allowed */
			/* a pipe operation retries one deferred one; the ring has 16: 2 x 8 */
			for (int round = 0; round < 8; round++)
				if (write(fds[1], &byte, 1) != 1 || read(fds[0], &byte, 1) != 1)
					break;
		}
		pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	}
	close(fds[0]);
	close(fds[1]);
}

bool probe_counts_mechanism(const struct probe *p, unsigned int mechanism)
{
	(void)p;
	return mechanism < IPC_MECHANISM_COUNT && mechanism_counted[mechanism];
}

int probe_map_read_check(const struct probe *p)
{
	__u32 key;

	/* an empty table answers ENOENT: anything but EPERM means reads work */
	if (bpf_map_get_next_key(bpf_map__fd(p->skel->maps.health_counters), NULL, &key) < 0 && errno == EPERM)
		return -EPERM;
	return 0;
}

int probe_exe_paths_fd(const struct probe *p)
{
	return bpf_map__fd(p->skel->maps.exe_paths);
}

int probe_cgroup_paths_fd(const struct probe *p)
{
	return bpf_map__fd(p->skel->maps.cgroup_paths);
}

int probe_health(const struct probe *p, unsigned int counter, uint64_t *value)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 percpu[ncpus > 0 ? ncpus : 1], sum = 0;

	if (ncpus <= 0 || bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.health_counters), &counter, percpu))
		return -1;
	for (int cpu = 0; cpu < ncpus; cpu++)
		sum += percpu[cpu];
	*value = sum;
	return 0;
}
