// SPDX-License-Identifier: GPL-2.0
/* One-line messages on stderr: journald and kubectl logs both take them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

static const char *log_program = "ipc_exporter";
static bool log_verbose;

void log_init(const char *program, bool verbose)
{
	log_program = program;
	log_verbose = verbose;
}

static void log_line(const char *level, const char *fmt, va_list ap, const char *suffix)
{
	flockfile(stderr);
	fprintf(stderr, "%s: %s", log_program, level);
	vfprintf(stderr, fmt, ap);
	if (suffix)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("", fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_line("debug: ", fmt, ap, NULL);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error: ", fmt, ap, NULL);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	const char *reason = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_line("error: ", fmt, ap, reason);
	va_end(ap);
}
