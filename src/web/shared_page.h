/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scrapes that arrive together share one drain of the kernel and one
 * rendering: a scrape waiting while a page is being made takes the next
 * page begun after it arrived, instead of draining again behind it.
 */
#ifndef SHARED_PAGE_H
#define SHARED_PAGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/strbuf.h"

struct shared_page {
	pthread_mutex_t lock;	/* held while a page is made */
	struct strbuf page;	/* the last page, kept while scrapes wait */
	uint64_t started_ns;	/* CLOCK_MONOTONIC: when its drain began */
	bool valid;
	unsigned int waiting;	/* atomic: scrapes between arrival and their copy */
	uint64_t shared;	/* atomic: scrapes answered with a page another one made */
};

void shared_page_init(struct shared_page *sp);
void shared_page_free(struct shared_page *sp);

/*
 * Into out (empty), a page whose drain began at or after arrived_ns: the
 * one just made, or a new one from render(ctx, page).  0, or what render
 * returned (<0: out is left empty).
 */
int shared_page_get(struct shared_page *sp, uint64_t arrived_ns, int (*render)(void *ctx, struct strbuf *page),
		    void *ctx, struct strbuf *out);

#endif
