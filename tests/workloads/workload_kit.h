/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the workloads share: processes named PREFIX-ROLE,
 * a byte pattern readers check, loud failures and child reaping.  Define
 * WORKLOAD_NAME (the program's name) before including; set `prefix`.
 */
#ifndef WORKLOAD_KIT_H
#define WORKLOAD_KIT_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static const char *prefix;

/* A call failed: exit 99. */
static void __attribute__((noreturn, unused)) die(const char *what)
{
	fprintf(stderr, WORKLOAD_NAME ": %s: %s\n", what, strerror(errno));
	exit(99);
}

/* The ground truth would be wrong (short write, bad byte): exit 98. */
static void __attribute__((format(printf, 1, 2), noreturn, unused)) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(WORKLOAD_NAME ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(98);
}

/* PREFIX-ROLE, or the program's own name (NULL) once its part is over. */
static void __attribute__((unused)) set_name(const char *role)
{
	char name[16];

	if (role)
		snprintf(name, sizeof(name), "%s-%s", prefix, role);
	else
		snprintf(name, sizeof(name), WORKLOAD_NAME);
	if (prctl(PR_SET_NAME, name) < 0)
		die("prctl");
}

/* Byte k of every stream: all 256 values, and a shift every 256 bytes. */
static inline unsigned char pattern(long k)
{
	return (unsigned char)(k * 7 + k / 256);
}

/* 0 if the child exited 0, else 1 after saying why. */
static int __attribute__((unused)) wait_for(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, WORKLOAD_NAME ": child %d exited with %d\n", (int)pid, WEXITSTATUS(status));
	else
		fprintf(stderr, WORKLOAD_NAME ": child %d killed by signal %d\n", (int)pid, WTERMSIG(status));
	return 1;
}

#endif
