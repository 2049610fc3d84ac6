// SPDX-License-Identifier: GPL-2.0
/* The policy file: what it accepts, where it points at what it refuses, and what its rules match. */
#include <signal.h>

#include "ipc_types.h"
#include "policy/policy.h"
#include "tap.h"

static int parse(const char *text, struct policy *p, char *err)
{
	return policy_parse("p.yml", text, strlen(text), p, err, 256);
}

static void refused(const char *text, const char *where_why, const char *desc)
{
	struct policy p;
	char err[256] = "";

	tap_ok(parse(text, &p, err) < 0 && strstr(err, where_why), "refused: %s", desc);
	if (!strstr(err, where_why))
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n", err, where_why);
}

static struct policy_flow flow(unsigned int mechanism, int sig, const char *src_comm, const char *dst_comm)
{
	struct policy_flow f = { .mechanism = mechanism, .signal = sig };

	f.src[POLICY_COMM] = src_comm;
	f.dst[POLICY_COMM] = dst_comm;
	return f;
}

int main(void)
{
	struct policy p;
	struct policy_flow f;
	char err[256];

	tap_ok(parse("allow:\n"
		     "  - mechanism: pipe\n"
		     "    src: {comm: seq}\n"
		     "    dst: {comm: \"sort\"}\n"
		     "  - mechanism: [unix-stream, loopback-tcp]\n"
		     "    src: {comm: nginx}\n"
		     "    dst: {comm: \"php-fpm*\"}\n"
		     "  - mechanism: signal\n"
		     "    signal: [SIGTERM, SIGHUP, \"SIGRTMIN+*\"]\n"
		     "    src: {comm: systemd}\n"
		     "  - src: {cgroup: \"docker://*\"}\n"
		     "    dst: {cgroup: \"docker://*\"}\n"
		     "  - signal: SIGUSR1\n"
		     "    dst: {exe: /usr/sbin/crond}\n",
		     &p, err) == 0,
	       "the issue's example parses (%s)", err);
	tap_ok(p.nrules == 5 && p.rules[2].line == 8, "five rules, the third at line 8");
	tap_ok(p.needs == (1u << POLICY_COMM | 1u << POLICY_CGROUP | 1u << POLICY_EXE), "it notes comm, exe and cgroup");

	f = flow(IPC_PIPE, 0, "seq", "sort");
	tap_ok(policy_allows(&p, &f), "pipe seq -> sort: allowed");
	f = flow(IPC_FIFO, 0, "seq", "sort");
	tap_ok(!policy_allows(&p, &f), "fifo seq -> sort: the rule is for pipes only");
	f = flow(IPC_LOOPBACK_TCP, 0, "nginx", "php-fpm7.4");
	tap_ok(policy_allows(&p, &f), "loopback-tcp nginx -> php-fpm7.4: a list of mechanisms, a glob");
	f = flow(IPC_UNIX_DGRAM, 0, "nginx", "php-fpm7.4");
	tap_ok(!policy_allows(&p, &f), "unix-dgram: not in the list");
	f = flow(IPC_SIGNAL, SIGTERM, "systemd", "nginx");
	tap_ok(policy_allows(&p, &f), "SIGTERM from systemd: allowed");
	f = flow(IPC_SIGNAL, SIGRTMIN + 3, "systemd", "nginx");
	tap_ok(policy_allows(&p, &f), "SIGRTMIN+3 from systemd: SIGRTMIN+* matches");
	f = flow(IPC_SIGNAL, SIGKILL, "systemd", "nginx");
	tap_ok(!policy_allows(&p, &f), "SIGKILL from systemd: not in the list");
	f = flow(IPC_PIPE, 0, "a", "b");
	tap_ok(!policy_allows(&p, &f), "an unknown pair: not allowed");
	f.src[POLICY_CGROUP] = "docker://0123abcd";
	f.dst[POLICY_CGROUP] = "docker://4567ef01";
	tap_ok(policy_allows(&p, &f), "any mechanism between two containers: cgroup globs, without a comm");
	f.dst[POLICY_CGROUP] = NULL;
	tap_ok(!policy_allows(&p, &f), "a cgroup not known (not noted): a rule naming it does not match");
	f = flow(IPC_SIGNAL, SIGUSR1, "anyone", "crond");
	f.dst[POLICY_EXE] = "/usr/sbin/crond";
	tap_ok(policy_allows(&p, &f), "SIGUSR1 to /usr/sbin/crond: an exe rule without a mechanism is for signals");
	f = flow(IPC_PIPE, 0, "anyone", "crond");
	f.dst[POLICY_EXE] = "/usr/sbin/crond";
	tap_ok(!policy_allows(&p, &f), "a pipe to crond: a rule with signal: matches signals only");
	policy_free(&p);

	/* the index: plain names looked up, globs tried for every flow, escapes undone */
	tap_ok(parse("allow:\n"
		     "  - mechanism: fifo\n    src: {comm: a}\n"
		     "  - mechanism: pipe\n    src: {comm: a}\n    dst: {comm: z}\n"
		     "  - src: {comm: \"\\\\[kernel\\\\]\"}\n"
		     "  - src: {comm: \"b*\"}\n    dst: {comm: y}\n",
		     &p, err) == 0,
	       "plain names, an escaped name and a glob parse (%s)", err);
	tap_ok(p.nliterals == 3 && p.nothers == 1, "three rules indexed by name, one glob");
	f = flow(IPC_PIPE, 0, "a", "z");
	tap_ok(policy_allows(&p, &f), "the second of two rules for one name matches");
	f = flow(IPC_PIPE, 0, "a", "x");
	tap_ok(!policy_allows(&p, &f), "neither rule for the name matches");
	f = flow(IPC_SIGNAL, SIGCHLD, "[kernel]", "x");
	tap_ok(policy_allows(&p, &f), "an escaped name matches the name itself ([kernel])");
	f = flow(IPC_SIGNAL, SIGCHLD, "k", "x");
	tap_ok(!policy_allows(&p, &f), "... and not what the bracket expression would");
	f = flow(IPC_UNIX_STREAM, 0, "bee", "y");
	tap_ok(policy_allows(&p, &f), "a glob rule is tried for every name");
	policy_free(&p);

	tap_ok(parse("", &p, err) == 0 && p.nrules == 0, "an empty file: no rules");
	f = flow(IPC_PIPE, 0, "a", "b");
	tap_ok(!policy_allows(&p, &f), "no rules: nothing is expected");
	policy_free(&p);
	tap_ok(parse("allow:\n  - {}\n", &p, err) == 0, "a rule naming nothing parses");
	tap_ok(policy_allows(&p, &f), "... and allows everything");
	policy_free(&p);

	refused("allo:\n  - mechanism: pipe\n", "p.yml:1:1: the policy: unknown key \"allo\"", "an unknown top key");
	refused("allow:\n  - mechanism: pipe\n    srcc: {comm: a}\n", "p.yml:3:5: a rule: unknown key \"srcc\"",
		"an unknown rule key, with its line and column");
	refused("allow:\n  - mechanism: pipes\n", "p.yml:2:16: mechanism: \"pipes\" is not one of",
		"an unknown mechanism");
	refused("allow:\n  - signal: [SIGTERM, SIGFOO]\n", "p.yml:2:23: signal: \"SIGFOO\" names no signal",
		"an unknown signal");
	refused("allow:\n  - signal: \"SIGRTMAX+*\"\n", "names no signal", "a glob no signal name matches");
	refused("allow:\n  - src: {comm: \"abcdefghijklmnopq*\"}\n", "can never match: a command name is at most 15",
		"a comm glob longer than any command name");
	refused("allow:\n  - dst: {exe: usr/bin/x}\n", "can never match: executables are absolute paths",
		"a relative exe");
	refused("allow:\n  - src: {comm: \"[ab\"}\n", "is not a valid glob", "an unclosed [");
	refused("allow:\n  - src: {uid: 0}\n", "src: unknown key \"uid\"", "an unknown side key");
	refused("allow:\n  - mechanism: pipe\n    signal: SIGTERM\n", "applies to signals only",
		"signal: with another mechanism");
	refused("allow:\n  - mechanism: []\n", "non-empty list", "an empty list");
	refused("allow: [\n", "p.yml:2:1:", "not YAML");
	refused("allow:\n  - mechanism: pipe\n    mechanism: fifo\n", "\"mechanism\" is given twice", "a key twice");
	refused("allow: pipe\n", "allow must be a list of rules", "allow not a list");
	refused("allow: []\n---\nallow: [{}]\n", "a second YAML document", "a second document");
	tap_ok(parse("allow: []\n---\n", &p, err) == 0, "an empty document after --- is no second one");
	policy_free(&p);
	printf("1..%d\n", tap_count);
	return tap_failed != 0;
}
