/*
 * One exported row: the sums SQLite returns for a (step, domain), the
 * figures derived from them, and their CSV and JSON forms.  The metrics
 * read and the columns written are those of the metric table
 * (schema/metrics.h) that have an EXPORT.
 */
#ifndef XENMON_EXPORT_ROWS_H
#define XENMON_EXPORT_ROWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "metrics.h"

/* The metrics that are sums (SUM), summed over a second, a roll-up row or
 * a step: those the columns show (EXPORT), and all that --format
 * openmetrics counts. */
#define ROWS_FIELD(name) int64_t name;
#define ROWS_SUM(name, ctype, rollup, ...) METRICS_SUMMED(rollup)(ROWS_FIELD, name)
struct sums {
	METRICS_SAMPLE(ROWS_SUM)
};

/* How many: the columns schema_metrics_sql(..., true) gives. */
#define ROWS_ONE(name) + 1
#define ROWS_X_ONE(n, c, rollup, ...) METRICS_SUMMED(rollup)(ROWS_ONE, n)
enum { ROWS_NSUMS = 0 METRICS_SAMPLE(ROWS_X_ONE) };

/* S's metrics from column COL of ST on, in the table's order. */
void sums_read(struct sums *s, sqlite3_stmt *st, int col);
void sums_add(struct sums *acc, const struct sums *x);

struct row {
	int64_t t, domid;
	const char *name;         /* text, or for JSON already a JSON string */
	struct sums s;
	int64_t peak_ns;          /* largest one-second CPU time, per second
				   * observed (metrics_per_second_ns) */
	double p50, p95, p99;     /* percent */
	int64_t covered_ns;       /* time of the step the host was observed */
	int64_t lost;             /* records missed: METRICS_MISSING_RECORDS_FMT */
};

void rows_csv_header(FILE *f);
/* The time column: ISO 8601 on the local clock with its offset, or in UTC
 * (xenmon-export -u). */
void rows_set_utc(bool utc);

/* Issue 17: the I/O sources the database's traces showed
 * (metrics_io_sources_known): the figures of those they did not show
 * (metrics_figure_unavailable) are empty (null in JSON), not 0. */
void rows_set_io_sources(unsigned sources);

/* --host-column: every row starts with a "host" column of HOST (the
 * database's meta hostname), so that the exports of many hosts can be
 * concatenated.  NULL: no such column (the default). */
void rows_set_host(const char *host);

/* STEP_S: the step, for the covered share. */
void row_write(FILE *f, const struct row *r, int64_t step_s, bool json);

#endif
