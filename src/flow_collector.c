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
#include "process_labels.h"

#define DRAIN_BATCH 4096

int flow_collector_init(struct flow_collector *c, struct probe *probe, unsigned int labels, size_t series_limit)
{
	memset(c, 0, sizeof(*c));
	c->probe = probe;
	c->labels = labels;
	c->series_limit = series_limit;
	identity_names_init(&c->names, probe, labels);
	return -pthread_mutex_init(&c->lock, NULL);
}

void flow_collector_free(struct flow_collector *c)
{
	series_table_free(&c->series);
	identity_names_free(&c->names);
	pthread_mutex_destroy(&c->lock);
}

/* Up to the NUL, zero after it: series keys are compared whole. */
static void copy_comm(char *dst, const char *src)
{
	size_t len = strnlen(src, SERIES_COMM_LEN - 1);

	memset(dst, 0, SERIES_COMM_LEN);
	memcpy(dst, src, len);
}

/* One endpoint's labels, those that are exported. */
static void endpoint_labels(struct flow_collector *c, const struct ipc_endpoint *ep, char *comm, uint32_t *pid,
			    const char **exe, const char **cgroup)
{
	copy_comm(comm, ep->comm);
	if (c->labels & PROCESS_LABEL_PID)
		*pid = ep->tgid;
	if (c->labels & PROCESS_LABEL_EXE)
		*exe = identity_exe_name(&c->names, ep->exe);
	if (c->labels & PROCESS_LABEL_CGROUP)
		*cgroup = identity_cgroup_name(&c->names, ep->cgroup);
}

/* The [overflow] label set of a mechanism (and signal number). */
static void overflow_key(struct flow_collector *c, struct series_key *key, uint8_t mechanism, uint8_t signal)
{
	const char *overflow = identity_intern(&c->names, OVERFLOW_COMM);

	memset(key, 0, sizeof(*key));
	key->mechanism = mechanism;
	key->signal = signal;
	copy_comm(key->src_comm, OVERFLOW_COMM);
	copy_comm(key->dst_comm, OVERFLOW_COMM);
	if (c->labels & PROCESS_LABEL_EXE)
		key->src_exe = key->dst_exe = overflow;
	if (c->labels & PROCESS_LABEL_CGROUP)
		key->src_cgroup = key->dst_cgroup = overflow;
}

static void add_series(struct flow_collector *c, const struct series_key *key, uint64_t messages, uint64_t bytes)
{
	if (series_table_add(&c->series, key, messages, bytes) < 0)
		c->series_add_failures++;
}

static void fold_flow(struct flow_collector *c, const struct ipc_flow_key *k, const struct ipc_flow_counts *v)
{
	struct series_key key;
	uint8_t signal = k->mechanism == IPC_SIGNAL ? k->signal : 0;

	memset(&key, 0, sizeof(key));
	key.mechanism = k->mechanism;
	key.signal = signal;
	endpoint_labels(c, &k->src, key.src_comm, &key.src_pid, &key.src_exe, &key.src_cgroup);
	endpoint_labels(c, &k->dst, key.dst_comm, &key.dst_pid, &key.dst_exe, &key.dst_cgroup);
	/* Past the limit, a new label set is folded; known ones keep counting. */
	if (c->series.count >= c->series_limit && !series_table_find(&c->series, &key)) {
		overflow_key(c, &key, k->mechanism, signal);
		c->series_folded++;
	}
	add_series(c, &key, v->messages, v->bytes);
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
		/* what the kernel could not keep per pair joins the [overflow] label set */
		if (sum.messages != c->overflow[slot].messages || sum.bytes != c->overflow[slot].bytes) {
			struct series_key key;

			if (slot < IPC_MECHANISM_COUNT)
				overflow_key(c, &key, slot, 0);
			else
				overflow_key(c, &key, IPC_SIGNAL, slot - IPC_MECHANISM_COUNT);
			add_series(c, &key, sum.messages - c->overflow[slot].messages,
				   sum.bytes - c->overflow[slot].bytes);
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
