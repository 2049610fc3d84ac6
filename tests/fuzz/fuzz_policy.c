// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the policy file's parser, then one match of a fixed flow against what it accepted. */
#include <stddef.h>
#include <stdint.h>

#include "ipc_types.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_flow flow = { .mechanism = IPC_SIGNAL, .signal = 15 };
	struct policy p;
	char err[512];

	flow.src[0] = "systemd";
	flow.dst[0] = "nginx";
	flow.dst[1] = "/usr/sbin/nginx";
	if (policy_parse("fuzz.yml", (const char *)data, size, &p, err, sizeof(err)) == 0) {
		policy_allows(&p, &flow);
		policy_free(&p);
	}
	return 0;
}
