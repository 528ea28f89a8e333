/*
 * Benchmark of the viewer's query layer (issue 4, point 9): the time to the
 * first screen's data and the CPU cost of one refresh, on a database of
 * SECONDS x DOMAINS x CPUS built here by direct INSERTs in one transaction
 * (every domain on every CPU every second: the worst case for a window),
 * rolled up by the daemon's code.
 *
 *   bench_viewer [--seconds N] [--domains D] [--cpus C] [--keep] DB
 *   bench_viewer --ranges [--cpus C] [--domains D] [--no-weeks] [--packed] DB
 *
 * --ranges (issue 16): range views of 1 h, 1 d, 7 d, 30 d, 1 y and 5 y
 * ending at a ragged second, whole host and one CPU, on five years of a
 * 16-CPU, 50-domain host (bench_history's: two vCPUs a domain, on CPUs
 * that move every ten minutes).  A year of seconds would be 3.7 G rows, so
 * only the seconds a range view reads are made (its ragged ends, the last
 * hour), rolled up by the daemon's code; the other rows, the minutes up to
 * the first whole hour of each range, the hours of the last year (and of
 * the first day of the five years) and the days of the five years, are
 * copies of rolled-up ones.  So the rows each view reads are those of a
 * real host; their values are not checked here (test_tiers.py does that).
 * The weeks (schema 16) are the days added up, as the migration makes
 * them; --no-weeks drops their tables, for the figures of schema 15.
 * --packed packs the minutes and hours older than a week and an hour as
 * the daemon does (019_packed_rollups.sql, packer.h), so the views read
 * them decoded.
 * --cpus and --domains give another host (64 and 200: the replay
 * benchmark's); beyond 16 x 50, the hours are made only on the days the
 * ranges' ends read, to keep the build to a few minutes (the rows a view
 * reads are the same).
 *
 * Drawing is left out: it is ncurses writing ~2 KB to a terminal.  "First
 * screen" is query_open() plus the first query_refresh() in a fresh
 * connection, with the file in the page cache (the build just wrote it).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "packer.h"
#include "query.h"
#include "bench_rollup.h"
#include "schema.h"

static double now_ms(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A new database at PATH, or NULL (said). */
static sqlite3 *fresh_db(const char *path)
{
	char err[512];
	unlink(path);
	sqlite3 *db = schema_open_rw(path, err, sizeof err);
	if (!db)
		fprintf(stderr, "bench_viewer: %s\n", err);
	return db;
}

static int build(const char *path, long seconds, int domains, int cpus)
{
	sqlite3 *db = fresh_db(path);
	if (!db)
		return -1;
	sqlite3_stmt *c, *s;
	sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN",
		     NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO cpu_1s (t, cpu, observed_ns, sched_ns, "
			   "lost_records) VALUES (?1, ?2, 1000000000, 1000000, 0)",
			   -1, &c, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO sample_1s (t, cpu, domid, exec_count, cpu_ns, wait_ns,"
			   " blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns,"
			   " alloc_unbounded, io_count) VALUES (?1, ?2, ?3, 10, ?4,"
			   " 1000000, 2000000, 300000000, 30000000, 30000000, 0, 3)",
			   -1, &s, NULL);
	const int64_t t0 = 1700000000;
	for (long t = 0; t < seconds; t++) {
		for (int cpu = 0; cpu < cpus; cpu++) {
			sqlite3_bind_int64(c, 1, t0 + t);
			sqlite3_bind_int(c, 2, cpu);
			sqlite3_step(c);
			sqlite3_reset(c);
			for (int d = 0; d <= domains; d++) {
				int domid = d == domains ? 32767 : d;
				sqlite3_bind_int64(s, 1, t0 + t);
				sqlite3_bind_int(s, 2, cpu);
				sqlite3_bind_int(s, 3, domid);
				sqlite3_bind_int64(s, 4, d == domains ? 499000000 :
						   10000000 + (t % 7) * 1000);
				sqlite3_step(s);
				sqlite3_reset(s);
			}
		}
	}
	if (bench_rollup(db, t0, t0 + seconds) < 0) {
		fprintf(stderr, "bench_viewer: cannot roll up: %s\n",
			sqlite3_errmsg(db));
		return -1;
	}
	char sql[128];
	snprintf(sql, sizeof sql, "INSERT INTO meta VALUES ('cpus', %d)", cpus);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_exec(db, "INSERT INTO domain (domid, name, first_t, last_t) "
		     "VALUES (0, 'Domain-0', 1700000000, "
		     "1700000000)", NULL, NULL, NULL);
	int rc = sqlite3_exec(db, "COMMIT; PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	sqlite3_finalize(c);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static double refresh_cpu_ms(struct query *q, struct model *m, int cpu,
			     int64_t t_end, int64_t long_s, int n)
{
	double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < n; i++)
		if (query_refresh(q, m, cpu, t_end, long_s, 10) < 0) {
			fprintf(stderr, "bench_viewer: %s\n", query_errmsg(q));
			exit(1);
		}
	return (now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0) / n;
}

/* --ranges: the host and the year, the range views' end E = H + 1234 s
 * (H an hour: a ragged second, as any end a user types). */
static int R_CPUS = 16, R_DOMS = 50;
#define R_H INT64_C(1731628800)
#define R_END (R_H + 1234)
#define DAY INT64_C(86400)

static const int64_t RANGES[] = { 3600, DAY, 7 * DAY, 30 * DAY, 365 * DAY,
				  5 * 365 * DAY };
static const char *const RANGE_NAMES[] = { "1 h", "1 d", "7 d", "30 d", "1 y",
					   "5 y" };
#define NRANGES (sizeof RANGES / sizeof RANGES[0])

static int exec1(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_viewer: %s\n  in: %.300s\n", msg, sql);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int step1(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Seconds [FROM, TO) of the ranges' host: domain d's vCPU v on CPU
 * (2d + v + t / 600) % 16, a reproducible load, the idle domain on every
 * CPU. */
static int fill_seconds(sqlite3 *db, int64_t from, int64_t to)
{
	sqlite3_stmt *c = NULL, *s = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO cpu_1s (t, cpu, observed_ns,"
			       " sched_ns, lost_records) VALUES (?1, ?2,"
			       " 1000000000, 2000, 0)", -1, &c, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO sample_1s (t, cpu, domid,"
			       " exec_count, cpu_ns, wait_ns, blocked_ns, alloc_ns,"
			       " alloc_min_ns, alloc_max_ns, alloc_unbounded,"
			       " io_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
			       " 10000000, 30000000, ?9, ?10)", -1, &s,
			       NULL) != SQLITE_OK)
		goto out;
	for (int64_t t = from; t < to; t++) {
		for (int cpu = 0; cpu < R_CPUS; cpu++) {
			sqlite3_bind_int64(c, 1, t);
			sqlite3_bind_int(c, 2, cpu);
			if (step1(c) < 0)
				goto out;
		}
		for (int d = 0; d < R_DOMS * 2; d++) {
			int dom = d / 2 + 1, v = d % 2;
			int64_t h = (t * 2654435761LL + dom * 40503 + v * 977) % 1000003;
			int64_t cpu = (2 * dom + v + t / 600) % R_CPUS;
			int64_t vals[] = { t, cpu, dom, 1 + h % 40,
					   (h % 500) * 1000000, (h % 37) * 100000,
					   (1000 - h % 500) * 900000,
					   30000000 * (1 + h % 40), h % 2, h % 100 };
			for (int k = 0; k < 10; k++)
				sqlite3_bind_int64(s, k + 1, vals[k]);
			if (step1(s) < 0)
				goto out;
		}
		for (int cpu = 0; cpu < R_CPUS; cpu++) {
			int64_t vals[] = { t, cpu, 32767, 10, 400000000, 0, 0, 0,
					   10, 0 };
			for (int k = 0; k < 10; k++)
				sqlite3_bind_int64(s, k + 1, vals[k]);
			if (step1(s) < 0)
				goto out;
		}
	}
	rc = bench_rollup(db, from, to);
out:
	if (rc < 0)
		fprintf(stderr, "bench_viewer: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(c);
	sqlite3_finalize(s);
	return rc;
}

/* Every step of GRAIN in [FROM, TO) of TABLE gets the rows of step SRC,
 * where it has none of its own. */
static int copy_steps(sqlite3 *db, const char *table, int64_t grain,
		      int64_t from, int64_t to, int64_t src)
{
	sqlite3_stmt *st;
	char cols[512] = "", sql[2048];
	if (sqlite3_prepare_v2(db, "SELECT group_concat(name, ', ') FROM "
			       "pragma_table_info(?1) WHERE name != 't'", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(cols, sizeof cols, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO %s (t, %s)"
		 " WITH RECURSIVE k(s) AS (SELECT %lld UNION ALL SELECT s + %lld"
		 " FROM k WHERE s + %lld < %lld)"
		 " SELECT k.s, %s FROM k CROSS JOIN %s x WHERE x.t = %lld",
		 table, cols, (long long)from, (long long)grain, (long long)grain,
		 (long long)to, cols, table, (long long)src);
	return cols[0] ? exec1(db, sql) : -1;
}

static int64_t floor_to(int64_t t, int64_t g)
{
	return t - t % g;
}

static double file_mb(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size / 1e6 : 0;
}

/* The rows of day table DAY added up per epoch-aligned week into WEEK,
 * as 016_week_rollups.sql does. */
static int weeks_from_days(sqlite3 *db, const char *day, const char *week)
{
	sqlite3_stmt *st;
	char cols[512] = "", aggs[1024] = "", keys[64] = "", sql[2048];
	if (sqlite3_prepare_v2(db, "SELECT group_concat(name, ', '),"
		" group_concat(CASE WHEN name IN ('cpu', 'domid') THEN name"
		"  WHEN name = 'alloc_min_ns' THEN 'min(' || name || ')'"
		"  WHEN name IN ('alloc_max_ns', 'cpu_peak_ns')"
		"   THEN 'max(' || name || ')'"
		"  WHEN name = 'cpu_pct_hist' THEN 'xenmon_hist_sum(' || name || ')'"
		"  ELSE 'sum(' || name || ')' END, ', '),"
		" group_concat(CASE WHEN name IN ('cpu', 'domid') THEN name END, ', ')"
		" FROM (SELECT name FROM pragma_table_info(?1) WHERE name != 't'"
		" ORDER BY cid)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 2)) {
		snprintf(cols, sizeof cols, "%s", sqlite3_column_text(st, 0));
		snprintf(aggs, sizeof aggs, "%s", sqlite3_column_text(st, 1));
		snprintf(keys, sizeof keys, "%s", sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	snprintf(sql, sizeof sql, "INSERT INTO %s (t, %s) SELECT t - t %% %lld, %s"
		 " FROM %s GROUP BY t - t %% %lld, %s", week, cols, (long long)(7 * DAY), aggs,
		 day, (long long)(7 * DAY), keys);
	return cols[0] ? exec1(db, sql) : -1;
}

/* The ranges' database (see the top of the file). */
static int build_ranges(const char *path, bool weeks)
{
	static const char *const WEEKS[] = { "sample_1w", "cpu_1w", "sample_cpu_1w" };
	static const char *const HOURS[] = { "sample_1h", "cpu_1h", "sample_cpu_1h" };
	static const char *const MINUTES[] = { "sample_1m", "cpu_1m", "sample_cpu_1m" };
	static const char *const DAYS[] = { "sample_1d", "cpu_1d", "sample_cpu_1d" };
	sqlite3 *db = fresh_db(path);
	if (!db)
		return -1;
	int rc = exec1(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN");
	/* the last hour and a bit, and each range's first seconds */
	rc = rc ? rc : fill_seconds(db, R_H - 3600, R_END);
	for (size_t i = 1; i < NRANGES && !rc; i++)
		rc = fill_seconds(db, R_END - RANGES[i] - 90, R_END - RANGES[i] + 90);
	/* hours for a year, and for the first day of five years */
	int64_t oldest = floor_to(R_END - 365 * DAY, 3600) - 3600;
	int64_t first_day = floor_to(R_END - RANGES[NRANGES - 1], DAY);
	bool small = R_CPUS * R_DOMS <= 16 * 50;
	for (int k = 0; k < 3 && !rc; k++)
		rc = copy_steps(db, HOURS[k], 3600, small ? oldest :
				floor_to(R_H - 3600, DAY), R_H - 3600, R_H - 3600) ||
		     copy_steps(db, HOURS[k], 3600, first_day, first_day + DAY,
				R_H - 3600);
	for (size_t i = 1; i < NRANGES && !rc && !small; i++) {
		int64_t a = floor_to(R_END - RANGES[i], DAY);
		for (int k = 0; k < 3 && !rc; k++)
			rc = copy_steps(db, HOURS[k], 3600, a, a + DAY, R_H - 3600);
	}
	for (int k = 0; k < 3 && !rc; k++)
		rc = copy_steps(db, DAYS[k], DAY, first_day - DAY,
				floor_to(R_END, DAY), floor_to(R_H - 3600, DAY));
	if (!rc && !weeks)
		rc = exec1(db, "DROP VIEW domain_1w");
	for (int k = 0; k < 3 && !rc; k++) {
		char sql[128];
		snprintf(sql, sizeof sql, "%s %s", weeks ? "DELETE FROM" :
			 "DROP TABLE", WEEKS[k]);
		rc = exec1(db, sql) ||
		     (weeks && weeks_from_days(db, DAYS[k], WEEKS[k]) < 0);
	}
	for (size_t i = 1; i < NRANGES && !rc; i++) {
		int64_t a = floor_to(R_END - RANGES[i], 3600);
		for (int k = 0; k < 3 && !rc; k++)
			rc = copy_steps(db, MINUTES[k], 60, a, a + 3600,
					R_H - 1800);
	}
	if (!rc) {
		char sql[256];
		snprintf(sql, sizeof sql, "INSERT INTO meta VALUES ('cpus', %d)",
			 R_CPUS);
		rc = exec1(db, sql);
		snprintf(sql, sizeof sql, "WITH RECURSIVE d(i) AS (SELECT 1"
			 " UNION ALL SELECT i + 1 FROM d WHERE i < %d) INSERT INTO"
			 " domain (domid, name, first_t, last_t) SELECT i,"
			 " 'vm' || i, 0, 0 FROM d", R_DOMS);
		rc = rc || exec1(db, sql) ||
		     exec1(db, "COMMIT; PRAGMA journal_mode=WAL") ? -1 : 0;
	}
	sqlite3_close(db);
	return rc;
}

/* The minutes and hours older than a week and an hour packed, as the
 * daemon leaves them. */
static int pack_ranges(const char *path)
{
	char err[512];
	sqlite3 *db = schema_open_rw(path, err, sizeof err);
	struct packer *p = db ? packer_new(db) : NULL;
	int rc = p ? packer_pack(p, R_END - 7 * DAY - 3600, INT64_C(1) << 62) : -1;
	if (rc < 0)
		fprintf(stderr, "bench_viewer: cannot pack: %s\n",
			db ? sqlite3_errmsg(db) : err);
	packer_free(p);
	sqlite3_close(db);
	return rc;
}

static void print_ranges(const char *path)
{
	for (int cpu = -1; cpu <= 5; cpu += 6) {
		for (size_t i = 0; i < NRANGES; i++) {
			char err[512];
			struct query *q = NULL;
			struct model m = { 0 };
			double w0 = now_ms(CLOCK_MONOTONIC);
			double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
			if (query_open(path, &q, err, sizeof err) < 0 ||
			    query_refresh(q, &m, cpu, R_END - 1, RANGES[i], 60) < 0) {
				fprintf(stderr, "bench_viewer: %s\n",
					q ? query_errmsg(q) : err);
				exit(1);
			}
			double first_cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
			double first_wall = now_ms(CLOCK_MONOTONIC) - w0;
			double again = refresh_cpu_ms(q, &m, cpu, R_END - 1,
						      RANGES[i], 3);
			/* time travel: an hour back ('{') */
			double back = refresh_cpu_ms(q, &m, cpu, R_END - 3601,
						     RANGES[i], 3);
			printf("range %-4s %-9s first frame %7.1f ms CPU (%7.1f ms "
			       "wall), refresh %7.1f ms CPU, an hour back %7.1f "
			       "ms CPU; rows of %lld s\n", RANGE_NAMES[i],
			       cpu < 0 ? "all CPUs" : "one CPU", first_cpu,
			       first_wall, again, back,
			       (long long)m.win[WIN_LONG].grain_s);
			model_free(&m);
			query_close(q);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "domains", required_argument, NULL, 'd' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "keep", no_argument, NULL, 'k' },
		{ "reuse", no_argument, NULL, 'r' },
		{ "ranges", no_argument, NULL, 'R' },
		{ "no-weeks", no_argument, NULL, 'W' },
		{ "packed", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	long seconds = 3600;
	int domains = 50, cpus = 16, o;
	bool keep = false, reuse = false, ranges = false, weeks = true;
	bool packed = false;
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 's': seconds = atol(optarg); break;
		case 'd': domains = atoi(optarg); break;
		case 'c': cpus = atoi(optarg); break;
		case 'k': keep = true; break;
		case 'r': reuse = keep = true; break;
		case 'R': ranges = true; break;
		case 'W': weeks = false; break;
		case 'P': packed = true; break;
		default: return 2;
		}
	}
	if (optind != argc - 1 || seconds < 20) {
		fprintf(stderr, "usage: bench_viewer [--seconds N>=20] [--domains D] "
			"[--cpus C] [--keep] [--reuse] [--ranges] [--no-weeks] "
			"[--packed] DB\n");
		return 2;
	}
	const char *path = argv[optind];
	double w0 = now_ms(CLOCK_MONOTONIC);
	if (ranges) {
		R_CPUS = cpus;
		R_DOMS = domains;
		if (!reuse && build_ranges(path, weeks) < 0)
			return 1;
		if (packed && pack_ranges(path) < 0)
			return 1;
		printf("database: five years (of %s; %s of hours%s) of %d CPUs x %d "
		       "domains, built in %.1f s, %.0f MB\n",
		       weeks ? "weeks and days" : "days, no weeks",
		       R_CPUS * R_DOMS <= 16 * 50 ? "a year" : "the ends' days",
		       packed ? ", minutes and hours older than a week packed" : "",
		       R_CPUS, R_DOMS,
		       (now_ms(CLOCK_MONOTONIC) - w0) / 1e3, file_mb(path));
		print_ranges(path);
		if (!keep)
			unlink(path);
		return 0;
	}
	if (!reuse && build(path, seconds, domains, cpus) < 0)
		return 1;
	double built = now_ms(CLOCK_MONOTONIC) - w0;
	printf("database: %ld s x %d domains (+ idle) x %d CPUs = %lld sample rows%s,"
	       " built in %.1f s\n", seconds, domains, cpus,
	       (long long)seconds * (domains + 1) * cpus, reuse ? " (reused)" : "",
	       built / 1e3);

	char err[512];
	struct query *q = NULL;
	struct model m = { 0 };
	double f0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	if (query_open(path, &q, err, sizeof err) < 0 ||
	    query_refresh(q, &m, -1, QUERY_LIVE, 10, 10) < 0) {
		fprintf(stderr, "bench_viewer: %s\n", q ? query_errmsg(q) : err);
		return 1;
	}
	printf("first screen (open + first refresh, all CPUs): %.2f ms wall, "
	       "%.2f ms CPU\n", now_ms(CLOCK_MONOTONIC) - f0,
	       now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0);
	printf("refresh, live, all CPUs summed:   %.3f ms CPU\n",
	       refresh_cpu_ms(q, &m, -1, QUERY_LIVE, 10, 200));
	printf("refresh, live, one CPU:           %.3f ms CPU\n",
	       refresh_cpu_ms(q, &m, 3, QUERY_LIVE, 10, 200));
	int64_t mid = m.t_oldest + (m.t_newest - m.t_oldest) / 2;
	printf("refresh, history mid-file, all:   %.3f ms CPU\n",
	       refresh_cpu_ms(q, &m, -1, mid, 10, 200));
	printf("range of 1 h, all CPUs:           %.1f ms CPU\n",
	       refresh_cpu_ms(q, &m, -1, m.t_live, seconds < 3600 ? seconds : 3600, 3));
	model_free(&m);
	query_close(q);
	if (!keep)
		unlink(path);
	return 0;
}
