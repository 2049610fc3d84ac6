// SPDX-License-Identifier: GPL-2.0
/* ipc_exporter: serves the host's IPC flows to Prometheus. */
#include <errno.h>
#include <getopt.h>
#include <bpf/libbpf.h>
#include <microhttpd.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "events/debug_events.h"
#include "events/event_stream.h"
#include "identity/process_labels.h"
#include "kernel/bpf_loader.h"
#include "kernel/local_addresses.h"
#include "kernel/queue_sweep.h"
#include "metrics/flow_collector.h"
#include "policy/policy.h"
#include "util/build_info.h"
#include "util/capabilities.h"
#include "util/log.h"
#include "util/monotonic.h"
#include "util/option_parse.h"
#include "util/pid_namespace.h"
#include "web/http_server.h"
#include "web/listen_address.h"

#define DEFAULT_LISTEN_ADDRESS ":19163"
#define DEFAULT_TELEMETRY_PATH "/metrics"
/* Idle pipe queues are collected, and the host's addresses re-read, this often. */
#define ADDRESS_REFRESH_SECONDS 30
/* How often the main thread wakes: the flow table's fill, the queue sweep, addresses. */
#define TICK_SECONDS 1
#define DEFAULT_SERIES_LIMIT 10000

struct exporter_config {
	const char *listen_addresses[HTTP_MAX_LISTENERS];
	unsigned int nlisten;
	struct http_limits web;
	const char *web_config_file;
	const char *policy_file;
	bool enable_lifecycle;
	bool systemd_socket;
	const char *telemetry_path;
	struct probe_options probe;
	unsigned int labels;		/* PROCESS_LABEL_* */
	unsigned int series_limit;
	bool debug_events;		/* serve /debug/events */
	bool debug_events_contents;	/* ... and let its clients see what moved */
	unsigned int debug_events_clients;
	bool debug_events_clients_set;
	bool verbose;
	enum log_level log_level;
	enum log_format log_format;
};

/*
 * Each connection is a descriptor: the soft limit (often 1024) is raised
 * toward the hard one so that the connection limits, not it, bound them.
 */
static void raise_file_limit(rlim_t want)
{
	struct rlimit files;

	if (getrlimit(RLIMIT_NOFILE, &files) < 0 || files.rlim_cur >= want)
		return;
	files.rlim_cur = want < files.rlim_max ? want : files.rlim_max;
	setrlimit(RLIMIT_NOFILE, &files);
}

/* SIGHUP: the policy again; an error keeps the one in force. */
static void policy_reload(struct flow_collector *c)
{
	char err[512];

	if (!c->policy_path)
		return;
	if (flow_collector_load_policy(c, err, sizeof(err)) < 0)
		log_warnx("--policy.file: %s; the policy in force stays", err);
	else
		log_info("--policy.file: %s reloaded (%u rules)", c->policy_path, flow_collector_policy_rules(c));
}

static time_t monotonic_seconds(void)
{
	return (time_t)(monotonic_ns() / NS_PER_SECOND);
}

static void usage(FILE *out)
{
	const struct http_limits defaults = HTTP_DEFAULT_LIMITS;

	fprintf(out,
		"usage: ipc_exporter [options]\n"
		"\n"
		"Counts inter-process communication on this host with eBPF and serves it\n"
		"to Prometheus.  Runs as root, or with CAP_BPF and CAP_PERFMON; drops\n"
		"every capability once its programs are attached (see ipc_exporter(8)).\n"
		"\n"
		"  --web.listen-address=ADDR   address to serve on: HOST:PORT, :PORT (all\n"
		"                              interfaces) or [IPV6]:PORT (default %s);\n"
		"                              repeat it to serve on several\n"
		"  --web.systemd-socket        serve on the sockets systemd passes (a .socket\n"
		"                              unit) instead of --web.listen-address\n"
		"  --web.config.file=FILE      TLS, response headers and basic authentication,\n"
		"                              in the exporter-toolkit format Prometheus's\n"
		"                              exporters share; re-read on SIGHUP, and its\n"
		"                              certificates when their files change\n"
		"  --web.enable-lifecycle      POST /-/reload re-reads --policy.file\n"
		"  --web.max-connections=N     connections at once per address, idle keep-alives\n"
		"                              included (default %u, event streams come on top)\n"
		"  --web.max-connections-per-client=N\n"
		"                              connections at once from one client address\n"
		"                              (default %u; 0: no limit)\n"
		"  --web.max-requests=N        scrapes served at once; more get 503 (default %u)\n"
		"  --web.read-header-timeout=S seconds a client has to send its request headers\n"
		"                              after connecting (default %u)\n"
		"  --web.telemetry-path=PATH   path of the metrics page (default %s)\n"
		"  --flow-table-size=N         distinct flows the kernel holds between two drains\n"
		"                              (default 16384; drained at each scrape and when\n"
		"                              half full; the rest is counted as overflow)\n"
		"  --pipe-table-size=N         pipes, FIFOs, socket directions and ptys with\n"
		"                              data in flight at once (default 16384)\n"
		"  --queue-quota=N             of those, the most one user may hold (default\n"
		"                              half the table), so no user fills it for others\n"
		"  --pipe-lock=auto|spin|map   how pipe queues are locked: bpf_spin_lock where\n"
		"                              the kernel allows it (auto, default) or map locks\n"
		"  --hooks=auto|sys-exit|mechanisms\n"
		"                              auto (default; mechanisms is the same): fexit on\n"
		"                              the mechanisms' own functions where the kernel\n"
		"                              attaches them (6.1+), nothing on other syscalls;\n"
		"                              else, and with sys-exit, the syscall-exit path\n"
		"                              (and fentry on skb_consume_udp unless sys-exit)\n"
		"  --process-labels=LIST       more labels per flow besides src_comm/dst_comm, any\n"
		"                              of pid,exe,cgroup (default none); each multiplies\n"
		"                              the series: pid needs the host's pid namespace\n"
		"  --series-limit=N            label sets exported at most (default %d); flows\n"
		"                              past it are folded into src_comm=\"[overflow]\"\n"
		"  --policy.file=FILE          the flows this host is expected to have (YAML);\n"
		"                              others are counted again in ipc_unexpected_*\n"
		"                              families; re-read on SIGHUP and POST /-/reload\n"
		"  --debug.events              serve %s: IPC events as they happen,\n"
		"                              one per line, filtered by the query string\n"
		"                              (off by default)\n"
		"  --debug.events-contents     let its clients ask for the first bytes that\n"
		"                              moved (contents=N); needs the listen addresses\n"
		"                              on loopback, or users in --web.config.file\n"
		"  --debug.events-clients=N    event clients at once, 1 to %d (default %d)\n"
		"  --log.level=LEVEL           debug, info (default), warn or error\n"
		"  --log.format=FORMAT         plain (default: \"ipc_exporter: message\"), logfmt\n"
		"                              or json, these two with a timestamp and level\n"
		"  -v, --verbose               log more, including libbpf's messages\n"
		"  -h, --help                  show this help\n"
		"  --version                   show the version\n",
		DEFAULT_LISTEN_ADDRESS, defaults.max_connections, defaults.max_connections_per_address,
		defaults.max_requests, defaults.read_header_seconds, DEFAULT_TELEMETRY_PATH, DEFAULT_SERIES_LIMIT,
		DEBUG_EVENTS_PATH,
		DEBUG_EVENTS_MAX_CLIENTS, DEBUG_EVENTS_DEFAULT_CLIENTS);
}

enum {
	OPT_LISTEN = 256,
	OPT_MAX_CONNECTIONS,
	OPT_WEB_CONFIG,
	OPT_POLICY_FILE,
	OPT_ENABLE_LIFECYCLE,
	OPT_SYSTEMD_SOCKET,
	OPT_MAX_PER_CLIENT,
	OPT_MAX_REQUESTS,
	OPT_READ_HEADER_TIMEOUT,
	OPT_TELEMETRY,
	OPT_FLOW_TABLE,
	OPT_PIPE_TABLE,
	OPT_QUEUE_QUOTA,
	OPT_PIPE_LOCK,
	OPT_HOOKS,
	OPT_PROCESS_LABELS,
	OPT_SERIES_LIMIT,
	OPT_DEBUG_EVENTS,
	OPT_DEBUG_EVENTS_CONTENTS,
	OPT_DEBUG_EVENTS_CLIENTS,
	OPT_VERSION,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
};

static int parse_args(int argc, char **argv, struct exporter_config *cfg)
{
	static const struct option options[] = {
		{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
		{ "web.max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
		{ "web.config.file", required_argument, NULL, OPT_WEB_CONFIG },
		{ "policy.file", required_argument, NULL, OPT_POLICY_FILE },
		{ "web.enable-lifecycle", no_argument, NULL, OPT_ENABLE_LIFECYCLE },
		{ "web.systemd-socket", no_argument, NULL, OPT_SYSTEMD_SOCKET },
		{ "web.max-connections-per-client", required_argument, NULL, OPT_MAX_PER_CLIENT },
		{ "web.max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
		{ "web.read-header-timeout", required_argument, NULL, OPT_READ_HEADER_TIMEOUT },
		{ "web.telemetry-path", required_argument, NULL, OPT_TELEMETRY },
		{ "flow-table-size", required_argument, NULL, OPT_FLOW_TABLE },
		{ "pipe-table-size", required_argument, NULL, OPT_PIPE_TABLE },
		{ "queue-quota", required_argument, NULL, OPT_QUEUE_QUOTA },
		{ "pipe-lock", required_argument, NULL, OPT_PIPE_LOCK },
		{ "hooks", required_argument, NULL, OPT_HOOKS },
		{ "process-labels", required_argument, NULL, OPT_PROCESS_LABELS },
		{ "series-limit", required_argument, NULL, OPT_SERIES_LIMIT },
		{ "debug.events", no_argument, NULL, OPT_DEBUG_EVENTS },
		{ "debug.events-contents", no_argument, NULL, OPT_DEBUG_EVENTS_CONTENTS },
		{ "debug.events-clients", required_argument, NULL, OPT_DEBUG_EVENTS_CLIENTS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "log.format", required_argument, NULL, OPT_LOG_FORMAT },
		{ 0 },
	};
	struct listen_address addr;
	char err[256];
	int opt;

	opterr = 0;	/* our own one-line messages below */
	while ((opt = getopt_long(argc, argv, ":vh", options, NULL)) != -1) {
		switch (opt) {
		case OPT_LISTEN:
			if (cfg->nlisten == HTTP_MAX_LISTENERS) {
				log_warnx("--web.listen-address: at most %d addresses", HTTP_MAX_LISTENERS);
				return -1;
			}
			for (unsigned int i = 0; i < cfg->nlisten; i++)
				if (strcmp(cfg->listen_addresses[i], optarg) == 0) {
					log_warnx("--web.listen-address=%s is given twice", optarg);
					return -1;
				}
			if (listen_address_parse(optarg, &addr, err, sizeof(err)) < 0) {
				log_warnx("%s", err);
				return -1;
			}
			cfg->listen_addresses[cfg->nlisten++] = optarg;
			break;
		case OPT_SYSTEMD_SOCKET:
			cfg->systemd_socket = true;
			break;
		case OPT_POLICY_FILE:
			if (!*optarg) {
				log_warnx("--policy.file needs a file name");
				return -1;
			}
			cfg->policy_file = optarg;
			break;
		case OPT_ENABLE_LIFECYCLE:
			cfg->enable_lifecycle = true;
			break;
		case OPT_WEB_CONFIG:
			if (!*optarg) {
				log_warnx("--web.config.file needs a file name");
				return -1;
			}
			cfg->web_config_file = optarg;
			break;
		case OPT_MAX_CONNECTIONS:
			if (option_parse_uint("--web.max-connections", optarg, 1, 1u << 16,
					      &cfg->web.max_connections) < 0)
				return -1;
			break;
		case OPT_MAX_PER_CLIENT:
			if (option_parse_uint("--web.max-connections-per-client", optarg, 0, 1u << 16,
					      &cfg->web.max_connections_per_address) < 0)
				return -1;
			break;
		case OPT_MAX_REQUESTS:
			if (option_parse_uint("--web.max-requests", optarg, 1, 1u << 16, &cfg->web.max_requests) < 0)
				return -1;
			break;
		case OPT_READ_HEADER_TIMEOUT:
			if (option_parse_uint("--web.read-header-timeout", optarg, 1, 3600,
					      &cfg->web.read_header_seconds) < 0)
				return -1;
			break;
		case OPT_TELEMETRY:
			if (optarg[0] != '/' || optarg[1] == '\0') {
				log_warnx("--web.telemetry-path must start with / and not be /: \"%s\"", optarg);
				return -1;
			}
			cfg->telemetry_path = optarg;
			break;
		case OPT_FLOW_TABLE:
			if (option_parse_uint("--flow-table-size", optarg, 16, 1u << 24,
					      &cfg->probe.flow_table_size) < 0)
				return -1;
			break;
		case OPT_PIPE_TABLE:
			if (option_parse_uint("--pipe-table-size", optarg, 16, 1u << 22,
					      &cfg->probe.pipe_table_size) < 0)
				return -1;
			break;
		case OPT_QUEUE_QUOTA:
			if (option_parse_uint("--queue-quota", optarg, 1, 1u << 22, &cfg->probe.queue_quota) < 0)
				return -1;
			break;
		case OPT_PIPE_LOCK: {
			/* in the order of enum pipe_lock_choice */
			static const char *const locks[] = { "auto", "spin", "map", NULL };
			unsigned int choice;

			if (option_parse_choice("--pipe-lock", optarg, locks, &choice) < 0)
				return -1;
			cfg->probe.pipe_lock = (enum pipe_lock_choice)choice;
			break;
		}
		case OPT_HOOKS: {
			/* in the order of enum hook_choice */
			static const char *const hooks[] = { "auto", "sys-exit", "mechanisms", NULL };
			unsigned int choice;

			if (option_parse_choice("--hooks", optarg, hooks, &choice) < 0)
				return -1;
			cfg->probe.hooks = (enum hook_choice)choice;
			break;
		}
		case OPT_PROCESS_LABELS:
			if (process_labels_parse(optarg, &cfg->labels, err, sizeof(err)) < 0) {
				log_warnx("--process-labels: %s", err);
				return -1;
			}
			break;
		case OPT_SERIES_LIMIT:
			if (option_parse_uint("--series-limit", optarg, 1, 1u << 24, &cfg->series_limit) < 0)
				return -1;
			break;
		case OPT_DEBUG_EVENTS:
			cfg->debug_events = true;
			break;
		case OPT_DEBUG_EVENTS_CONTENTS:
			cfg->debug_events_contents = true;
			break;
		case OPT_DEBUG_EVENTS_CLIENTS:
			if (option_parse_uint("--debug.events-clients", optarg, 1, DEBUG_EVENTS_MAX_CLIENTS,
					      &cfg->debug_events_clients) < 0)
				return -1;
			cfg->debug_events_clients_set = true;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case OPT_LOG_LEVEL: {
			static const char *const levels[] = { "debug", "info", "warn", "error", NULL };
			unsigned int choice;

			if (option_parse_choice("--log.level", optarg, levels, &choice) < 0)
				return -1;
			cfg->log_level = (enum log_level)choice;
			break;
		}
		case OPT_LOG_FORMAT: {
			static const char *const formats[] = { "plain", "logfmt", "json", NULL };
			unsigned int choice;

			if (option_parse_choice("--log.format", optarg, formats, &choice) < 0)
				return -1;
			cfg->log_format = (enum log_format)choice;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("ipc_exporter, version %s (revision: %s), libbpf %s, libmicrohttpd %s\n", PACKAGE_VERSION,
			       build_revision(), libbpf_version_string(), MHD_get_version());
			exit(0);
		case ':':
			log_warnx("%s needs a value (see --help)", argv[optind - 1]);
			return -1;
		default:
			log_warnx("unknown option \"%s\" (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (cfg->systemd_socket && cfg->nlisten) {
		log_warnx("--web.systemd-socket and --web.listen-address: the sockets come from systemd, not both");
		return -1;
	}
	if (!cfg->nlisten)
		cfg->listen_addresses[cfg->nlisten++] = DEFAULT_LISTEN_ADDRESS;
	if (optind < argc) {
		log_warnx("unexpected argument \"%s\" (options start with --)", argv[optind]);
		return -1;
	}
	/* Said explicitly, so a typo cannot leave the endpoint off while contents look allowed. */
	if (!cfg->debug_events && (cfg->debug_events_contents || cfg->debug_events_clients_set)) {
		log_warnx("%s needs --debug.events",
			  cfg->debug_events_contents ? "--debug.events-contents" : "--debug.events-clients");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct exporter_config cfg = {
		.web = HTTP_DEFAULT_LIMITS,
		.telemetry_path = DEFAULT_TELEMETRY_PATH,
		.series_limit = DEFAULT_SERIES_LIMIT,
		.debug_events_clients = DEBUG_EVENTS_DEFAULT_CLIENTS,
		.log_level = LOG_LEVEL_INFO,
	};
	struct flow_collector collector;
	struct http_server server;
	struct event_stream *stream = NULL;
	struct debug_events *debug_events = NULL;
	struct probe probe;
	struct timespec tick = { .tv_sec = TICK_SECONDS };
	struct queue_sweep_counts sweep = { 0 };
	time_t next_sweep, next_refresh;
	uint64_t keep, all;
	unsigned int policy_noted = 0;
	char kept[128], err[512];
	sigset_t stop_signals;
	int sig, status = 1;

	/*
	 * A page of 100,000 series is 16 MB, built on whichever connection
	 * thread serves the scrape: a fixed threshold keeps such buffers in
	 * their own mappings, given back when freed, instead of letting glibc
	 * raise the threshold and keep them in per-thread arenas.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	log_init("ipc_exporter", false);
	if (parse_args(argc, argv, &cfg) < 0)
		return 2;
	log_init("ipc_exporter", cfg.verbose);
	log_configure(cfg.verbose ? LOG_LEVEL_DEBUG : cfg.log_level, cfg.log_format);
	cfg.probe.verbose = cfg.verbose;
	if ((cfg.labels & PROCESS_LABEL_PID) && !in_initial_pid_namespace()) {
		log_warnx("--process-labels=pid: the exporter runs in a pid namespace of its own, so its pids "
			  "would not be the host's; run it in the host's (hostPID: true, or no PrivatePIDs=)");
		return 2;
	}
	if (cfg.labels & PROCESS_LABEL_EXE)
		cfg.probe.identities |= IPC_IDENTITY_EXE;
	if (cfg.labels & PROCESS_LABEL_CGROUP)
		cfg.probe.identities |= IPC_IDENTITY_CGROUP;
	raise_file_limit(cfg.web.max_connections * cfg.nlisten + DEBUG_EVENTS_MAX_CLIENTS + 256);

	/* Block the signals in every thread; the main thread waits for them. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Before the slow start: a bad policy, a port in use, a bad web file is then the one error, at once. */
	if (cfg.policy_file) {
		struct policy check;

		if (policy_read(cfg.policy_file, &check, err, sizeof(err)) < 0) {
			log_warnx("--policy.file: %s", err);
			return 1;
		}
		/* the kernel records what the policy names, exported as labels or not */
		if (check.needs & 1u << POLICY_EXE) {
			policy_noted |= PROCESS_LABEL_EXE;
			cfg.probe.identities |= IPC_IDENTITY_EXE;
		}
		if (check.needs & 1u << POLICY_CGROUP) {
			policy_noted |= PROCESS_LABEL_CGROUP;
			cfg.probe.identities |= IPC_IDENTITY_CGROUP;
		}
		policy_free(&check);
	}
	if (http_server_bind(&server, cfg.listen_addresses, cfg.nlisten, cfg.systemd_socket, cfg.web_config_file,
			     cfg.debug_events_contents) < 0)
		return 1;
	if (probe_open(&probe, &cfg.probe) < 0) {
		http_server_stop(&server);
		return 1;
	}
	/*
	 * Loaded and attached: what is left needs no privilege but reading
	 * other users' /proc/PID/exe for exe labels.  Before any thread starts,
	 * so that every thread (HTTP ones included) runs without the rest.
	 */
	keep = ((cfg.labels | policy_noted) & PROCESS_LABEL_EXE) ? CAP_BIT(CAP_SYS_PTRACE) : 0;
	/*
	 * Older kernels (before 5.19) with kernel.unprivileged_bpf_disabled
	 * refuse every bpf() command, reading a map included, to a process
	 * without CAP_BPF: tried with CAP_BPF and CAP_SYS_ADMIN out of the
	 * effective set (still permitted, so they come back), and kept if so.
	 */
	all = capabilities_effective();
	if (capabilities_set_effective(all & ~(CAP_BIT(CAP_BPF) | CAP_BIT(CAP_SYS_ADMIN))) == 0) {
		if (probe_map_read_check(&probe) == -EPERM)
			keep |= (all & CAP_BIT(CAP_BPF)) ? CAP_BIT(CAP_BPF) : CAP_BIT(CAP_SYS_ADMIN);
		capabilities_set_effective(all);
	}
	if (capabilities_keep_only(keep) < 0)
		log_warn("cannot drop the capabilities it no longer needs");
	capabilities_names(capabilities_effective(), kept, sizeof(kept));
	log_info("capabilities kept after loading: %s; no new privileges%s", kept[0] ? kept : "none",
		 keep & (CAP_BIT(CAP_BPF) | CAP_BIT(CAP_SYS_ADMIN))
			 ? " (this kernel lets only privileged processes read BPF maps: kernel.unprivileged_bpf_disabled)"
			 : "");
	local_addresses_refresh(&probe);
	if (flow_collector_init(&collector, &probe, cfg.labels, policy_noted, cfg.series_limit) < 0) {
		log_warnx("cannot initialise the collector");
		goto out_probe;
	}
	collector.policy_path = cfg.policy_file;
	if (cfg.policy_file && flow_collector_load_policy(&collector, err, sizeof(err)) < 0) {
		log_warnx("--policy.file: %s", err);
		goto out_collector;
	}
	if (cfg.debug_events) {
		/* Opened with the exporter: a client only subscribes, the reader thread is there already. */
		if (event_stream_open(&stream, &probe) < 0) {
			log_warnx("--debug.events: cannot open the event stream");
			goto out_collector;
		}
		if (debug_events_open(&debug_events, stream, cfg.debug_events_clients, cfg.debug_events_contents) < 0) {
			log_warnx("--debug.events: out of memory");
			goto out_stream;
		}
		if (cfg.policy_file)
			debug_events_set_judge(debug_events, flow_collector_event_unexpected, &collector);
	}
	server.enable_lifecycle = cfg.enable_lifecycle;
	if (http_server_start(&server, &cfg.web, cfg.telemetry_path, &collector, debug_events) < 0)
		goto out_debug_events;

	next_sweep = monotonic_seconds() + QUEUE_SWEEP_SECONDS;
	next_refresh = monotonic_seconds() + ADDRESS_REFRESH_SECONDS;
	for (;;) {
		sig = sigtimedwait(&stop_signals, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM) {
			log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
			break;
		}
		if (sig == SIGHUP) {
			log_info("received SIGHUP: re-reading the configuration");
			http_server_reload(&server);
			policy_reload(&collector);
		}
		http_server_tick(&server);
		/* However rarely Prometheus scrapes, a filling table is drained before it overflows. */
		flow_collector_drain_if_filling(&collector);
		probe_tick(&probe);
		/* every few seconds, and at once when the queue table fills */
		if (queue_sweep_due(&probe, &sweep) || monotonic_seconds() >= next_sweep) {
			queue_sweep(&probe, &sweep);
			next_sweep = monotonic_seconds() + QUEUE_SWEEP_SECONDS;
			pthread_mutex_lock(&collector.lock);
			collector.queues = sweep;
			pthread_mutex_unlock(&collector.lock);
		}
		if (monotonic_seconds() >= next_refresh) {
			local_addresses_refresh(&probe);
			next_refresh = monotonic_seconds() + ADDRESS_REFRESH_SECONDS;
		}
	}
	status = 0;
	/* Streams end first (cleanly), so stopping the server waits for no one. */
	debug_events_shutdown(debug_events);
	http_server_stop(&server);
out_debug_events:
	http_server_stop(&server);	/* the sockets, if it never started */
	debug_events_close(debug_events);
out_stream:
	event_stream_close(stream);
out_collector:
	flow_collector_free(&collector);
out_probe:
	probe_close(&probe);
	http_server_stop(&server);
	return status;
}
