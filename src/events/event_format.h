/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events as lines of text: ipcdump's text format, or JSON lines.  Pure
 * logic.
 *
 * Text:  HH:MM:SS.nnnnnnnnn MECHANISM PID(COMM) > PID(COMM): key value, key value
 *        then, with contents, a hex dump (offset, 16 bytes in hex, ASCII).
 * JSON:  {"time":"2026-11-27T17:20:33.123456789Z","mechanism":"pipe",
 *         "src":{"pid":1,"comm":"a"},"dst":{...},"bytes":N,"messages":N,
 *         ...metadata keys...,"content":"BASE64"}
 */
#ifndef EVENT_FORMAT_H
#define EVENT_FORMAT_H

#include <stdint.h>

#include "events/event_filter.h"
#include "ipc_types.h"
#include "util/strbuf.h"

/*
 * One event.  wall_ns: the event's time as nanoseconds since the epoch
 * (the caller converts the kernel's monotonic time).  content has
 * e->content_len bytes; at most `content_max` of them are shown.
 */
void event_format(struct strbuf *out, enum event_format format, const struct ipc_event *e,
		  const unsigned char *content, unsigned int content_max, int64_t wall_ns);

/*
 * A record saying events were lost: `count` events of `mechanism` (or of
 * any mechanism when mechanism is NULL), and why: "ring buffer full" (the
 * kernel's) or "client too slow" (this consumer's own buffer).
 */
void event_format_lost(struct strbuf *out, enum event_format format, int64_t wall_ns, const char *mechanism,
		       uint64_t count, const char *reason);

/* Helpers, exported for the tests. */
void event_format_base64(struct strbuf *out, const unsigned char *data, size_t len);
void event_format_hexdump(struct strbuf *out, const unsigned char *data, size_t len);

#endif
