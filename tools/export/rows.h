/*
 * One exported row: the sums SQLite returns for a (step, domain), the
 * figures derived from them, and their CSV and JSON forms.
 */
#ifndef XENMON_EXPORT_ROWS_H
#define XENMON_EXPORT_ROWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

struct row {
	int64_t t, domid;
	const char *name;         /* text, or for JSON already a JSON string */
	int64_t cpu_ns, wait_ns, blocked_ns, exec_count, io_count, alloc_ns;
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

/* STEP_S: the step, for the covered share. */
void row_write(FILE *f, const struct row *r, int64_t step_s, bool json);

#endif
