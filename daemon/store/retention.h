/*
 * Retention: how long each resolution is kept, where that is configured
 * (flags, then /etc/xenmon/xenbaked.conf), and the pruning that enforces it.
 *
 * Ages are measured from the newest stored second (trace time), not from
 * the wall clock: a replay of last year's trace keeps what the live daemon
 * would have kept then, and tests choose "now" by choosing the seconds they
 * store.  Pruning deletes the oldest rows in small transactions sized so
 * that none holds the write lock for long (see retention.c).
 */
#ifndef XENMON_RETENTION_H
#define XENMON_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "budget.h"    /* the size budget, configured beside retention */
#include "metrics.h"   /* the tiers: metrics_tiers[] */

/*
 * What retention prunes, each with an age of its own: the tiers
 * (metrics_tiers[], index = tier), then their per-CPU detail (index =
 * METRICS_TIERS + tier), which is never kept longer than its tier.
 */
#define RETENTION_SETS (2 * METRICS_TIERS)

/* Seconds each set is kept; 0 = forever.  And the size budget. */
struct retention_policy {
	int64_t keep_s[RETENTION_SETS];
	/* The config file's metrics-listen (the flag's address), or "";
	 * metrics-textfile (a path) or "", and metrics-interval (seconds, 0
	 * when not given). */
	char metrics_listen[128];
	char metrics_textfile[256];
	int64_t metrics_interval_s;
	struct budget_spec budget;
};

#ifndef RETENTION_DEFAULT_CONFIG  /* set by the build from its sysconfdir */
#define RETENTION_DEFAULT_CONFIG "/etc/xenmon/xenbaked.conf"
#endif

/* The tiers' ages of metrics_tiers[] (keep_s, detail_keep_s); the default
 * size budget. */
void retention_defaults(struct retention_policy *p);

/* The flag and config-file key of a set: "retain-1s", ...,
 * "retain-1s-cpu", ...; its table (the tier's sample table or the detail
 * table) and its name in messages. */
const char *retention_key(int set);
const char *retention_table(int set);
const char *retention_what(int set);

/* "7d", "36h", "90m", "3600s", "3600", "2w", "5y" or "forever" as seconds
 * (0 for forever).  0, or -1 when TEXT is none of those. */
int retention_parse(const char *text, int64_t *seconds);

/* SECONDS as retention_parse reads it back, in the coarsest unit that
 * holds it whole: "7d", "6h", "1y", "forever" (0). */
void retention_format(int64_t seconds, char *out, size_t size);

/* The size budget's key in the config file and its option's name. */
#define RETENTION_BUDGET_KEY "max-size"

/*
 * Read "key = value" lines (keys retention_key() and RETENTION_BUDGET_KEY,
 * '#' comments) from PATH
 * into P.  Returns 0, -2 when PATH does not exist, or -1 with the reason,
 * naming the file and line, in ERR.
 */
int retention_read_config(const char *path, struct retention_policy *p,
			  char *err, size_t errlen);

/*
 * The daemon's policy: defaults, then CONFIG (NULL: the default path, which
 * may be missing), then the tiers given as flags (SET[i]: FLAGS[i] given).
 * 0, or -1 with the reason in ERR.
 */
int retention_configure(struct retention_policy *p, const char *config,
			const bool set[RETENTION_SETS],
			const int64_t flags[RETENTION_SETS],
			char *err, size_t errlen);

struct retention_stats {
	uint64_t steps;           /* prune transactions */
	uint64_t rows;            /* rows deleted */
	int64_t max_hold_ns;      /* longest of them, BEGIN to COMMIT */
};

struct retention;

struct retention *retention_new(sqlite3 *db, const struct retention_policy *p);
void retention_free(struct retention *r);
void retention_set_policy(struct retention *r, const struct retention_policy *p);

/*
 * Delete what NEWEST_T (the newest stored second) puts out of retention,
 * one small transaction at a time, for at most BUDGET_NS of work.  Returns
 * 0 when nothing is left to delete, 1 when the budget ran out first, -1 on
 * error (sqlite3_errmsg).
 */
int retention_prune(struct retention *r, int64_t newest_t, int64_t budget_ns);

const struct retention_stats *retention_stats(const struct retention *r);

/*
 * One pruning step of SET (a tier or its detail): its oldest rows with t < CUT, as many as one
 * short transaction deletes (the same adaptive span as retention's own
 * steps, at most SPAN_CAP_S seconds of them unless 0).  With REASON, the seconds they covered are recorded in table
 * pruned in the same transaction (the size budget: budget.c).  Returns 0
 * when nothing is below CUT, 1 when rows were deleted (HELD_NS, if not
 * NULL: how long the write lock was held), -1 on error.
 */
int retention_step_below(struct retention *r, int set, int64_t cut,
			 int64_t span_cap_s, const char *reason, int64_t *held_ns);

#endif
