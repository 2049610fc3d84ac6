// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
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

/*
 * Adds the current addresses, then removes those that are gone.  Returns how
 * many the map holds now (-1 if none could be read); *why is set on any failure.
 */
static int refresh(int fd, const char **why)
{
	struct ipc_address now[MAX_ADDRESSES], key, next;
	struct ifaddrs *list, *ifa;
	__u8 present = 1;
	int n = 0;
	void *cursor = NULL;

	if (getifaddrs(&list) < 0) {
		/* e.g. netlink sockets refused (a unit's RestrictAddressFamilies without AF_NETLINK) */
		*why = strerror(errno);
		return -1;
	}
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || to_ipc_address(ifa->ifa_addr, &key) < 0)
			continue;
		if (n == MAX_ADDRESSES || bpf_map_update_elem(fd, &key, &present, BPF_ANY) < 0) {
			*why = n == MAX_ADDRESSES ? "more addresses than the kernel's table holds" : strerror(errno);
			continue;
		}
		now[n++] = key;
	}
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

void local_addresses_init(struct local_addresses *a)
{
	*a = (struct local_addresses){ 0 };
	pthread_mutex_init(&a->lock, NULL);
}

int local_addresses_refresh(struct probe *p)
{
	struct local_addresses *a = &p->addresses;
	const char *why = NULL;
	int n;

	pthread_mutex_lock(&a->lock);
	n = refresh(bpf_map__fd(p->skel->maps.local_addresses), &why);
	if (why) {
		a->errors++;
		/* logged when it starts failing, not at every scrape; the counter says the rest */
		if (!a->last_failed)
			log_warnx("cannot learn this host's addresses (%s): UDP to them is not counted until "
				  "this succeeds (ipc_exporter_local_address_errors_total)", why);
	} else if (a->last_failed) {
		log_info("this host's addresses are known again (%d)", n);
	}
	a->last_failed = why != NULL;
	if (n >= 0)
		a->known = (unsigned int)n;
	pthread_mutex_unlock(&a->lock);
	return why ? -1 : n;
}

struct local_addresses_state local_addresses_state(struct probe *p)
{
	struct local_addresses_state s;

	pthread_mutex_lock(&p->addresses.lock);
	s = (struct local_addresses_state){ p->addresses.known, p->addresses.errors, p->addresses.last_failed };
	pthread_mutex_unlock(&p->addresses.lock);
	return s;
}
