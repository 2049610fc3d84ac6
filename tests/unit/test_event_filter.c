// SPDX-License-Identifier: GPL-2.0
/* Event filters: -t names, pids, comms, /debug/events parameters, matching. */
#include <string.h>

#include "events/event_filter.h"
#include "ipc_types.h"
#include "kernel/ipc_names.h"
#include "tap.h"

static char err[512];

/* The set a filter selects, as names, so a wrong bit shows as a wrong word. */
static const char *set_names(uint32_t mechanisms)
{
	static char buf[256];
	unsigned int m;

	buf[0] = '\0';
	for (m = 0; m < 32; m++) {
		if (!(mechanisms & (1u << m)))
			continue;
		if (buf[0])
			strcat(buf, " ");
		strcat(buf, mechanism_name(m) ? mechanism_name(m) : "?");
	}
	return buf;
}

static const char *type_set(const char *name)
{
	struct event_filter f;

	event_filter_init(&f);
	if (event_filter_add_type(&f, name, err, sizeof(err)) < 0)
		return err;
	return set_names(f.mechanisms);
}

static const char *param_error(const char *key, const char *value, bool allow_contents)
{
	struct event_filter f;

	event_filter_init(&f);
	err[0] = '\0';
	if (event_filter_parse_param(&f, key, value, allow_contents, err, sizeof(err)) == 0)
		return "(accepted)";
	return err;
}

static void test_init(void)
{
	struct event_filter f;
	unsigned int s;
	bool empty = true;

	memset(&f, 0x5a, sizeof(f));
	event_filter_init(&f);
	for (s = 0; s < EVENT_SIDES; s++)
		empty = empty && f.npids[s] == 0 && f.ncomms[s] == 0;
	tap_ok(f.mechanisms == 0 && empty && f.contents == 0 && f.count == 0 && !f.hide_lost &&
		       f.format == EVENT_FORMAT_JSON,
	       "init: all mechanisms, no lists, no contents, no count, lost shown, JSON");
}

static void test_types(void)
{
	static const char all[] =
		"pipe fifo signal unix-stream unix-dgram unix-seqpacket loopback-tcp loopback-udp pty";
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "a", all },
		{ "all", all },
		{ "k", "signal" },
		{ "signal", "signal" },
		{ "u", "unix-stream unix-dgram unix-seqpacket" },
		{ "unix", "unix-stream unix-dgram unix-seqpacket" },
		{ "us", "unix-stream" },
		{ "unix-stream", "unix-stream" },
		{ "ud", "unix-dgram" },
		{ "unix-dgram", "unix-dgram" },
		{ "unix-seqpacket", "unix-seqpacket" },
		{ "t", "pty" },
		{ "pty", "pty" },
		{ "lo", "loopback-tcp loopback-udp" },
		{ "loopback", "loopback-tcp loopback-udp" },
		{ "lt", "loopback-tcp" },
		{ "loopback-tcp", "loopback-tcp" },
		{ "lu", "loopback-udp" },
		{ "loopback-udp", "loopback-udp" },
		{ "p", "pipe fifo" },
		{ "pipe", "pipe fifo" },
		{ "fifo", "fifo" },
	};
	struct event_filter f;
	unsigned int i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_str_eq(type_set(cases[i].name), cases[i].want, "-t %s", cases[i].name);
	for (i = 0; i < IPC_MECHANISM_COUNT; i++)
		tap_ok(strstr(type_set(mechanism_name(i)), mechanism_name(i)) != NULL,
		       "exporter name %s selects itself", mechanism_name(i));

	event_filter_init(&f);
	rc = event_filter_add_type(&f, "k", err, sizeof(err));
	rc |= event_filter_add_type(&f, "t", err, sizeof(err));
	tap_ok(rc == 0, "two types accepted");
	tap_str_eq(set_names(f.mechanisms), "signal pty", "types add to the set");

	rc = event_filter_add_type(&f, "sockets", err, sizeof(err));
	tap_ok(rc == -1, "unknown type: -1");
	tap_str_eq(err,
		   "unknown type \"sockets\" (one of a|all, k|signal, u|unix, us|unix-stream, ud|unix-dgram, "
		   "t|pty, lo|loopback, lt|loopback-tcp, lu|loopback-udp, p|pipe, fifo, unix-seqpacket)",
		   "unknown type: message lists the valid names");
	tap_str_eq(set_names(f.mechanisms), "signal pty", "unknown type leaves the set alone");
	tap_ok(strncmp(type_set("ALL"), "unknown type \"ALL\" (one of ", 26) == 0, "names are case-sensitive");
	tap_str_eq(type_set(""), "unknown type \"\" (one of a|all, k|signal, u|unix, us|unix-stream, "
				 "ud|unix-dgram, t|pty, lo|loopback, lt|loopback-tcp, lu|loopback-udp, p|pipe, fifo, "
				 "unix-seqpacket)",
		   "empty type refused");
}

static void test_pids(void)
{
	static const char *const bad[] = { "0", "4194305", "-1", "+1", " 1", "1 ", "12x", "", "0x10",
					   "99999999999999999999999" };
	struct event_filter f;
	char text[16];
	unsigned int i;
	int rc;

	event_filter_init(&f);
	tap_ok(event_filter_add_pid(&f, EVENT_SRC, "1", err, sizeof(err)) == 0 &&
		       event_filter_add_pid(&f, EVENT_SRC, "4194304", err, sizeof(err)) == 0 &&
		       event_filter_add_pid(&f, EVENT_SRC, "007", err, sizeof(err)) == 0,
	       "pids 1, 4194304 (PID_MAX_LIMIT) and 007 accepted");
	tap_ok(f.npids[EVENT_SRC] == 3 && f.pids[EVENT_SRC][0] == 1 && f.pids[EVENT_SRC][1] == 4194304 &&
		       f.pids[EVENT_SRC][2] == 7 && f.npids[EVENT_EITHER] == 0 && f.npids[EVENT_DST] == 0,
	       "pids stored on their side only");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		err[0] = '\0';
		rc = event_filter_add_pid(&f, EVENT_EITHER, bad[i], err, sizeof(err));
		snprintf(want, sizeof(want), "\"%s\" is not a process id", bad[i]);
		tap_ok(rc == -1, "pid \"%s\" refused", bad[i]);
		tap_str_eq(err, want, "pid \"%s\": message", bad[i]);
	}
	tap_ok(f.npids[EVENT_EITHER] == 0, "refused pids are not added");

	rc = 0;
	for (i = 0; i < EVENT_FILTER_MAX_VALUES; i++) {
		snprintf(text, sizeof(text), "%u", 100 + i);
		rc |= event_filter_add_pid(&f, EVENT_DST, text, err, sizeof(err));
	}
	tap_ok(rc == 0 && f.npids[EVENT_DST] == EVENT_FILTER_MAX_VALUES, "16 pids fit");
	rc = event_filter_add_pid(&f, EVENT_DST, "999", err, sizeof(err));
	tap_ok(rc == -1 && f.npids[EVENT_DST] == EVENT_FILTER_MAX_VALUES, "a 17th is refused");
	tap_str_eq(err, "too many process ids (at most 16)", "too many pids: message");
	tap_ok(event_filter_add_pid(&f, EVENT_EITHER, "999", err, sizeof(err)) == 0, "other lists still have room");
}

static void test_comms(void)
{
	struct event_filter f;
	unsigned int i;
	int rc;

	event_filter_init(&f);
	tap_ok(event_filter_add_comm(&f, EVENT_DST, "abcdefghijklmno", err, sizeof(err)) == 0 &&
		       strcmp(f.comms[EVENT_DST][0], "abcdefghijklmno") == 0 && f.ncomms[EVENT_DST] == 1,
	       "15-byte name accepted");
	rc = event_filter_add_comm(&f, EVENT_DST, "abcdefghijklmnop", err, sizeof(err));
	tap_ok(rc == -1, "16-byte name refused");
	tap_str_eq(err, "\"abcdefghijklmnop\" is not a process name (1 to 15 bytes)", "16-byte name: message");
	rc = event_filter_add_comm(&f, EVENT_DST, "", err, sizeof(err));
	tap_ok(rc == -1 && f.ncomms[EVENT_DST] == 1, "empty name refused");
	tap_str_eq(err, "\"\" is not a process name (1 to 15 bytes)", "empty name: message");

	rc = 0;
	for (i = 1; i < EVENT_FILTER_MAX_VALUES; i++)
		rc |= event_filter_add_comm(&f, EVENT_DST, "x", err, sizeof(err));
	tap_ok(rc == 0 && f.ncomms[EVENT_DST] == EVENT_FILTER_MAX_VALUES, "16 names fit");
	rc = event_filter_add_comm(&f, EVENT_DST, "y", err, sizeof(err));
	tap_ok(rc == -1 && f.ncomms[EVENT_DST] == EVENT_FILTER_MAX_VALUES, "a 17th is refused");
	tap_str_eq(err, "too many process names (at most 16)", "too many names: message");
}

static void test_params(void)
{
	struct event_filter f;
	char text[16];
	unsigned int i;
	int rc = 0;

	event_filter_init(&f);
	rc |= event_filter_parse_param(&f, "mechanism", "k", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "type", "lu", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "pid", "1", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "src_pid", "2", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "dst_pid", "3", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "dst_pid", "4", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "comm", "bash", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "src_comm", "cat", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "dst_comm", "grep", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "contents", "1024", true, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "count", "1000000000000", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "format", "text", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "lost", "hide", false, err, sizeof(err));
	tap_ok(rc == 0, "every parameter accepted");
	tap_str_eq(set_names(f.mechanisms), "signal loopback-udp", "mechanism and type");
	tap_ok(f.npids[EVENT_EITHER] == 1 && f.pids[EVENT_EITHER][0] == 1, "pid: either side");
	tap_ok(f.npids[EVENT_SRC] == 1 && f.pids[EVENT_SRC][0] == 2, "src_pid: source side");
	tap_ok(f.npids[EVENT_DST] == 2 && f.pids[EVENT_DST][0] == 3 && f.pids[EVENT_DST][1] == 4,
	       "dst_pid: repeatable, destination side");
	tap_ok(f.ncomms[EVENT_EITHER] == 1 && strcmp(f.comms[EVENT_EITHER][0], "bash") == 0, "comm: either side");
	tap_ok(f.ncomms[EVENT_SRC] == 1 && strcmp(f.comms[EVENT_SRC][0], "cat") == 0, "src_comm: source side");
	tap_ok(f.ncomms[EVENT_DST] == 1 && strcmp(f.comms[EVENT_DST][0], "grep") == 0, "dst_comm");
	tap_ok(f.contents == 1024, "contents=1024 when allowed");
	tap_ok(f.count == 1000000000000ULL, "count=10^12");
	tap_ok(f.format == EVENT_FORMAT_TEXT, "format=text");
	tap_ok(f.hide_lost, "lost=hide");
	rc = event_filter_parse_param(&f, "format", "json", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "lost", "show", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "contents", "0", false, err, sizeof(err));
	rc |= event_filter_parse_param(&f, "count", "0", false, err, sizeof(err));
	tap_ok(rc == 0 && f.format == EVENT_FORMAT_JSON && !f.hide_lost && f.contents == 0 && f.count == 0,
	       "format=json, lost=show, contents=0 (even when not allowed), count=0");

	tap_str_eq(param_error("mechanism", "bogus", false),
		   "mechanism: unknown type \"bogus\" (one of a|all, k|signal, u|unix, us|unix-stream, "
		   "ud|unix-dgram, t|pty, lo|loopback, lt|loopback-tcp, lu|loopback-udp, p|pipe, fifo, unix-seqpacket)",
		   "mechanism: unknown name");
	tap_str_eq(param_error("type", "x", false),
		   "type: unknown type \"x\" (one of a|all, k|signal, u|unix, us|unix-stream, "
		   "ud|unix-dgram, t|pty, lo|loopback, lt|loopback-tcp, lu|loopback-udp, p|pipe, fifo, unix-seqpacket)",
		   "type: names the key used");
	tap_str_eq(param_error("pid", "12x", false), "pid: \"12x\" is not a process id", "pid: bad");
	tap_str_eq(param_error("src_pid", "0", false), "src_pid: \"0\" is not a process id", "src_pid: bad");
	tap_str_eq(param_error("dst_pid", "-5", false), "dst_pid: \"-5\" is not a process id", "dst_pid: bad");
	tap_str_eq(param_error("pid", NULL, false), "pid: \"\" is not a process id", "pid without a value");
	tap_str_eq(param_error("comm", "", false), "comm: \"\" is not a process name (1 to 15 bytes)", "comm: empty");
	tap_str_eq(param_error("src_comm", "0123456789abcdef", false),
		   "src_comm: \"0123456789abcdef\" is not a process name (1 to 15 bytes)", "src_comm: too long");
	tap_str_eq(param_error("dst_comm", "0123456789abcdefg", false),
		   "dst_comm: \"0123456789abcdefg\" is not a process name (1 to 15 bytes)", "dst_comm: too long");
	tap_str_eq(param_error("contents", "1025", true), "contents: \"1025\" is not a number from 0 to 1024",
		   "contents: too large");
	tap_str_eq(param_error("contents", "-1", true), "contents: \"-1\" is not a number from 0 to 1024",
		   "contents: negative");
	tap_str_eq(param_error("contents", "", true), "contents: \"\" is not a number from 0 to 1024",
		   "contents: empty");
	tap_str_eq(param_error("contents", "1", false),
		   "contents: not available, the exporter was started without --debug.events-contents",
		   "contents: refused without the exporter flag");
	tap_str_eq(param_error("contents", "64", true), "(accepted)", "contents: allowed with the flag");
	tap_str_eq(param_error("count", "1000000000001", false),
		   "count: \"1000000000001\" is not a number from 0 to 1000000000000", "count: too large");
	tap_str_eq(param_error("count", "1e3", false), "count: \"1e3\" is not a number from 0 to 1000000000000",
		   "count: junk");
	tap_str_eq(param_error("format", "xml", false), "format: \"xml\" is not json or text", "format: bad");
	tap_str_eq(param_error("format", "JSON", false), "format: \"JSON\" is not json or text",
		   "format: case-sensitive");
	tap_str_eq(param_error("lost", "maybe", false), "lost: \"maybe\" is not show or hide", "lost: bad");
	tap_str_eq(param_error("pids", "1", false), "unknown parameter \"pids\"", "unknown parameter");
	tap_str_eq(param_error("", "1", false), "unknown parameter \"\"", "empty parameter name");

	event_filter_init(&f);
	for (i = 0; i < EVENT_FILTER_MAX_VALUES; i++) {
		snprintf(text, sizeof(text), "%u", i + 1);
		rc |= event_filter_parse_param(&f, "src_pid", text, false, err, sizeof(err));
		rc |= event_filter_parse_param(&f, "comm", "x", false, err, sizeof(err));
	}
	tap_ok(rc == 0, "16 src_pid and 16 comm parameters accepted");
	tap_ok(event_filter_parse_param(&f, "src_pid", "99", false, err, sizeof(err)) == -1, "17th src_pid refused");
	tap_str_eq(err, "src_pid: too many process ids (at most 16)", "too many src_pid: message");
	tap_ok(event_filter_parse_param(&f, "comm", "y", false, err, sizeof(err)) == -1, "17th comm refused");
	tap_str_eq(err, "comm: too many process names (at most 16)", "too many comm: message");
}

/* As the kernel stores it: NUL-padded, no NUL when all 16 bytes are used. */
static void set_comm(char comm[IPC_COMM_LEN], const char *name)
{
	size_t len = strlen(name);

	memcpy(comm, name, len < IPC_COMM_LEN ? len : IPC_COMM_LEN);
}

static struct ipc_event event(unsigned int mechanism, uint32_t src, const char *src_comm, uint32_t dst,
			      const char *dst_comm)
{
	struct ipc_event e;

	memset(&e, 0, sizeof(e));
	e.mechanism = (uint8_t)mechanism;
	e.src.tgid = src;
	e.dst.tgid = dst;
	set_comm(e.src.comm, src_comm);
	set_comm(e.dst.comm, dst_comm);
	return e;
}

/* A filter from query parameters, "key=value" each. */
static bool matches(const struct ipc_event *e, const char *const *params)
{
	struct event_filter f;

	event_filter_init(&f);
	for (; *params; params++) {
		char key[32];
		const char *eq = strchr(*params, '=');

		snprintf(key, sizeof(key), "%.*s", (int)(eq - *params), *params);
		if (event_filter_parse_param(&f, key, eq + 1, false, err, sizeof(err)) < 0) {
			printf("# %s\n", err);
			return false;
		}
	}
	return event_filter_match(&f, e);
}

#define MATCHES(e, ...) matches(e, (const char *const[]){ __VA_ARGS__, NULL })

static void test_match(void)
{
	struct ipc_event e = event(IPC_PIPE, 100, "writer", 200, "reader");
	struct ipc_event full = event(IPC_PTY, 300, "", 400, "reader");
	struct event_filter f;
	unsigned int m;
	bool all = true;

	event_filter_init(&f);
	for (m = 0; m < IPC_MECHANISM_COUNT; m++) {
		e.mechanism = (uint8_t)m;
		all = all && event_filter_match(&f, &e);
	}
	e.mechanism = IPC_PIPE;
	tap_ok(all, "empty filter (mechanisms 0) matches every mechanism");
	tap_ok(MATCHES(&e, "type=p"), "p matches a pipe");
	tap_ok(!MATCHES(&e, "type=k"), "k does not match a pipe");
	tap_ok(MATCHES(&e, "type=k", "type=pipe"), "k plus pipe matches a pipe");
	tap_ok(!MATCHES(&e, "type=fifo"), "fifo does not match an anonymous pipe");

	tap_ok(MATCHES(&e, "pid=100"), "pid matches the source");
	tap_ok(MATCHES(&e, "pid=200"), "pid matches the destination");
	tap_ok(!MATCHES(&e, "pid=300"), "pid matches neither end");
	tap_ok(MATCHES(&e, "pid=300", "pid=200"), "pids: any of the list (OR)");
	tap_ok(MATCHES(&e, "src_pid=100"), "src_pid matches the source");
	tap_ok(!MATCHES(&e, "src_pid=200"), "src_pid does not match the destination");
	tap_ok(MATCHES(&e, "dst_pid=200"), "dst_pid matches the destination");
	tap_ok(!MATCHES(&e, "dst_pid=100"), "dst_pid does not match the source");
	tap_ok(MATCHES(&e, "src_pid=7", "src_pid=100"), "src_pids: OR");
	tap_ok(!MATCHES(&e, "pid=100", "src_pid=300"), "pid and src_pid: AND (second fails)");
	tap_ok(!MATCHES(&e, "src_pid=100", "dst_pid=100"), "src_pid and dst_pid: AND (second fails)");
	tap_ok(MATCHES(&e, "pid=100", "src_pid=100", "dst_pid=200"), "all three lists match");
	tap_ok(!MATCHES(&e, "type=k", "pid=100"), "pid matches but mechanism does not");

	tap_ok(MATCHES(&e, "comm=writer"), "comm matches the source");
	tap_ok(MATCHES(&e, "comm=reader"), "comm matches the destination");
	tap_ok(!MATCHES(&e, "comm=write"), "comm: no prefix match");
	tap_ok(!MATCHES(&e, "comm=writers"), "comm: no longer name match");
	tap_ok(MATCHES(&e, "comm=x", "comm=reader"), "comms: OR");
	tap_ok(MATCHES(&e, "src_comm=writer"), "src_comm matches the source");
	tap_ok(!MATCHES(&e, "src_comm=reader"), "src_comm does not match the destination");
	tap_ok(MATCHES(&e, "dst_comm=reader"), "dst_comm matches the destination");
	tap_ok(!MATCHES(&e, "dst_comm=writer"), "dst_comm does not match the source");
	tap_ok(!MATCHES(&e, "comm=writer", "dst_comm=writer"), "comm and dst_comm: AND");
	tap_ok(!MATCHES(&e, "pid=100", "comm=nobody"), "pid and comm: AND");
	tap_ok(MATCHES(&e, "src_pid=100", "dst_comm=reader", "type=p"), "pid, comm and type together");

	/* the kernel's comm can fill all 16 bytes; the byte after it must not be read as part of it */
	memcpy(full.src.comm, "abcdefghijklmnop", IPC_COMM_LEN);
	full.src.pad = 0;
	tap_ok(!MATCHES(&full, "src_comm=abcdefghijklmno"), "16-byte comm does not match its 15-byte prefix");
	tap_ok(MATCHES(&full, "dst_comm=reader"), "event with a 16-byte comm still matches on the other end");
}

int main(void)
{
	test_init();
	test_types();
	test_pids();
	test_comms();
	test_params();
	test_match();
	return tap_done();
}
