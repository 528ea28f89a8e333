/*
 * Windowed SQL into the model.
 *
 * Four statements, prepared once, each a range scan of a table keyed by
 * time first (WITHOUT ROWID), so their cost depends on the window, not on
 * how much history the file holds (and for a long range, on the number of
 * roll-up rows plan.c chooses, not on its length: see "Ranges" below):
 *
 *   bounds   oldest and newest second (two b-tree edge lookups), the CPU
 *            count, and the last complete second (below);
 *   seconds  cpu_1s per second of the long window: what was observed, the
 *            scheduler's own time, lost records, and which seconds are gaps;
 *   domains  per-domain seconds of the long window (the whole host:
 *            schema_seconds_table(), the packed ones and the plain), or
 *            sample_1s rows of one CPU (per-CPU view), added up here into
 *            both windows and the sparklines in one pass;
 *   names    names from the domain_1s view at each domain's newest second.
 *
 * The last complete second: xenbaked commits each second whole (readers
 * never see half a second), so every second present is final; but the
 * newest one may cover only part of a second (a replay ends, or the daemon
 * stops, mid-second), and showing it as "the last second" would understate
 * every rate.  So the live window ends at the newest second in which every
 * CPU of the host has a row with observed_ns = 1e9.  Lost records do not
 * make a second partial (the daemon still observes the whole second).  If
 * none of the newest 60 seconds qualifies (a trace of partial seconds), the
 * newest second is used, and its observed time is the denominator.
 *
 * Ranges: a long window longer than its sparkline is read from the minute,
 * hour and day roll-ups where they hold it whole (plan.c), the rest and the
 * sparkline's seconds from the seconds.  The roll-ups' rows are sums of
 * their seconds, so the sums are the same; what they do not keep is each
 * second's lost records (the window's min and max per second are read back
 * from the seconds of the few rows that lost some, else said unknown) and
 * each second's observed time: the host's is
 * the mean over its CPUs of their observed time, which for a second whose
 * CPUs' times do not divide evenly differs by a nanosecond.  The per-CPU
 * view reads sample_cpu_1m/_1h/_1d (009_cpu_rollups.sql,
 * 014_day_rollups.sql), one seek per row of
 * the tier; a database without them, or still back-filling them, is read
 * from its seconds.
 *
 * The per-CPU detail (sample_1s, sample_cpu_1m/_1h/_1d) is kept for less time
 * than the per-domain tables (015_domain_seconds.sql): the per-CPU view
 * takes each tier as held only from where both are, and the header says
 * when the window begins before the per-CPU detail does.
 */
#include "query.h"
#include "domfilter.h"
#include "pruned.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>

#include "metrics.h"
#include "plan.h"
#include "schema.h"

#define LIVE_LOOKBACK_S 60

struct query {
	sqlite3 *db;
	sqlite3_stmt *bounds, *ncpus, *live, *seconds, *domains, *cpu_domains,
		*names;
	const char *seconds_table;   /* schema_seconds_table() */
	/* Ranges (plan.c): what the tiers hold, and per tier its CPU rows,
	 * its domain rows and its rows of one CPU's domains; NULL where the
	 * database has no such table.  A domain's name by the domain table. */
	sqlite3_stmt *avail, *cpu_rows[METRICS_TIERS], *dom_rows[METRICS_TIERS],
		*cpu_dom_rows[METRICS_TIERS], *lost[METRICS_TIERS], *dom_name;
	/* The file opened, to tell when the path names another one. */
	dev_t dev;
	ino_t ino;
	off_t size;
	bool immutable;
	char err[512];
};

/* Each one b-tree edge lookup (schema.h). */
static const char SQL_BOUNDS[] = "SELECT first_t, last_t FROM cpu_1s_span";

static const char SQL_NCPUS[] =
	"SELECT max(coalesce((SELECT CAST(value AS INTEGER) FROM meta"
	"                      WHERE key = 'cpus'), 0),"
	"           (SELECT count(*) FROM cpu_1s WHERE t = ?1)),"
	/* issue 17: which I/O the traces showed (metrics.h) */
	"       (SELECT value FROM meta WHERE key = '" METRICS_IO_SOURCES_KEY "')";

static const char SQL_LIVE[] =
	"SELECT t FROM cpu_1s WHERE t BETWEEN ?1 - ?3 AND ?1"
	" GROUP BY t HAVING count(*) >= ?2 AND min(observed_ns) >= 1000000000"
	" ORDER BY t DESC LIMIT 1";

static const char SQL_SECONDS[] =
	"SELECT t, sum(observed_ns), count(*), sum(sched_ns), sum(lost_records),"
	"       sum(%s)"
	"  FROM cpu_1s WHERE t BETWEEN ?1 AND ?2 AND (?3 < 0 OR cpu = ?3)"
	" GROUP BY t ORDER BY t";

/* Rows as stored, added up in C: SQLite's GROUP BY here needs a sorter
 * and costs about twenty times the scan (7 ms for 16 CPUs x 50 domains x
 * 10 s, against 0.4 ms), which would break the 5 ms refresh budget. */
static const char SQL_DOMAINS[] =
	"SELECT domid, t%s"
	"  FROM %s WHERE t BETWEEN ?1 AND ?2 AND ?3 < 0";
static const char SQL_CPU_DOMAINS[] =
	"SELECT domid, t%s"
	"  FROM sample_1s WHERE t BETWEEN ?1 AND ?2 AND cpu = ?3";

static const char SQL_NAMES[] =
	"SELECT domid, name FROM domain_1s WHERE t = ?1";

/* domain_1s's rule for a second with no row of the domain */
static const char SQL_DOM_NAME[] =
	"SELECT name FROM domain WHERE domid = ?1 AND first_t <= ?2"
	" ORDER BY first_t DESC LIMIT 1";

/* %s are the tiers' pruned_key, finest first (column i of tier i), then
 * after the AV_* columns (from AV_DETAIL on) their detail_pruned_key. */
static const char SQL_AVAIL[] =
	"SELECT (SELECT value FROM meta WHERE key = '%s'),"
	"       (SELECT value FROM meta WHERE key = '%s'),"
	"       (SELECT value FROM meta WHERE key = '%s'),"
	"       (SELECT value FROM meta WHERE key = '%s'),"
	"       (SELECT value FROM meta WHERE key = '%s'),"
	"       (SELECT value FROM meta WHERE key = 'rollup_1h_upto'),"
	"       EXISTS (SELECT 1 FROM meta WHERE key = 'history_backfill'),"
	"       EXISTS (SELECT 1 FROM meta WHERE key = 'cpu_rollup_backfill'),"
	"       (SELECT value FROM meta WHERE key = 'cpu_rollup_since'),"
	"       (SELECT value FROM meta WHERE key = '%s'),"
	"       (SELECT value FROM meta WHERE key = '%s'),"
	"       (SELECT value FROM meta WHERE key = '%s'),"
	"       (SELECT value FROM meta WHERE key = '%s'),"
	"       (SELECT value FROM meta WHERE key = '%s')";
enum { AV_UPTO = METRICS_TIERS, AV_BACKFILL, AV_CPU_BACKFILL, AV_CPU_SINCE,
       AV_DETAIL };

/* A tier's rows of [?1, ?2): per step, as SQL_SECONDS per second (the
 * seconds with data, at most those of its busiest CPU, in column 3). */
static const char SQL_CPU_ROWS[] =
	"SELECT t, sum(observed_ns), count(*), sum(sched_ns), sum(lost_records),"
	"       sum(%s), max(seconds)"
	"  FROM %s WHERE t >= ?1 AND t < ?2 AND (?3 < 0 OR cpu = ?3)"
	" GROUP BY t";

/* The first %s: the metrics as the table has them (schema_metrics_sql()). */
static const char SQL_DOM_ROWS[] =
	"SELECT domid, t%s"
	"  FROM %s WHERE t >= ?1 AND t < ?2 AND ?3 < 0";

/* Lost records per second in the steps of a tier of [?1, ?2) that lost
 * some (each ?4 seconds long), the first ?5 of them: each second's step
 * and its sum. */
static const char SQL_LOST[] =
	"WITH s AS (SELECT DISTINCT t FROM %s WHERE t >= ?1 AND t < ?2"
	"   AND (?3 < 0 OR cpu = ?3) AND lost_records > 0 ORDER BY t LIMIT ?5)"
	" SELECT st, sum(l) FROM (%s) GROUP BY t ORDER BY t";
/* Its seconds in one of the tables under cpu_1s (schema.h): the view is
 * read whole for a join. */
static const char SQL_LOST_IN[] =
	"SELECT s.t AS st, c.t AS t, c.lost_records AS l FROM s"
	" JOIN %s c ON c.t >= s.t AND c.t < s.t + ?4 AND (?3 < 0 OR c.cpu = ?3)";

/* Seconds of lossy steps read back for the window's min and max lost
 * records per second; beyond them, those are unknown. */
#define LOST_BUDGET_S 3600

/* One CPU's: a seek per step ?4 seconds long, the key being (t, cpu,
 * domid), so that the other CPUs' rows are not read. */
static const char SQL_CPU_DOM_ROWS[] =
	"WITH RECURSIVE k(t) AS (SELECT ?1 UNION ALL SELECT t + ?4 FROM k"
	"  WHERE t + ?4 < ?2)"
	" SELECT domid, s.t%s"
	"  FROM k CROSS JOIN %s s WHERE s.t = k.t AND s.cpu = ?3";

static int fail(struct query *q, const char *what)
{
	snprintf(q->err, sizeof q->err, "%s: %s", what, sqlite3_errmsg(q->db));
	return -EIO;
}

static int prepare(struct query *q, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) != SQLITE_OK)
		return fail(q, "cannot prepare a query");
	return 0;
}

/* SQL_LOST of tier table CPU into SQL of N. */
static int lost_sql(struct query *q, char *sql, size_t n, const char *cpu)
{
	const char *table[2];
	char in[2][256], arms[600];
	int k = schema_cpu_1s_tables(q->db, table);
	for (int i = 0; i < k; i++)
		snprintf(in[i], sizeof in[i], SQL_LOST_IN, table[i]);
	snprintf(arms, sizeof arms, "%s%s%s", in[0], k > 1 ? " UNION ALL " : "",
		 k > 1 ? in[1] : "");
	if ((size_t)snprintf(sql, n, SQL_LOST, cpu, arms) >= n) {
		snprintf(q->err, sizeof q->err, "a query too long");
		return -1;
	}
	return 0;
}

/* SQL_SECONDS for the database's cpu_1s, malformed records or not. */
static int prepare_seconds(struct query *q)
{
	char sql[sizeof SQL_SECONDS + 32];
	snprintf(sql, sizeof sql, SQL_SECONDS,
		 schema_malformed_sql(q->db, "cpu_1s"));
	return prepare(q, sql, &q->seconds);
}

/* The metrics as TABLE has them, into COLS: a database older than a
 * metric, which is read as it is, has none of it. */
static int metric_columns(struct query *q, const char *table, char cols[1024])
{
	if (schema_metrics_sql(cols, 1024, q->db, table, "%s", false) == 0)
		return 0;
	snprintf(q->err, sizeof q->err, "too many metrics");
	return -EINVAL;
}

static int prepare_domains(struct query *q)
{
	const char *table = q->seconds_table = schema_seconds_table(q->db);
	char cols[1024], sql[sizeof SQL_DOMAINS + sizeof cols + 32];
	if (metric_columns(q, table, cols))
		return -EINVAL;
	snprintf(sql, sizeof sql, SQL_DOMAINS, cols, table);
	if (prepare(q, sql, &q->domains) || metric_columns(q, "sample_1s", cols))
		return -EINVAL;
	snprintf(sql, sizeof sql, SQL_CPU_DOMAINS, cols);
	return prepare(q, sql, &q->cpu_domains);
}

/* A table, or a view over a more compact layout. */
static bool has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	bool has = false;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE"
			       " type IN ('table', 'view') AND name = ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		has = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return has;
}

/* The roll-ups' statements, for the tables this database has (an older
 * one is read without migrating it). */
static int prepare_tiers(struct query *q)
{
	static const char *const PER_CPU[METRICS_TIERS] = {
		[METRICS_1M] = "sample_cpu_1m", [METRICS_1H] = "sample_cpu_1h",
		[METRICS_1D] = "sample_cpu_1d", [METRICS_1W] = "sample_cpu_1w",
	};
	char sql[2048], cols[1024];
	snprintf(sql, sizeof sql, SQL_AVAIL, metrics_tiers[0].pruned_key,
		 metrics_tiers[1].pruned_key, metrics_tiers[2].pruned_key,
		 metrics_tiers[3].pruned_key, metrics_tiers[4].pruned_key,
		 metrics_tiers[0].detail_pruned_key,
		 metrics_tiers[1].detail_pruned_key,
		 metrics_tiers[2].detail_pruned_key,
		 metrics_tiers[3].detail_pruned_key,
		 metrics_tiers[4].detail_pruned_key);
	if (prepare(q, sql, &q->avail) || prepare(q, SQL_DOM_NAME, &q->dom_name))
		return -1;
	for (int i = METRICS_1M; i < METRICS_TIERS; i++) {
		const struct metrics_tier *t = &metrics_tiers[i];
		if (!has_table(q->db, t->sample) || !has_table(q->db, t->cpu))
			continue;
		snprintf(sql, sizeof sql, SQL_CPU_ROWS,
			 schema_malformed_sql(q->db, t->cpu), t->cpu);
		if (prepare(q, sql, &q->cpu_rows[i]))
			return -1;
		/* the plain and the packed rows (019_packed_rollups.sql) */
		const char *rows = schema_tier_table(q->db, i);
		if (metric_columns(q, rows, cols))
			return -1;
		snprintf(sql, sizeof sql, SQL_DOM_ROWS, cols, rows);
		if (prepare(q, sql, &q->dom_rows[i]))
			return -1;
		if (lost_sql(q, sql, sizeof sql, t->cpu) < 0)
			return -1;
		if (prepare(q, sql, &q->lost[i]))
			return -1;
		if (!has_table(q->db, PER_CPU[i]))
			continue;
		if (metric_columns(q, PER_CPU[i], cols))
			return -1;
		snprintf(sql, sizeof sql, SQL_CPU_DOM_ROWS, cols, PER_CPU[i]);
		if (prepare(q, sql, &q->cpu_dom_rows[i]))
			return -1;
	}
	return 0;
}

/* Tells "not yet initialised" from "never ours" after schema_open_ro()
 * refused PATH: an empty SQLite file (no objects, version 0) is what a
 * xenbaked that has just started leaves for an instant. */
static bool looks_empty(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return false;
	if (st.st_size == 0)
		return true;
	sqlite3 *db = NULL;
	bool empty = false;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st2;
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema",
				       -1, &st2, NULL) == SQLITE_OK) {
			empty = sqlite3_step(st2) == SQLITE_ROW &&
				sqlite3_column_int(st2, 0) == 0;
			sqlite3_finalize(st2);
		}
	}
	sqlite3_close(db);
	return empty;
}

int query_open(const char *path, struct query **out, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return e == ENOENT ? -ENOENT : -e;
	}
	struct query *q = calloc(1, sizeof *q);
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	q->db = schema_open_ro(path, err, errlen);
	if (!q->db) {
		free(q);
		return looks_empty(path) ? -EAGAIN : -EINVAL;
	}
	/* The file stat() saw may have been replaced before SQLite opened
	 * the path: then which one is open is unknown; try again. */
	struct stat now;
	if (stat(path, &now) < 0 || now.st_dev != st.st_dev ||
	    now.st_ino != st.st_ino) {
		snprintf(err, errlen, "%s: replaced while being opened", path);
		sqlite3_close(q->db);
		free(q);
		return -EAGAIN;
	}
	q->dev = st.st_dev;
	q->ino = st.st_ino;
	q->size = now.st_size;
	q->immutable = sqlite3_uri_boolean(sqlite3_db_filename(q->db, "main"),
					   "immutable", 0);
	/* A reader that waits seconds for a lock would freeze the screen;
	 * WAL readers almost never wait, and a retry comes next second. */
	sqlite3_busy_timeout(q->db, 250);
	if (prepare(q, SQL_BOUNDS, &q->bounds) || prepare(q, SQL_NCPUS, &q->ncpus) ||
	    prepare(q, SQL_LIVE, &q->live) || prepare_seconds(q) ||
	    prepare_domains(q) || prepare(q, SQL_NAMES, &q->names) ||
	    prepare_tiers(q)) {
		snprintf(err, errlen, "%s: %s", path, q->err);
		query_close(q);
		return -EINVAL;
	}
	*out = q;
	return 0;
}

/*
 * SQLite keeps reading the file it opened, deleted or not; a path that now
 * names another file (a new recorder's, a copy moved into place), none, or
 * the same file shorter than before (rewritten in place) means that file
 * is not the one to show.  A database opened immutable (schema.c: a
 * quiescent copy without its -shm) is read without locks, so a -shm that
 * appears (a writer) means it must be opened again, with them.
 */
bool query_file_changed(struct query *q, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0 || st.st_dev != q->dev || st.st_ino != q->ino ||
	    st.st_size < q->size)
		return true;
	q->size = st.st_size;
	if (q->immutable) {
		char shm[PATH_MAX];
		snprintf(shm, sizeof shm, "%s-shm", path);
		if (access(shm, F_OK) == 0)
			return true;
	}
	return false;
}

void query_close(struct query *q)
{
	if (!q)
		return;
	sqlite3_finalize(q->bounds);
	sqlite3_finalize(q->ncpus);
	sqlite3_finalize(q->live);
	sqlite3_finalize(q->seconds);
	sqlite3_finalize(q->domains);
	sqlite3_finalize(q->cpu_domains);
	sqlite3_finalize(q->names);
	sqlite3_finalize(q->avail);
	sqlite3_finalize(q->dom_name);
	for (int i = 0; i < METRICS_TIERS; i++) {
		sqlite3_finalize(q->cpu_rows[i]);
		sqlite3_finalize(q->dom_rows[i]);
		sqlite3_finalize(q->cpu_dom_rows[i]);
		sqlite3_finalize(q->lost[i]);
	}
	sqlite3_close(q->db);
	free(q);
}

const char *query_errmsg(const struct query *q)
{
	return q->err;
}

static void bind_range(sqlite3_stmt *st, int64_t first, int64_t last, int cpu)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	sqlite3_bind_int(st, 3, cpu);
}

static int64_t col64(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

static int load_bounds(struct query *q, struct model *m)
{
	sqlite3_reset(q->bounds);
	if (sqlite3_step(q->bounds) != SQLITE_ROW)
		return fail(q, "cannot read the time range");
	if (sqlite3_column_type(q->bounds, 0) == SQLITE_NULL)
		return -ENODATA;
	m->t_oldest = col64(q->bounds, 0);
	m->t_newest = col64(q->bounds, 1);

	sqlite3_reset(q->ncpus);
	sqlite3_bind_int64(q->ncpus, 1, m->t_newest);
	if (sqlite3_step(q->ncpus) != SQLITE_ROW)
		return fail(q, "cannot count CPUs");
	m->ncpus = sqlite3_column_int(q->ncpus, 0);
	m->io_sources = metrics_io_sources_known(
		(const char *)sqlite3_column_text(q->ncpus, 1));

	sqlite3_reset(q->live);
	sqlite3_bind_int64(q->live, 1, m->t_newest);
	sqlite3_bind_int(q->live, 2, m->ncpus);
	sqlite3_bind_int(q->live, 3, LIVE_LOOKBACK_S);
	int rc = sqlite3_step(q->live);
	if (rc == SQLITE_ROW)
		m->t_live = col64(q->live, 0);
	else if (rc == SQLITE_DONE)
		m->t_live = m->t_newest;
	else
		return fail(q, "cannot find the last complete second");
	return 0;
}

static void win_init(struct win_info *w, int64_t first, int64_t last)
{
	memset(w, 0, sizeof *w);
	w->t_first = first;
	w->t_last = last;
	w->seconds = last - first + 1;
	w->lost_min = -1;
	w->grain_s = 1;
	w->lost_range_known = true;
}

static void win_add_second(struct win_info *w, int64_t obs, int64_t sched,
			   int64_t lost, int64_t malformed)
{
	w->malformed_records += malformed;
	w->seconds_with_data++;
	w->passed_ns += obs;
	w->sched_ns += sched;
	w->lost_records += lost;
	if (w->lost_min < 0 || lost < w->lost_min)
		w->lost_min = lost;
	if (lost > w->lost_max)
		w->lost_max = lost;
}

/* Seconds [FIRST, LAST] of the long window; OBS receives the observed ns
 * per CPU of each sparkline second (0 for a gap). */
static int load_seconds(struct query *q, struct model *m, int64_t first,
			int64_t last, int64_t spark_first, int64_t *obs)
{
	struct win_info *ws = &m->win[WIN_SHORT], *wl = &m->win[WIN_LONG];
	int rc;

	bind_range(q->seconds, first, last, m->cpu);
	while ((rc = sqlite3_step(q->seconds)) == SQLITE_ROW) {
		int64_t t = col64(q->seconds, 0), n = col64(q->seconds, 2);
		/* For all CPUs, the mean observed time of one CPU: 100% is one
		 * CPU busy for the whole second, as in xentop. */
		int64_t o = n ? col64(q->seconds, 1) / n : 0;
		int64_t sched = col64(q->seconds, 3), lost = col64(q->seconds, 4);
		int64_t bad = col64(q->seconds, 5);
		win_add_second(wl, o, sched, lost, bad);
		if (t >= ws->t_first)
			win_add_second(ws, o, sched, lost, bad);
		if (t >= spark_first)
			obs[t - spark_first] = o;
	}
	return rc == SQLITE_DONE ? 0 : fail(q, "cannot read cpu_1s");
}

/* A roll-up step of the long window: its per-second min and max of lost
 * records are unknown unless it lost none. */
static void win_add_step(struct win_info *w, int64_t seconds, int64_t obs,
			 int64_t sched, int64_t lost, int64_t malformed)
{
	w->seconds_with_data += seconds;
	w->passed_ns += obs;
	w->sched_ns += sched;
	w->lost_records += lost;
	w->malformed_records += malformed;
	if (lost)
		w->lost_range_known = false;
	else if (seconds)
		w->lost_min = 0;
}

/* The CPU rows of TIER's steps [FROM, TO) (SQL_CPU_ROWS). */
static int load_cpu_rows(struct query *q, struct model *m, int tier,
			 int64_t from, int64_t to)
{
	sqlite3_stmt *st = q->cpu_rows[tier];
	int rc;
	bind_range(st, from, to, m->cpu);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t n = col64(st, 2);
		win_add_step(&m->win[WIN_LONG], col64(st, 6),
			     n ? col64(st, 1) / n : 0, col64(st, 3),
			     col64(st, 4), col64(st, 5));
	}
	return rc == SQLITE_DONE ? 0 : fail(q, "cannot read a CPU roll-up");
}

/* A row's metrics from column COL on, in the table's order; the range of
 * the bounded slices is known when its MIN is not NULL. */
#define READ(name, ctype, rollup, ...) READ_##rollup(name);
#define READ_SUM(n) s->n = col64(st, col++)
#define READ_MIN(n) \
	(s->has_alloc_range = sqlite3_column_type(st, col) != SQLITE_NULL, \
	 READ_SUM(n))
#define READ_MAX READ_SUM

static void read_sums(sqlite3_stmt *st, int col, struct dom_sums *s)
{
	METRICS_SAMPLE(READ)
}

/* Sums add; the min and max of the bounded slices widen. */
#define ADD(name, ctype, rollup, ...) ADD_##rollup(name);
#define ADD_SUM(n) acc->n += x->n
#define ADD_MIN(n) \
	if (x->has_alloc_range && (!acc->has_alloc_range || x->n < acc->n)) \
		acc->n = x->n
#define ADD_MAX(n) \
	if (x->has_alloc_range && (!acc->has_alloc_range || x->n > acc->n)) \
		acc->n = x->n

static void sums_add(struct dom_sums *acc, const struct dom_sums *x)
{
	METRICS_SAMPLE(ADD)
	acc->has_alloc_range |= x->has_alloc_range;
}

static signed char spark_level(int64_t cpu_ns, int64_t obs)
{
	if (obs <= 0)
		return MODEL_SPARK_GAP;
	if (cpu_ns <= 0)
		return 0;
	int64_t level = (cpu_ns * 8 + obs - 1) / obs;
	return (signed char)(level > 8 ? 8 : level);
}

/* Row of DOMID, found from HINT (rows of one second come in domid
 * order, so the next row is usually the next one) or created. */
static struct dom_row *row_for(struct query *q, struct model *m, int domid,
			       size_t *hint)
{
	for (size_t n = 0; n < m->nrows; n++) {
		size_t i = (*hint + n) % m->nrows;
		if (m->rows[i].domid == domid) {
			*hint = i + 1;
			return &m->rows[i];
		}
	}
	struct dom_row *r = model_add_row(m, domid);
	if (!r)
		snprintf(q->err, sizeof q->err, "out of memory");
	*hint = m->nrows;
	return r;
}

/*
 * The long window's rows of [FIRST, LAST], added up into both windows and
 * the sparkline in one pass.
 */
static int load_domains(struct query *q, struct model *m, int64_t first,
			int64_t last, int64_t spark_first)
{
	const struct win_info *ws = &m->win[WIN_SHORT];
	sqlite3_stmt *st = m->cpu < 0 ? q->domains : q->cpu_domains;
	size_t hint = 0;
	int rc;

	bind_range(st, first, last, m->cpu);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct dom_sums x;
		int64_t t = col64(st, 1);
		struct dom_row *r = row_for(q, m, sqlite3_column_int(st, 0), &hint);
		if (!r) {
			sqlite3_reset(st);
			return -ENOMEM;
		}
		read_sums(st, 2, &x);
		sums_add(&r->w[WIN_LONG], &x);
		if (t >= ws->t_first)
			sums_add(&r->w[WIN_SHORT], &x);
		if (t >= spark_first)
			r->spark_ns[t - spark_first] += x.cpu_ns;
		if (t > r->last_t)
			r->last_t = t;
	}
	return rc == SQLITE_DONE ? 0 : fail(q, "cannot read the seconds");
}

/* The domain rows of TIER's steps [FROM, TO), into the long window: a
 * domain's newest second is taken as its step's last. */
static int load_dom_rows(struct query *q, struct model *m, int tier,
			 int64_t from, int64_t to)
{
	int64_t g = metrics_tiers[tier].grain_s;
	sqlite3_stmt *st = m->cpu < 0 ? q->dom_rows[tier] : q->cpu_dom_rows[tier];
	size_t hint = 0;
	int rc;

	bind_range(st, from, to, m->cpu);
	sqlite3_bind_int64(st, 4, g);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct dom_sums x;
		int64_t last = col64(st, 1) + g - 1;
		struct dom_row *r = row_for(q, m, sqlite3_column_int(st, 0), &hint);
		if (!r) {
			sqlite3_reset(st);
			return -ENOMEM;
		}
		read_sums(st, 2, &x);
		sums_add(&r->w[WIN_LONG], &x);
		if (last > m->win[WIN_LONG].t_last)
			last = m->win[WIN_LONG].t_last;
		if (last > r->last_t)
			r->last_t = last;
	}
	return rc == SQLITE_DONE ? 0 : fail(q, "cannot read a roll-up");
}

static void spark_levels(struct model *m, const int64_t *obs)
{
	for (size_t i = 0; i < m->nrows; i++)
		for (int s = 0; s < m->spark_len; s++)
			m->rows[i].spark[s] = spark_level(m->rows[i].spark_ns[s],
							  obs[s]);
}

/* NAME into OUT, cut if need be where a UTF-8 character begins: a cut
 * inside one would turn its first bytes into an invalid sequence. */
static void copy_name(char *out, size_t n, const char *name)
{
	size_t len = strlen(name);
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)name[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(out, name, len);
	out[len] = 0;
}

/* R's name where domain_1s has no row at its newest second (a step of the
 * roll-ups): the same rule, from the domain table. */
static int name_by_table(struct query *q, struct dom_row *r)
{
	sqlite3_reset(q->dom_name);
	sqlite3_bind_int(q->dom_name, 1, r->domid);
	sqlite3_bind_int64(q->dom_name, 2, r->last_t);
	int rc = sqlite3_step(q->dom_name);
	const unsigned char *n = rc == SQLITE_ROW ?
		sqlite3_column_text(q->dom_name, 0) : NULL;
	if (n)
		copy_name(r->name, sizeof r->name, (const char *)n);
	else
		metrics_domain_name(r->name, sizeof r->name, r->domid);
	sqlite3_reset(q->dom_name);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Names as the domain_1s view gives them, at each domain's newest second
 * in the window (a domid can be reused by a later domain): one query per
 * distinct second, usually just the window's last. */
static int load_names(struct query *q, struct model *m)
{
	for (size_t i = 0; i < m->nrows; i++) {
		if (m->rows[i].name[0])
			continue;
		int64_t t = m->rows[i].last_t;
		int rc;
		sqlite3_reset(q->names);
		sqlite3_bind_int64(q->names, 1, t);
		while ((rc = sqlite3_step(q->names)) == SQLITE_ROW) {
			int domid = sqlite3_column_int(q->names, 0);
			const unsigned char *n = sqlite3_column_text(q->names, 1);
			for (size_t j = i; j < m->nrows && n; j++) {
				struct dom_row *r = &m->rows[j];
				if (r->domid == domid && r->last_t == t)
					copy_name(r->name, sizeof r->name,
						  (const char *)n);
			}
		}
		if (rc != SQLITE_DONE)
			return fail(q, "cannot read domain names");
		if (!m->rows[i].name[0] && name_by_table(q, &m->rows[i]) < 0)
			return fail(q, "cannot read domain names");
	}
	return 0;
}

/* Meta column I as a time, or DFLT when NULL. */
static int64_t col_time(sqlite3_stmt *st, int i, int64_t dflt)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : col64(st, i);
}

static int64_t later_of(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* For the per-CPU view, where TIER's per-CPU detail begins (SQL_AVAIL's
 * row ST); for the whole host, never a limit. */
static int64_t detail_from(sqlite3_stmt *st, const struct model *m, int tier)
{
	if (m->cpu < 0 || !metrics_tiers[tier].detail_pruned_key)
		return PLAN_NEVER_BEFORE;
	return col_time(st, AV_DETAIL + tier, PLAN_NEVER_BEFORE);
}

/*
 * Where each tier stands for its seconds for M's CPU (plan.c), the roll-ups
 * never from TAIL on.  Minutes, hours and days from their oldest whole
 * row; the hours, the days and the per-CPU rows up to the watermark; none
 * of them while a back-fill is pending.
 */
static int load_tiers(struct query *q, const struct model *m, int64_t tail,
		      struct plan_tiers *av)
{
	for (int i = 0; i < METRICS_TIERS; i++) {
		av->from[i] = PLAN_NEVER_AFTER;
		av->to[i] = PLAN_NEVER_BEFORE;
	}
	sqlite3_stmt *st = q->avail;
	sqlite3_reset(st);
	if (sqlite3_step(st) != SQLITE_ROW)
		return fail(q, "cannot read meta");
	av->from[METRICS_1S] = later_of(col_time(st, 0, PLAN_NEVER_BEFORE),
					detail_from(st, m, METRICS_1S));
	av->to[METRICS_1S] = PLAN_NEVER_AFTER;
	/* the last seconds pruned too: the rows holding them will do */
	if (tail < av->from[METRICS_1S])
		tail = PLAN_NEVER_AFTER;
	int64_t upto = col_time(st, AV_UPTO, PLAN_NEVER_AFTER);
	bool per_cpu = m->cpu >= 0;
	if (sqlite3_column_int(st, AV_BACKFILL) ||
	    (per_cpu && sqlite3_column_int(st, AV_CPU_BACKFILL)))
		return 0;
	int64_t since = per_cpu ? col_time(st, AV_CPU_SINCE, PLAN_NEVER_BEFORE) :
			PLAN_NEVER_BEFORE;
	for (int i = METRICS_1M; i < METRICS_TIERS; i++) {
		if (!q->cpu_rows[i] ||
		    !(per_cpu ? q->cpu_dom_rows[i] : q->dom_rows[i]))
			continue;
		int64_t from = col_time(st, i, PLAN_NEVER_BEFORE);
		av->from[i] = later_of(later_of(from, since),
				       detail_from(st, m, i));
		av->to[i] = i >= METRICS_1H || per_cpu ?
			    (upto < tail ? upto : tail) : tail;
	}
	return 0;
}

/* The long window [FIRST, END) as plan.c reads it: from the seconds alone
 * when no roll-up row fits before its last SPARK_LEN seconds (the live
 * view), which are read from the seconds in any case, and none of its
 * seconds was pruned. */
static int plan_long(struct query *q, const struct model *m, int64_t first,
		     int64_t end, int spark_len, struct plan *p)
{
	int64_t tail = end - (spark_len > 1 ? spark_len : 1);
	struct plan_tiers av;
	if (tail - first < metrics_tiers[METRICS_1M].grain_s &&
	    first >= m->t_oldest) {
		*p = (struct plan){ .first = first, .end = end, .grain_s = 1,
				    .seg = { { METRICS_1S, first, end } },
				    .nseg = 1 };
		return 0;
	}
	int rc = load_tiers(q, m, tail, &av);
	if (rc == 0)
		plan_range(p, &av, first, end);
	return rc;
}

/* The window's min and max lost records per second over the steps of
 * segment G that lost some, from their seconds, if they are few enough
 * and still stored: 0, or 1 when they are not. */
static int load_lost(struct query *q, struct model *m, const struct plan *p,
		     const struct plan_seg *g)
{
	struct win_info *w = &m->win[WIN_LONG];
	int64_t grain = metrics_tiers[g->tier].grain_s;
	int64_t steps = LOST_BUDGET_S / grain, seen = 0, step = -1;
	sqlite3_stmt *st = q->lost[g->tier];
	if (g->from < p->seconds_from || steps < 1)
		return 1;
	bind_range(st, g->from, g->to, m->cpu);
	sqlite3_bind_int64(st, 4, grain);
	sqlite3_bind_int64(st, 5, steps + 1);
	int64_t lo = -1, hi = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t l = col64(st, 1);
		seen += col64(st, 0) != step;
		step = col64(st, 0);
		if (lo < 0 || l < lo)
			lo = l;
		if (l > hi)
			hi = l;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(q, "cannot read cpu_1s");
	if (seen > steps)
		return 1;
	if (lo >= 0 && (w->lost_min < 0 || lo < w->lost_min))
		w->lost_min = lo;
	if (hi > w->lost_max)
		w->lost_max = hi;
	return 0;
}

/* Min and max lost records per second of the roll-up segments, known
 * when every lossy step's seconds could be read. */
static int plan_lost(struct query *q, struct model *m, const struct plan *p)
{
	int unknown = 0;
	for (int i = 0; i < p->nseg && !unknown; i++) {
		if (p->seg[i].tier == METRICS_1S)
			continue;
		unknown = load_lost(q, m, p, &p->seg[i]);
		if (unknown < 0)
			return unknown;
	}
	m->win[WIN_LONG].lost_range_known = !unknown;
	return 0;
}

static int load_plan(struct query *q, struct model *m, const struct plan *p,
		     int64_t spark_first, int64_t *obs)
{
	int rc = 0;
	for (int i = 0; i < p->nseg && !rc; i++) {
		const struct plan_seg *g = &p->seg[i];
		if (g->tier == METRICS_1S &&
		    !(rc = load_seconds(q, m, g->from, g->to - 1, spark_first,
					obs)))
			rc = load_domains(q, m, g->from, g->to - 1, spark_first);
		else if (g->tier != METRICS_1S &&
			 !(rc = load_cpu_rows(q, m, g->tier, g->from, g->to)))
			rc = load_dom_rows(q, m, g->tier, g->from, g->to);
	}
	if (!rc && !m->win[WIN_LONG].lost_range_known)
		rc = plan_lost(q, m, p);
	for (int i = 0; i < WIN_COUNT; i++)
		if (m->win[i].lost_min < 0)
			m->win[i].lost_min = 0;
	return rc;
}

/* For the per-CPU view: the coarsest tier whose per-CPU detail begins
 * after the long window does, for the header to say so. */
static int load_detail_gone(struct query *q, struct model *m)
{
	const struct win_info *w = &m->win[WIN_LONG];
	sqlite3_stmt *st = q->avail;
	sqlite3_reset(st);
	if (sqlite3_step(st) != SQLITE_ROW)
		return fail(q, "cannot read meta");
	for (int i = 0; i < METRICS_TIERS; i++) {
		int64_t from = detail_from(st, m, i);
		if (w->t_first >= from)
			continue;
		m->detail_gone.any = true;
		m->detail_gone.tier = i;
		m->detail_gone.from_t = from;
	}
	sqlite3_reset(st);
	return 0;
}

/* The finest tier's rows that the size budget dropped within the long
 * window, for the line under the table (pruned.h). */
static int load_dropped(struct query *q, struct model *m)
{
	const struct win_info *w = &m->win[WIN_LONG];
	if (m->cpu >= 0 && load_detail_gone(q, m) < 0)
		return -EIO;
	for (int i = 0; i < METRICS_TIERS; i++) {
		/* the seconds' table of a database older than schema 15 */
		const char *table = i == METRICS_1S ? q->seconds_table :
				    metrics_tiers[i].sample;
		int rc = pruned_span(q->db, table, w->t_first,
				     w->t_last, &m->dropped.first_t,
				     &m->dropped.last_t, m->dropped.reason,
				     sizeof m->dropped.reason);
		if (rc < 0)
			return fail(q, "cannot read table pruned");
		if (rc == 0)
			continue;
		m->dropped.any = true;
		m->dropped.tier = i;
		if (m->dropped.first_t < w->t_first)
			m->dropped.first_t = w->t_first;
		if (m->dropped.last_t > w->t_last)
			m->dropped.last_t = w->t_last;
		return 0;
	}
	return 0;
}

static int refresh(struct query *q, struct model *m, int64_t t_end,
		   int64_t long_s, int spark_len)
{
	int rc = load_bounds(q, m);
	if (rc)
		return rc;
	if (t_end == QUERY_LIVE)
		t_end = m->t_live;
	if (long_s < 1)
		long_s = 1;
	if (spark_len > MODEL_SPARK_MAX)
		spark_len = MODEL_SPARK_MAX;
	if (spark_len > long_s)
		spark_len = (int)long_s;
	m->spark_len = spark_len > 0 ? spark_len : 0;
	int64_t spark_first = t_end - m->spark_len + 1;
	int64_t obs[MODEL_SPARK_MAX] = { 0 };

	struct plan p;
	if ((rc = plan_long(q, m, t_end - long_s + 1, t_end + 1, m->spark_len,
			    &p)))
		return rc;
	win_init(&m->win[WIN_SHORT], t_end, t_end);
	win_init(&m->win[WIN_LONG], p.first, p.end - 1);
	m->win[WIN_LONG].grain_s = p.grain_s;
	m->win[WIN_LONG].widened_s = p.widened_s;
	if ((rc = load_plan(q, m, &p, spark_first, obs)) ||
	    (rc = load_dropped(q, m)))
		return rc;
	spark_levels(m, obs);
	return load_names(q, m);
}

int query_refresh(struct query *q, struct model *m, int cpu, int64_t t_end,
		  int64_t long_s, int spark_len)
{
	model_reset(m);
	m->cpu = cpu;
	q->err[0] = 0;
	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fail(q, "cannot begin a read transaction");
	int rc = refresh(q, m, t_end, long_s, spark_len);
	/* A statement stepped to a row but not reset keeps the read
	 * transaction, and so its snapshot, alive past COMMIT: the next
	 * refresh would see the database as it was.  End them all, then the
	 * transaction, at once, so that a checkpoint can proceed too. */
	sqlite3_stmt *all[] = { q->bounds, q->ncpus, q->live, q->seconds,
				q->domains, q->cpu_domains, q->names, q->avail,
				q->dom_name };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sqlite3_reset(all[i]);
	for (int i = 0; i < METRICS_TIERS; i++) {
		sqlite3_reset(q->cpu_rows[i]);
		sqlite3_reset(q->dom_rows[i]);
		sqlite3_reset(q->cpu_dom_rows[i]);
		sqlite3_reset(q->lost[i]);
	}
	sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}


int query_filter(struct query *q, struct domfilter *f, size_t *count)
{
	if (domfilter_resolve(f, q->db) < 0 ||
	    (count && domfilter_count(f, q->db, count) < 0)) {
		snprintf(q->err, sizeof q->err, "cannot read domains: %s",
			 sqlite3_errmsg(q->db));
		return -EIO;
	}
	return 0;
}
