// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "events/event_format.h"
#include "kernel/ipc_names.h"

#define NS_PER_SEC 1000000000LL

/* Seconds rounded down, so that times before 1970 keep a positive fraction. */
static void split_time(int64_t wall_ns, time_t *sec, long *nsec)
{
	int64_t s = wall_ns / NS_PER_SEC, ns = wall_ns % NS_PER_SEC;

	if (ns < 0) {
		ns += NS_PER_SEC;
		s--;
	}
	*sec = (time_t)s;
	*nsec = (long)ns;
}

/* ipcdump's clock: local time of day. */
static void append_clock(struct strbuf *out, int64_t wall_ns)
{
	struct tm tm = { 0 };
	time_t sec;
	long nsec;

	split_time(wall_ns, &sec, &nsec);
	localtime_r(&sec, &tm);
	strbuf_printf(out, "%02d:%02d:%02d.%09ld", tm.tm_hour, tm.tm_min, tm.tm_sec, nsec);
}

static void append_rfc3339(struct strbuf *out, int64_t wall_ns)
{
	struct tm tm = { 0 };
	time_t sec;
	long nsec;

	split_time(wall_ns, &sec, &nsec);
	gmtime_r(&sec, &tm);
	strbuf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		      tm.tm_hour, tm.tm_min, tm.tm_sec, nsec);
}

/*
 * Names and paths come from processes and may hold any bytes: in text
 * everything but printable ASCII is escaped, so a line stays one line and
 * cannot drive the terminal.
 */
static void append_text(struct strbuf *out, const char *s, size_t max)
{
	size_t i, len = strnlen(s, max);

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			strbuf_puts(out, "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			strbuf_append(out, &s[i], 1);
		else
			strbuf_printf(out, "\\x%02x", c);
	}
}

/* Length of the valid UTF-8 sequence at s (left bytes remain), or 0. */
static size_t utf8_sequence_length(const unsigned char *s, size_t left)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xf0 && s[1] < 0x90))
		return 0;	/* overlong */
	if (s[0] == 0xed && s[1] >= 0xa0)
		return 0;	/* surrogate */
	if (s[0] == 0xf4 && s[1] >= 0x90)
		return 0;	/* past U+10FFFF */
	return n;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD so the line stays valid JSON. */
static void append_json_string(struct strbuf *out, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strnlen(str, max), i = 0;

	strbuf_append(out, "\"", 1);
	while (i < len) {
		size_t n = utf8_sequence_length(s + i, len - i);

		if (n == 0) {
			strbuf_puts(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (s[i] == '"' || s[i] == '\\')
			strbuf_printf(out, "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] == 0x7f)
			strbuf_printf(out, "\\u%04x", s[i]);
		else
			strbuf_append(out, (const char *)s + i, n);
		i += n;
	}
	strbuf_append(out, "\"", 1);
}

void event_format_base64(struct strbuf *out, const unsigned char *data, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i < len; i += 3) {
		unsigned int v = (unsigned int)data[i] << 16;
		char quad[4];

		if (i + 1 < len)
			v |= (unsigned int)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		quad[0] = alphabet[v >> 18 & 63];
		quad[1] = alphabet[v >> 12 & 63];
		quad[2] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		quad[3] = i + 2 < len ? alphabet[v & 63] : '=';
		strbuf_append(out, quad, 4);
	}
}

/* hexdump -C's layout, indented under the event's line. */
void event_format_hexdump(struct strbuf *out, const unsigned char *data, size_t len)
{
	size_t off, i;

	for (off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		strbuf_printf(out, "  %04zx ", off);
		for (i = 0; i < 16; i++) {
			if (i == 8)
				strbuf_append(out, " ", 1);
			if (i < n)
				strbuf_printf(out, " %02x", data[off + i]);
			else
				strbuf_puts(out, "   ");
		}
		strbuf_puts(out, "  |");
		for (i = 0; i < n; i++) {
			char c = data[off + i] >= 0x20 && data[off + i] < 0x7f ? (char)data[off + i] : '.';

			strbuf_append(out, &c, 1);
		}
		strbuf_puts(out, "|\n");
	}
}

static const char *event_mechanism(const struct ipc_event *e)
{
	const char *name = mechanism_name(e->mechanism);

	return name ? name : "unknown";
}

static const char *signal_result(uint32_t result)
{
	switch (result) {
	case IPC_SIGNAL_DELIVERED:
		return "delivered";
	case IPC_SIGNAL_IGNORED:
		return "ignored";
	case IPC_SIGNAL_ALREADY_PENDING:
		return "already pending";
	}
	return "unknown";
}

/* IPv4-mapped addresses (::ffff:a.b.c.d) are shown as IPv4. */
static bool address_is_v4(const struct ipc_address *a)
{
	return a->words[0] == 0 && a->words[1] == 0 && a->words[2] == htonl(0xffff);
}

static const char *address_text(const struct ipc_address *a, char *buf, size_t size)
{
	if (!inet_ntop(address_is_v4(a) ? AF_INET : AF_INET6, address_is_v4(a) ? &a->words[3] : a->words, buf,
		       (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

/* Placeholders ("[kernel]", "[tty]") stand for no process: no pid to show. */
static bool is_placeholder(const struct ipc_endpoint *p)
{
	return p->tgid == IPC_TGID_KERNEL && p->comm[0] == '[';
}

static void text_endpoint(struct strbuf *out, const struct ipc_endpoint *p)
{
	if (is_placeholder(p)) {
		append_text(out, p->comm, IPC_COMM_LEN);
		return;
	}
	strbuf_printf(out, "%u(", p->tgid);
	append_text(out, p->comm, IPC_COMM_LEN);
	strbuf_append(out, ")", 1);
}

/* ", " between the `key value` items after the colon */
static void text_item(struct strbuf *out, unsigned int *items)
{
	strbuf_puts(out, (*items)++ ? ", " : " ");
}

static void text_inode_path(struct strbuf *out, unsigned int *items, uint64_t ino, const char *path)
{
	text_item(out, items);
	strbuf_printf(out, "inode %llu", (unsigned long long)ino);
	if (path[0]) {
		text_item(out, items);
		strbuf_puts(out, "path ");
		append_text(out, path, IPC_EVENT_PATH_MAX);
	}
}

static void text_address(struct strbuf *out, unsigned int *items, const char *key, const struct ipc_address *a,
			 unsigned int port)
{
	char buf[INET6_ADDRSTRLEN];

	text_item(out, items);
	strbuf_printf(out, address_is_v4(a) ? "%s %s:%u" : "%s [%s]:%u", key, address_text(a, buf, sizeof(buf)),
		      port);
}

/* Which end's thread made the event, or NULL when it is not known. */
static const char *thread_side(const struct ipc_event *e)
{
	switch (e->thread_side) {
	case IPC_EVENT_THREAD_SRC:
		return "src";
	case IPC_EVENT_THREAD_DST:
		return "dst";
	}
	return NULL;
}

static void text_event(struct strbuf *out, const struct ipc_event *e)
{
	unsigned int items = 0;
	char name[32];

	strbuf_printf(out, " %s ", event_mechanism(e));
	text_endpoint(out, &e->src);
	strbuf_puts(out, " > ");
	text_endpoint(out, &e->dst);
	strbuf_append(out, ":", 1);
	switch (e->meta_kind) {
	case IPC_META_PIPE:
		text_inode_path(out, &items, e->meta.pipe.ino, e->meta.pipe.path);
		break;
	case IPC_META_UNIX:
		text_inode_path(out, &items, e->meta.socket.ino, e->meta.socket.path);
		break;
	case IPC_META_INET:
		text_address(out, &items, "src", &e->meta.inet.src_addr, e->meta.inet.src_port);
		text_address(out, &items, "dst", &e->meta.inet.dst_addr, e->meta.inet.dst_port);
		break;
	case IPC_META_TTY:
		text_item(out, &items);
		strbuf_puts(out, "tty ");
		append_text(out, e->meta.tty.name, sizeof(e->meta.tty.name));
		break;
	}
	if (e->mechanism == IPC_SIGNAL) {
		signal_name(e->signal, name, sizeof(name));
		text_item(out, &items);
		strbuf_printf(out, "signal %s (%u)", name, (unsigned int)e->signal);
		if (e->meta_kind == IPC_META_SIGNAL) {
			text_item(out, &items);
			strbuf_printf(out, "code %d, %s", e->meta.signal.code, signal_result(e->meta.signal.result));
		}
	} else {
		text_item(out, &items);
		strbuf_printf(out, "bytes %llu", (unsigned long long)e->bytes);
	}
	if (thread_side(e)) {
		text_item(out, &items);
		strbuf_printf(out, "%s thread %u(", thread_side(e), e->thread_id);
		append_text(out, e->thread_comm, IPC_COMM_LEN);
		strbuf_append(out, ")", 1);
	}
	strbuf_append(out, "\n", 1);
}

static void json_endpoint(struct strbuf *out, const char *key, const struct ipc_endpoint *p)
{
	strbuf_printf(out, ",\"%s\":{\"pid\":%u,\"comm\":", key, p->tgid);
	append_json_string(out, p->comm, IPC_COMM_LEN);
	strbuf_append(out, "}", 1);
}

static void json_inode_path(struct strbuf *out, uint64_t ino, const char *path)
{
	strbuf_printf(out, ",\"inode\":%llu", (unsigned long long)ino);
	if (path[0]) {
		strbuf_puts(out, ",\"path\":");
		append_json_string(out, path, IPC_EVENT_PATH_MAX);
	}
}

static void json_event(struct strbuf *out, const struct ipc_event *e)
{
	char buf[INET6_ADDRSTRLEN];

	strbuf_printf(out, ",\"mechanism\":\"%s\"", event_mechanism(e));
	json_endpoint(out, "src", &e->src);
	json_endpoint(out, "dst", &e->dst);
	if (e->mechanism != IPC_SIGNAL)
		strbuf_printf(out, ",\"bytes\":%llu,\"messages\":%u", (unsigned long long)e->bytes, e->messages);
	switch (e->meta_kind) {
	case IPC_META_PIPE:
		json_inode_path(out, e->meta.pipe.ino, e->meta.pipe.path);
		break;
	case IPC_META_UNIX:
		json_inode_path(out, e->meta.socket.ino, e->meta.socket.path);
		break;
	case IPC_META_INET:
		strbuf_printf(out, ",\"src_addr\":\"%s\",\"src_port\":%u",
			      address_text(&e->meta.inet.src_addr, buf, sizeof(buf)), e->meta.inet.src_port);
		strbuf_printf(out, ",\"dst_addr\":\"%s\",\"dst_port\":%u",
			      address_text(&e->meta.inet.dst_addr, buf, sizeof(buf)), e->meta.inet.dst_port);
		break;
	case IPC_META_TTY:
		strbuf_puts(out, ",\"tty\":");
		append_json_string(out, e->meta.tty.name, sizeof(e->meta.tty.name));
		break;
	}
	if (e->mechanism == IPC_SIGNAL) {
		signal_name(e->signal, buf, sizeof(buf));
		strbuf_printf(out, ",\"signal\":\"%s\",\"signo\":%u", buf, (unsigned int)e->signal);
		if (e->meta_kind == IPC_META_SIGNAL)
			strbuf_printf(out, ",\"code\":%d,\"result\":\"%s\"", e->meta.signal.code,
				      signal_result(e->meta.signal.result));
	}
	if (thread_side(e)) {
		strbuf_printf(out, ",\"thread\":{\"end\":\"%s\",\"tid\":%u,\"comm\":", thread_side(e), e->thread_id);
		append_json_string(out, e->thread_comm, IPC_COMM_LEN);
		strbuf_append(out, "}", 1);
	}
}

void event_format(struct strbuf *out, enum event_format format, const struct ipc_event *e,
		  const unsigned char *content, unsigned int content_max, int64_t wall_ns)
{
	unsigned int shown = content && content_max ? e->content_len : 0;
	bool truncated, unavailable = content_max && (e->flags & IPC_EVENT_CONTENT_UNAVAILABLE);

	if (shown > content_max)
		shown = content_max;
	truncated = shown && ((e->flags & IPC_EVENT_CONTENT_TRUNCATED) || e->bytes > shown);
	if (format == EVENT_FORMAT_TEXT) {
		append_clock(out, wall_ns);
		text_event(out, e);
		event_format_hexdump(out, content, shown);
		if (truncated)
			strbuf_printf(out, "  ... (%u of %llu bytes shown)\n", shown, (unsigned long long)e->bytes);
		if (unavailable)
			strbuf_puts(out, "  (contents not available)\n");
		return;
	}
	strbuf_puts(out, "{\"time\":\"");
	append_rfc3339(out, wall_ns);
	strbuf_append(out, "\"", 1);
	json_event(out, e);
	if (shown) {
		strbuf_puts(out, ",\"content\":\"");
		event_format_base64(out, content, shown);
		strbuf_append(out, "\"", 1);
	}
	if (truncated)
		strbuf_puts(out, ",\"content_truncated\":true");
	if (unavailable)
		strbuf_puts(out, ",\"content_unavailable\":true");
	strbuf_puts(out, "}\n");
}

void event_format_lost(struct strbuf *out, enum event_format format, int64_t wall_ns, const char *mechanism,
		       uint64_t count, const char *reason)
{
	if (!mechanism)
		mechanism = "all";
	if (format == EVENT_FORMAT_TEXT) {
		append_clock(out, wall_ns);
		strbuf_printf(out, " lost %llu events (", (unsigned long long)count);
		append_text(out, mechanism, strlen(mechanism));
		strbuf_puts(out, "): ");
		append_text(out, reason, strlen(reason));
		strbuf_append(out, "\n", 1);
		return;
	}
	strbuf_puts(out, "{\"time\":\"");
	append_rfc3339(out, wall_ns);
	strbuf_printf(out, "\",\"lost\":%llu,\"mechanism\":", (unsigned long long)count);
	append_json_string(out, mechanism, strlen(mechanism));
	strbuf_puts(out, ",\"reason\":");
	append_json_string(out, reason, strlen(reason));
	strbuf_puts(out, "}\n");
}
