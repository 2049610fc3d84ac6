// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "identity/process_labels.h"
#include "kernel/bpf_loader.h"
#include "kernel/ipc_names.h"
#include "kernel/local_addresses.h"
#include "kernel/table_fill.h"
#include "metrics/exposition.h"
#include "metrics/metrics_page.h"
#include "metrics/process_stats.h"
#include "policy/policy.h"
#include "util/build_info.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define MAX_LABELS 9

/*
 * A series' labels after the first (mechanism or signal): the comms, then
 * the optional ones.  pid_text holds the pids' text.
 */
static size_t series_labels(struct metric_label *labels, const struct series_key *k, unsigned int exported,
			    char pid_text[2][16])
{
	size_t n = 1;

	labels[n++] = (struct metric_label){ "src_comm", k->src_comm };
	labels[n++] = (struct metric_label){ "dst_comm", k->dst_comm };
	if (exported & PROCESS_LABEL_PID) {
		snprintf(pid_text[0], 16, "%u", k->src_pid);
		snprintf(pid_text[1], 16, "%u", k->dst_pid);
		labels[n++] = (struct metric_label){ "src_pid", pid_text[0] };
		labels[n++] = (struct metric_label){ "dst_pid", pid_text[1] };
	}
	if (exported & PROCESS_LABEL_EXE) {
		labels[n++] = (struct metric_label){ "src_exe", k->src_exe ? k->src_exe : "" };
		labels[n++] = (struct metric_label){ "dst_exe", k->dst_exe ? k->dst_exe : "" };
	}
	if (exported & PROCESS_LABEL_CGROUP) {
		labels[n++] = (struct metric_label){ "src_cgroup", k->src_cgroup ? k->src_cgroup : "" };
		labels[n++] = (struct metric_label){ "dst_cgroup", k->dst_cgroup ? k->dst_cgroup : "" };
	}
	return n;
}

static void render_flow_sample(struct exposition *out, const char *family, const struct series_key *k,
			       unsigned int exported, uint64_t value)
{
	struct metric_label labels[MAX_LABELS];
	char pid_text[2][16];
	size_t n = series_labels(labels, k, exported, pid_text);

	labels[0] = (struct metric_label){ "mechanism", mechanism_name(k->mechanism) };
	exposition_sample_u64(out, family, labels, n, value);
}

static int render_messages(struct exposition *out, const struct series *sorted, size_t n,
			   const struct flow_collector *c)
{
	struct series_table signals_per_pair = { 0 };

	exposition_family(out, "ipc_messages_total", "counter",
			  "IPC operations from a source to a destination process: one per write-side call "
			  "that moved data, per datagram, per signal.");
	for (size_t i = 0; i < n; i++) {
		struct series_key pair;

		if (sorted[i].key.mechanism != IPC_SIGNAL) {
			render_flow_sample(out, "ipc_messages_total", &sorted[i].key, c->labels, sorted[i].messages);
			continue;
		}
		/* Signal series are per signal number; this family is per pair. */
		pair = sorted[i].key;
		pair.signal = 0;
		if (series_table_add(&signals_per_pair, &pair, sorted[i].messages, 0) < 0) {
			series_table_free(&signals_per_pair);
			return -ENOMEM;
		}
	}
	series_table_sort(&signals_per_pair);
	for (size_t i = 0; i < signals_per_pair.count; i++)
		render_flow_sample(out, "ipc_messages_total", &signals_per_pair.entries[i].key, c->labels,
				   signals_per_pair.entries[i].messages);
	series_table_free(&signals_per_pair);
	return 0;
}

static void render_bytes(struct exposition *out, const struct series *sorted, size_t n,
			 const struct flow_collector *c)
{
	exposition_family(out, "ipc_bytes_total", "counter",
			  "Payload bytes moved from a source to a destination process, counted when the "
			  "destination received them.");
	for (size_t i = 0; i < n; i++)
		if (sorted[i].key.mechanism != IPC_SIGNAL)
			render_flow_sample(out, "ipc_bytes_total", &sorted[i].key, c->labels, sorted[i].bytes);
}

static void render_signals(struct exposition *out, const struct series *sorted, size_t n,
			   const struct flow_collector *c)
{
	struct metric_label labels[MAX_LABELS];
	char name[32], pid_text[2][16];
	size_t nlabels;

	exposition_family(out, "ipc_signals_total", "counter",
			  "Signals generated, by signal, from the sending process ([kernel] when the "
			  "kernel sent it) to the target process.");
	for (size_t i = 0; i < n; i++) {
		if (sorted[i].key.mechanism != IPC_SIGNAL)
			continue;
		signal_name(sorted[i].key.signal, name, sizeof(name));
		nlabels = series_labels(labels, &sorted[i].key, c->labels, pid_text);
		labels[0] = (struct metric_label){ "signal", name };
		exposition_sample_u64(out, "ipc_signals_total", labels, nlabels, sorted[i].messages);
	}
}

/*
 * Only with --policy.file: what was counted while the policy in force did
 * not allow the flow; a label set appears with its first unexpected event.
 */
static int render_unexpected(struct exposition *out, const struct series *sorted, size_t n,
			     const struct flow_collector *c)
{
	struct series_table signals_per_pair = { 0 };
	struct metric_label labels[MAX_LABELS];
	char name[32], pid_text[2][16];
	size_t nlabels;

	if (!c->policy)
		return 0;
	exposition_family(out, "ipc_unexpected_messages_total", "counter",
			  "IPC operations of flows no rule of --policy.file allows, counted while the policy in "
			  "force did not allow them (signals: per pair).");
	for (size_t i = 0; i < n; i++) {
		struct series_key pair;

		if (!sorted[i].unexpected_messages)
			continue;
		if (sorted[i].key.mechanism != IPC_SIGNAL) {
			render_flow_sample(out, "ipc_unexpected_messages_total", &sorted[i].key, c->labels,
					   sorted[i].unexpected_messages);
			continue;
		}
		pair = sorted[i].key;
		pair.signal = 0;
		if (series_table_add(&signals_per_pair, &pair, sorted[i].unexpected_messages, 0) < 0) {
			series_table_free(&signals_per_pair);
			return -ENOMEM;
		}
	}
	series_table_sort(&signals_per_pair);
	for (size_t i = 0; i < signals_per_pair.count; i++)
		render_flow_sample(out, "ipc_unexpected_messages_total", &signals_per_pair.entries[i].key, c->labels,
				   signals_per_pair.entries[i].messages);
	series_table_free(&signals_per_pair);
	exposition_family(out, "ipc_unexpected_bytes_total", "counter",
			  "Payload bytes of flows no rule of --policy.file allows.");
	for (size_t i = 0; i < n; i++)
		if (sorted[i].key.mechanism != IPC_SIGNAL && sorted[i].unexpected_messages)
			render_flow_sample(out, "ipc_unexpected_bytes_total", &sorted[i].key, c->labels,
					   sorted[i].unexpected_bytes);
	exposition_family(out, "ipc_unexpected_signals_total", "counter",
			  "Signals no rule of --policy.file allows, by signal.");
	for (size_t i = 0; i < n; i++) {
		if (sorted[i].key.mechanism != IPC_SIGNAL || !sorted[i].unexpected_messages)
			continue;
		signal_name(sorted[i].key.signal, name, sizeof(name));
		nlabels = series_labels(labels, &sorted[i].key, c->labels, pid_text);
		labels[0] = (struct metric_label){ "signal", name };
		exposition_sample_u64(out, "ipc_unexpected_signals_total", labels, nlabels,
				      sorted[i].unexpected_messages);
	}
	return 0;
}

static void render_counter(struct exposition *out, const char *name, const char *help, uint64_t value)
{
	exposition_family(out, name, "counter", help);
	exposition_sample_u64(out, name, NULL, 0, value);
}

static void render_count_gauge(struct exposition *out, const char *name, const char *help, uint64_t value)
{
	exposition_family(out, name, "gauge", help);
	exposition_sample_u64(out, name, NULL, 0, value);
}

static void render_gauge(struct exposition *out, const char *name, const char *help, double value)
{
	exposition_family(out, name, "gauge", help);
	exposition_sample_double(out, name, NULL, 0, value);
}

static void render_policy(struct exposition *out, const struct flow_collector *c)
{
	if (!c->policy_path)
		return;
	render_count_gauge(out, "ipc_exporter_policy_rules", "Rules of the --policy.file in force.",
			   c->policy ? c->policy->nrules : 0);
	render_count_gauge(out, "ipc_exporter_policy_last_reload_successful",
			   "1 if the last load of --policy.file (at start, SIGHUP or POST /-/reload) took, 0 if it "
			   "failed and the previous policy stays in force.",
			   c->policy_reload_ok);
	render_gauge(out, "ipc_exporter_policy_last_reload_success_timestamp_seconds",
		     "When the policy in force was loaded.", (double)c->policy_reload_time);
}

/* The kernel side's counters about itself (enum ipc_health_counter). */
struct health_metric {
	enum ipc_health_counter counter;
	const char *name;
	const char *help;
};

static const struct health_metric health_metrics[] = {
	{ IPC_HEALTH_FLOW_TABLE_FULL, "ipc_exporter_flow_table_full_total",
	  "Events that found the kernel flow table full and were counted in the [overflow] series of their "
	  "mechanism." },
	{ IPC_HEALTH_PIPE_TABLE_FULL, "ipc_exporter_pipe_table_full_total",
	  "Pipe operations on pipes that could not be tracked (table full): writes counted with "
	  "dst_comm=\"[unknown]\"." },
	{ IPC_HEALTH_PIPE_QUEUE_FULL, "ipc_exporter_pipe_queue_full_total",
	  "Pipe shares settled against an [unknown] peer because a pipe's attribution queue was full." },
	{ IPC_HEALTH_PIPE_STALE_BYTES, "ipc_exporter_pipe_stale_bytes_total",
	  "Bytes written to pipes or FIFOs that no reader consumed before the data was discarded or its "
	  "queue was collected; never attributed." },
	{ IPC_HEALTH_PIPE_DEFERRED, "ipc_exporter_pipe_deferred_total",
	  "Pipe operations that found their queue locked (map-lock variant) and were applied later, before "
	  "the next scrape." },
	{ IPC_HEALTH_PIPE_LOCK_BUSY, "ipc_exporter_pipe_lock_busy_total",
	  "Pipe operations that found their queue locked and the deferred ring full (map-lock variant): "
	  "writes counted with dst_comm=\"[unknown]\"." },
	{ IPC_HEALTH_PIPE_LOCK_STOLEN, "ipc_exporter_pipe_lock_stolen_total",
	  "Map-lock variant: pipe locks held for over 100 ms (their release failed) that were taken over." },
	{ IPC_HEALTH_QUEUES_CREATED, "ipc_exporter_queues_created_total",
	  "Attribution queues made: one per pipe, FIFO, socket direction or pty that carried data." },
	{ IPC_HEALTH_QUEUE_QUOTA, "ipc_exporter_queue_quota_refused_total",
	  "Queues refused because their user already held its share of the queue table "
	  "(--queue-quota): that user's writes counted with dst_comm=\"[unknown]\"." },
	{ IPC_HEALTH_UDP_DROPPED, "ipc_exporter_udp_dropped_total",
	  "Loopback UDP datagrams the kernel dropped (receive buffer full, no socket): received by no one, "
	  "counted per sender with dst_comm=\"[dropped]\"." },
	{ IPC_HEALTH_SCRATCH_BUSY, "ipc_exporter_transfers_preempted_total",
	  "Transfers not counted because a mechanism hook was preempted on the same CPU in the middle of "
	  "another (only on fully preemptible kernels, preempt=full)." },
};

/* The attribution queue table: what made room in it, and the sweeps that find dead objects. */
static void render_queue_lifecycle(struct exposition *out, const struct flow_collector *c)
{
	const struct { const char *reason; uint64_t value; } removed[] = {
		{ "closed", c->health[IPC_HEALTH_QUEUES_DROPPED] },
		{ "swept", c->queues.dead },
		{ "idle", c->queues.idle },
	};
	struct metric_label label;

	exposition_family(out, "ipc_exporter_queues_removed_total", "counter",
			  "Attribution queues removed: closed (the kernel saw the socket close or its "
			  "addresses start afresh), swept (no open file has the object any more), idle "
			  "(the idle limits, a safety net).");
	for (unsigned int i = 0; i < sizeof(removed) / sizeof(removed[0]); i++) {
		label = (struct metric_label){ "reason", removed[i].reason };
		exposition_sample_u64(out, "ipc_exporter_queues_removed_total", &label, 1, removed[i].value);
	}
	render_counter(out, "ipc_exporter_queue_sweeps_total",
		       "Sweeps of the attribution queue table for objects no longer open.", c->queues.sweeps);
}

static void render_drains(struct exposition *out, const struct flow_collector *c)
{
	static const char *const reasons[FLOW_DRAIN_REASONS] = { [FLOW_DRAIN_SCRAPE] = "scrape",
								 [FLOW_DRAIN_FILL] = "fill",
								 [FLOW_DRAIN_POLICY] = "policy" };
	struct metric_label label;

	exposition_family(out, "ipc_exporter_flow_drains_total", "counter",
			  "Times the kernel flow table was drained into the exported series: at a scrape, or in "
			  "the background because it held half of --flow-table-size.");
	for (unsigned int r = 0; r < FLOW_DRAIN_REASONS; r++) {
		label = (struct metric_label){ "reason", reasons[r] };
		exposition_sample_u64(out, "ipc_exporter_flow_drains_total", &label, 1, c->drains[r]);
	}
}

/* The bounded kernel tables: how full, how big. */
static void render_tables(struct exposition *out, const struct flow_collector *c, const struct table_fill *queues)
{
	struct metric_label flows = { "table", "flows" }, queue_table = { "table", "queues" };

	exposition_family(out, "ipc_exporter_table_entries", "gauge",
			  "Entries in a bounded kernel table. flows: the most a flow table held when drained "
			  "since the previous scrape (distinct pairs between drains); queues: attribution queues "
			  "now (pipes, FIFOs, socket directions and ptys with state).");
	exposition_sample_u64(out, "ipc_exporter_table_entries", &flows, 1, c->flow_table_peak);
	exposition_sample_u64(out, "ipc_exporter_table_entries", &queue_table, 1, queues->entries);
	exposition_family(out, "ipc_exporter_table_capacity", "gauge",
			  "Entries a bounded kernel table holds at most: flows per flow table "
			  "(--flow-table-size), queues (--pipe-table-size).");
	exposition_sample_u64(out, "ipc_exporter_table_capacity", &flows, 1, flow_tables_capacity(&c->tables));
	exposition_sample_u64(out, "ipc_exporter_table_capacity", &queue_table, 1, queues->capacity);
}

/* UDP to an address of this host the kernel does not know is not counted: say so. */
static void render_local_addresses(struct exposition *out, struct local_addresses_state a)
{
	render_count_gauge(out, "ipc_exporter_local_addresses",
			   "This host's addresses the kernel programs know (UDP to them counts as loopback-udp).",
			   a.known);
	render_counter(out, "ipc_exporter_local_address_errors_total",
		       "Refreshes of this host's addresses that failed (netlink refused, the kernel's table "
		       "full): UDP to a new address is not counted until one succeeds.",
		       a.errors);
}

static void render_exporter(struct exposition *out, const struct flow_collector *c, const struct table_fill *queues)
{
	const struct probe *p = c->probe;
	struct metric_label labels[3];

	exposition_family(out, "ipc_exporter_build_info", "gauge",
			  "Version of ipc_exporter, the source revision it was built from and the libbpf it runs "
			  "with; always 1.");
	labels[0] = (struct metric_label){ "version", PACKAGE_VERSION };
	labels[1] = (struct metric_label){ "revision", build_revision() };
	labels[2] = (struct metric_label){ "libbpf_version", libbpf_version_string() };
	exposition_sample_u64(out, "ipc_exporter_build_info", labels, 3, 1);

	exposition_family(out, "ipc_exporter_hook_info", "gauge",
			  "Kernel hooks attached, the program chosen for this kernel, and the mechanisms it "
			  "counts; always 1.");
	for (unsigned int i = 0; i < p->nhooks; i++) {
		labels[0] = (struct metric_label){ "hook", p->hooks[i].hook };
		labels[1] = (struct metric_label){ "program", p->hooks[i].program };
		labels[2] = (struct metric_label){ "mechanisms", p->hooks[i].mechanisms };
		exposition_sample_u64(out, "ipc_exporter_hook_info", labels, 3, 1);
	}

	exposition_family(out, "ipc_exporter_mechanism_available", "gauge",
			  "1 if the mechanism is counted on this kernel, 0 if it is not (its series then "
			  "stay absent rather than read as zero traffic).");
	for (unsigned int m = 0; m < IPC_MECHANISM_COUNT; m++) {
		labels[0] = (struct metric_label){ "mechanism", mechanism_name(m) };
		exposition_sample_u64(out, "ipc_exporter_mechanism_available", labels, 1,
				      probe_counts_mechanism(p, m));
	}

	for (unsigned int i = 0; i < sizeof(health_metrics) / sizeof(health_metrics[0]); i++) {
		const struct health_metric *h = &health_metrics[i];
		uint64_t value = c->health[h->counter];

		if (h->counter == IPC_HEALTH_PIPE_STALE_BYTES)
			value += c->queues.stale_bytes;	/* and those of queues removed in user space */
		render_counter(out, h->name, h->help, value);
	}
	render_count_gauge(out, "ipc_exporter_start_calls_waiting",
			   "Threads that were inside an IPC call when the mechanism hooks were attached and have "
			   "not returned from it: the sys_exit program counts those calls as they return, for "
			   "at most a minute after start.",
			   __atomic_load_n(&p->start_bridge.waiting, __ATOMIC_RELAXED));
	render_count_gauge(out, "ipc_exporter_start_calls_unseen",
			   "Threads still inside an IPC call begun before the mechanism hooks a minute after "
			   "start (or that could not be tracked): those calls are not counted when they return, "
			   "and their pipe's or socket's reads then lag one call behind.",
			   __atomic_load_n(&p->start_bridge.unseen, __ATOMIC_RELAXED) +
				   c->health[IPC_HEALTH_START_BRIDGE_FULL]);
	render_local_addresses(out, local_addresses_state(c->probe));
	render_counter(out, "ipc_exporter_pipe_queues_collected_total",
		       "Attribution queues removed for idleness (also in ipc_exporter_queues_removed_total).",
		       c->queues.idle);
	render_queue_lifecycle(out, c);
	render_counter(out, "ipc_exporter_series_dropped_total",
		       "Kernel flow entries that could not be added to the exported series (out of "
		       "memory).",
		       c->series_add_failures);
	render_counter(out, "ipc_exporter_flows_drained_total",
		       "Kernel flow-table entries moved into the exported series.", c->tables.flows_drained);
	render_drains(out, c);
	render_tables(out, c, queues);
	render_count_gauge(out, "ipc_exporter_series", "Label sets currently exported per family.",
			   c->series.count);
	render_count_gauge(out, "ipc_exporter_series_limit",
			   "Label sets exported at most (--series-limit); new ones past it are folded into the "
			   "[overflow] label set of their mechanism.",
			   c->series_limit);
	render_counter(out, "ipc_exporter_series_folded_total",
		       "Kernel flow entries folded into an [overflow] label set because the series limit was "
		       "reached.",
		       c->series_folded);
}

/* Only while /debug/events is on (--debug.events): otherwise there is nothing to count. */
static void render_debug_events(struct exposition *out, const struct page_event_counts *stats)
{
	struct metric_label label;

	if (!stats)
		return;
	render_count_gauge(out, "ipc_exporter_debug_events_clients",
			   "Clients streaming /debug/events now (at most --debug.events-clients).", stats->clients);
	render_counter(out, "ipc_exporter_debug_events_client_dropped_total",
		       "Events not sent to a /debug/events client because its buffer was full (it read too "
		       "slowly); the client is told how many.",
		       stats->client_dropped);
	exposition_family(out, "ipc_exporter_events_lost_total", "counter",
			  "Events the kernel had no room for in the events ring buffer (its consumers read too "
			  "slowly), by mechanism; every consumer of the mechanism is told.");
	for (unsigned int m = 0; m < IPC_MECHANISM_COUNT; m++) {
		label = (struct metric_label){ "mechanism", mechanism_name(m) };
		exposition_sample_u64(out, "ipc_exporter_events_lost_total", &label, 1,
				      stats->kernel_lost[m]);
	}
}

static void render_http(struct exposition *out, const struct page_http_counts *http)
{
	if (!http)
		return;
	render_counter(out, "ipc_exporter_http_slow_clients_cut_total",
		       "Connections closed because they did not send their request headers in time "
		       "(--web.read-header-timeout after connecting, or the idle timeout after an answer).",
		       http->slow_clients_cut);
	render_counter(out, "ipc_exporter_http_scrapes_refused_total",
		       "Scrapes answered 503 because --web.max-requests were being served already.",
		       http->scrapes_refused);
	render_counter(out, "ipc_exporter_http_scrapes_shared_total",
		       "Scrapes answered with the page of another that came at the same time (one drain for "
		       "both).",
		       http->scrapes_shared);
	render_count_gauge(out, "ipc_exporter_web_config_last_reload_successful",
			   "1 if the last load of --web.config.file (at start, SIGHUP, or a certificate rotation) "
			   "took, 0 if it failed and the previous configuration stays in force.",
			   http->config_reload_ok);
	render_gauge(out, "ipc_exporter_web_config_last_reload_success_timestamp_seconds",
		     "When the web configuration in force was loaded.", (double)http->config_reload_time);
}

int metrics_page_render(struct flow_collector *c, const struct page_event_counts *events,
			const struct page_http_counts *http, enum exposition_format format, struct strbuf *page)
{
	struct exposition page_out = { .page = page, .format = format }, *out = &page_out;
	struct timespec start, end;
	struct table_fill queues;
	int err, addresses_err;

	clock_gettime(CLOCK_MONOTONIC, &start);
	queues = table_fill_queues(c->probe);	/* outside the lock: a walk of the whole table */
	pthread_mutex_lock(&c->lock);
	addresses_err = local_addresses_refresh(c->probe);	/* the next interval sees new addresses */
	err = flow_collector_drain(c, FLOW_DRAIN_SCRAPE);
	series_table_sort(&c->series);
	if (render_messages(out, c->series.entries, c->series.count, c) < 0)
		page->failed = true;
	render_bytes(out, c->series.entries, c->series.count, c);
	render_signals(out, c->series.entries, c->series.count, c);
	if (render_unexpected(out, c->series.entries, c->series.count, c) < 0)
		page->failed = true;
	render_exporter(out, c, &queues);
	render_policy(out, c);
	c->flow_table_peak = 0;	/* the next scrape shows the next interval's */
	pthread_mutex_unlock(&c->lock);

	render_debug_events(out, events);
	render_http(out, http);
	process_stats_render(out);
	clock_gettime(CLOCK_MONOTONIC, &end);
	render_gauge(out, "ipc_exporter_scrape_duration_seconds",
		     "Time this scrape took to drain the kernel and write the page.",
		     (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9);
	render_gauge(out, "ipc_exporter_scrape_error",
		     "1 if reading the kernel tables or learning this host's addresses failed in this scrape, "
		     "else 0.",
		     err < 0 || addresses_err < 0);
	exposition_end(out);
	return page->failed ? -ENOMEM : 0;
}
