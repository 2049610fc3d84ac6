// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipc_exporter.skel.h"
#include "ipc_types.h"
#include "kernel/bpf_loader.h"
#include "kernel/local_addresses.h"
#include "util/log.h"

#define MAX_ADDRESSES 1024

static int to_ipc_address(const struct sockaddr *sa, struct ipc_address *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		out->words[2] = htonl(0xffff);
		memcpy(&out->words[3], &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out->words, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

/* Adds the current addresses, then removes those that are gone. */
int local_addresses_refresh(struct probe *p)
{
	int fd = bpf_map__fd(p->skel->maps.local_addresses);
	struct ipc_address now[MAX_ADDRESSES], key, next;
	struct ifaddrs *list, *ifa;
	__u8 present = 1;
	int n = 0;
	void *cursor = NULL;

	if (getifaddrs(&list) < 0) {
		log_warn("reading this host's addresses");
		return -1;
	}
	for (ifa = list; ifa && n < MAX_ADDRESSES; ifa = ifa->ifa_next)
		if (ifa->ifa_addr && to_ipc_address(ifa->ifa_addr, &now[n]) == 0)
			bpf_map_update_elem(fd, &now[n++], &present, BPF_ANY);
	freeifaddrs(list);

	while (bpf_map_get_next_key(fd, cursor, &next) == 0) {
		int found = 0;

		key = next;
		cursor = &key;
		for (int i = 0; i < n && !found; i++)
			found = memcmp(&now[i], &key, sizeof(key)) == 0;
		if (!found) {
			bpf_map_delete_elem(fd, &key);
			cursor = NULL;	/* the walk restarts after a delete */
		}
	}
	return n;
}
