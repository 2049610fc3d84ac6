/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeps the kernel's local_addresses map equal to this host's addresses, so
 * that UDP to the host's own non-loopback addresses counts as loopback.
 */
#ifndef LOCAL_ADDRESSES_H
#define LOCAL_ADDRESSES_H

struct probe;

/* Returns how many addresses are known now, or -1. */
int local_addresses_refresh(struct probe *p);

#endif
