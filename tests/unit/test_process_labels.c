// SPDX-License-Identifier: GPL-2.0
/* --process-labels parsing and the string pool behind label values. */
#include <stdio.h>
#include <string.h>

#include "identity/process_labels.h"
#include "tap.h"
#include "util/string_pool.h"

static void parses(const char *list, unsigned int want)
{
	char err[128] = "";
	unsigned int got = 99;

	tap_ok(process_labels_parse(list, &got, err, sizeof(err)) == 0 && got == want, list);
}

static void refuses(const char *list, const char *want_err)
{
	char err[128] = "";
	unsigned int got;

	tap_ok(process_labels_parse(list, &got, err, sizeof(err)) == -1, list);
	tap_str_eq(err, want_err, want_err);
}

int main(void)
{
	struct string_pool pool = { 0 };
	const char *a, *b, *first = NULL;
	char name[32];
	int same = 1;

	parses("", 0);
	parses("none", 0);
	parses("pid", PROCESS_LABEL_PID);
	parses("cgroup,pid", PROCESS_LABEL_PID | PROCESS_LABEL_CGROUP);
	parses("pid,exe,cgroup", PROCESS_LABEL_PID | PROCESS_LABEL_EXE | PROCESS_LABEL_CGROUP);
	refuses("pid,", "\"\" is not one of pid, exe, cgroup");
	refuses("pids", "\"pids\" is not one of pid, exe, cgroup");
	refuses("exe,exe", "\"exe\" is given twice");
	refuses("pid,none", "\"none\" is not one of pid, exe, cgroup");

	a = string_pool_intern(&pool, "/usr/bin/sshd");
	b = string_pool_intern(&pool, "/usr/bin/sshd");
	tap_ok(a && a == b, "equal strings, one pointer");
	tap_ok(string_pool_intern(&pool, "/usr/bin/bash") != a, "other string, other pointer");
	/* growth keeps every pointer */
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "name-%d", i);
		if (i == 0)
			first = string_pool_intern(&pool, name);
		else
			string_pool_intern(&pool, name);
	}
	same = first == string_pool_intern(&pool, "name-0") && a == string_pool_intern(&pool, "/usr/bin/sshd");
	tap_ok(same, "pointers survive growth");
	tap_ok(pool.count == 2002, "2002 distinct strings");
	string_pool_free(&pool);
	return tap_done();
}
