// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_loader.h"
#include "flow_collector.h"
#include "ipc_exporter.skel.h"
#include "log.h"

#define DRAIN_BATCH 4096

int flow_collector_init(struct flow_collector *c, struct probe *probe)
{
	memset(c, 0, sizeof(*c));
	c->probe = probe;
	return -pthread_mutex_init(&c->lock, NULL);
}

void flow_collector_free(struct flow_collector *c)
{
	series_table_free(&c->series);
	pthread_mutex_destroy(&c->lock);
}

/* Up to the NUL, zero after it: series keys are compared whole. */
static void copy_comm(char *dst, const char *src)
{
	size_t len = strnlen(src, SERIES_COMM_LEN - 1);

	memset(dst, 0, SERIES_COMM_LEN);
	memcpy(dst, src, len);
}

static void fold_flow(struct flow_collector *c, const struct ipc_flow_key *k, const struct ipc_flow_counts *v)
{
	struct series_key key;

	memset(&key, 0, sizeof(key));
	key.mechanism = k->mechanism;
	key.signal = k->mechanism == IPC_SIGNAL ? k->signal : 0;
	copy_comm(key.src_comm, k->src.comm);
	copy_comm(key.dst_comm, k->dst.comm);
	if (series_table_add(&c->series, &key, v->messages, v->bytes) < 0)
		c->series_add_failures++;
}

/*
 * Read and delete every entry of a table no program writes any more.
 * Batches keep a scrape of 100,000 flows to a few hundred syscalls.
 */
static int drain_table(struct flow_collector *c, int fd)
{
	static struct ipc_flow_key keys[DRAIN_BATCH];
	static struct ipc_flow_counts values[DRAIN_BATCH];
	__u32 in_batch = 0, out_batch = 0;
	bool first = true, done = false;
	int err;

	while (!done) {
		__u32 count = DRAIN_BATCH;

		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in_batch, &out_batch,
						      keys, values, &count, NULL);
		if (err < 0 && err != -ENOENT)
			return err;
		done = err == -ENOENT;
		for (__u32 i = 0; i < count; i++)
			fold_flow(c, &keys[i], &values[i]);
		c->flows_drained += count;
		in_batch = out_batch;
		first = false;
	}
	return 0;
}

static void read_cumulative(struct flow_collector *c)
{
	struct ipc_exporter_bpf *skel = c->probe->skel;
	int ncpus = libbpf_num_possible_cpus();
	struct ipc_flow_counts percpu_counts[ncpus];
	__u64 percpu_values[ncpus];

	for (__u32 slot = 0; slot < IPC_OVERFLOW_SLOTS; slot++) {
		struct ipc_flow_counts sum = { 0 };

		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.flow_overflow), &slot, percpu_counts))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++) {
			sum.messages += percpu_counts[cpu].messages;
			sum.bytes += percpu_counts[cpu].bytes;
		}
		c->overflow[slot] = sum;
	}
	for (__u32 counter = 0; counter < IPC_HEALTH_COUNTER_COUNT; counter++) {
		__u64 sum = 0;

		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.health_counters), &counter, percpu_values))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			sum += percpu_values[cpu];
		c->health[counter] = sum;
	}
}

int flow_collector_drain(struct flow_collector *c)
{
	struct ipc_exporter_bpf *skel = c->probe->skel;
	int tables[2] = { bpf_map__fd(skel->maps.flow_counts_a), bpf_map__fd(skel->maps.flow_counts_b) };
	int next = !c->active_table;
	__u32 zero = 0;
	int err;

	probe_flush_deferred(c->probe);
	/*
	 * Updating an array of maps waits for every running BPF program to
	 * finish, so once this returns nothing writes the old table.
	 */
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.flow_counts_active), &zero, &tables[next], BPF_ANY);
	if (err < 0) {
		log_warnx("swapping the flow tables failed: %s", strerror(-err));
		return err;
	}
	err = drain_table(c, tables[c->active_table]);
	c->active_table = next;
	c->drains++;
	if (err < 0)
		log_warnx("draining the flow table failed: %s", strerror(-err));
	read_cumulative(c);
	return err;
}
