// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

static const char *log_program = "ipc_exporter";
static enum log_level log_min = LOG_LEVEL_INFO;
static enum log_format log_format = LOG_FORMAT_PLAIN;

static const char *const level_names[] = { "debug", "info", "warn", "error" };
/* plain: what comes before the message */
static const char *const plain_prefix[] = { "debug: ", "", "warning: ", "error: " };

void log_init(const char *program, bool verbose)
{
	log_program = program;
	log_min = verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO;
}

void log_configure(enum log_level level, enum log_format format)
{
	log_min = level;
	log_format = format;
}

/* logfmt and JSON quote the same characters; a control character becomes \u00XX in both. */
static void put_quoted(const char *s)
{
	fputc('"', stderr);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(stderr, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", stderr);
		else if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "\\u%04x", c);
		else
			fputc(c, stderr);
	}
	fputc('"', stderr);
}

static void put_time(void)
{
	struct timespec now;
	struct tm tm;
	char text[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ", text, now.tv_nsec / 1000000);
}

static void log_line(enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024];
	int n;

	if (level < log_min)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (suffix && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", suffix);
	flockfile(stderr);
	switch (log_format) {
	case LOG_FORMAT_PLAIN:
		fprintf(stderr, "%s: %s%s\n", log_program, plain_prefix[level], msg);
		break;
	case LOG_FORMAT_LOGFMT:
		fputs("ts=", stderr);
		put_time();
		fprintf(stderr, " level=%s source=%s msg=", level_names[level], log_program);
		put_quoted(msg);
		fputc('\n', stderr);
		break;
	case LOG_FORMAT_JSON:
		fputs("{\"ts\":\"", stderr);
		put_time();
		fprintf(stderr, "\",\"level\":\"%s\",\"source\":\"%s\",\"msg\":", level_names[level], log_program);
		put_quoted(msg);
		fputs("}\n", stderr);
		break;
	}
	funlockfile(stderr);
}

#define LOG_FUNCTION(name, level, suffix_expr)          \
	void name(const char *fmt, ...)                 \
	{                                               \
		const char *suffix = (suffix_expr);     \
		va_list ap;                             \
                                                        \
		va_start(ap, fmt);                      \
		log_line(level, fmt, ap, suffix);       \
		va_end(ap);                             \
	}

LOG_FUNCTION(log_debug, LOG_LEVEL_DEBUG, NULL)
LOG_FUNCTION(log_info, LOG_LEVEL_INFO, NULL)
LOG_FUNCTION(log_warning, LOG_LEVEL_WARN, NULL)
LOG_FUNCTION(log_warnx, LOG_LEVEL_ERROR, NULL)
LOG_FUNCTION(log_warn, LOG_LEVEL_ERROR, strerror(errno))
