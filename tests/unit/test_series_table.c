// SPDX-License-Identifier: GPL-2.0
/* The running totals: add, find, growth past many entries, sorted order. */
#include <stdio.h>
#include <stdlib.h>

#include "metrics/series_table.h"
#include "tap.h"

static struct series_key key(int mechanism, const char *src, const char *dst)
{
	struct series_key k;

	memset(&k, 0, sizeof(k));
	k.mechanism = (uint8_t)mechanism;
	snprintf(k.src_comm, sizeof(k.src_comm), "%s", src);
	snprintf(k.dst_comm, sizeof(k.dst_comm), "%s", dst);
	return k;
}

/* Every 997th of the series "pN" -> "sink" (mechanism 2) has N bytes. */
static int sampled_totals_found(const struct series_table *t)
{
	const struct series *s;
	char name[16];

	for (int i = 0; i < 100000; i += 997) {
		struct series_key k;

		snprintf(name, sizeof(name), "p%d", i);
		k = key(2, name, "sink");
		s = series_table_find(t, &k);
		if (!s || s->bytes != (uint64_t)i)
			return 0;
	}
	return 1;
}

int main(void)
{
	struct series_table t = { 0 };
	struct series_key a = key(0, "writer", "reader"), b = key(1, "writer", "reader");
	const struct series *s, *sorted;
	char name[16];

	tap_ok(series_table_find(&t, &a) == NULL, "empty table finds nothing");
	series_table_add(&t, &a, 2, 200);
	series_table_add(&t, &a, 3, 300);
	series_table_add(&t, &b, 1, 10);
	s = series_table_find(&t, &a);
	tap_ok(s && s->messages == 5 && s->bytes == 500, "totals of one key add up (5 messages, 500 bytes)");
	s = series_table_find(&t, &b);
	tap_ok(s && s->messages == 1 && s->bytes == 10, "same names, other mechanism: a separate series");
	tap_ok(t.count == 2, "two series");

	for (int i = 0; i < 100000; i++) {
		struct series_key k;

		snprintf(name, sizeof(name), "p%d", i);
		k = key(2, name, "sink");
		series_table_add(&t, &k, 1, (uint64_t)i);
	}
	tap_ok(t.count == 100002, "100000 more series after growth (count %zu)", t.count);
	tap_ok(sampled_totals_found(&t), "entries keep their totals across growth");

	series_table_sort(&t);
	sorted = t.entries;
	tap_ok(sorted[0].key.mechanism == 0 && sorted[1].key.mechanism == 1, "sorted by mechanism first");
	tap_ok(strcmp(sorted[2].key.src_comm, "p0") == 0 && strcmp(sorted[3].key.src_comm, "p1") == 0 &&
		       strcmp(sorted[4].key.src_comm, "p10") == 0,
	       "then by source name");
	tap_ok(sampled_totals_found(&t), "entries are found with their totals after sorting");
	/* Series added after a sort are put in their place by the next one. */
	{
		struct series_key k = key(2, "p00", "sink");

		series_table_add(&t, &k, 1, 7);
		series_table_sort(&t);
		tap_ok(strcmp(t.entries[2].key.src_comm, "p0") == 0 && strcmp(t.entries[3].key.src_comm, "p00") == 0 &&
			       t.entries[3].bytes == 7 && series_table_find(&t, &k) == &t.entries[3],
		       "a series added after sorting takes its place at the next sort");
	}
	series_table_free(&t);
	return tap_done();
}
