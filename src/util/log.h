/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One line per message on stderr.  Formats: plain ("ipc_exporter: ...",
 * journald and kubectl add the time), logfmt and json (with a timestamp
 * and a level, as Prometheus's exporters log).
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };
enum log_format { LOG_FORMAT_PLAIN, LOG_FORMAT_LOGFMT, LOG_FORMAT_JSON };

void log_init(const char *program, bool verbose);
/* Messages below `level` are left out; verbose (log_init) is LOG_LEVEL_DEBUG. */
void log_configure(enum log_level level, enum log_format format);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like log_warnx, with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
