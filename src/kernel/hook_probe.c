// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel/hook_probe.h"

/* Parsing the kernel's BTF takes a while (seconds under emulation): once for all questions. */
static struct btf *vmlinux;

static int kernel_function_id(const char *func)
{
	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -1;
	return btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
}

bool fentry_attachable(const char *func)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id = kernel_function_id(func), prog, link;

	if (id <= 0)
		return false;
	opts.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ipc_probe", "GPL", insns, 2, &opts);
	if (prog < 0)
		return false;
	link = bpf_raw_tracepoint_open(NULL, prog);
	close(prog);
	if (link < 0)
		return false;
	close(link);
	return true;
}

void hook_probe_done(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
}
