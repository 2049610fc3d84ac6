/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeps the kernel's local_addresses map equal to this host's addresses, so
 * that UDP to the host's own non-loopback addresses counts as loopback.
 */
#ifndef LOCAL_ADDRESSES_H
#define LOCAL_ADDRESSES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct probe;

/*
 * What the last refreshes found, for the metrics page.  Refreshed from the
 * main loop and from scrapes, hence the lock.  A failure is never only
 * logged: UDP to an address the kernel does not know is not counted.
 */
struct local_addresses {
	pthread_mutex_t lock;
	unsigned int known;	/* addresses in the kernel's map now */
	uint64_t errors;	/* refreshes that failed to read or store them all */
	bool last_failed;
};

void local_addresses_init(struct local_addresses *a);
/* Returns how many addresses are known now, or -1 (counted in a->errors). */
int local_addresses_refresh(struct probe *p);
/* A copy taken under the lock. */
struct local_addresses_state {
	unsigned int known;
	uint64_t errors;
	bool last_failed;
};
struct local_addresses_state local_addresses_state(struct probe *p);

#endif
