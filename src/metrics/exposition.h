/* SPDX-License-Identifier: GPL-2.0 */
/* Writers for the Prometheus text exposition format, version 0.0.4. */
#ifndef EXPOSITION_H
#define EXPOSITION_H

#include <stdint.h>

#include "util/strbuf.h"

#define EXPOSITION_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metric_label {
	const char *name;
	const char *value;	/* any bytes; escaped and made valid UTF-8 */
};

void exposition_family(struct strbuf *out, const char *name, const char *type, const char *help);
/* name{labels} value, for an integer counter or gauge. */
void exposition_sample_u64(struct strbuf *out, const char *name, const struct metric_label *labels,
			   unsigned int nlabels, uint64_t value);
void exposition_sample_double(struct strbuf *out, const char *name, const struct metric_label *labels,
			      unsigned int nlabels, double value);
/* A label value as it must appear between the quotes. */
void exposition_label_value(struct strbuf *out, const char *value);

#endif
