/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writers for the two exposition formats: Prometheus text 0.0.4 and
 * OpenMetrics 1.0.  Callers name a family and its samples as the text
 * format has them (a counter ends in _total); the writer makes the
 * OpenMetrics form of it.
 */
#ifndef EXPOSITION_H
#define EXPOSITION_H

#include <stdbool.h>
#include <stdint.h>

#include "util/strbuf.h"

enum exposition_format {
	EXPOSITION_TEXT,		/* text/plain; version=0.0.4 */
	EXPOSITION_OPENMETRICS,		/* application/openmetrics-text; version=1.0.0 */
	EXPOSITION_FORMATS
};

#define EXPOSITION_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define EXPOSITION_OPENMETRICS_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* A page being written in one format. */
struct exposition {
	struct strbuf *page;
	enum exposition_format format;
	bool add_total;		/* OpenMetrics: the family is a counter whose samples were named without _total */
};

struct metric_label {
	const char *name;
	const char *value;	/* any bytes; escaped and made valid UTF-8 */
};

const char *exposition_content_type(enum exposition_format format);

/*
 * # HELP and # TYPE.  An OpenMetrics counter family is named without its
 * _total, and its samples always end in it.
 */
void exposition_family(struct exposition *out, const char *name, const char *type, const char *help);
/* name{labels} value, for an integer counter or gauge. */
void exposition_sample_u64(struct exposition *out, const char *name, const struct metric_label *labels,
			   unsigned int nlabels, uint64_t value);
void exposition_sample_double(struct exposition *out, const char *name, const struct metric_label *labels,
			      unsigned int nlabels, double value);
/* After the last family: OpenMetrics' # EOF; nothing in the text format. */
void exposition_end(struct exposition *out);
/* A label value as it must appear between the quotes (the same in both formats). */
void exposition_label_value(struct strbuf *out, const char *value);

#endif
