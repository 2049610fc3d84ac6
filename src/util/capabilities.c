// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/capabilities.h"

/* Names of the capabilities the exporter asks about or may hold; others by number. */
static const char *const cap_names[] = {
	[CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE", [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
	[CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE", [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
	[CAP_SYS_PTRACE] = "CAP_SYS_PTRACE", [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
	[CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE", [38] = "CAP_PERFMON", [39] = "CAP_BPF",
};

static int capget_now(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	return (int)syscall(SYS_capget, &header, data);
}

uint64_t capabilities_effective(void)
{
	struct __user_cap_data_struct data[2] = { 0 };

	if (capget_now(data) < 0)
		return 0;
	return (uint64_t)data[1].effective << 32 | data[0].effective;
}

void capabilities_names(uint64_t mask, char *out, size_t len)
{
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (unsigned int cap = 0; cap < 64 && used < len; cap++) {
		if (!(mask & CAP_BIT(cap)))
			continue;
		if (cap < sizeof(cap_names) / sizeof(cap_names[0]) && cap_names[cap])
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "", cap_names[cap]);
		else
			used += (size_t)snprintf(out + used, len - used, "%scapability %u", used ? ", " : "", cap);
	}
}

static unsigned int last_cap(void)
{
	unsigned int last = 40;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");

	if (f) {
		if (fscanf(f, "%u", &last) != 1 || last > 63)
			last = 63;
		fclose(f);
	}
	return last;
}

int capabilities_set_effective(uint64_t effective)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	uint64_t permitted;

	if (capget_now(data) < 0)
		return -errno;
	permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	effective &= permitted;
	data[0].effective = (uint32_t)effective;
	data[1].effective = (uint32_t)(effective >> 32);
	if (syscall(SYS_capset, &header, data) < 0)
		return -errno;
	return 0;
}

int capabilities_keep_only(uint64_t keep)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	uint64_t permitted;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (capget_now(data) < 0)
		return -errno;
	permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	/* the bounding set while CAP_SETPCAP is still held: no exec could regain what goes */
	if (permitted & CAP_BIT(CAP_SETPCAP))
		for (unsigned int cap = 0; cap <= last_cap(); cap++)
			if (!(keep & CAP_BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);	/* EINVAL before 4.3: nothing to clear */
	keep &= permitted;
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &header, data) < 0)
		return -errno;
	return 0;
}
