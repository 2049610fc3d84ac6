// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "util/monotonic.h"
#include "web/shared_page.h"

void shared_page_init(struct shared_page *sp)
{
	memset(sp, 0, sizeof(*sp));
	pthread_mutex_init(&sp->lock, NULL);
}

void shared_page_free(struct shared_page *sp)
{
	strbuf_free(&sp->page);
	pthread_mutex_destroy(&sp->lock);
}

int shared_page_get(struct shared_page *sp, uint64_t arrived_ns, int (*render)(void *ctx, struct strbuf *page),
		    void *ctx, struct strbuf *out)
{
	int err = 0;

	__atomic_add_fetch(&sp->waiting, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&sp->lock);
	if (sp->valid && sp->started_ns >= arrived_ns) {
		__atomic_add_fetch(&sp->shared, 1, __ATOMIC_RELAXED);
	} else {
		strbuf_free(&sp->page);
		sp->started_ns = monotonic_ns();
		err = render(ctx, &sp->page);
		sp->valid = err == 0 && !sp->page.failed;
		if (!sp->valid && !err)
			err = -ENOMEM;
	}
	if (sp->valid) {
		strbuf_append(out, sp->page.data, sp->page.len);
		if (out->failed) {
			strbuf_free(out);
			err = -ENOMEM;
		}
	}
	/* The last one out lets the page go: an idle exporter holds no copy of it. */
	if (__atomic_sub_fetch(&sp->waiting, 1, __ATOMIC_ACQ_REL) == 0) {
		strbuf_free(&sp->page);
		sp->valid = false;
	}
	pthread_mutex_unlock(&sp->lock);
	return err;
}
