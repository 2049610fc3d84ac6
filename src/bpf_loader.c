// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf_loader.h"
#include "ipc_exporter.skel.h"
#include "ipc_types.h"
#include "ipc_names.h"
#include "log.h"

#define KERNEL_BTF_PATH "/sys/kernel/btf/vmlinux"

static const struct probe_hook hooks_in_use[] = {
	{ "tp_btf/sys_exit", "pipe,fifo" },
	{ "tp_btf/signal_generate", "signal" },
};

static const bool mechanism_counted[IPC_MECHANISM_COUNT] = {
	[IPC_PIPE] = true,
	[IPC_FIFO] = true,
	[IPC_SIGNAL] = true,
};

static bool libbpf_verbose;

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
	if (err == -EPERM || err == -EACCES) {
		if (geteuid() != 0)
			log_warnx("loading the BPF programs was refused: run as root "
				  "(or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE)");
		else
			log_warnx("loading the BPF programs was refused (%s): is the kernel locked down "
				  "or unprivileged BPF restricted by an LSM?", strerror(-err));
	} else {
		log_warnx("loading the BPF programs failed: %s (run with --verbose for libbpf's log)",
			  strerror(-err));
	}
	return err;
}

int probe_open(struct probe *p, const struct probe_options *opts)
{
	struct ipc_exporter_bpf *skel;
	int err;

	*p = (struct probe){ 0 };
	libbpf_verbose = opts->verbose;
	libbpf_set_print(libbpf_log);

	if (access(KERNEL_BTF_PATH, R_OK) != 0) {
		log_warnx("kernel BTF not found at %s: ipc_exporter needs a kernel built with "
			  "CONFIG_DEBUG_INFO_BTF=y (Linux 5.10 or later)", KERNEL_BTF_PATH);
		return -ENOENT;
	}

	skel = ipc_exporter_bpf__open();
	if (!skel) {
		log_warn("opening the BPF object failed");
		return -errno;
	}
	if (opts->flow_table_size) {
		bpf_map__set_max_entries(skel->maps.flow_counts_a, opts->flow_table_size);
		bpf_map__set_max_entries(skel->maps.flow_counts_b, opts->flow_table_size);
	}
	if (opts->pipe_table_size)
		bpf_map__set_max_entries(skel->maps.pipe_queues, opts->pipe_table_size);

	err = ipc_exporter_bpf__load(skel);
	if (err) {
		ipc_exporter_bpf__destroy(skel);
		return explain_load_error(err);
	}
	err = ipc_exporter_bpf__attach(skel);
	if (err) {
		log_warnx("attaching the BPF programs failed: %s (run with --verbose for libbpf's log)",
			  strerror(-err));
		ipc_exporter_bpf__destroy(skel);
		return err;
	}
	p->skel = skel;
	p->hooks = hooks_in_use;
	p->nhooks = sizeof(hooks_in_use) / sizeof(hooks_in_use[0]);
	for (unsigned int i = 0; i < p->nhooks; i++)
		log_info("hook %s counts %s", p->hooks[i].hook, p->hooks[i].mechanisms);
	for (unsigned int m = 0; m < IPC_MECHANISM_COUNT; m++)
		if (!mechanism_counted[m])
			log_info("mechanism %s is not counted by this version: reported unavailable",
				 mechanism_name(m));
	return 0;
}

void probe_close(struct probe *p)
{
	ipc_exporter_bpf__destroy(p->skel);
	p->skel = NULL;
}

bool probe_counts_mechanism(const struct probe *p, unsigned int mechanism)
{
	(void)p;
	return mechanism < IPC_MECHANISM_COUNT && mechanism_counted[mechanism];
}
