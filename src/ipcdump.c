// SPDX-License-Identifier: GPL-2.0
/* ipcdump: this host's IPC events as they happen, on stdout. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events/event_filter.h"
#include "events/event_format.h"
#include "events/event_stream.h"
#include "kernel/bpf_loader.h"
#include "kernel/ipc_names.h"
#include "kernel/local_addresses.h"
#include "kernel/queue_sweep.h"
#include "policy/policy.h"
#include "util/log.h"
#include "util/option_parse.h"
#include "util/strbuf.h"

/* -x without -B.  IPCDump's default was the whole transfer; 64 bytes is four hexdump lines. */
#define DEFAULT_CONTENT_BYTES 64
/* The host's addresses are re-read this often (UDP to them counts as loopback). */
#define ADDRESS_REFRESH_SECONDS 30
/* How often the main thread looks whether stdout's reader has gone. */
#define TICK_SECONDS 1

struct dump {
	struct event_subscriber sub;
	struct strbuf line;
	uint64_t events;
	uint32_t self_tgid;
	char own_tty[32];	/* stdout's pty as events name it ("pts/3"), or "" */
	pthread_t main_thread;
	pthread_t writer;	/* the stream's thread, once it has written */
	bool writing;		/* atomic: the writer is inside write(2) */
	bool stopping;		/* atomic: main is shutting down, write nothing more */
	bool done;		/* atomic: the stream's thread wants to exit (count, EPIPE, error) */
	int status;		/* then: the exit status, written before done */
	struct policy policy;	/* --policy: only flows it does not allow */
	bool use_policy;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ipcdump [-xLv] [-t TYPE] [-p|-s|-d PID] [-P|-S|-D COMM] [-B BYTES]\n"
		"               [-f text|json] [-c COUNT] [--hooks=auto|sys-exit|mechanisms]\n"
		"               [--policy=FILE]\n"
		"\n"
		"Prints this host's inter-process communication as it happens: pipes and\n"
		"FIFOs, signals, unix sockets, loopback TCP and UDP, pseudo-terminals.\n"
		"Runs as root.  Flags that filter can be repeated: an event must match one\n"
		"value of every flag given.\n"
		"\n"
		"  -t TYPE     only this type: a|all, k|signal, u|unix, us|unix-stream,\n"
		"              ud|unix-dgram, t|pty, lo|loopback, lt|loopback-tcp,\n"
		"              lu|loopback-udp, p|pipe (pipes and FIFOs), fifo, unix-seqpacket\n"
		"  -p PID      only from or to this process\n"
		"  -s PID      only from this process\n"
		"  -d PID      only to this process\n"
		"  -P COMM     only from or to processes of this name\n"
		"  -S COMM     only from processes of this name\n"
		"  -D COMM     only to processes of this name\n"
		"  -x          dump the first bytes that moved (%d unless -B says)\n"
		"  -B BYTES    bytes to dump per event, 1 to %d; implies -x\n"
		"  -f FORMAT   text (default) or json, one object per line\n"
		"  -c COUNT    exit after COUNT events (0: never, the default)\n"
		"  -L          do not print records of lost events\n"
		"  -v          log more, including libbpf's messages\n"
		"  --hooks=auto|sys-exit|mechanisms\n"
		"              kernel hooks, as ipc_exporter's: the mechanisms' own functions\n"
		"              where the kernel attaches them (auto), or the syscall-exit path\n"
		"  --policy=FILE\n"
		"              only events of flows this policy of expected flows does not\n"
		"              allow (ipc_exporter's --policy.file): who exactly did what\n"
		"  -h, --help  show this help\n"
		"  --version   show the version\n"
		"\n"
		"examples:\n"
		"  ipcdump                          everything\n"
		"  ipcdump -t signal                signals between any two processes\n"
		"  ipcdump -t loopback-tcp -p 1337  loopback TCP from or to pid 1337\n"
		"  ipcdump -t unix -x -S Xorg       unix socket traffic from Xorg, with contents\n"
		"  ipcdump -t pipe -B 64 -f json    pipe I/O as JSON, 64 bytes of contents each\n"
		"  ipcdump -L -S nginx -D nginx     what nginx's processes send each other\n",
		DEFAULT_CONTENT_BYTES, IPC_EVENT_CONTENT_MAX);
}

static int bad_filter(const char *flag, const char *err)
{
	log_warnx("%s: %s", flag, err);
	return -1;
}

static int parse_args(int argc, char **argv, struct event_filter *f, bool *verbose, enum hook_choice *hooks,
		      const char **policy)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "hooks", required_argument, NULL, 'H' },
		{ "policy", required_argument, NULL, 'Y' },
		{ 0 },
	};
	static const char *const hook_choices[] = { "auto", "sys-exit", "mechanisms", NULL };
	static const char *const pid_flags[EVENT_SIDES] = { "-p", "-s", "-d" };
	static const char *const comm_flags[EVENT_SIDES] = { "-P", "-S", "-D" };
	unsigned int bytes = 0, count;
	bool dump = false;
	char err[512], flag[3] = "-?";
	int opt;

	opterr = 0;	/* our own one-line messages below */
	while ((opt = getopt_long(argc, argv, ":t:p:s:d:P:S:D:xB:f:c:Lvh", options, NULL)) != -1) {
		flag[1] = (char)opt;
		switch (opt) {
		case 't':
			if (event_filter_add_type(f, optarg, err, sizeof(err)) < 0)
				return bad_filter(flag, err);
			break;
		case 'p':
		case 's':
		case 'd': {
			enum event_side side = opt == 'p' ? EVENT_EITHER : opt == 's' ? EVENT_SRC : EVENT_DST;

			if (event_filter_add_pid(f, side, optarg, err, sizeof(err)) < 0)
				return bad_filter(pid_flags[side], err);
			break;
		}
		case 'P':
		case 'S':
		case 'D': {
			enum event_side side = opt == 'P' ? EVENT_EITHER : opt == 'S' ? EVENT_SRC : EVENT_DST;

			if (event_filter_add_comm(f, side, optarg, err, sizeof(err)) < 0)
				return bad_filter(comm_flags[side], err);
			break;
		}
		case 'x':
			dump = true;
			break;
		case 'B':
			if (option_parse_uint("-B", optarg, 1, IPC_EVENT_CONTENT_MAX, &bytes) < 0)
				return -1;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0) {
				f->format = EVENT_FORMAT_TEXT;
			} else if (strcmp(optarg, "json") == 0) {
				f->format = EVENT_FORMAT_JSON;
			} else {
				log_warnx("-f: \"%s\" is not text or json", optarg);
				return -1;
			}
			break;
		case 'c':
			if (option_parse_uint("-c", optarg, 0, UINT_MAX, &count) < 0)
				return -1;
			f->count = count;
			break;
		case 'L':
			f->hide_lost = true;
			break;
		case 'v':
			*verbose = true;
			break;
		case 'H': {
			unsigned int choice;

			if (option_parse_choice("--hooks", optarg, hook_choices, &choice) < 0)
				return -1;
			*hooks = (enum hook_choice)choice;
			break;
		}
		case 'Y':
			*policy = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("ipcdump %s\n", PACKAGE_VERSION);
			exit(0);
		case ':':
			log_warnx("-%c needs a value (see -h)", optopt);
			return -1;
		default:
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				log_warnx("unknown option \"%s\" (see -h)", argv[optind - 1]);
			else
				log_warnx("unknown option -%c (see -h)", optopt);
			return -1;
		}
	}
	if (optind < argc) {
		log_warnx("unexpected argument \"%s\" (see -h)", argv[optind]);
		return -1;
	}
	f->contents = bytes ? bytes : dump ? DEFAULT_CONTENT_BYTES : 0;
	return 0;
}

/* Called on the stream's thread: main does the unloading. */
static void finish(struct dump *d, int status)
{
	d->status = status;
	__atomic_store_n(&d->done, true, __ATOMIC_RELEASE);
	pthread_kill(d->main_thread, SIGUSR1);
}

/*
 * One event's lines in one write(2), as soon as they are formatted: as
 * prompt as line buffering on a terminal, a flush per event in a pipe, and
 * a reader never sees half an event.  A write blocked on a full pipe is
 * interrupted by SIGUSR2 once main is stopping (see stop_writer).
 */
static bool emit(struct dump *d)
{
	size_t off = 0;
	bool ok = true;

	if (d->line.failed)
		return false;	/* out of memory: this record is skipped */
	d->writer = pthread_self();
	/* Set writing, then look at stopping; main does the reverse: one of us sees the other. */
	__atomic_store_n(&d->writing, true, __ATOMIC_SEQ_CST);
	while (off < d->line.len) {
		ssize_t n;

		if (__atomic_load_n(&d->stopping, __ATOMIC_SEQ_CST)) {
			ok = false;
			break;
		}
		n = write(STDOUT_FILENO, d->line.data + off, d->line.len - off);
		if (n >= 0) {
			off += (size_t)n;
		} else if (errno != EINTR) {
			/* The reader left (ipcdump | head): that is a normal end. */
			if (errno != EPIPE)
				log_warn("cannot write to stdout");
			finish(d, errno == EPIPE ? 0 : 1);
			ok = false;
			break;
		}
	}
	__atomic_store_n(&d->writing, false, __ATOMIC_SEQ_CST);
	return ok;
}

/*
 * Writes right away: stdout is the only consumer.  If it blocks, the
 * kernel's ring buffer fills and the losses are reported when it drains.
 */
static void deliver(void *ctx, const struct ipc_event *e, const unsigned char *content, int64_t wall_ns)
{
	struct dump *d = ctx;
	const struct event_filter *f = &d->sub.filter;

	/*
	 * Our own writes to stdout are events too: printing them would feed
	 * itself.  On a terminal, what the terminal reads back of them comes
	 * from our pty (as [tty] bytes while it echoes): not those either.
	 */
	if (e->src.tgid == d->self_tgid || __atomic_load_n(&d->done, __ATOMIC_ACQUIRE))
		return;
	if (e->mechanism == IPC_PTY && d->own_tty[0] &&
	    strncmp(e->meta.tty.name, d->own_tty, sizeof(e->meta.tty.name)) == 0)
		return;
	if (d->use_policy && policy_allows_event(&d->policy, e))
		return;
	strbuf_reset(&d->line);
	event_format(&d->line, f->format, e, content, f->contents, wall_ns);
	if (!emit(d))
		return;
	if (f->count && ++d->events >= f->count)
		finish(d, 0);
}

static void lost(void *ctx, unsigned int mechanism, uint64_t count, int64_t wall_ns)
{
	struct dump *d = ctx;
	const char *name = mechanism_name(mechanism);

	if (d->sub.filter.hide_lost || __atomic_load_n(&d->done, __ATOMIC_ACQUIRE))
		return;
	strbuf_reset(&d->line);
	event_format_lost(&d->line, d->sub.filter.format, wall_ns, name ? name : "unknown", count,
			  "ring buffer full");
	emit(d);
}

/* stdout's reader has gone (a pipe's read end closed): a write would fail with EPIPE. */
static bool stdout_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP));
}

/* Interrupts the writer's write(2), if it is in one, until it has seen `stopping`. */
static void stop_writer(struct dump *d)
{
	struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };

	__atomic_store_n(&d->stopping, true, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&d->writing, __ATOMIC_SEQ_CST)) {
		pthread_kill(d->writer, SIGUSR2);
		nanosleep(&pause, NULL);
	}
}

static void interrupt_write(int sig)
{
	(void)sig;
}

/* SIGINT, SIGTERM (the user), SIGUSR1 (the stream's thread is done): 0 when one came, -1 if not yet. */
static int wait_signal(const sigset_t *set, struct dump *d, int *status)
{
	struct timespec tick = { .tv_sec = TICK_SECONDS };
	int sig = sigtimedwait(set, NULL, &tick);

	if (sig == SIGINT || sig == SIGTERM) {
		log_debug("received %s, exiting", sig == SIGINT ? "SIGINT" : "SIGTERM");
		*status = 0;
		return 0;
	}
	if (sig == SIGUSR1 && __atomic_load_n(&d->done, __ATOMIC_ACQUIRE)) {
		*status = d->status;
		return 0;
	}
	if (stdout_gone()) {
		*status = 0;
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct dump d = { 0 };
	struct probe_options opts = { 0 };
	struct event_stream *stream;
	struct probe probe;
	struct sigaction sa = { .sa_handler = interrupt_write };
	sigset_t set;
	time_t last_refresh, last_sweep;
	struct queue_sweep_counts sweep = { 0 };
	int err, status = 1;
	bool verbose = false;
	const char *policy_file = NULL;

	log_init("ipcdump", false);
	event_filter_init(&d.sub.filter);
	d.sub.filter.format = EVENT_FORMAT_TEXT;
	if (parse_args(argc, argv, &d.sub.filter, &verbose, &opts.hooks, &policy_file) < 0)
		return 2;
	log_init("ipcdump", verbose);
	if (policy_file) {
		char why[512];

		if (policy_read(policy_file, &d.policy, why, sizeof(why)) < 0) {
			log_warnx("--policy: %s", why);
			return 2;
		}
		d.use_policy = true;
	}
	opts.verbose = verbose;
	{
		const char *tty = ttyname(STDOUT_FILENO);

		if (tty && strncmp(tty, "/dev/", 5) == 0)
			snprintf(d.own_tty, sizeof(d.own_tty), "%s", tty + 5);
	}
	d.main_thread = pthread_self();
	d.sub.deliver = deliver;
	d.sub.lost = lost;
	d.sub.ctx = &d;

	/* Blocked in every thread (the stream's inherits it); main waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is EPIPE from write, a clean exit */
	sigaction(SIGUSR2, &sa, NULL);	/* no SA_RESTART: it breaks a blocked write */

	if (probe_open(&probe, &opts) < 0)
		return 1;
	d.self_tgid = probe.self_tgid;	/* as the kernel numbers it, in a container too */
	local_addresses_refresh(&probe);
	last_refresh = last_sweep = time(NULL);
	err = event_stream_open(&stream, &probe);
	if (err < 0) {
		log_warnx("cannot open the event stream: %s", strerror(-err));
		probe_close(&probe);
		return 1;
	}
	event_stream_subscribe(stream, &d.sub);

	while (wait_signal(&set, &d, &status) < 0) {
		probe_tick(&probe);
		/* as the exporter does: room for new queues, new addresses */
		if (queue_sweep_due(&probe, &sweep) || time(NULL) - last_sweep >= QUEUE_SWEEP_SECONDS) {
			queue_sweep(&probe, &sweep);
			last_sweep = time(NULL);
		}
		if (time(NULL) - last_refresh >= ADDRESS_REFRESH_SECONDS) {
			local_addresses_refresh(&probe);
			last_refresh = time(NULL);
		}
	}

	stop_writer(&d);
	event_stream_unsubscribe(stream, &d.sub);
	event_stream_close(stream);
	probe_close(&probe);
	strbuf_free(&d.line);
	return status;
}
