// SPDX-License-Identifier: GPL-2.0
/* Events and lost-event records as text and JSON lines; base64; hex dumps. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events/event_format.h"
#include "ipc_types.h"
#include "tap.h"

/* 2026-11-27T17:20:33.123456789Z */
#define WALL_NS (1795800033LL * 1000000000LL + 123456789LL)
#define TIME_JSON "{\"time\":\"2026-11-27T17:20:33.123456789Z\""
#define TIME_TEXT "17:20:33.123456789"
#define FFFD "\xef\xbf\xbd"

static struct strbuf out;

static const char *text(const struct ipc_event *e, const unsigned char *content, unsigned int content_max)
{
	strbuf_reset(&out);
	event_format(&out, EVENT_FORMAT_TEXT, e, content, content_max, WALL_NS);
	return out.data ? out.data : "";
}

static const char *json(const struct ipc_event *e, const unsigned char *content, unsigned int content_max)
{
	strbuf_reset(&out);
	event_format(&out, EVENT_FORMAT_JSON, e, content, content_max, WALL_NS);
	return out.data ? out.data : "";
}

static const char *base64(const void *data, size_t len)
{
	strbuf_reset(&out);
	strbuf_puts(&out, "");
	event_format_base64(&out, data, len);
	return out.data;
}

static const char *hexdump(const void *data, size_t len)
{
	strbuf_reset(&out);
	strbuf_puts(&out, "");
	event_format_hexdump(&out, data, len);
	return out.data;
}

/* As the kernel stores it: NUL-padded, no NUL when all 16 bytes are used. */
static void set_comm(char comm[IPC_COMM_LEN], const char *name)
{
	size_t len = strlen(name);

	memcpy(comm, name, len < IPC_COMM_LEN ? len : IPC_COMM_LEN);
}

static struct ipc_event event(unsigned int mechanism, unsigned int meta_kind, uint32_t src, const char *src_comm,
			      uint32_t dst, const char *dst_comm, uint64_t bytes)
{
	struct ipc_event e;

	memset(&e, 0, sizeof(e));
	e.mechanism = (uint8_t)mechanism;
	e.meta_kind = (uint8_t)meta_kind;
	e.src.tgid = src;
	e.dst.tgid = dst;
	set_comm(e.src.comm, src_comm);
	set_comm(e.dst.comm, dst_comm);
	e.bytes = bytes;
	e.messages = 1;
	return e;
}

static void v4(struct ipc_address *a, const char *text)
{
	memset(a, 0, sizeof(*a));
	a->words[2] = htonl(0xffff);
	inet_pton(AF_INET, text, &a->words[3]);
}

static void test_pipes_and_sockets(void)
{
	struct ipc_event e = event(IPC_PIPE, IPC_META_PIPE, 100, "writer", 200, "reader", 5);

	e.meta.pipe.ino = 4242;
	tap_str_eq(text(&e, NULL, 0), TIME_TEXT " pipe 100(writer) > 200(reader): inode 4242, bytes 5\n", "pipe: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"pipe\",\"src\":{\"pid\":100,\"comm\":\"writer\"},"
			     "\"dst\":{\"pid\":200,\"comm\":\"reader\"},\"bytes\":5,\"messages\":1,\"inode\":4242}\n",
		   "pipe: JSON");

	e = event(IPC_FIFO, IPC_META_PIPE, 100, "writer", 200, "reader", 12);
	e.messages = 3;
	e.meta.pipe.ino = 77;
	strcpy(e.meta.pipe.path, "/tmp/my fifo");
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " fifo 100(writer) > 200(reader): inode 77, path /tmp/my fifo, bytes 12\n", "FIFO: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"fifo\",\"src\":{\"pid\":100,\"comm\":\"writer\"},"
			     "\"dst\":{\"pid\":200,\"comm\":\"reader\"},\"bytes\":12,\"messages\":3,\"inode\":77,"
			     "\"path\":\"/tmp/my fifo\"}\n",
		   "FIFO: JSON");

	e = event(IPC_UNIX_STREAM, IPC_META_UNIX, 300, "client", 400, "server", 3);
	e.messages = 2;
	e.meta.socket.ino = 9;
	strcpy(e.meta.socket.path, "/run/app.sock");
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " unix-stream 300(client) > 400(server): inode 9, path /run/app.sock, bytes 3\n",
		   "unix-stream: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"unix-stream\",\"src\":{\"pid\":300,\"comm\":\"client\"},"
			     "\"dst\":{\"pid\":400,\"comm\":\"server\"},\"bytes\":3,\"messages\":2,\"inode\":9,"
			     "\"path\":\"/run/app.sock\"}\n",
		   "unix-stream: JSON");

	e.mechanism = IPC_UNIX_DGRAM;
	strcpy(e.meta.socket.path, "@dbus\x01\"x");
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " unix-dgram 300(client) > 400(server): inode 9, path @dbus\\x01\"x, bytes 3\n",
		   "abstract path: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"unix-dgram\",\"src\":{\"pid\":300,\"comm\":\"client\"},"
			     "\"dst\":{\"pid\":400,\"comm\":\"server\"},\"bytes\":3,\"messages\":2,\"inode\":9,"
			     "\"path\":\"@dbus\\u0001\\\"x\"}\n",
		   "abstract path: JSON");

	e.mechanism = IPC_UNIX_SEQPACKET;
	e.meta.socket.path[0] = '\0';
	tap_str_eq(text(&e, NULL, 0), TIME_TEXT " unix-seqpacket 300(client) > 400(server): inode 9, bytes 3\n",
		   "unbound socket: no path");

	/* a path filling the whole array without a NUL is cut at the array's end */
	memset(&e.meta, 'Z', sizeof(e.meta));
	e.meta.socket.ino = 9;
	memset(e.meta.socket.path, 'p', IPC_EVENT_PATH_MAX);
	tap_ok(strstr(text(&e, NULL, 0), "pppp, bytes 3\n") != NULL && strchr(out.data, 'Z') == NULL,
	       "path without a NUL: no byte past it");
}

/* src_comm/dst_comm are processes; the thread that acted comes with it when known. */
static void test_threads(void)
{
	struct ipc_event e = event(IPC_PIPE, IPC_META_PIPE, 100, "redis-server", 200, "reader", 5);

	e.meta.pipe.ino = 1;
	e.thread_side = IPC_EVENT_THREAD_SRC;
	e.thread_id = 103;
	set_comm(e.thread_comm, "io_thd_1");
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " pipe 100(redis-server) > 200(reader): inode 1, bytes 5, src thread 103(io_thd_1)\n",
		   "thread of the writer: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"pipe\",\"src\":{\"pid\":100,\"comm\":\"redis-server\"},"
			     "\"dst\":{\"pid\":200,\"comm\":\"reader\"},\"bytes\":5,\"messages\":1,\"inode\":1,"
			     "\"thread\":{\"end\":\"src\",\"tid\":103,\"comm\":\"io_thd_1\"}}\n",
		   "thread of the writer: JSON");
	e.thread_side = IPC_EVENT_THREAD_DST;
	memset(e.thread_comm, 0, sizeof(e.thread_comm));
	set_comm(e.thread_comm, "a\"b");
	tap_ok(strstr(json(&e, NULL, 0), "\"thread\":{\"end\":\"dst\",\"tid\":103,\"comm\":\"a\\\"b\"}") != NULL,
	       "thread of the reader: JSON, name escaped");
	e.thread_side = IPC_EVENT_THREAD_UNKNOWN;
	tap_ok(strstr(text(&e, NULL, 0), "thread") == NULL && strstr(json(&e, NULL, 0), "thread") == NULL,
	       "no thread item when the acting thread is not known");
}

static void test_loopback_and_pty(void)
{
	struct ipc_event e = event(IPC_LOOPBACK_TCP, IPC_META_INET, 10, "curl", 20, "nginx", 512);

	v4(&e.meta.inet.src_addr, "127.0.0.1");
	v4(&e.meta.inet.dst_addr, "127.0.0.2");
	e.meta.inet.src_port = 5000;
	e.meta.inet.dst_port = 6000;
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " loopback-tcp 10(curl) > 20(nginx): src 127.0.0.1:5000, dst 127.0.0.2:6000, bytes 512\n",
		   "loopback-tcp v4: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"loopback-tcp\",\"src\":{\"pid\":10,\"comm\":\"curl\"},"
			     "\"dst\":{\"pid\":20,\"comm\":\"nginx\"},\"bytes\":512,\"messages\":1,"
			     "\"src_addr\":\"127.0.0.1\",\"src_port\":5000,"
			     "\"dst_addr\":\"127.0.0.2\",\"dst_port\":6000}\n",
		   "loopback-tcp v4: JSON");

	e.mechanism = IPC_LOOPBACK_UDP;
	inet_pton(AF_INET6, "::1", &e.meta.inet.src_addr);
	inet_pton(AF_INET6, "fe80::1", &e.meta.inet.dst_addr);
	e.meta.inet.src_port = 65535;
	e.meta.inet.dst_port = 53;
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " loopback-udp 10(curl) > 20(nginx): src [::1]:65535, dst [fe80::1]:53, bytes 512\n",
		   "loopback v6: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"loopback-udp\",\"src\":{\"pid\":10,\"comm\":\"curl\"},"
			     "\"dst\":{\"pid\":20,\"comm\":\"nginx\"},\"bytes\":512,\"messages\":1,"
			     "\"src_addr\":\"::1\",\"src_port\":65535,\"dst_addr\":\"fe80::1\",\"dst_port\":53}\n",
		   "loopback v6: JSON");

	e = event(IPC_PTY, IPC_META_TTY, 30, "bash", 40, "sshd", 1);
	strcpy(e.meta.tty.name, "pts/3");
	tap_str_eq(text(&e, NULL, 0), TIME_TEXT " pty 30(bash) > 40(sshd): tty pts/3, bytes 1\n", "pty: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"pty\",\"src\":{\"pid\":30,\"comm\":\"bash\"},"
			     "\"dst\":{\"pid\":40,\"comm\":\"sshd\"},\"bytes\":1,\"messages\":1,\"tty\":\"pts/3\"}\n",
		   "pty: JSON");

	e.src.tgid = IPC_TGID_KERNEL;
	strcpy(e.src.comm, IPC_COMM_LINE_DISCIPLINE);
	tap_str_eq(text(&e, NULL, 0), TIME_TEXT " pty [tty] > 40(sshd): tty pts/3, bytes 1\n",
		   "line discipline: no pid in text");
}

static void test_signals(void)
{
	struct ipc_event e = event(IPC_SIGNAL, IPC_META_SIGNAL, 100, "kill", 200, "sleep", 0);

	e.signal = SIGUSR1;
	e.meta.signal.code = 0;
	e.meta.signal.result = IPC_SIGNAL_DELIVERED;
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " signal 100(kill) > 200(sleep): signal SIGUSR1 (10), code 0, delivered\n",
		   "signal delivered: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"signal\",\"src\":{\"pid\":100,\"comm\":\"kill\"},"
			     "\"dst\":{\"pid\":200,\"comm\":\"sleep\"},\"signal\":\"SIGUSR1\",\"signo\":10,\"code\":0,"
			     "\"result\":\"delivered\"}\n",
		   "signal delivered: JSON");

	e.signal = SIGTERM;
	e.meta.signal.code = -6;
	e.meta.signal.result = IPC_SIGNAL_IGNORED;
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " signal 100(kill) > 200(sleep): signal SIGTERM (15), code -6, ignored\n",
		   "signal ignored: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"signal\",\"src\":{\"pid\":100,\"comm\":\"kill\"},"
			     "\"dst\":{\"pid\":200,\"comm\":\"sleep\"},\"signal\":\"SIGTERM\",\"signo\":15,\"code\":-6,"
			     "\"result\":\"ignored\"}\n",
		   "signal ignored: JSON");

	e.meta.signal.result = IPC_SIGNAL_ALREADY_PENDING;
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " signal 100(kill) > 200(sleep): signal SIGTERM (15), code -6, already pending\n",
		   "signal already pending: text");

	e = event(IPC_SIGNAL, IPC_META_SIGNAL, IPC_TGID_KERNEL, IPC_COMM_KERNEL, 300, "crash", 0);
	e.signal = SIGSEGV;
	e.meta.signal.code = 1;
	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " signal [kernel] > 300(crash): signal SIGSEGV (11), code 1, delivered\n",
		   "kernel sender: text, no pid");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"signal\",\"src\":{\"pid\":0,\"comm\":\"[kernel]\"},"
			     "\"dst\":{\"pid\":300,\"comm\":\"crash\"},\"signal\":\"SIGSEGV\",\"signo\":11,\"code\":1,"
			     "\"result\":\"delivered\"}\n",
		   "kernel sender: JSON");
}

static void test_hostile_comms(void)
{
	struct ipc_event e = event(IPC_PIPE, IPC_META_PIPE, 1, "a\"b\n\xff\\c", 2, "caf\xc3\xa9\t\x7f", 1);

	tap_str_eq(text(&e, NULL, 0),
		   TIME_TEXT " pipe 1(a\"b\\x0a\\xff\\\\c) > 2(caf\\xc3\\xa9\\x09\\x7f): inode 0, bytes 1\n",
		   "hostile comm: text escapes all but printable ASCII");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"pipe\",\"src\":{\"pid\":1,\"comm\":\"a\\\"b\\u000a\xef\xbf\xbd\\\\c\"},"
			     "\"dst\":{\"pid\":2,\"comm\":\"caf\xc3\xa9\\u0009\\u007f\"},\"bytes\":1,\"messages\":1,"
			     "\"inode\":0}\n",
		   "hostile comm: JSON escapes, invalid UTF-8 as U+FFFD, valid UTF-8 kept");

	/* 16 bytes, no NUL: all of them, and not the padding after them */
	memcpy(e.src.comm, "abcdefghijklmnop", IPC_COMM_LEN);
	e.src.pad = 0x58585858;	/* "XXXX" */
	strcpy(e.dst.comm, "ab\xe2\x82");	/* UTF-8 cut short */
	tap_str_eq(text(&e, NULL, 0), TIME_TEXT " pipe 1(abcdefghijklmnop) > 2(ab\\xe2\\x82): inode 0, bytes 1\n",
		   "16-byte comm: text");
	tap_str_eq(json(&e, NULL, 0),
		   TIME_JSON ",\"mechanism\":\"pipe\",\"src\":{\"pid\":1,\"comm\":\"abcdefghijklmnop\"},"
			     "\"dst\":{\"pid\":2,\"comm\":\"ab\xef\xbf\xbd\xef\xbf\xbd\"},\"bytes\":1,\"messages\":1,"
			     "\"inode\":0}\n",
		   "16-byte comm and cut UTF-8: JSON");

	/* emoji; a surrogate, an overlong '/' and a code point past U+10FFFF */
	memcpy(e.dst.comm, "\xf0\x9f\x98\x80\xed\xa0\x80\xe0\x80\xaf\xf4\x90\x80\x80", 15);
	json(&e, NULL, 0);
	tap_ok(strstr(out.data, "\"comm\":\"\xf0\x9f\x98\x80" FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD
				"\"}") != NULL,
	       "4-byte UTF-8 kept; surrogate, overlong and too large: U+FFFD per byte");

	/* a sequence cut by the end of the array is not completed from the bytes after it */
	memcpy(e.dst.comm, "abcdefghijklmn\xe2\x82", IPC_COMM_LEN);
	e.dst.pad = 0x80808080;
	json(&e, NULL, 0);
	tap_ok(strstr(out.data, "\"comm\":\"abcdefghijklmn" FFFD FFFD "\"}") != NULL,
	       "16-byte comm ending in a cut sequence: U+FFFD each");

	e.src.tgid = 0;
	strcpy(e.src.comm, "swapper/0");
	tap_ok(strstr(text(&e, NULL, 0), " 0(swapper/0) > ") != NULL, "pid 0 with a real name keeps its pid");
}

static const unsigned char content[20] = "hello, world!\n\x00\x01\xff\x7f\x20\x7e";

#define DUMP_1 "  0000  68 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 01  |hello, world!...|\n"
#define DUMP_2 "  0010  ff 7f 20 7e                                       |.. ~|\n"

static void test_contents(void)
{
	struct ipc_event e = event(IPC_PIPE, IPC_META_PIPE, 100, "writer", 200, "reader", 20);
	const char *line = TIME_TEXT " pipe 100(writer) > 200(reader): inode 0, bytes 20\n";
	const char *json_head = TIME_JSON ",\"mechanism\":\"pipe\",\"src\":{\"pid\":100,\"comm\":\"writer\"},"
					  "\"dst\":{\"pid\":200,\"comm\":\"reader\"},\"bytes\":20,\"messages\":1,"
					  "\"inode\":0";
	char want[1024];

	e.content_len = 20;
	snprintf(want, sizeof(want), "%s" DUMP_1 DUMP_2, line);
	tap_str_eq(text(&e, content, 1024), want, "contents shown: hex dump lines");
	snprintf(want, sizeof(want), "%s,\"content\":\"aGVsbG8sIHdvcmxkIQoAAf9/IH4=\"}\n", json_head);
	tap_str_eq(json(&e, content, 1024), want, "contents shown: base64");

	snprintf(want, sizeof(want), "%s" DUMP_1 "  ... (16 of 20 bytes shown)\n", line);
	tap_str_eq(text(&e, content, 16), want, "contents cut to content_max: text");
	snprintf(want, sizeof(want), "%s,\"content\":\"aGVsbG8sIHdvcmxkIQoAAQ==\",\"content_truncated\":true}\n",
		 json_head);
	tap_str_eq(json(&e, content, 16), want, "contents cut to content_max: JSON");

	tap_str_eq(text(&e, content, 0), line, "content_max 0: no contents in text");
	snprintf(want, sizeof(want), "%s}\n", json_head);
	tap_str_eq(json(&e, content, 0), want, "content_max 0: no contents in JSON");

	/* the kernel copied 3 of 4096 bytes */
	e.bytes = 4096;
	e.content_len = 3;
	e.flags = IPC_EVENT_CONTENT_TRUNCATED;
	tap_str_eq(text(&e, content, 1024),
		   TIME_TEXT " pipe 100(writer) > 200(reader): inode 0, bytes 4096\n"
			     "  0000  68 65 6c                                          |hel|\n"
			     "  ... (3 of 4096 bytes shown)\n",
		   "truncated by the kernel: text");
	tap_ok(strstr(json(&e, content, 1024), ",\"content\":\"aGVs\",\"content_truncated\":true}\n") != NULL,
	       "truncated by the kernel: JSON");

	e.bytes = 3;
	tap_ok(strstr(text(&e, content, 1024), "  ... (3 of 3 bytes shown)\n") != NULL,
	       "truncated flag alone also says so");
	e.flags = 0;
	tap_ok(strstr(text(&e, content, 1024), "...") == NULL && strstr(json(&e, content, 1024), "truncated") == NULL,
	       "all bytes shown: no truncation note");

	e.bytes = 100;
	e.content_len = 0;
	e.flags = IPC_EVENT_CONTENT_UNAVAILABLE;
	tap_str_eq(text(&e, content, 64),
		   TIME_TEXT " pipe 100(writer) > 200(reader): inode 0, bytes 100\n  (contents not available)\n",
		   "contents unavailable: text");
	tap_ok(strstr(json(&e, content, 64), ",\"inode\":0,\"content_unavailable\":true}\n") != NULL,
	       "contents unavailable: JSON");
	tap_ok(strstr(text(&e, content, 0), "not available") == NULL &&
		       strstr(json(&e, content, 0), "unavailable") == NULL,
	       "contents unavailable but not asked for: nothing said");

	e.content_len = 5;
	e.flags = 0;
	tap_ok(strstr(text(&e, NULL, 64), "0000") == NULL && strstr(json(&e, NULL, 64), "content") == NULL,
	       "no content buffer: nothing shown");
}

static void test_helpers(void)
{
	static const unsigned char binary[] = { 0xff, 0xfe, 0x00, 0x80, 0x3e, 0x3f, 0xfb };
	unsigned char seq[17];
	unsigned int i;

	tap_str_eq(base64("", 0), "", "base64: empty");
	tap_str_eq(base64("f", 1), "Zg==", "base64: 1 byte");
	tap_str_eq(base64("fo", 2), "Zm8=", "base64: 2 bytes");
	tap_str_eq(base64("foo", 3), "Zm9v", "base64: 3 bytes");
	tap_str_eq(base64("foob", 4), "Zm9vYg==", "base64: 4 bytes");
	tap_str_eq(base64(binary, sizeof(binary)), "//4AgD4/+w==", "base64: binary, + and /");

	for (i = 0; i < sizeof(seq); i++)
		seq[i] = (unsigned char)(0x41 + i);
	tap_str_eq(hexdump(seq, 0), "", "hexdump: nothing");
	tap_str_eq(hexdump(seq, 16), "  0000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n",
		   "hexdump: one full line");
	tap_str_eq(hexdump(seq, 17),
		   "  0000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n"
		   "  0010  51                                                |Q|\n",
		   "hexdump: 17 bytes");
	tap_str_eq(hexdump(seq, 9),
		   "  0000  41 42 43 44 45 46 47 48  49                       |ABCDEFGHI|\n",
		   "hexdump: second group started");
}

static void test_lost_and_time(void)
{
	struct ipc_event e = event(IPC_PIPE, IPC_META_NONE, 1, "a", 2, "b", 1);

	strbuf_reset(&out);
	event_format_lost(&out, EVENT_FORMAT_TEXT, WALL_NS, "pipe", 5, "ring buffer full");
	tap_str_eq(out.data, TIME_TEXT " lost 5 events (pipe): ring buffer full\n", "lost: text");
	strbuf_reset(&out);
	event_format_lost(&out, EVENT_FORMAT_TEXT, WALL_NS, NULL, 18446744073709551615ULL, "client too slow");
	tap_str_eq(out.data, TIME_TEXT " lost 18446744073709551615 events (all): client too slow\n",
		   "lost of all mechanisms: text");
	strbuf_reset(&out);
	event_format_lost(&out, EVENT_FORMAT_JSON, WALL_NS, "pipe", 5, "ring buffer full");
	tap_str_eq(out.data, TIME_JSON ",\"lost\":5,\"mechanism\":\"pipe\",\"reason\":\"ring buffer full\"}\n",
		   "lost: JSON");
	strbuf_reset(&out);
	event_format_lost(&out, EVENT_FORMAT_JSON, WALL_NS, NULL, 0, "client \"too\" slow");
	tap_str_eq(out.data, TIME_JSON ",\"lost\":0,\"mechanism\":\"all\",\"reason\":\"client \\\"too\\\" slow\"}\n",
		   "lost of all mechanisms: JSON");

	tap_str_eq(text(&e, NULL, 0), TIME_TEXT " pipe 1(a) > 2(b): bytes 1\n", "no metadata: bytes only");
	e.mechanism = IPC_MECHANISM_COUNT;
	tap_ok(strstr(json(&e, NULL, 0), "\"mechanism\":\"unknown\"") != NULL, "mechanism out of range: unknown");

	strbuf_reset(&out);
	event_format_lost(&out, EVENT_FORMAT_JSON, -1, NULL, 1, "r");
	tap_ok(strncmp(out.data, "{\"time\":\"1969-12-31T23:59:59.999999999Z\"", 40) == 0,
	       "time before the epoch: fraction stays positive");
	strbuf_reset(&out);
	event_format_lost(&out, EVENT_FORMAT_JSON, 5, NULL, 1, "r");
	tap_ok(strncmp(out.data, "{\"time\":\"1970-01-01T00:00:00.000000005Z\"", 40) == 0, "nanoseconds padded");

	/* text is local time, JSON stays UTC */
	setenv("TZ", "EST5", 1);
	tzset();
	e.mechanism = IPC_PIPE;
	tap_ok(strncmp(text(&e, NULL, 0), "12:20:33.123456789 pipe", 23) == 0, "text: local time (EST5)");
	tap_ok(strncmp(json(&e, NULL, 0), TIME_JSON, strlen(TIME_JSON)) == 0, "JSON: UTC whatever the zone");
	setenv("TZ", "UTC", 1);
	tzset();
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_pipes_and_sockets();
	test_threads();
	test_loopback_and_pty();
	test_signals();
	test_hostile_comms();
	test_contents();
	test_helpers();
	test_lost_and_time();
	strbuf_free(&out);
	return tap_done();
}
