// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "util/monotonic.h"
#include "web/connection_guard.h"

/* The sweep's period: a deadline is kept to within this. */
#define GUARD_TICK_MS 250

struct connection_guard {
	pthread_mutex_t lock;		/* guards deadline_ns and high */
	pthread_cond_t wake;		/* closing */
	uint64_t *deadline_ns;		/* by socket: 0, none (not ours, or a request in progress) */
	const void **owner;		/* by socket: what serves it */
	uint8_t *idle;			/* by socket: between two requests */
	int slots;			/* sockets below this are tracked: the descriptor limit */
	int high;			/* one past the highest socket with a deadline */
	uint64_t header_ns, idle_ns;
	uint64_t cut;			/* atomic */
	bool closing;
	pthread_t thread;
};

static void set_deadline(struct connection_guard *g, int fd, uint64_t ns, bool idle)
{
	if (fd < 0 || fd >= g->slots)
		return;
	pthread_mutex_lock(&g->lock);
	g->deadline_ns[fd] = ns;
	g->idle[fd] = idle;
	if (ns && fd >= g->high)
		g->high = fd + 1;
	pthread_mutex_unlock(&g->lock);
}

void connection_guard_started(struct connection_guard *g, int fd, const void *owner)
{
	if (fd >= 0 && fd < g->slots) {
		pthread_mutex_lock(&g->lock);
		g->owner[fd] = owner;
		pthread_mutex_unlock(&g->lock);
	}
	set_deadline(g, fd, monotonic_ns() + g->header_ns, false);
}

void connection_guard_request_read(struct connection_guard *g, int fd)
{
	set_deadline(g, fd, 0, false);
}

void connection_guard_request_done(struct connection_guard *g, int fd)
{
	set_deadline(g, fd, monotonic_ns() + g->idle_ns, true);
}

void connection_guard_close_idle(struct connection_guard *g, const void *owner)
{
	pthread_mutex_lock(&g->lock);
	for (int fd = 0; fd < g->high; fd++)
		if (g->idle[fd] && g->deadline_ns[fd] && g->owner[fd] == owner)
			shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&g->lock);
}

/*
 * Called before libmicrohttpd closes the socket: once the entry is gone the
 * sweep cannot shut down a descriptor number reused by something else.
 */
void connection_guard_closed(struct connection_guard *g, int fd)
{
	set_deadline(g, fd, 0, false);
	if (fd >= 0 && fd < g->slots) {
		pthread_mutex_lock(&g->lock);
		g->owner[fd] = NULL;
		pthread_mutex_unlock(&g->lock);
	}
}

uint64_t connection_guard_cut(const struct connection_guard *g)
{
	return __atomic_load_n(&g->cut, __ATOMIC_RELAXED);
}

/* Shuts late sockets down: libmicrohttpd then sees the end of the stream and closes the connection. */
static void *guard_thread(void *arg)
{
	struct connection_guard *g = arg;
	struct timespec next;
	uint64_t now;

	pthread_mutex_lock(&g->lock);
	while (!g->closing) {
		now = monotonic_ns();
		for (int fd = 0; fd < g->high; fd++) {
			if (!g->deadline_ns[fd] || g->deadline_ns[fd] > now)
				continue;
			g->deadline_ns[fd] = 0;
			shutdown(fd, SHUT_RDWR);
			__atomic_add_fetch(&g->cut, 1, __ATOMIC_RELAXED);
		}
		while (g->high > 0 && !g->deadline_ns[g->high - 1])
			g->high--;
		clock_gettime(CLOCK_MONOTONIC, &next);
		next.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &next);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* The guard's memory: what calloc gave, some of it possibly NULL. */
static void guard_free(struct connection_guard *g)
{
	free(g->deadline_ns);
	free(g->owner);
	free(g->idle);
	free(g);
}

int connection_guard_open(struct connection_guard **out, unsigned int header_seconds, unsigned int idle_seconds)
{
	struct connection_guard *g = calloc(1, sizeof(*g));
	pthread_condattr_t attr;
	struct rlimit files;
	int err;

	if (!g)
		return -ENOMEM;
	g->slots = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < (1u << 20) ? (int)files.rlim_cur : 1 << 20;
	g->deadline_ns = calloc((size_t)g->slots, sizeof(*g->deadline_ns));
	g->owner = calloc((size_t)g->slots, sizeof(*g->owner));
	g->idle = calloc((size_t)g->slots, sizeof(*g->idle));
	if (!g->deadline_ns || !g->owner || !g->idle) {
		guard_free(g);
		return -ENOMEM;
	}
	g->header_ns = (uint64_t)header_seconds * NS_PER_SECOND;
	g->idle_ns = (uint64_t)idle_seconds * NS_PER_SECOND;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &attr);
	pthread_condattr_destroy(&attr);
	err = pthread_create(&g->thread, NULL, guard_thread, g);
	if (err) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		guard_free(g);
		return -err;
	}
	*out = g;
	return 0;
}

void connection_guard_close(struct connection_guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->closing = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	guard_free(g);
}
