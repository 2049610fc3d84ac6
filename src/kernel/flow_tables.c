// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipc_exporter.skel.h"
#include "kernel/bpf_loader.h"
#include "kernel/flow_tables.h"
#include "util/log.h"

#define DRAIN_BATCH 4096

void flow_tables_init(struct flow_tables *t, const struct probe *probe)
{
	memset(t, 0, sizeof(*t));
	t->probe = probe;
}

/*
 * Read and delete every entry of a table no program writes any more.
 * Batches keep a scrape of 100,000 flows to a few hundred syscalls.
 */
static int drain_table(struct flow_tables *t, int fd, flow_sink sink, void *ctx)
{
	static struct ipc_flow_key keys[DRAIN_BATCH];
	static struct ipc_flow_counts values[DRAIN_BATCH];
	__u32 in_batch = 0, out_batch = 0;
	bool first = true, done = false;
	int err;

	t->last_drained = 0;
	while (!done) {
		__u32 count = DRAIN_BATCH;

		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in_batch, &out_batch,
						      keys, values, &count, NULL);
		if (err < 0 && err != -ENOENT)
			return err;
		done = err == -ENOENT;
		for (__u32 i = 0; i < count; i++)
			sink(ctx, &keys[i], &values[i]);
		t->flows_drained += count;
		t->last_drained += count;
		in_batch = out_batch;
		first = false;
	}
	return 0;
}

/* One health counter summed over CPUs; 0 or a negative errno (then *sum is left as it was). */
int flow_tables_drain(struct flow_tables *t, flow_sink sink, void *ctx)
{
	struct ipc_exporter_bpf *skel = t->probe->skel;
	int tables[2] = { bpf_map__fd(skel->maps.flow_counts_a), bpf_map__fd(skel->maps.flow_counts_b) };
	int next = !t->active_table;
	__u32 zero = 0;
	int err;

	probe_flush_deferred(t->probe);
	/*
	 * Updating an array of maps waits for every running BPF program to
	 * finish, so once this returns nothing writes the old table.
	 */
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.flow_counts_active), &zero, &tables[next], BPF_ANY);
	if (err < 0) {
		log_warnx("swapping the flow tables failed: %s", strerror(-err));
		return err;
	}
	/* Every program that could insert into the old table has finished. */
	probe_health(t->probe, IPC_HEALTH_FLOW_INSERTS, &t->inserts_at_swap);
	err = drain_table(t, tables[t->active_table], sink, ctx);
	t->active_table = next;
	t->drains++;
	if (err < 0)
		log_warnx("draining the flow table failed: %s", strerror(-err));
	return err;
}

uint32_t flow_tables_capacity(const struct flow_tables *t)
{
	return bpf_map__max_entries(t->probe->skel->maps.flow_counts_a);
}

uint64_t flow_tables_fill(const struct flow_tables *t)
{
	uint64_t inserts = t->inserts_at_swap;

	probe_health(t->probe, IPC_HEALTH_FLOW_INSERTS, &inserts);
	return inserts > t->inserts_at_swap ? inserts - t->inserts_at_swap : 0;
}

void flow_tables_read_overflow(const struct flow_tables *t, struct ipc_flow_counts overflow[IPC_OVERFLOW_SLOTS])
{
	int ncpus = libbpf_num_possible_cpus();
	struct ipc_flow_counts percpu_counts[ncpus];
	int fd = bpf_map__fd(t->probe->skel->maps.flow_overflow);

	for (__u32 slot = 0; slot < IPC_OVERFLOW_SLOTS; slot++) {
		struct ipc_flow_counts sum = { 0 };

		if (bpf_map_lookup_elem(fd, &slot, percpu_counts))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++) {
			sum.messages += percpu_counts[cpu].messages;
			sum.bytes += percpu_counts[cpu].bytes;
		}
		overflow[slot] = sum;
	}
}

void flow_tables_read_health(const struct flow_tables *t, uint64_t health[IPC_HEALTH_COUNTER_COUNT])
{
	for (__u32 counter = 0; counter < IPC_HEALTH_COUNTER_COUNT; counter++)
		probe_health(t->probe, counter, &health[counter]);
}
