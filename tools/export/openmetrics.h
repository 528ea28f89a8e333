/*
 * --format openmetrics: a range of the history as OpenMetrics with
 * timestamps, the form `promtool tsdb create-blocks-from openmetrics`
 * loads into Prometheus (backfill).
 *
 * The families and labels are those of xenbaked's endpoint
 * (--metrics-listen, xenbaked(8) METRICS) that the exported rows can give:
 * its per-domain families (schema/families.h), by name, as counters that
 * start at 0 at the range's start and add each step's sums, stamped at the
 * step's end.  The I/O families are there where the database's traces
 * showed their sources (meta io_sources), as on the endpoint.  OpenMetrics
 * keeps a family's samples together, and rows come a step at a time with
 * every domain in it, so the rows are held until the end and written
 * family by family.
 */
#ifndef XENMON_EXPORT_OPENMETRICS_H
#define XENMON_EXPORT_OPENMETRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rows.h"

/* From now on rows are held for openmetrics_finish(), not written.
 * IO_SOURCES (METRICS_IO_*): the I/O sources the database's traces showed,
 * which decide the I/O families written. */
void openmetrics_begin(unsigned io_sources);

/* Whether rows are being held; if so, R of a STEP_S step is taken.
 * false when out of memory too (openmetrics_finish() then fails). */
bool openmetrics_take(const struct row *r, int64_t step_s);

/* The families and "# EOF" on F; the rows freed.  -1: out of memory. */
int openmetrics_finish(FILE *f);

#endif
