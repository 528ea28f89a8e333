/*
 * Roll-ups: the minute, hour and day tables, kept equal to the seconds.
 *
 * Three paths, all inside the transaction of the second that calls them,
 * so a reader sees a second in all tables or in none:
 *
 *  - A second as the daemon stores it goes into its minute at once.  The
 *    writer has the second's rows in memory, so the sums per domain (over
 *    physical CPUs) and the busy time per CPU are computed here and bound
 *    into one upsert per domain and per CPU: a new row is inserted, an
 *    existing one has its sums added, its min and max widened, its peak
 *    raised and one second added to its histogram's bin.  Reading the
 *    second back from sample_1s and grouping it in SQL cost the writer
 *    more than storing it.
 *
 *    The peak and the bin are the second's CPU% over the time it was
 *    observed (the mean of its CPUs' observed_ns, as the viewer and the
 *    views read it): a second the trace covers in part, at its start or
 *    end, is binned at its rate, not at the fraction it shows.  A whole
 *    second is binned by its cpu_ns, as before.
 *
 *  - Hours are rolled up once a minute, behind a watermark kept in meta
 *    ('rollup_1h_upto': every stored second before it is in the hour
 *    tables, none after it).  When the last second of a minute is stored,
 *    the minute rows since the watermark are added to their hours: they
 *    hold exactly the seconds since the watermark, and merging a minute's
 *    histogram is far cheaper than regrouping its seconds.  Rewriting the
 *    long hour rows every second would cost more than the seconds.  A
 *    second stored below the watermark (an older trace replayed later)
 *    goes into its hour at once, like into its minute.
 *
 *  - The days (014_day_rollups.sql) follow the hours: behind the same
 *    watermark, from the same minute rows, in the same statements, so a
 *    day row holds exactly the seconds its hour rows hold.  Rolling the
 *    hours into their day once an hour would save the writer little (a
 *    minute's rows are few) and give the days a watermark of their own
 *    for every path below to keep.  A day rolled up again (a second
 *    rewritten) is the sum of its hour rows.  The weeks
 *    (016_week_rollups.sql) follow the same way, and a week rolled up
 *    again is the sum of its day rows.
 *
 *  - Ranges of seconds are rolled up in SQL from the tables: one statement
 *    per roll-up table reads the seconds [?1, ?2) back from sample_1s (or
 *    cpu_1s), sums them per domain and second, groups them by minute,
 *    hour or day (?3, the tier's grain_s) and upserts the result, merging
 *    histograms bin by bin.  That back-fills a database migrated from
 *    schema 1, catches the hours up on close and on the next open after a
 *    crash (the seconds of an unfinished minute), and rolls up the part of
 *    a minute after a watermark that a close left in its middle.
 *
 *  - The per-CPU roll-ups (sample_cpu_1m and _1h, per CPU and domain, sums
 *    only: 009_cpu_rollups.sql) follow the hours' watermark, not the
 *    seconds: an upsert per (CPU, domain) every second would double the
 *    writer's rows.  The seconds since the watermark are summed in memory
 *    per (CPU, domain) as they are stored, and when the hours catch up the
 *    sums go into their minute, and the minute into its hour.  Anything
 *    else (a second rolled back or rewritten, a minute whose seconds did
 *    not all pass here, a close) drops the sums and reads the seconds back
 *    from sample_1s instead (reading them every minute cost a replay a
 *    fifth more CPU).  A second stored below the watermark goes into both
 *    tables at once, from sample_1s.
 *
 * Histograms are packed (schema/hist.h) and merged by the connection's
 * SQL functions.  Rows a database migrated from before 010 holds as JSON
 * text are packed once, after opening, a day per transaction
 * (rollup_pack()); until then the merges read either form.
 *
 * The tests check every path against the simulator's truth.
 */
#include "rollup.h"
#include "upsert.h"

#include "hist.h"
#include "metrics.h"
#include "schema.h"
#include "trace.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	R_SAMPLE_1M, R_SAMPLE_1H, R_CPU_1M, R_CPU_1H,
	R_SCPU_1M, R_SCPU_1H,   /* per (CPU, domain): 009_cpu_rollups.sql */
	R_SAMPLE_1D, R_CPU_1D, R_SCPU_1D,   /* 014_day_rollups.sql */
	R_SAMPLE_1W, R_CPU_1W, R_SCPU_1W,   /* 016_week_rollups.sql */
	R_COUNT
};
#define BIT(i) (1u << (i))
#define ALL_TABLES (BIT(R_COUNT) - 1)
#define PER_CPU (BIT(R_SCPU_1M) | BIT(R_SCPU_1H) | BIT(R_SCPU_1D) | \
		 BIT(R_SCPU_1W))
#define MINUTES (BIT(R_SAMPLE_1M) | BIT(R_CPU_1M) | BIT(R_SCPU_1M))
#define HOURS (BIT(R_SAMPLE_1H) | BIT(R_CPU_1H) | BIT(R_SCPU_1H))
#define DAYS (BIT(R_SAMPLE_1D) | BIT(R_CPU_1D) | BIT(R_SCPU_1D))
#define WEEKS (BIT(R_SAMPLE_1W) | BIT(R_CPU_1W) | BIT(R_SCPU_1W))
/* The tables behind the hours' watermark */
#define BEHIND (HOURS | DAYS | WEEKS)

/* One domain's second, summed over physical CPUs: a field per metric,
 * sums in 64 bits. */
#define DOM_FIELD(name, ctype, rollup, ...) DOM_FIELD_##rollup(name, ctype);
#define DOM_FIELD_SUM(n, ctype) uint64_t n
#define DOM_FIELD_MIN(n, ctype) ctype n
#define DOM_FIELD_MAX DOM_FIELD_MIN
struct dom_sum {
	uint16_t domid;
	bool bounded;             /* some slice had a limit: min/max valid */
	METRICS_SAMPLE(DOM_FIELD)
};

/* One (CPU, domain)'s seconds of the minute gathered in memory. */
struct cpu_dom_sum {
	uint32_t key;             /* cpu << 16 | domid */
	uint32_t seconds;
	struct dom_sum s;
};

struct rollup {
	sqlite3 *db;
	/* The seconds since the watermark, of minute acc_minute, when
	 * acc_ok: every one stored since the watermark is in them. */
	struct cpu_dom_sum *acc;
	size_t nacc, acc_cap;
	uint32_t *acc_index;            /* open addressing: key -> acc + 1 */
	size_t index_cap;               /* a power of two, >= 2 * acc_cap */
	int64_t acc_minute;
	bool acc_ok;
	sqlite3_stmt *acc_flush;
	sqlite3_stmt *st[R_COUNT];      /* ranges, in SQL */
	sqlite3_stmt *one[R_COUNT];     /* one second, from memory */
	/* Per table behind the watermark: the minute rows of a range added
	 * to it; of a day (week) table, the hour (day) rows too. */
	sqlite3_stmt *from_minutes[R_COUNT], *from_hours[R_COUNT];
	int64_t hours_upto;
	int64_t upto_committed;         /* hours_upto as the database has it */
	struct dom_sum *sums;           /* this second's domains */
	size_t sums_cap;
	uint32_t slot[UINT16_MAX + 1];  /* domid -> index in sums + 1 */
};

/* The SQL below is built from the metric table (schema/metrics.h) when
 * compiled: one metric's column, its aggregate over rows (with AS, its
 * column's name), and how an upsert adds a new row's (excluded) value to
 * an existing one: sums add, min and max widen (the scalar min()/max()
 * are NULL if either side is: keep the other). */
#define AGG_SUM(n) ", sum(" #n ")"
#define AGG_MIN(n) ", min(" #n ")"
#define AGG_MAX(n) ", max(" #n ")"
#define AGG(name, ctype, rollup, ...) AGG_##rollup(name)
#define AGG_AS(name, ctype, rollup, ...) AGG_##rollup(name) " AS " #name
/* A CPU's column from its cpu_1s rows (c) in a range: the sum of its
 * seconds', or of FROM_1S_<name> for a column only the roll-ups have. */
#define CPU_AGG(name, ctype, in_1s, ...) CPU_AGG_##in_1s(name)
#define CPU_AGG_1(n) ", sum(c." #n ")"
#define CPU_AGG_0(n) ", sum(" FROM_1S_##n ")"
/* busy_ns: the CPU time of every domain but the idle one on that CPU and
 * second, found by the (t, cpu) prefix of sample_1s's key. */
#define FROM_1S_busy_ns \
	"coalesce((SELECT sum(s.cpu_ns) FROM sample_1s s" \
	" WHERE s.t = c.t AND s.cpu = c.cpu AND s.domid <> " METRICS_IDLE_DOMID_SQL \
	"), 0)"

/* Ranges: per (second, domain) sums, then per (minute or hour, domain,
 * CPU% bin), then per (minute or hour, domain) with the bins packed into
 * a histogram.  %s is the table. */
static const char SAMPLE_SQL[] =
	"WITH obs AS ("
	" SELECT t, sum(observed_ns) / count(*) AS o FROM cpu_1s"
	" WHERE t >= ?1 AND t < ?2 GROUP BY t),"
	" sec AS ("
	" SELECT t, domid" METRICS_SAMPLE(AGG_AS)
	" FROM sample_1s WHERE t >= ?1 AND t < ?2 GROUP BY t, domid),"
	/* metrics_per_second_ns() in SQL */
	" pct AS ("
	" SELECT sec.*, CASE WHEN o > 0 AND o < 1000000000"
	"  THEN cpu_ns / o * 1000000000 + cpu_ns %% o * 1000000000 / o"
	"  ELSE cpu_ns END AS pct_ns"
	" FROM sec LEFT JOIN obs USING (t)),"
	" bin AS ("
	" SELECT t - t %% ?3 AS t, domid,"
	"  pct_ns / " METRICS_NS_PER_PCT_SQL " AS b, count(*) AS n"
	METRICS_SAMPLE(AGG_AS) ", max(pct_ns) AS peak"
	" FROM pct GROUP BY 1, 2, 3)"
	" INSERT INTO %s (" SAMPLE_COLUMNS ")"
	" SELECT t, domid, sum(n)" METRICS_SAMPLE(AGG)
	", max(peak), xenmon_hist_group(b, n)"
	" FROM bin WHERE true GROUP BY t, domid"
	ADD_SAMPLE
	"  cpu_pct_hist =" MERGE_HIST("%s");

static const char CPU_SQL[] =
	"INSERT INTO %s (" CPU_COLUMNS ")"
	" SELECT c.t - c.t %% ?3, c.cpu, count(*)" METRICS_CPU(CPU_AGG)
	" FROM cpu_1s c WHERE c.t >= ?1 AND c.t < ?2 GROUP BY 1, 2"
	ADD_CPU;

/* The per-CPU roll-ups: the sums of the seconds [?1, ?2) per (minute or
 * hour, CPU, domain). */
#define SCPU_COLUMNS "t, cpu, domid, seconds" METRICS_SAMPLE(METRICS_COLUMN)
#define ADD_SCPU \
	" ON CONFLICT (t, cpu, domid) DO UPDATE SET" \
	"  seconds = seconds + excluded.seconds" METRICS_SAMPLE(ADD)
static const char SCPU_SQL[] =
	"INSERT INTO %s (" SCPU_COLUMNS ")"
	" SELECT t - t %% ?3, cpu, domid, count(*)" METRICS_SAMPLE(AGG)
	" FROM sample_1s WHERE t >= ?1 AND t < ?2 GROUP BY 1, 2, 3"
	ADD_SCPU;

/* One second's sums for one domain, from memory (%s the table, %d its
 * grain): :peak is its CPU time per second observed, :hist the histogram
 * of its one second. */
#define ONE(...) + 1
enum { N_SAMPLE = 0 METRICS_SAMPLE(ONE) };
enum { P_PEAK = N_SAMPLE + 3, P_HIST };  /* :peak, :hist */
static const char SAMPLE_ONE_SQL[] =
	"INSERT INTO %s (" SAMPLE_COLUMNS ")"
	" VALUES (?1 - ?1 %% %d, ?2, 1" METRICS_SAMPLE(METRICS_PARAM) ", :peak,"
	"  :hist)"
	ADD_SAMPLE
	"  cpu_pct_hist =" MERGE_HIST("%s");

/* One second of one CPU: its columns from ?3 on (add_cpus()). */
static const char CPU_ONE_SQL[] =
	"INSERT INTO %s (" CPU_COLUMNS ")"
	" VALUES (?1 - ?1 %% %d, ?2, 1" METRICS_CPU(METRICS_PARAM) ")"
	ADD_CPU;

/* One (CPU, domain)'s sums of the minute ?1, from memory. */
static const char SCPU_ONE_SQL[] =
	"INSERT INTO sample_cpu_1m (" SCPU_COLUMNS ")"
	" VALUES (?1, ?2, ?3, ?4" METRICS_SAMPLE(METRICS_PARAM) ")"
	ADD_SCPU;

/* The roll-up tables: of which tier (metrics_tiers[]), and samples, CPUs
 * or samples per CPU (named here: retention.c prunes them as the tier's per-CPU detail). */
enum { K_SAMPLE, K_CPU, K_SCPU };
static const struct {
	int tier, kind;
	const char *name;
} TABLES[R_COUNT] = {
	[R_SAMPLE_1M] = { METRICS_1M, K_SAMPLE, NULL },
	[R_SAMPLE_1H] = { METRICS_1H, K_SAMPLE, NULL },
	[R_CPU_1M] = { METRICS_1M, K_CPU, NULL },
	[R_CPU_1H] = { METRICS_1H, K_CPU, NULL },
	[R_SCPU_1M] = { METRICS_1M, K_SCPU, "sample_cpu_1m" },
	[R_SCPU_1H] = { METRICS_1H, K_SCPU, "sample_cpu_1h" },
	[R_SAMPLE_1D] = { METRICS_1D, K_SAMPLE, NULL },
	[R_CPU_1D] = { METRICS_1D, K_CPU, NULL },
	[R_SCPU_1D] = { METRICS_1D, K_SCPU, "sample_cpu_1d" },
	[R_SAMPLE_1W] = { METRICS_1W, K_SAMPLE, NULL },
	[R_CPU_1W] = { METRICS_1W, K_CPU, NULL },
	[R_SCPU_1W] = { METRICS_1W, K_SCPU, "sample_cpu_1w" },
};

/* The rows [?1, ?2) of a finer roll-up table (the last %s) added to their
 * steps of %d seconds in the table of the first %s: the sums of their
 * seconds, so the coarser row gets exactly what reading the seconds would
 * give.  Per kind of table (K_*); the histograms are merged into the
 * table of the last %s. */
static const char *const FOLD_SQL[] = {
	[K_SAMPLE] = "INSERT INTO %s (" SAMPLE_COLUMNS ")"
	" SELECT t - t %% %d, domid, seconds" METRICS_SAMPLE(METRICS_COLUMN)
	", " METRICS_SAMPLE_ROLLUP_ONLY
	" FROM %s WHERE t >= ?1 AND t < ?2"
	ADD_SAMPLE
	"  cpu_pct_hist =" MERGE_HIST("%s"),
	[K_CPU] = "INSERT INTO %s (" CPU_COLUMNS ")"
	" SELECT t - t %% %d, cpu, seconds" METRICS_CPU(METRICS_COLUMN)
	" FROM %s WHERE t >= ?1 AND t < ?2"
	ADD_CPU,
	[K_SCPU] = "INSERT INTO %s (" SCPU_COLUMNS ")"
	" SELECT t - t %% %d, cpu, domid, seconds" METRICS_SAMPLE(METRICS_COLUMN)
	" FROM %s WHERE t >= ?1 AND t < ?2"
	ADD_SCPU,
};

/* The table of I the roll-ups write: a CPU tier's plain rows where its
 * table is a view over them and its packed rows (023); the store moves
 * a packed row back before a second is added to it (packer.h). */
static const char *table_name(int i)
{
	const struct metrics_tier *t = &metrics_tiers[TABLES[i].tier];
	if (TABLES[i].kind == K_SCPU)
		return TABLES[i].name;
	if (TABLES[i].kind == K_SAMPLE)
		return t->sample;
	return t->cpu_plain ? t->cpu_plain : t->cpu;
}

static int grain_s(int i)
{
	return (int)metrics_tiers[TABLES[i].tier].grain_s;
}

/* The table of KIND in TIER. */
static int table_of(int kind, int tier)
{
	for (int i = 0; i < R_COUNT; i++)
		if (TABLES[i].kind == kind && TABLES[i].tier == tier)
			return i;
	return -1;
}

/* FOLD_SQL from table SRC into table I (behind the watermark): 0, or -1. */
static int prepare_fold(struct rollup *r, int i, int src, sqlite3_stmt **st)
{
	char sql[4096];
	/* the table names are the constants above, never input; a tier's
	 * packed rows are read too (019_packed_rollups.sql), though the
	 * store unpacks what a second folds into (packer.h) */
	const char *from = TABLES[src].kind == K_SAMPLE ?
			   schema_tier_table(r->db, TABLES[src].tier) :
			   TABLES[src].kind == K_CPU ?
			   metrics_tiers[TABLES[src].tier].cpu : table_name(src);
	snprintf(sql, sizeof sql, FOLD_SQL[TABLES[i].kind], table_name(i),
		 grain_s(i), from, table_name(i));
	return sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				  st, NULL) == SQLITE_OK ? 0 : -1;
}

static int prepare(struct rollup *r, int i)
{
	char sql[4096], one[2048];
	/* The table names are the constants above, never input.  The per-CPU
	 * tables are rolled up from the seconds only (no ONE statement). */
	if (TABLES[i].kind == K_SCPU) {
		snprintf(sql, sizeof sql, SCPU_SQL, table_name(i));
		return sqlite3_prepare_v3(r->db, sql, -1,
					  SQLITE_PREPARE_PERSISTENT, &r->st[i],
					  NULL) == SQLITE_OK ? 0 : -1;
	}
	if (TABLES[i].kind == K_SAMPLE) {
		snprintf(sql, sizeof sql, SAMPLE_SQL, table_name(i),
			 table_name(i));
		snprintf(one, sizeof one, SAMPLE_ONE_SQL, table_name(i),
			 grain_s(i), table_name(i));
	} else {
		snprintf(sql, sizeof sql, CPU_SQL, table_name(i));
		snprintf(one, sizeof one, CPU_ONE_SQL, table_name(i),
			 grain_s(i));
	}
	if (sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &r->st[i], NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, one, -1, SQLITE_PREPARE_PERSISTENT,
			       &r->one[i], NULL) != SQLITE_OK)
		return -1;
	/* add_domains() binds the named ones by number */
	return TABLES[i].kind != K_SAMPLE ||
	       (sqlite3_bind_parameter_index(r->one[i], ":peak") == P_PEAK &&
		sqlite3_bind_parameter_index(r->one[i], ":hist") == P_HIST) ?
	       0 : -1;
}

struct rollup *rollup_new(sqlite3 *db)
{
	struct rollup *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->db = db;
	for (int i = 0; i < R_COUNT; i++) {
		int kind = TABLES[i].kind, tier = TABLES[i].tier;
		if (prepare(r, i) < 0 ||
		    (BIT(i) & BEHIND &&
		     prepare_fold(r, i, table_of(kind, METRICS_1M),
				  &r->from_minutes[i]) < 0) ||
		    (BIT(i) & (DAYS | WEEKS) &&
		     prepare_fold(r, i, table_of(kind, tier - 1),
				  &r->from_hours[i]) < 0)) {
			rollup_free(r);
			return NULL;
		}
	}
	if (sqlite3_prepare_v3(db, SCPU_ONE_SQL, -1, SQLITE_PREPARE_PERSISTENT,
			       &r->acc_flush, NULL) != SQLITE_OK) {
		rollup_free(r);
		return NULL;
	}
	return r;
}

void rollup_free(struct rollup *r)
{
	if (!r)
		return;
	for (int i = 0; i < R_COUNT; i++) {
		sqlite3_finalize(r->st[i]);
		sqlite3_finalize(r->one[i]);
		sqlite3_finalize(r->from_minutes[i]);
		sqlite3_finalize(r->from_hours[i]);
	}
	sqlite3_finalize(r->acc_flush);
	free(r->acc);
	free(r->acc_index);
	free(r->sums);
	free(r);
}

/* Roll [FROM_T, TO_T) into the tables of MASK (bits of R_*). */
static int roll(struct rollup *r, int64_t from_t, int64_t to_t, unsigned mask)
{
	for (int i = 0; i < R_COUNT; i++) {
		if (!(mask & BIT(i)) || from_t >= to_t)
			continue;
		sqlite3_stmt *st = r->st[i];
		sqlite3_bind_int64(st, 1, from_t);
		sqlite3_bind_int64(st, 2, to_t);
		sqlite3_bind_int(st, 3, grain_s(i));
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int rollup_range(struct rollup *r, int64_t from_t, int64_t to_t)
{
	return roll(r, from_t, to_t, ALL_TABLES);
}

static int set_upto(struct rollup *r, int64_t upto)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(r->db, "INSERT INTO meta (key, value) VALUES"
			       " ('rollup_1h_upto', ?1) ON CONFLICT (key) DO UPDATE"
			       " SET value = excluded.value", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, upto);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (rc == 0)
		r->hours_upto = upto;
	return rc;
}

/* A row's metric into its domain's: sums add, the min and max of the
 * bounded slices widen. */
#define SUM_INTO(name, ctype, rollup, ...) SUM_INTO_##rollup(name);
#define SUM_INTO_SUM(n) d->n += x->n
#define SUM_INTO_MIN(n) \
	if (x->alloc_n && (!d->bounded || x->n < d->n)) d->n = x->n
#define SUM_INTO_MAX(n) \
	if (x->alloc_n && (!d->bounded || x->n > d->n)) d->n = x->n

/* Sum SEC's rows per domain into r->sums, in domid order; their count,
 * or -1 out of memory. */
static long sum_domains(struct rollup *r, const struct second *sec)
{
	size_t n = 0;
	if (sec->nsamples > r->sums_cap) {
		struct dom_sum *p = realloc(r->sums, sec->nsamples * sizeof *p);
		if (!p)
			return -1;
		r->sums = p;
		r->sums_cap = sec->nsamples;
	}
	for (size_t i = 0; i < sec->nsamples; i++) {
		const struct sample_row *x = &sec->samples[i];
		struct dom_sum *d;
		if (r->slot[x->domid]) {
			d = &r->sums[r->slot[x->domid] - 1];
		} else {
			d = &r->sums[n++];
			memset(d, 0, sizeof *d);
			d->domid = x->domid;
			r->slot[x->domid] = (uint32_t)n;
		}
		METRICS_SAMPLE(SUM_INTO)
		d->bounded |= x->alloc_n > 0;
	}
	for (size_t i = 0; i < n; i++)
		r->slot[r->sums[i].domid] = 0;
	return (long)n;
}

static int by_domid(const void *a, const void *b)
{
	const struct dom_sum *x = a, *y = b;
	return (x->domid > y->domid) - (x->domid < y->domid);
}

static int step_one(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The second's observed time: the mean of its CPUs', as cpu_1s gives it
 * to every reader. */
static uint64_t observed_ns(const struct second *sec)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < sec->ncpus; i++)
		sum += sec->cpus[i].observed_ns;
	return sec->ncpus ? sum / sec->ncpus : 0;
}

/* A domain's metric bound at the next parameter (K + 1; K a constant, so
 * the compiler numbers them as by hand); a MIN or MAX is NULL without a
 * bounded slice. */
#define BIND_DOM(name, ctype, rollup, ...) BIND_DOM_##rollup(name);
#define BIND_DOM_SUM(n) sqlite3_bind_int64(st, ++k, (sqlite3_int64)d->n)
#define BIND_DOM_MIN(n) (d->bounded ? sqlite3_bind_int64(st, ++k, d->n) : \
			 sqlite3_bind_null(st, ++k))
#define BIND_DOM_MAX BIND_DOM_MIN

static int add_domains(sqlite3_stmt *st, int64_t t, uint64_t observed,
		       const struct dom_sum *sums, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct dom_sum *d = &sums[i];
		uint64_t pct_ns = (uint64_t)metrics_per_second_ns(
			(long long)d->cpu_ns, (long long)observed);
		struct hist_bin bin = { (uint32_t)(pct_ns / METRICS_NS_PER_PCT), 1 };
		unsigned char hist[HIST_MAX_BYTES(1)];
		size_t len = hist_encode(&bin, 1, hist);
		int k = 2;
		sqlite3_bind_int64(st, 1, t);
		sqlite3_bind_int64(st, 2, d->domid);
		METRICS_SAMPLE(BIND_DOM)
		sqlite3_bind_blob(st, P_HIST, hist, (int)len, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, P_PEAK, (sqlite3_int64)pct_ns);
		if (step_one(st) < 0)
			return -1;
	}
	return 0;
}

/* busy_ns: the CPU time of every domain but the idle one; the samples are
 * in CPU order, like the CPU rows. */
static int add_cpus(sqlite3_stmt *st, const struct second *sec)
{
	size_t j = 0;
	for (size_t i = 0; i < sec->ncpus; i++) {
		const struct cpu_row *c = &sec->cpus[i];
		uint64_t busy = 0;
		while (j < sec->nsamples && sec->samples[j].cpu < c->cpu)
			j++;
		for (; j < sec->nsamples && sec->samples[j].cpu == c->cpu; j++)
			if (sec->samples[j].domid != METRICS_IDLE_DOMID)
				busy += sec->samples[j].cpu_ns;
		sqlite3_bind_int64(st, 1, sec->t);
		sqlite3_bind_int64(st, 2, c->cpu);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)c->observed_ns);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)c->sched_ns);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)busy);
		sqlite3_bind_int64(st, 6, c->lost_records);
		sqlite3_bind_int64(st, 7, c->malformed_records);
		if (step_one(st) < 0)
			return -1;
	}
	return 0;
}

static void acc_empty(struct rollup *r)
{
	r->nacc = 0;
	if (r->acc_index)
		memset(r->acc_index, 0, r->index_cap * sizeof *r->acc_index);
}

/* The per-CPU sums are dropped: the seconds will be read back. */
static void acc_drop(struct rollup *r)
{
	acc_empty(r);
	r->acc_ok = false;
}

/* The watermark moves on: nothing is stored after it yet. */
static void acc_restart(struct rollup *r)
{
	acc_empty(r);
	r->acc_ok = true;
	r->acc_minute = INT64_MIN;
}

static size_t acc_hash(const struct rollup *r, uint32_t key)
{
	return (key * UINT32_C(2654435761)) & (r->index_cap - 1);
}

/* Room for one more (CPU, domain): -1 out of memory. */
static int acc_grow(struct rollup *r)
{
	if (r->nacc < r->acc_cap)
		return 0;
	size_t cap = r->acc_cap ? 2 * r->acc_cap : 256;
	struct cpu_dom_sum *p = realloc(r->acc, cap * sizeof *p);
	uint32_t *index = calloc(2 * cap, sizeof *index);
	if (!p || !index) {
		if (p)
			r->acc = p;
		free(index);
		return -1;
	}
	r->acc = p;
	r->acc_cap = cap;
	free(r->acc_index);
	r->acc_index = index;
	r->index_cap = 2 * cap;
	for (size_t i = 0; i < r->nacc; i++) {
		size_t h = acc_hash(r, r->acc[i].key);
		while (index[h])
			h = (h + 1) & (r->index_cap - 1);
		index[h] = (uint32_t)i + 1;
	}
	return 0;
}

/* The sums of KEY, found or made; NULL out of memory. */
static struct cpu_dom_sum *acc_slot(struct rollup *r, uint32_t key)
{
	if (acc_grow(r) < 0)
		return NULL;
	size_t h = acc_hash(r, key);
	for (uint32_t e; (e = r->acc_index[h]); h = (h + 1) & (r->index_cap - 1))
		if (r->acc[e - 1].key == key)
			return &r->acc[e - 1];
	struct cpu_dom_sum *c = &r->acc[r->nacc++];
	r->acc_index[h] = (uint32_t)r->nacc;
	memset(c, 0, sizeof *c);
	c->key = key;
	c->s.domid = (uint16_t)(key & 0xffff);
	return c;
}

/* SEC, stored after the watermark, into the per-CPU sums of its minute;
 * a second of another minute (the end of the last one was never stored)
 * drops them. */
static void acc_add(struct rollup *r, const struct second *sec)
{
	int64_t minute = sec->t - sec->t % METRICS_GRAIN_1M;
	if (r->acc_ok && r->acc_minute == INT64_MIN)
		r->acc_minute = minute;
	if (!r->acc_ok || minute != r->acc_minute) {
		acc_drop(r);
		return;
	}
	for (size_t i = 0; i < sec->nsamples; i++) {
		const struct sample_row *x = &sec->samples[i];
		struct cpu_dom_sum *c = acc_slot(r, (uint32_t)x->cpu << 16 |
						 x->domid);
		if (!c) {
			acc_drop(r);
			return;
		}
		struct dom_sum *d = &c->s;
		METRICS_SAMPLE(SUM_INTO)
		d->bounded |= x->alloc_n > 0;
		c->seconds++;
	}
}

/* The per-CPU sums into their minute: 1, or 0 when they were dropped (the
 * seconds are to be read back), -1 on error. */
static int acc_flush(struct rollup *r)
{
	sqlite3_stmt *st = r->acc_flush;
	if (!r->acc_ok)
		return 0;
	for (size_t i = 0; i < r->nacc; i++) {
		const struct dom_sum *d = &r->acc[i].s;
		int k = 4;
		sqlite3_bind_int64(st, 1, r->acc_minute);
		sqlite3_bind_int64(st, 2, r->acc[i].key >> 16);
		sqlite3_bind_int64(st, 3, d->domid);
		sqlite3_bind_int64(st, 4, r->acc[i].seconds);
		METRICS_SAMPLE(BIND_DOM)
		if (step_one(st) < 0)
			return -1;
	}
	return 1;
}

static int step_range(sqlite3_stmt *st, int64_t from_t, int64_t to_t)
{
	sqlite3_bind_int64(st, 1, from_t);
	sqlite3_bind_int64(st, 2, to_t);
	return step_one(st);
}

/* Add SEC to the tables of TIER. */
static int add_second(struct rollup *r, const struct second *sec,
		      const struct dom_sum *sums, size_t n, int tier)
{
	int s = table_of(K_SAMPLE, tier), c = table_of(K_CPU, tier);
	if (add_domains(r->one[s], sec->t, observed_ns(sec), sums, n) < 0)
		return -1;
	return add_cpus(r->one[c], sec);
}

/* The finer tables' rows [FROM_T, TO_T) added to the tables of MASK
 * (behind the watermark) by STMTS (from_minutes or from_hours). */
static int fold(sqlite3_stmt *const stmts[R_COUNT], unsigned mask,
		int64_t from_t, int64_t to_t)
{
	for (int i = 0; i < R_COUNT; i++)
		if (mask & BIT(i) && step_range(stmts[i], from_t, to_t) < 0)
			return -1;
	return 0;
}


/* Hours gain the seconds [FROM_T, TO_T), TO_T a whole minute or just past
 * the newest second stored.  The minutes wholly after FROM_T hold exactly
 * those seconds (every second is added to its minute as it is stored), and
 * their rows are what is added; a minute that the watermark cuts (it
 * stopped mid-minute on an earlier close) has seconds in the hours already,
 * so its part after FROM_T is read from the seconds. */
static int hours_from_minutes(struct rollup *r, int64_t from_t, int64_t to_t)
{
	/* The per-CPU minutes hold the seconds before FROM_T alone: those
	 * from FROM_T on are in memory, or read back. */
	int rc = acc_flush(r);
	if (rc < 0 || (rc == 0 && roll(r, from_t, to_t, BIT(R_SCPU_1M)) < 0))
		return -1;
	acc_restart(r);
	if (from_t % METRICS_GRAIN_1M) {
		int64_t cut = from_t - from_t % METRICS_GRAIN_1M +
			      METRICS_GRAIN_1M;
		if (roll(r, from_t, cut < to_t ? cut : to_t, BEHIND) < 0)
			return -1;
		from_t = cut;
	}
	if (from_t >= to_t)
		return 0;
	return fold(r->from_minutes, BEHIND, from_t, to_t);
}

int rollup_second(struct rollup *r, const struct second *sec)
{
	int64_t t = sec->t;
	long n = sum_domains(r, sec);
	if (n < 0)
		return -1;
	qsort(r->sums, (size_t)n, sizeof *r->sums, by_domid);
	if (add_second(r, sec, r->sums, (size_t)n, METRICS_1M) < 0)
		return -1;
	if (t < r->hours_upto)
		return add_second(r, sec, r->sums, (size_t)n, METRICS_1H) < 0 ||
		       add_second(r, sec, r->sums, (size_t)n, METRICS_1D) < 0 ||
		       add_second(r, sec, r->sums, (size_t)n, METRICS_1W) < 0 ?
		       -1 : roll(r, t, t + 1, PER_CPU);
	acc_add(r, sec);
	if ((t + 1) % METRICS_GRAIN_1M != 0)
		return 0;
	if (hours_from_minutes(r, r->hours_upto, t + 1) < 0)
		return -1;
	return set_upto(r, t + 1);
}

int64_t rollup_hours_upto(const struct rollup *r)
{
	return r->hours_upto;
}

int rollup_catch_up(struct rollup *r)
{
	sqlite3_stmt *st;
	int64_t newest = -1, upto = -1;
	bool have_upto = false;

	if (sqlite3_prepare_v2(r->db, "SELECT (SELECT last_t FROM cpu_1s_span),"
			       " (SELECT value FROM meta WHERE key = 'rollup_1h_upto')",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			newest = sqlite3_column_int64(st, 0);
		have_upto = sqlite3_column_type(st, 1) != SQLITE_NULL;
		upto = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	/* No watermark yet: every stored second was rolled up when stored
	 * or by the back-fill. */
	if (!have_upto)
		upto = newest + 1;
	r->hours_upto = upto;
	r->upto_committed = upto;
	if (have_upto && upto > newest)
		return 0;
	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	/* From the minutes: reading the seconds again took a replay's end
	 * ~40 ms for the last minute of a 64-CPU, 200-domain host. */
	if ((upto <= newest && hours_from_minutes(r, upto, newest + 1) < 0) ||
	    set_upto(r, newest + 1) < 0 ||
	    sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		rollup_rolled_back(r);
		return -1;
	}
	rollup_committed(r);
	return 0;
}

void rollup_committed(struct rollup *r)
{
	r->upto_committed = r->hours_upto;
}

void rollup_rolled_back(struct rollup *r)
{
	acc_drop(r);
	r->hours_upto = r->upto_committed;
}

/* The back-fills: of every table, of a database from schema 1
 * (002_history.sql), and of the per-CPU tables (009_cpu_rollups.sql).
 * NEXT selects the next second to roll up and the last one from meta,
 * PROGRESS records the next one, DONE forgets them. */
static const struct backfill {
	const char *next, *progress, *done;
	unsigned mask;
} BACKFILLS[] = {
	{ "SELECT CASE WHEN value = 'pending'"
	  " THEN coalesce((SELECT first_t FROM cpu_1s_span), 0) ELSE value END,"
	  " coalesce((SELECT last_t FROM cpu_1s_span), -1)"
	  " FROM meta WHERE key = 'history_backfill'",
	  "UPDATE meta SET value = ?1 WHERE key = 'history_backfill'",
	  "DELETE FROM meta WHERE key = 'history_backfill'", ALL_TABLES },
	{ "SELECT value, coalesce((SELECT value - 1 FROM meta"
	  "  WHERE key = 'cpu_rollup_backfill_end'), -1)"
	  " FROM meta WHERE key = 'cpu_rollup_backfill'",
	  "UPDATE meta SET value = ?1 WHERE key = 'cpu_rollup_backfill'",
	  "DELETE FROM meta WHERE key IN ('cpu_rollup_backfill',"
	  " 'cpu_rollup_backfill_end')", PER_CPU },
};

/* The next second to back-fill, or 0 when none is pending. */
static int backfill_next(sqlite3 *db, const struct backfill *b, int64_t *next,
			 int64_t *last)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, b->next, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	int found = rc == SQLITE_ROW;
	if (found) {
		*next = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

/* A pass of chunks, one transaction each, records how far it got in meta
 * KEY: TO, or, past LAST, that it is done; then commits.  0, or -1 (the
 * caller rolls back). */
static int chunk_commit(sqlite3 *db, const char *key, int64_t to, int64_t last)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, to > last ?
		"DELETE FROM meta WHERE key = ?2" :
		"UPDATE meta SET value = ?1 WHERE key = ?2",
		-1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, to);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE &&
		 sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/* One hour (aligned, so its minute and hour rows are whole) per
 * transaction, with the progress in meta, so an interrupted back-fill
 * resumes where it stopped and never counts a second twice. */
static int backfill_chunk(struct rollup *r, const struct backfill *b,
			  int64_t from, int64_t last)
{
	int64_t to = from - from % METRICS_GRAIN_1H + METRICS_GRAIN_1H;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (to > last + 1)
		to = last + 1;
	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (roll(r, from, to, b->mask) < 0 ||
	    sqlite3_prepare_v2(r->db, to > last ? b->done : b->progress,
			       -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_bind_parameter_count(st))
		sqlite3_bind_int64(st, 1, to);
	if (sqlite3_step(st) == SQLITE_DONE &&
	    sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		rc = 0;
out:
	sqlite3_finalize(st);
	if (rc < 0)
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int rollup_backfill(struct rollup *r)
{
	int64_t next, last;
	for (size_t i = 0; i < sizeof BACKFILLS / sizeof BACKFILLS[0]; i++) {
		const struct backfill *b = &BACKFILLS[i];
		int rc;
		while ((rc = backfill_next(r->db, b, &next, &last)) > 0)
			if (backfill_chunk(r, b, next, last) < 0)
				return -1;
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Meta KEY as an integer, or DEFAULT when absent; -1 on error. */
static int meta_int(sqlite3 *db, const char *key, int64_t dflt, int64_t *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : dflt;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Histograms written before 010 are JSON text until packed here, a day
 * of rows per transaction (%s the table). */
static const char PACK_SQL[] =
	"UPDATE %s SET cpu_pct_hist = xenmon_hist_pack(cpu_pct_hist)"
	" WHERE t >= ?1 AND t < ?2 AND typeof(cpu_pct_hist) = 'text'";

/* Both histogram tables' rows [FROM, FROM + a day) packed, and the
 * progress kept (its end, or done after LAST), in one transaction. */
static int pack_chunk(struct rollup *r, int64_t from, int64_t last)
{
	int64_t to = from + METRICS_GRAIN_1D;
	char sql[256];

	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	for (int i = R_SAMPLE_1M; i <= R_SAMPLE_1H; i++) {
		sqlite3_stmt *st;
		snprintf(sql, sizeof sql, PACK_SQL, table_name(i));
		if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
			goto fail;
		int rc = step_range(st, from, to);
		sqlite3_finalize(st);
		if (rc < 0)
			goto fail;
	}
	if (chunk_commit(r->db, "hist_packing", to, last) == 0)
		return 0;
fail:
	sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int rollup_pack(struct rollup *r)
{
	int64_t next, last;
	sqlite3_stmt *st;
	if (meta_int(r->db, "hist_packing", INT64_MIN, &next) < 0)
		return -1;
	if (next == INT64_MIN)
		return 0;
	if (sqlite3_prepare_v2(r->db, "SELECT max("
			       "coalesce((SELECT max(t) FROM sample_1m), 0),"
			       " coalesce((SELECT max(t) FROM sample_1h), 0))",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return -1;
	do {
		if (pack_chunk(r, next, last) < 0)
			return -1;
		next += METRICS_GRAIN_1D;
	} while (next <= last);
	return 0;
}

/* The rows of TABLE (a roll-up) at T go. */
static int drop_row(struct rollup *r, int table, int64_t t)
{
	char sql[64];
	sqlite3_stmt *st;
	snprintf(sql, sizeof sql, "DELETE FROM %s WHERE t = ?1",
		 table_name(table));
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, t);
	int rc = step_one(st);
	sqlite3_finalize(st);
	return rc;
}

int rollup_can_redo(struct rollup *r, int64_t t)
{
	/* Its minute's seconds, and, when the hours hold it, its hour's
	 * minutes (the seconds after them are later than its minute), its
	 * day's hours and its week's days: each tier from the start of the
	 * next one's row, per domain and per CPU (retain-1s-cpu and the like
	 * prune the per-CPU split well before the tier: the minute would be
	 * rolled up again from what is left of it). */
	for (int i = METRICS_1S; i + 1 < METRICS_TIERS; i++) {
		if (i > METRICS_1S && t >= r->hours_upto)
			return 1;   /* the hours do not hold it yet */
		const struct metrics_tier *tier = &metrics_tiers[i];
		const char *keys[] = { tier->pruned_key, tier->detail_pruned_key };
		int64_t row = t - t % metrics_tiers[i + 1].grain_s;
		for (int k = 0; k < 2; k++) {
			int64_t from;
			if (keys[k] && meta_int(r->db, keys[k], INT64_MIN, &from) < 0)
				return -1;
			if (keys[k] && from > row)
				return 0;
		}
	}
	return 1;
}

/* The week of T holds its days, as they are now. */
static int redo_week(struct rollup *r, int64_t t)
{
	int64_t w = t - t % METRICS_GRAIN_1W;
	if (drop_row(r, R_SAMPLE_1W, w) < 0 || drop_row(r, R_CPU_1W, w) < 0 ||
	    drop_row(r, R_SCPU_1W, w) < 0)
		return -1;
	return fold(r->from_hours, WEEKS, w, w + METRICS_GRAIN_1W);
}

int rollup_redo(struct rollup *r, int64_t t)
{
	acc_drop(r);
	int64_t m = t - t % METRICS_GRAIN_1M, m_next = m + METRICS_GRAIN_1M;
	int64_t h = t - t % METRICS_GRAIN_1H, h_next = h + METRICS_GRAIN_1H;
	/* The per-CPU minute holds its seconds before the watermark. */
	int64_t m_end = r->hours_upto < m_next ? r->hours_upto : m_next;
	if (drop_row(r, R_SAMPLE_1M, m) < 0 || drop_row(r, R_CPU_1M, m) < 0 ||
	    drop_row(r, R_SCPU_1M, m) < 0 ||
	    roll(r, m, m_next, MINUTES & ~PER_CPU) < 0 ||
	    roll(r, m, m_end, BIT(R_SCPU_1M)) < 0)
		return -1;
	if (t >= r->hours_upto)
		return 0;
	/* The hour holds its seconds before the watermark: its whole
	 * minutes, from their rows, and those of a minute the watermark
	 * cuts, from the seconds. */
	int64_t end = r->hours_upto < h_next ? r->hours_upto : h_next;
	int64_t whole = end - end % METRICS_GRAIN_1M;
	if (drop_row(r, R_SAMPLE_1H, h) < 0 || drop_row(r, R_CPU_1H, h) < 0 ||
	    drop_row(r, R_SCPU_1H, h) < 0)
		return -1;
	if ((whole > h && fold(r->from_minutes, HOURS, h, whole) < 0) ||
	    roll(r, whole, end, HOURS) < 0)
		return -1;
	/* The day holds its hours, as they are now. */
	int64_t d = t - t % METRICS_GRAIN_1D;
	if (drop_row(r, R_SAMPLE_1D, d) < 0 || drop_row(r, R_CPU_1D, d) < 0 ||
	    drop_row(r, R_SCPU_1D, d) < 0)
		return -1;
	if (fold(r->from_hours, DAYS, d, d + METRICS_GRAIN_1D) < 0)
		return -1;
	return redo_week(r, t);
}
