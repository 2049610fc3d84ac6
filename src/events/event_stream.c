// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "events/event_stream.h"
#include "ipc_exporter.skel.h"
#include "kernel/bpf_loader.h"
#include "util/log.h"

#define POLL_TIMEOUT_MS 100
#define DEFERRED_FLUSH_NS 1000000000LL
#define ALL_MECHANISMS ((1u << IPC_MECHANISM_COUNT) - 1)

struct event_stream {
	struct probe *probe;
	struct ring_buffer *ring;
	pthread_t thread;
	bool stop;
	pthread_mutex_t lock;	/* guards the subscribers and lost counts */
	struct event_subscriber *subscribers;
	unsigned int nsubscribers;
	int64_t wall_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t lost[IPC_MECHANISM_COUNT];
};

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* "pts3" -> "pts/3": the name as /dev/pts/ shows it. */
static void tty_name_as_path(struct ipc_event *e)
{
	char *name = e->meta.tty.name;
	size_t len = strnlen(name, sizeof(e->meta.tty.name));

	if (len > 3 && len + 1 < sizeof(e->meta.tty.name) && strncmp(name, "pts", 3) == 0 && name[3] != '/') {
		memmove(name + 4, name + 3, len - 3 + 1);
		name[3] = '/';
	}
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct event_stream *s = ctx;
	struct ipc_event e;
	const unsigned char *content = (const unsigned char *)data + sizeof(e);
	int64_t wall_ns;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	if (e.content_len > size - sizeof(e))
		e.content_len = 0;	/* never show bytes the record does not hold */
	if (e.meta_kind == IPC_META_TTY)
		tty_name_as_path(&e);
	wall_ns = (int64_t)e.time_ns + s->wall_offset_ns;
	pthread_mutex_lock(&s->lock);
	for (struct event_subscriber *sub = s->subscribers; sub; sub = sub->next)
		if (event_filter_match(&sub->filter, &e))
			sub->deliver(sub->ctx, &e, content, wall_ns);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Tell subscribers what the kernel could not put in the ring since the last look. */
static void check_lost(struct event_stream *s)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 percpu[ncpus > 0 ? ncpus : 1];
	int fd = bpf_map__fd(s->probe->skel->maps.events_lost);

	for (__u32 m = 0; m < IPC_MECHANISM_COUNT; m++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &m, percpu))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			sum += percpu[cpu];
		pthread_mutex_lock(&s->lock);
		if (sum > s->lost[m]) {
			int64_t now = clock_ns(CLOCK_REALTIME);

			for (struct event_subscriber *sub = s->subscribers; sub; sub = sub->next)
				if (!sub->filter.mechanisms || (sub->filter.mechanisms & (1u << m)))
					sub->lost(sub->ctx, m, sum - s->lost[m], now);
			__atomic_store_n(&s->lost[m], sum, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&s->lock);
	}
}

static void *stream_thread(void *arg)
{
	struct event_stream *s = arg;
	int64_t last_flush = 0, now;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		int err = ring_buffer__poll(s->ring, POLL_TIMEOUT_MS);

		if (err < 0 && err != -EINTR) {
			log_warnx("reading the events ring buffer failed: %s", strerror(-err));
			break;
		}
		check_lost(s);
		/*
		 * Map-lock variant (5.10): operations deferred on a busy CPU
		 * become events only when applied; apply them every second
		 * while someone listens, not just before a scrape.
		 */
		now = clock_ns(CLOCK_MONOTONIC);
		if (s->probe->pipe_map_lock && event_stream_subscribers(s) && now - last_flush >= DEFERRED_FLUSH_NS) {
			probe_flush_deferred(s->probe);
			last_flush = now;
		}
	}
	return NULL;
}

/*
 * What the kernel must record: the union of every subscriber's wishes.
 * A subscriber without pid filters wants every pid; otherwise the pids
 * named anywhere in the filters are enough (the exact sides are checked
 * here, in user space).  Call with the lock held.
 */
static void configure_kernel(struct event_stream *s)
{
	struct ipc_exporter_bpf *skel = s->probe->skel;
	struct ipc_event_config cfg = { 0 };
	int pids_fd = bpf_map__fd(skel->maps.event_pids);
	__u32 key, next, zero = 0;
	__u8 one = 1;

	cfg.enabled = s->nsubscribers > 0;
	for (struct event_subscriber *sub = s->subscribers; sub; sub = sub->next) {
		const struct event_filter *f = &sub->filter;

		cfg.mechanisms |= f->mechanisms ? f->mechanisms : ALL_MECHANISMS;
		if (f->contents > cfg.content_max)
			cfg.content_max = f->contents;
		if (!f->npids[EVENT_EITHER] && !f->npids[EVENT_SRC] && !f->npids[EVENT_DST])
			cfg.any_pid = 1;
	}
	if (cfg.content_max > IPC_EVENT_CONTENT_MAX)
		cfg.content_max = IPC_EVENT_CONTENT_MAX;
	/* Off first, so no record is made against a half-written pid set. */
	bpf_map_update_elem(bpf_map__fd(skel->maps.event_config), &zero, &(struct ipc_event_config){ 0 }, BPF_ANY);
	while (bpf_map_get_next_key(pids_fd, NULL, &next) == 0) {
		key = next;
		bpf_map_delete_elem(pids_fd, &key);
	}
	/* more pids than the kernel's set holds: let it record every pid, user space filters */
	if (!cfg.any_pid)
		for (struct event_subscriber *sub = s->subscribers; sub; sub = sub->next)
			for (int side = 0; side < EVENT_SIDES; side++)
				for (unsigned int i = 0; i < sub->filter.npids[side]; i++)
					if (bpf_map_update_elem(pids_fd, &sub->filter.pids[side][i], &one, BPF_ANY))
						cfg.any_pid = 1;
	bpf_map_update_elem(bpf_map__fd(skel->maps.event_config), &zero, &cfg, BPF_ANY);
}

int event_stream_open(struct event_stream **out, struct probe *probe)
{
	struct event_stream *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->probe = probe;
	s->wall_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	pthread_mutex_init(&s->lock, NULL);
	s->ring = ring_buffer__new(bpf_map__fd(probe->skel->maps.events), on_record, s, NULL);
	if (!s->ring) {
		err = -errno;
		log_warnx("cannot open the events ring buffer: %s", strerror(-err));
		free(s);
		return err;
	}
	err = -pthread_create(&s->thread, NULL, stream_thread, s);
	if (err) {
		ring_buffer__free(s->ring);
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

void event_stream_close(struct event_stream *s)
{
	if (!s)
		return;
	__atomic_store_n(&s->stop, true, __ATOMIC_RELAXED);
	pthread_join(s->thread, NULL);
	pthread_mutex_lock(&s->lock);
	s->subscribers = NULL;
	s->nsubscribers = 0;
	configure_kernel(s);
	pthread_mutex_unlock(&s->lock);
	ring_buffer__free(s->ring);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int event_stream_subscribe(struct event_stream *s, struct event_subscriber *sub)
{
	pthread_mutex_lock(&s->lock);
	sub->next = s->subscribers;
	s->subscribers = sub;
	s->nsubscribers++;
	configure_kernel(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void event_stream_unsubscribe(struct event_stream *s, struct event_subscriber *sub)
{
	pthread_mutex_lock(&s->lock);
	for (struct event_subscriber **p = &s->subscribers; *p; p = &(*p)->next) {
		if (*p == sub) {
			*p = sub->next;
			s->nsubscribers--;
			break;
		}
	}
	configure_kernel(s);
	pthread_mutex_unlock(&s->lock);
}

uint32_t event_stream_self_tgid(const struct event_stream *s)
{
	return s->probe->self_tgid;
}

uint64_t event_stream_lost(const struct event_stream *s, unsigned int mechanism)
{
	return mechanism < IPC_MECHANISM_COUNT ? __atomic_load_n(&s->lost[mechanism], __ATOMIC_RELAXED) : 0;
}

unsigned int event_stream_subscribers(const struct event_stream *s)
{
	return __atomic_load_n(&s->nsubscribers, __ATOMIC_RELAXED);
}
