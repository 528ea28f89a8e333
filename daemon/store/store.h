/*
 * The store: one closed second at a time into the database, whole, in one
 * transaction (writer.c is the thread that calls it).  A second already in the database (a replay of the same
 * trace, a restart) is left exactly as it is and reported as skipped, so
 * replaying twice gives the same rows and stored rows are never touched,
 * but for one case: a second stored in part, whose other part, observed
 * by this run, does not overlap it, is completed (store.c).
 */
#ifndef XENMON_STORE_H
#define XENMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"

struct store;
struct retention_policy;

struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *s);

/* What store_second did with a second, or -1 on error (store_error). */
enum {
	STORE_WRITTEN,     /* not stored before: written */
	STORE_SKIPPED,     /* stored already, all of what this run has of it */
	STORE_COMPLETED,   /* stored in part; this run's part, beside it, added */
	STORE_OVERLAP,     /* stored in part, overlapping this run's part
			      (or its minute partly pruned already): left */
};
int store_second(struct store *s, const struct second *sec);

/* The last error was the disk (or the file system's quota) being full:
 * the database is intact and the same write may succeed later. */
bool store_no_space(const struct store *s);

/* Seconds first_t..last_t (SECONDS of them) were lost, for REASON. */
int store_gap(struct store *s, int64_t first_t, int64_t last_t,
	      uint64_t seconds, const char *reason);

/* How the writes went: the longest transaction of one second (the writer's
 * stall) and the largest the WAL file grew. */
struct store_write_stats {
	double max_txn_s;
	int64_t max_txn_t;
	uint64_t wal_peak_bytes;
};
const struct store_write_stats *store_write_stats(const struct store *s);

int store_meta(struct store *s, const char *key, const char *value);
int store_meta_num(struct store *s, const char *key, double value);

struct run_info {
	const char *mode, *input;
	double cpu_mhz;
	const char *cpu_mhz_source;
	double start_time;
	const char *start_source;
	const struct acct_stats *st;
	uint64_t tsc_anomalies;     /* the merge's: TSC backwards or leaping */
	uint64_t seconds_written, seconds_skipped, seconds_dropped;
	uint64_t seconds_completed, seconds_overlapping;
	bool lag_measured;
	double max_lag_s;
	bool malformed_seen;        /* then malformed_off is the first's offset */
	uint64_t malformed_off;
	const char *status;
};

/* The status store_open gives a run left 'running' by a writer that is
 * gone (the writer lock is free). */
#define STORE_RUN_ABANDONED "ended abnormally (killed, or its host stopped)"

int store_run_begin(struct store *s, const struct run_info *r);
int store_run_end(struct store *s, const struct run_info *r);

/* The database held no second when it was opened. */
bool store_was_empty(const struct store *s);

/*
 * The minutes and hours before BEFORE_T packed (packer.h), until BUDGET_NS
 * has passed: what store_second() does after each second, with BEFORE_T the
 * newest second less store_pack_age().  0, or -1.
 */
int store_pack(struct store *s, int64_t before_t, int64_t budget_ns);

/* How much older than the newest second a minute or hour is packed under
 * retention P: the per-CPU seconds' retention, or the seconds' if
 * shorter, and an hour. */
int64_t store_pack_age(const struct retention_policy *p);

/* Rebuild the database with full pages (VACUUM) once its roll-ups are
 * complete, and fold the WAL back into it.  The sizes before and after,
 * in bytes.  On failure (a full disk, say) the database is as it was:
 * -1, store_error says why. */
int store_compact(struct store *s, uint64_t *before, uint64_t *after);

/* Retention, applied after each second: P for this store, or as the
 * default of every store opened afterwards (without either,
 * retention_defaults()). */
struct retention_stats;
void store_set_retention(struct store *s, const struct retention_policy *p);
void store_set_default_retention(const struct retention_policy *p);
const struct retention_stats *store_prune_stats(const struct store *s);
/* The size budget's (budget.h, set with the retention policy). */
struct budget_stats;
const struct budget_stats *store_budget_stats(const struct store *s);

/* The last error, naming the database file. */
const char *store_error(const struct store *s);
const char *store_path(const struct store *s);

#endif
