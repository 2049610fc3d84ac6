// SPDX-License-Identifier: GPL-2.0
/*
 * The pipe attribution queue, driven with exact sequences of syscall
 * exits: reads before writes, interleaved writers, pool overflow.
 */
#include <stdio.h>
#include <string.h>

#include "pipe_queue.h"
#include "tap.h"

struct flow_total {
	char src[16], dst[16];
	unsigned long messages, bytes;
};

static struct flow_total flows[32];
static int nflows;

static struct ipc_endpoint ep(const char *name)
{
	struct ipc_endpoint e;

	memset(&e, 0, sizeof(e));
	e.tgid = (__u32)name[0] * 1000 + (__u32)strlen(name);
	snprintf(e.comm, sizeof(e.comm), "%s", name);
	return e;
}

static void add_flow(const char *src, const char *dst, unsigned long messages, unsigned long bytes)
{
	for (int i = 0; i < nflows; i++)
		if (!strcmp(flows[i].src, src) && !strcmp(flows[i].dst, dst)) {
			flows[i].messages += messages;
			flows[i].bytes += bytes;
			return;
		}
	snprintf(flows[nflows].src, 16, "%s", src);
	snprintf(flows[nflows].dst, 16, "%s", dst);
	flows[nflows].messages = messages;
	flows[nflows].bytes = bytes;
	nflows++;
}

/* One syscall exit, settled the way bpf/pipe_attribution.bpf.h settles it. */
static void op(struct pipe_queue *q, const char *who, unsigned int bytes, int is_read)
{
	struct pipe_settlements out;
	struct ipc_endpoint actor = ep(who);

	memset(&out, 0, sizeof(out));
	pipe_queue_match(q, &actor, bytes, 1, is_read, &out);
	for (unsigned int i = 0; i < out.count; i++) {
		if (is_read)
			add_flow(out.matched[i].who.comm, who, out.matched[i].messages, out.matched[i].bytes);
		else
			add_flow(who, out.matched[i].who.comm, out.matched[i].messages, out.matched[i].bytes);
	}
	if (out.unmatched.bytes) {
		if (is_read)
			add_flow("[unknown]", who, 0, out.unmatched.bytes);
		else
			add_flow(who, "[unknown]", out.unmatched.messages, out.unmatched.bytes);
	}
}

static void wr(struct pipe_queue *q, const char *who, unsigned int bytes) { op(q, who, bytes, 0); }

/* A pty master's queue: the slave echoed `bytes` of a master write, whose exit applies them. */
static void echoed(struct pipe_queue *q, unsigned int bytes)
{
	struct pipe_settlements out;
	struct ipc_endpoint tty = ep("[tty]");
	unsigned int pay = pipe_queue_echo_arrived(q, bytes);

	memset(&out, 0, sizeof(out));
	if (pay)
		pipe_queue_match(q, &tty, pay, 0, 0, &out);
	for (unsigned int i = 0; i < out.count; i++)
		add_flow("[tty]", out.matched[i].who.comm, out.matched[i].messages, out.matched[i].bytes);
}

/* A master read of `bytes`, `made` of them \r the slave added. */
static void rd_master(struct pipe_queue *q, const char *who, unsigned int bytes, unsigned int made)
{
	unsigned int unsourced = pipe_queue_echo_read(q, bytes, made);

	if (unsourced)
		add_flow("[tty]", who, 0, unsourced);
	if (bytes > unsourced)
		op(q, who, bytes - unsourced, 1);
}
static void rd(struct pipe_queue *q, const char *who, unsigned int bytes) { op(q, who, bytes, 1); }

static const char *flow_text(void)
{
	static char text[1024];
	size_t len = 0;

	text[0] = '\0';
	for (int i = 0; i < nflows; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s>%s %lu/%lu", i ? ", " : "", flows[i].src,
					flows[i].dst, flows[i].messages, flows[i].bytes);
	return text;
}

static void reset(struct pipe_queue *q)
{
	memset(q, 0, sizeof(*q));
	memset(flows, 0, sizeof(flows));
	nflows = 0;
}

int main(void)
{
	struct pipe_queue q;

	reset(&q);
	wr(&q, "w", 100);
	rd(&q, "r", 100);
	tap_str_eq(flow_text(), "w>r 1/100", "write then read");

	reset(&q);
	rd(&q, "r", 100);
	tap_str_eq(flow_text(), "", "a read that exits first settles nothing yet");
	wr(&q, "w", 100);
	tap_str_eq(flow_text(), "w>r 1/100", "read before write: settled by the write");
	tap_ok(q.count == 0 && q.pooled == 0, "queue empty afterwards");

	reset(&q);
	wr(&q, "a", 50);
	wr(&q, "b", 70);
	rd(&q, "r", 30);
	rd(&q, "r", 90);
	tap_str_eq(flow_text(), "a>r 1/50, b>r 1/70", "two writers, reads across their boundary");

	reset(&q);
	rd(&q, "r1", 60);
	rd(&q, "r2", 40);
	wr(&q, "w", 100);
	tap_str_eq(flow_text(), "w>r1 1/60, w>r2 0/40", "one write paying two readers' debts: message to the first");

	reset(&q);
	wr(&q, "w", 10);
	rd(&q, "r", 4);
	rd(&q, "r2", 6);
	tap_str_eq(flow_text(), "w>r 1/4, w>r2 0/6", "a write split across readers: message with the first byte");

	reset(&q);
	rd(&q, "r", 25);
	wr(&q, "w", 10);
	wr(&q, "w", 10);
	wr(&q, "w", 10);
	tap_str_eq(flow_text(), "w>r 3/25", "debt paid by three writes (3 messages), then a credit left");
	tap_ok(q.count == 1 && !q.holds_debts && q.shares[q.first].bytes == 5, "5 bytes stay as credit");

	/* Same writer, queue full: merged into the tail. */
	reset(&q);
	for (int i = 0; i < 20; i++)
		wr(&q, "w", 100);
	tap_ok(q.count == PIPE_QUEUE_SLOTS && q.pooled == 0, "20 writes of one writer fit the ordered queue (merged)");
	for (int i = 0; i < 20; i++)
		rd(&q, i % 2 ? "r2" : "r1", 100);
	tap_str_eq(flow_text(), "w>r1 10/1000, w>r2 10/1000", "merged shares keep one message per aligned read");

	/* Two writers alternating past the ordered queue: the pool takes them. */
	reset(&q);
	for (int i = 0; i < 100; i++) {
		wr(&q, "a", 100);
		wr(&q, "b", 30);
	}
	tap_ok(q.count == PIPE_QUEUE_SLOTS && q.pooled == 2, "alternating writers overflow into a pool of two");
	rd(&q, "r", 7000);
	rd(&q, "r", 6000);
	tap_str_eq(flow_text(), "a>r 100/10000, b>r 100/3000", "one reader drains ordered and pooled shares exactly");
	tap_ok(q.count == 0 && q.pooled == 0, "queue empty afterwards");

	/* While the pool holds data new writes queue behind it, not before. */
	reset(&q);
	for (int i = 0; i < 5; i++) {
		wr(&q, "a", 10);
		wr(&q, "b", 10);
	}
	rd(&q, "r", 95);
	wr(&q, "c", 10);
	rd(&q, "r", 15);
	tap_str_eq(flow_text(), "a>r 5/50, b>r 5/50, c>r 1/10", "a write after the pool drains after it");

	/* More distinct writers than pool entries: counted against [unknown]. */
	reset(&q);
	for (int i = 0; i < PIPE_QUEUE_SLOTS / 2; i++) {
		wr(&q, "a", 1);
		wr(&q, "b", 1);
	}
	wr(&q, "c", 1);
	wr(&q, "d", 1);
	wr(&q, "e", 1);
	wr(&q, "f", 1);
	wr(&q, "g", 1);
	tap_str_eq(flow_text(), "g>[unknown] 1/1", "a fifth pooled writer is counted, with an unknown reader");
	rd(&q, "r", 12);
	tap_str_eq(flow_text(), "g>[unknown] 1/1, a>r 4/4, b>r 4/4, c>r 1/1, d>r 1/1, e>r 1/1, f>r 1/1",
		   "everything else still reaches its reader");

	/* Credit waiting to be read: ordered shares and pool; none while debts are queued. */
	reset(&q);
	tap_ok(pipe_queue_credit(&q) == 0, "empty queue: no credit");
	for (int i = 0; i < PIPE_QUEUE_SLOTS; i++) {
		wr(&q, "a", 3);
		wr(&q, "b", 4);
	}
	tap_ok(pipe_queue_credit(&q) == PIPE_QUEUE_SLOTS * 7, "credit counts ordered and pooled shares");
	rd(&q, "r", 10);
	tap_ok(pipe_queue_credit(&q) == PIPE_QUEUE_SLOTS * 7 - 10, "a read takes its bytes off the credit");
	reset(&q);
	rd(&q, "r", 10);
	tap_ok(pipe_queue_credit(&q) == 0, "a queue of debts holds no credit");

	/* A pty master's queue and the slave's echo of master writes. */
	reset(&q);
	echoed(&q, 6);
	rd_master(&q, "m", 6, 0);
	tap_str_eq(flow_text(), "[tty]>m 0/6", "echo applied before the read: taken as pending echo");
	tap_ok(q.echo_pending == 0 && q.count == 0, "nothing left");

	reset(&q);
	rd_master(&q, "m", 6, 0);
	tap_str_eq(flow_text(), "", "echo read before the master write returned: a debt");
	echoed(&q, 6);
	tap_str_eq(flow_text(), "[tty]>m 0/6", "the write's echo pays it");
	tap_ok(q.echo_pending == 0 && q.count == 0, "no echo left pending, no debt left");

	reset(&q);
	rd_master(&q, "m", 4, 0);
	echoed(&q, 6);
	rd_master(&q, "m", 2, 0);
	tap_str_eq(flow_text(), "[tty]>m 0/6", "echo read partly before, partly after the write returned");

	reset(&q);
	wr(&q, "s", 10);
	echoed(&q, 6);
	tap_ok(q.echo_pending == 6, "no debts: the echo waits");
	rd_master(&q, "m", 18, 2);
	tap_str_eq(flow_text(), "[tty]>m 0/8, s>m 1/10", "slave output, \\r and echo in one read");

	reset(&q);
	rd_master(&q, "m", 10, 0);
	echoed(&q, 4);
	wr(&q, "s", 10);
	rd_master(&q, "m", 4, 0);
	tap_str_eq(flow_text(), "[tty]>m 0/4, s>m 1/10",
		   "a slave write still running and an echo: its debt paid partly by the echo, totals exact");
	return tap_done();
}
