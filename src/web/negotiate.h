/* SPDX-License-Identifier: GPL-2.0 */
/* Which exposition format a scrape's Accept header asks for. */
#ifndef NEGOTIATE_H
#define NEGOTIATE_H

#include "metrics/exposition.h"

/*
 * As Prometheus's client libraries negotiate (expfmt.Negotiate):
 * application/openmetrics-text, version 1.0.0 or none, gets OpenMetrics
 * 1.0; text/plain, version 0.0.4 or none, the text format; the one of the
 * two with the higher q wins, the first named on a tie.  Anything else (no
 * header, wildcards, other types or versions, q=0) gets the text format.
 */
enum exposition_format negotiate_exposition_format(const char *accept);

#endif
