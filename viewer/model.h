/*
 * The viewer's model: what one screen (or one log line) shows, as plain
 * numbers, filled by query.c and read by draw.c and logmode.c.
 *
 * Two windows end at the same second: the short one is that second alone,
 * the long one the ten seconds (or the --from/--to range) up to it.  For
 * each domain the model keeps the column sums of docs/metrics.md over each
 * window; every figure on screen is derived from those sums by the helpers
 * below, so the terminal, the log files and the tests cannot disagree about
 * what "waiting %" means.
 *
 * A second with no cpu_1s row for the CPUs shown is a gap: it counts in
 * neither the denominator nor the sums, and the sparkline shows it blank.
 */
#ifndef XENMON_MODEL_H
#define XENMON_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"   /* METRICS_IDLE_DOMID, METRICS_SAMPLE */

#define MODEL_SPARK_MAX 60
#define MODEL_SPARK_GAP (-1)

enum { WIN_SHORT = 0, WIN_LONG = 1, WIN_COUNT };

/* Column sums of sample_1s over a window, for one domain: a field per
 * metric of the table. */
#define MODEL_SUM_FIELD(name, ...) int64_t name;
struct dom_sums {
	METRICS_SAMPLE(MODEL_SUM_FIELD)
	bool has_alloc_range;     /* alloc_min/max_ns are meaningful */
};

/* What the window covered, for the CPUs shown. */
struct win_info {
	int64_t t_first, t_last;  /* inclusive Unix seconds */
	int64_t seconds;          /* t_last - t_first + 1 */
	int64_t seconds_with_data;
	/* Observed time of one CPU summed over the window (for all CPUs: the
	 * mean over CPUs): the denominator of every percentage and rate. */
	int64_t passed_ns;
	int64_t sched_ns;         /* summed over the CPUs shown */
	int64_t lost_records, lost_min, lost_max; /* min/max per second */
	/* Malformed records of a damaged trace (006_malformed.sql) */
	int64_t malformed_records;
	/* How it was read (viewer/plan.c): the grain_s of the coarsest rows
	 * (metrics_tiers[]; 1: seconds only); 0, or the grain of the rows an
	 * end was widened to where its seconds were pruned (t_first, t_last
	 * are then the rows'); whether lost_min/max are known (roll-ups keep
	 * no per-second ones). */
	int64_t grain_s, widened_s;
	bool lost_range_known;
};

struct dom_row {
	int domid;
	char name[128];          /* UTF-8 as stored, cut at a character */
	struct dom_sums w[WIN_COUNT];
	/* CPU% per second of the long window's last spark_len seconds, as a
	 * level 0..8 of one CPU, or MODEL_SPARK_GAP for a second with no data. */
	signed char spark[MODEL_SPARK_MAX];
	int64_t spark_ns[MODEL_SPARK_MAX]; /* cpu_ns behind each level */
	int64_t last_t;           /* newest second of the window with a row */
};

struct model {
	int cpu;                  /* CPU shown, or -1 for all CPUs summed */
	int ncpus;                /* CPUs of the host */
	int64_t t_oldest, t_newest; /* data in the database */
	int64_t t_live;           /* the last complete second (query.c) */
	/* Following the newest second: how long ago it ended, when that is
	 * longer than a recorder takes to store one (0: fresh), and whether
	 * a recorder holds the lock (1), none does (0), or we cannot tell
	 * (-1).  Set by the program, which knows the clock and the lock. */
	int64_t stale_s;
	int recorder;
	struct win_info win[WIN_COUNT];
	struct dom_row *rows;
	size_t nrows, cap;
	/* The last NHIDDEN rows are domains the filter hides (model_filter):
	 * shown are the first model_shown(); the totals are of all rows. */
	size_t nhidden;
	int spark_len;
	/* Issue 17: the I/O sources the traces showed (meta io_sources,
	 * metrics_io_sources_known): the I/O figures they did not show are
	 * shown as unavailable (metrics_figure_unavailable). */
	unsigned io_sources;
	/* Rows the size budget dropped within the long window (table
	 * pruned), of the finest tier that has some, if any. */
	struct {
		bool any;
		int tier;
		int64_t first_t, last_t;
		char reason[32];
	} dropped;
	/* The per-CPU view: the coarsest tier whose per-CPU detail, kept for
	 * less time than the whole host's rows (retain-1s-cpu, ...), begins
	 * only after the long window does, at FROM_T. */
	struct {
		bool any;
		int tier;
		int64_t from_t;
	} detail_gone;
};

/* What the rows are sorted by: the domain's id, its name, then the metrics
 * the metric table gives a sort key (schema/metrics.h, VIEW's sort), in
 * the order of their rows on screen. */
enum sort_key {
	SORT_DOMID, SORT_NAME, SORT_METRIC,
	SORT_COUNT = SORT_METRIC + METRICS_NSORT
};

/* Empties the rows, keeps the allocation. */
void model_reset(struct model *m);
void model_free(struct model *m);
/* A zeroed row for DOMID; NULL when out of memory. */
struct dom_row *model_add_row(struct model *m, int domid);
/* The row of DOMID, or NULL. */
struct dom_row *model_find(struct model *m, int domid);
/* Rows sorted by KEY over window WIN, ties by domid; Idle always last. */
void model_sort(struct model *m, enum sort_key key, int win, bool descending);
const char *model_sort_name(enum sort_key key);
/* The sum of metric I (METRICS_I_*) in S. */
int64_t model_sum(const struct dom_sums *s, size_t i);

/* The rows FILTER does not select (schema/domfilter.h) moved after the
 * others, each part in its order, and counted in nhidden.  After
 * model_sort(), which sorts them all. */
struct domfilter;
void model_filter(struct model *m, const struct domfilter *filter);
size_t model_shown(const struct model *m);

/* Derived figures (docs/metrics.md), metrics_*()'s over the window (schema/
 * metrics.h), 0 where undefined as xenmon.py showed them.  has_data() is
 * false for a window that is all gap; the others then return 0. */
bool model_has_data(const struct win_info *w);
/* The window misses records (METRICS_MISSING_RECORDS_FMT): its figures
 * are what the records left tell. */
bool model_incomplete(const struct win_info *w);
double model_pct(const struct win_info *w, int64_t ns);
/* Something to say under the table: missing records (model_incomplete) or
 * rows of the window the size budget dropped. */
bool model_notice(const struct model *m);
/* NS or a count per second of observed time. */
double model_per_s(const struct win_info *w, int64_t x);
/* A / N, 0 when N is 0 (xenmon.py's convention). */
double model_ratio(int64_t a, int64_t n);
double model_blocked_pct(const struct dom_sums *s);
double model_alloc_avg_ns(const struct dom_sums *s);
/* Figure F of metric I (METRICS_I_*) in S over W, as the ones above give
 * it; 0 for the figures that are not a number of the sums (LOW, HIGH,
 * NONE). */
double model_figure(const struct win_info *w, const struct dom_sums *s,
		    size_t i, enum metrics_figure f);

#endif
