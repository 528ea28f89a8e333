/*
 * Windowed SQL into the model.
 *
 * Four statements, prepared once, each a range scan of a table keyed by
 * time first (WITHOUT ROWID), so their cost depends on the window, not on
 * how much history the file holds:
 *
 *   bounds   oldest and newest second (two b-tree edge lookups), the CPU
 *            count, and the last complete second (below);
 *   seconds  cpu_1s per second of the long window: what was observed, the
 *            scheduler's own time, lost records, and which seconds are gaps;
 *   domains  sample_1s rows of the long window, added up here into both
 *            windows and the sparklines in one pass;
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
 */
#include "query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>

#include "metrics.h"
#include "schema.h"

#define LIVE_LOOKBACK_S 60

struct query {
	sqlite3 *db;
	sqlite3_stmt *bounds, *ncpus, *live, *seconds, *domains, *names;
	/* The file opened, to tell when the path names another one. */
	dev_t dev;
	ino_t ino;
	off_t size;
	bool immutable;
	char err[512];
};

/* Two subqueries, so that each is one b-tree edge lookup. */
static const char SQL_BOUNDS[] =
	"SELECT (SELECT min(t) FROM cpu_1s), (SELECT max(t) FROM cpu_1s)";

static const char SQL_NCPUS[] =
	"SELECT max(coalesce((SELECT CAST(value AS INTEGER) FROM meta"
	"                      WHERE key = 'cpus'), 0),"
	"           (SELECT count(*) FROM cpu_1s WHERE t = ?1))";

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
	"  FROM sample_1s WHERE t BETWEEN ?1 AND ?2 AND (?3 < 0 OR cpu = ?3)";

static const char SQL_NAMES[] =
	"SELECT domid, name FROM domain_1s WHERE t = ?1";

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

/* SQL_SECONDS for the database's cpu_1s, malformed records or not. */
static int prepare_seconds(struct query *q)
{
	char sql[sizeof SQL_SECONDS + 32];
	snprintf(sql, sizeof sql, SQL_SECONDS,
		 schema_malformed_sql(q->db, "cpu_1s"));
	return prepare(q, sql, &q->seconds);
}

/* SQL_DOMAINS with the metrics as the database has them: one older than
 * a metric, which is read as it is, has none of it. */
static int prepare_domains(struct query *q)
{
	char cols[1024], sql[sizeof SQL_DOMAINS + sizeof cols];
	if (schema_metrics_sql(cols, sizeof cols, q->db, "sample_1s", "%s",
			       false) < 0) {
		snprintf(q->err, sizeof q->err, "too many metrics");
		return -EINVAL;
	}
	snprintf(sql, sizeof sql, SQL_DOMAINS, cols);
	return prepare(q, sql, &q->domains);
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
	    prepare_domains(q) || prepare(q, SQL_NAMES, &q->names)) {
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
	sqlite3_finalize(q->names);
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

/* Seconds of the long window; OBS receives the observed ns per CPU of each
 * sparkline second (0 for a gap). */
static int load_seconds(struct query *q, struct model *m, int64_t spark_first,
			int64_t *obs)
{
	struct win_info *ws = &m->win[WIN_SHORT], *wl = &m->win[WIN_LONG];
	int rc;

	bind_range(q->seconds, wl->t_first, wl->t_last, m->cpu);
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
	for (int i = 0; i < WIN_COUNT; i++)
		if (m->win[i].lost_min < 0)
			m->win[i].lost_min = 0;
	return rc == SQLITE_DONE ? 0 : fail(q, "cannot read cpu_1s");
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
 * The long window's rows, added up into both windows and the sparkline in
 * one pass.
 */
static int load_domains(struct query *q, struct model *m, int64_t spark_first)
{
	const struct win_info *ws = &m->win[WIN_SHORT], *wl = &m->win[WIN_LONG];
	size_t hint = 0;
	int rc;

	bind_range(q->domains, wl->t_first, wl->t_last, m->cpu);
	while ((rc = sqlite3_step(q->domains)) == SQLITE_ROW) {
		struct dom_sums x;
		int64_t t = col64(q->domains, 1);
		struct dom_row *r = row_for(q, m, sqlite3_column_int(q->domains, 0),
					    &hint);
		if (!r) {
			sqlite3_reset(q->domains);
			return -ENOMEM;
		}
		read_sums(q->domains, 2, &x);
		sums_add(&r->w[WIN_LONG], &x);
		if (t >= ws->t_first)
			sums_add(&r->w[WIN_SHORT], &x);
		if (t >= spark_first)
			r->spark_ns[t - spark_first] += x.cpu_ns;
		if (t > r->last_t)
			r->last_t = t;
	}
	return rc == SQLITE_DONE ? 0 : fail(q, "cannot read sample_1s");
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
		if (!m->rows[i].name[0])
			metrics_domain_name(m->rows[i].name,
					    sizeof m->rows[i].name,
					    m->rows[i].domid);
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
	win_init(&m->win[WIN_SHORT], t_end, t_end);
	win_init(&m->win[WIN_LONG], t_end - long_s + 1, t_end);

	if (spark_len > MODEL_SPARK_MAX)
		spark_len = MODEL_SPARK_MAX;
	if (spark_len > long_s)
		spark_len = (int)long_s;
	m->spark_len = spark_len > 0 ? spark_len : 0;
	int64_t spark_first = t_end - m->spark_len + 1;
	int64_t obs[MODEL_SPARK_MAX] = { 0 };

	if ((rc = load_seconds(q, m, spark_first, obs)) ||
	    (rc = load_domains(q, m, spark_first)))
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
				q->domains, q->names };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sqlite3_reset(all[i]);
	sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

