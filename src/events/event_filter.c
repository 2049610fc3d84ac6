// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "events/event_filter.h"
#include "kernel/ipc_names.h"

#define BIT(m) (1u << (m))
#define ALL_MECHANISMS (BIT(IPC_MECHANISM_COUNT) - 1)
#define PID_MAX 4194304		/* the kernel's PID_MAX_LIMIT on 64-bit */
#define COUNT_MAX 1000000000000ULL

void event_filter_init(struct event_filter *f)
{
	*f = (struct event_filter){ .format = EVENT_FORMAT_JSON };
}

/*
 * ipcdump's names first, so that "pipe" keeps its meaning there (pipes and
 * FIFOs); then the exporter's names that ipcdump does not have.
 */
static const struct {
	const char *abbrev;
	const char *name;
	uint32_t mechanisms;
} type_names[] = {
	{ "a", "all", ALL_MECHANISMS },
	{ "k", "signal", BIT(IPC_SIGNAL) },
	{ "u", "unix", BIT(IPC_UNIX_STREAM) | BIT(IPC_UNIX_DGRAM) | BIT(IPC_UNIX_SEQPACKET) },
	{ "us", "unix-stream", BIT(IPC_UNIX_STREAM) },
	{ "ud", "unix-dgram", BIT(IPC_UNIX_DGRAM) },
	{ "t", "pty", BIT(IPC_PTY) },
	{ "lo", "loopback", BIT(IPC_LOOPBACK_TCP) | BIT(IPC_LOOPBACK_UDP) },
	{ "lt", "loopback-tcp", BIT(IPC_LOOPBACK_TCP) },
	{ "lu", "loopback-udp", BIT(IPC_LOOPBACK_UDP) },
	{ "p", "pipe", BIT(IPC_PIPE) | BIT(IPC_FIFO) },
	{ NULL, "fifo", BIT(IPC_FIFO) },
	{ NULL, "unix-seqpacket", BIT(IPC_UNIX_SEQPACKET) },
};

int event_filter_add_type(struct event_filter *f, const char *name, char *err, size_t errlen)
{
	char valid[256];
	size_t i, used = 0;
	int m;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if ((type_names[i].abbrev && strcmp(name, type_names[i].abbrev) == 0) ||
		    strcmp(name, type_names[i].name) == 0) {
			f->mechanisms |= type_names[i].mechanisms;
			return 0;
		}
	}
	/* A mechanism added to ipc_names later is accepted without a change here. */
	m = mechanism_from_name(name);
	if (m >= 0) {
		f->mechanisms |= BIT(m);
		return 0;
	}
	valid[0] = '\0';
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]) && used < sizeof(valid); i++) {
		int n = snprintf(valid + used, sizeof(valid) - used, "%s%s%s%s", i ? ", " : "",
				 type_names[i].abbrev ? type_names[i].abbrev : "", type_names[i].abbrev ? "|" : "",
				 type_names[i].name);

		used += n > 0 ? (size_t)n : 0;
	}
	snprintf(err, errlen, "unknown type \"%s\" (one of %s)", name, valid);
	return -1;
}

/* Digits only (no sign, space or junk), at most max. */
static int parse_decimal(const char *text, uint64_t max, uint64_t *out)
{
	uint64_t value = 0;

	if (!*text)
		return -1;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return -1;
		value = value * 10 + (uint64_t)(*text - '0');
		if (value > max)
			return -1;
	}
	*out = value;
	return 0;
}

int event_filter_add_pid(struct event_filter *f, enum event_side side, const char *text, char *err, size_t errlen)
{
	uint64_t pid;

	if (parse_decimal(text, PID_MAX, &pid) < 0 || pid == 0) {
		snprintf(err, errlen, "\"%s\" is not a process id", text);
		return -1;
	}
	if (f->npids[side] >= EVENT_FILTER_MAX_VALUES) {
		snprintf(err, errlen, "too many process ids (at most %d)", EVENT_FILTER_MAX_VALUES);
		return -1;
	}
	f->pids[side][f->npids[side]++] = (uint32_t)pid;
	return 0;
}

int event_filter_add_comm(struct event_filter *f, enum event_side side, const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IPC_COMM_LEN) {
		snprintf(err, errlen, "\"%s\" is not a process name (1 to %d bytes)", name, IPC_COMM_LEN - 1);
		return -1;
	}
	if (f->ncomms[side] >= EVENT_FILTER_MAX_VALUES) {
		snprintf(err, errlen, "too many process names (at most %d)", EVENT_FILTER_MAX_VALUES);
		return -1;
	}
	memcpy(f->comms[side][f->ncomms[side]++], name, len + 1);
	return 0;
}

static const char *const pid_keys[EVENT_SIDES] = { "pid", "src_pid", "dst_pid" };
static const char *const comm_keys[EVENT_SIDES] = { "comm", "src_comm", "dst_comm" };

int event_filter_parse_param(struct event_filter *f, const char *key, const char *value, bool allow_contents,
			     char *err, size_t errlen)
{
	char why[512];
	uint64_t n;
	int side, rc = 0;

	/* "?pid" without "=": an empty value, refused below like any bad one */
	if (!value)
		value = "";
	why[0] = '\0';
	if (strcmp(key, "mechanism") == 0 || strcmp(key, "type") == 0) {
		rc = event_filter_add_type(f, value, why, sizeof(why));
		goto out;
	}
	for (side = 0; side < EVENT_SIDES; side++) {
		if (strcmp(key, pid_keys[side]) == 0) {
			rc = event_filter_add_pid(f, (enum event_side)side, value, why, sizeof(why));
			goto out;
		}
		if (strcmp(key, comm_keys[side]) == 0) {
			rc = event_filter_add_comm(f, (enum event_side)side, value, why, sizeof(why));
			goto out;
		}
	}
	if (strcmp(key, "contents") == 0) {
		if (parse_decimal(value, IPC_EVENT_CONTENT_MAX, &n) < 0) {
			snprintf(err, errlen, "contents: \"%s\" is not a number from 0 to %d", value,
				 IPC_EVENT_CONTENT_MAX);
			return -1;
		}
		if (n > 0 && !allow_contents) {
			snprintf(err, errlen,
				 "contents: not available, the exporter was started without --debug.events-contents");
			return -1;
		}
		f->contents = (unsigned int)n;
	} else if (strcmp(key, "count") == 0) {
		if (parse_decimal(value, COUNT_MAX, &n) < 0) {
			snprintf(err, errlen, "count: \"%s\" is not a number from 0 to %llu", value, COUNT_MAX);
			return -1;
		}
		f->count = n;
	} else if (strcmp(key, "format") == 0) {
		if (strcmp(value, "json") == 0) {
			f->format = EVENT_FORMAT_JSON;
		} else if (strcmp(value, "text") == 0) {
			f->format = EVENT_FORMAT_TEXT;
		} else {
			snprintf(err, errlen, "format: \"%s\" is not json or text", value);
			return -1;
		}
	} else if (strcmp(key, "unexpected") == 0) {
		if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0) {
			f->unexpected = true;
		} else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0) {
			f->unexpected = false;
		} else {
			snprintf(err, errlen, "unexpected: \"%s\" is not 1 or 0", value);
			return -1;
		}
	} else if (strcmp(key, "lost") == 0) {
		if (strcmp(value, "show") == 0) {
			f->hide_lost = false;
		} else if (strcmp(value, "hide") == 0) {
			f->hide_lost = true;
		} else {
			snprintf(err, errlen, "lost: \"%s\" is not show or hide", value);
			return -1;
		}
	} else {
		snprintf(err, errlen, "unknown parameter \"%s\"", key);
		return -1;
	}
	return 0;
out:
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", key, why);
	return rc;
}

static bool pid_in(const struct event_filter *f, enum event_side side, uint32_t tgid)
{
	unsigned int i;

	for (i = 0; i < f->npids[side]; i++)
		if (f->pids[side][i] == tgid)
			return true;
	return false;
}

/* The kernel's comm fills all 16 bytes without a NUL only if it is that long. */
static bool comm_in(const struct event_filter *f, enum event_side side, const char comm[IPC_COMM_LEN])
{
	size_t len = strnlen(comm, IPC_COMM_LEN);
	unsigned int i;

	for (i = 0; i < f->ncomms[side]; i++)
		if (strnlen(f->comms[side][i], IPC_COMM_LEN) == len && memcmp(f->comms[side][i], comm, len) == 0)
			return true;
	return false;
}

/* Within a list any value matches; every list given must match (ipcdump's -p, -s, -d). */
bool event_filter_match(const struct event_filter *f, const struct ipc_event *e)
{
	if (f->mechanisms && (e->mechanism >= IPC_MECHANISM_COUNT || !(f->mechanisms & BIT(e->mechanism))))
		return false;
	if (f->npids[EVENT_EITHER] && !pid_in(f, EVENT_EITHER, e->src.tgid) && !pid_in(f, EVENT_EITHER, e->dst.tgid))
		return false;
	if (f->npids[EVENT_SRC] && !pid_in(f, EVENT_SRC, e->src.tgid))
		return false;
	if (f->npids[EVENT_DST] && !pid_in(f, EVENT_DST, e->dst.tgid))
		return false;
	if (f->ncomms[EVENT_EITHER] && !comm_in(f, EVENT_EITHER, e->src.comm) &&
	    !comm_in(f, EVENT_EITHER, e->dst.comm))
		return false;
	if (f->ncomms[EVENT_SRC] && !comm_in(f, EVENT_SRC, e->src.comm))
		return false;
	if (f->ncomms[EVENT_DST] && !comm_in(f, EVENT_DST, e->dst.comm))
		return false;
	return true;
}
