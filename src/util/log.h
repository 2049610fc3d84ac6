/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

void log_init(const char *program, bool verbose);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like log_warnx, with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
