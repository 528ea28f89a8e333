/*
 * The history benchmark's database work:
 *
 *   bench_history build DB DAYS   a host of 16 CPUs and 50 domains (two
 *       vCPUs each, on CPUs that move every ten minutes) plus the idle
 *       domain on every CPU: DAYS at one second by one INSERT ... SELECT
 *       from recursive CTEs, rolled up an hour per transaction exactly as
 *       a migrated database is, then the roll-ups copied back to make 30
 *       days.  Prints the time of each part and the bytes per day of each
 *       resolution (from SQLite's dbstat), and from those the size under
 *       the default retention.
 *   bench_history prune DB KEEP_S  prune the seconds to KEEP_S with the
 *       daemon's code; prints steps, rows and the longest write lock.
 *   bench_history append DB HOURS [CPUS DOMAINS]  the size as the daemon
 *       appends: HOURS of seconds of the host (or of one of CPUS and
 *       DOMAINS) stored one by one through the daemon's store, nothing
 *       pruned; bytes per row and per day of each table, in pages, and the
 *       size under the default retention.
 *   bench_history steady DB        the daemon's store at work: seconds of
 *       the same host stored one by one for 3 h with retention scaled down
 *       (seconds 10 min, minutes 30 min, hours 1 h), the file size printed
 *       every 15 min: it must stop growing.
 *   bench_history budget DB        the size budget (daemon/budget.c): DB
 *       (as built, then pruned) given half its size as a budget, pruned at
 *       once; then the store at work as in steady, default retention and a
 *       48 MiB budget (two hours of its seconds), for 3 h.  Prints the
 *       longest write lock of each.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "budget.h"
#include "retention.h"
#include "rollup.h"
#include "schema.h"
#include "store.h"

#define T0 INT64_C(1700006400)  /* midnight UTC */
#define DOMS 50
#define CPUS 16
#define DAY 86400

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int exec1(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_history: %s\n  in: %.200s\n", msg, sql);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* TABLE's columns but t, as the schema has them (it gains columns). */
static int columns_but_t(sqlite3 *db, const char *table, char *buf, size_t n)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "SELECT group_concat(name, ', ') FROM "
				    "pragma_table_info(?1) WHERE name != 't'",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) ?
		     SQLITE_OK : SQLITE_ERROR;
		if (rc == SQLITE_OK)
			snprintf(buf, n, "%s", sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		fprintf(stderr, "bench_history: cannot read the columns of %s\n",
			table);
	return rc != SQLITE_OK;
}

static int exec_range(sqlite3 *db, const char *fmt, int64_t a, int64_t b)
{
	char sql[4096];
	snprintf(sql, sizeof sql, fmt, a, b);
	return exec1(db, sql);
}

/* The synthetic host: a pseudo-random but reproducible load per (t, domain,
 * vCPU); cpu_ns up to 0.5 s per vCPU, so a domain is at 0-100%. */
static const char FILL[] =
	"WITH RECURSIVE s(t) AS (SELECT %" PRId64 " UNION ALL SELECT t + 1 FROM s"
	"  WHERE t < %" PRId64 " - 1),"
	" d(domid) AS (SELECT 1 UNION ALL SELECT domid + 1 FROM d WHERE domid < 50),"
	" c(cpu) AS (SELECT 0 UNION ALL SELECT cpu + 1 FROM c WHERE cpu < 15),"
	" v(vcpu) AS (VALUES (0), (1)),"
	" x AS (SELECT t, (domid * 2 + vcpu + t / 600) %% 16 AS cpu, domid,"
	"  abs((t * 2654435761 + domid * 40503 + vcpu * 977) %% 1000003) AS h"
	"  FROM s, d, v)"
	" INSERT INTO sample_1s (t, cpu, domid, exec_count, cpu_ns, wait_ns,"
	"  blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns, alloc_unbounded,"
	"  io_count) SELECT t, cpu, domid, 1 + h %% 40,"
	"  (h %% 500) * 1000000 * (1 + domid %% 3) / 3, (h %% 37) * 100000,"
	"  (1000 - h %% 500) * 900000, 30000000 * (1 + h %% 40), 10000000,"
	"  30000000, h %% 2, h %% 100 FROM x"
	" UNION ALL SELECT t, cpu, 32767, 10, 400000000, 0, 0, 0, NULL, NULL, 10, 0"
	"  FROM s, c ORDER BY 1, 2, 3";

static const char FILL_CPU[] =
	"WITH RECURSIVE s(t) AS (SELECT %" PRId64 " UNION ALL SELECT t + 1 FROM s"
	"  WHERE t < %" PRId64 " - 1),"
	" c(cpu) AS (SELECT 0 UNION ALL SELECT cpu + 1 FROM c WHERE cpu < 15)"
	" INSERT INTO cpu_1s_plain (t, cpu, observed_ns, sched_ns, lost_records)"
	" SELECT t, cpu, 1000000000, 2000, (t %% 86399 = 0) * 7"
	" FROM s, c";

static double table_mb(sqlite3 *db, const char *a, const char *b)
{
	sqlite3_stmt *st;
	double bytes = 0;
	if (sqlite3_prepare_v2(db, "SELECT sum(pgsize) FROM dbstat WHERE name IN "
			       "(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		bytes = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return bytes / 1e6;
}

static int build(const char *path, int days)
{
	char err[512];
	int64_t end = T0 + (int64_t)days * DAY;
	remove(path);
	sqlite3 *db = schema_open_rw(path, err, sizeof err);
	if (!db) {
		fprintf(stderr, "bench_history: %s\n", err);
		return 1;
	}
	double t = now_s();
	if (exec1(db, "BEGIN") || exec_range(db, FILL, T0, end) ||
	    exec_range(db, FILL_CPU, T0, end) ||
	    exec1(db, "INSERT INTO domain (domid, name, first_t, last_t)"
		  " SELECT value, 'vm' || value, 1700006400,"
		  " 1700006400 FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,"
		  "15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,"
		  "36,37,38,39,40,41,42,43,44,45,46,47,48,49,50]')") ||
	    exec1(db, "COMMIT"))
		return 1;
	double built = now_s() - t;
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT count(*) FROM sample_1s", -1, &st, NULL);
	sqlite3_step(st);
	int64_t rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	printf("build       %d day(s) at one second: %" PRId64 " sample_1s rows "
	       "(%.0f per second) in %.1f s (%.0f rows/s)\n", days, rows,
	       (double)rows / days / DAY, built, rows / built);

	/* the back-fill path: an hour per transaction, the daemon's SQL */
	struct rollup *r = rollup_new(db);
	t = now_s();
	for (int64_t h = T0; r && h < end; h += 3600)
		if (exec1(db, "BEGIN") || rollup_range(r, h, h + 3600) < 0 ||
		    exec1(db, "COMMIT"))
			return 1;
	rollup_free(r);
	printf("roll-up     %d day(s) back-filled in %.1f s (%.2f ms per second "
	       "of 116 rows)\n", days, now_s() - t, (now_s() - t) * 1e3 / days / DAY);

	/* 30 days of roll-ups: the days before, copies of the first */
	t = now_s();
	if (exec1(db, "BEGIN"))
		return 1;
	for (int k = days; k < 30; k++) {
		int64_t shift = (int64_t)(k - days + 1) * DAY;
		const char *tables[] = { "sample_1m", "sample_1h", "cpu_1m", "cpu_1h",
					 "sample_cpu_1m", "sample_cpu_1h", "sample_1d",
					 "cpu_1d", "sample_cpu_1d" };
		for (int i = 0; i < 9; i++) {
			/* the first day's rows, moved SHIFT seconds back */
			char cols[512], fixed[1400];
			if (columns_but_t(db, tables[i], cols, sizeof cols))
				return 1;
			snprintf(fixed, sizeof fixed, "INSERT INTO %s (t, %s) SELECT "
				 "t - %" PRId64 ", %s FROM %s WHERE t >= 1700006400 AND t < %"
				 PRId64, tables[i], cols, shift, cols, tables[i], T0 + DAY);
			if (exec1(db, fixed))
				return 1;
		}
	}
	if (exec1(db, "COMMIT"))
		return 1;
	printf("roll-ups    copied to 30 days in %.1f s\n", now_s() - t);

	double s = table_mb(db, "sample_1s", "cpu_1s_plain") / days;
	double m = (table_mb(db, "sample_1m", "cpu_1m") +
		    table_mb(db, "sample_cpu_1m", "")) / 30;
	double hr = (table_mb(db, "sample_1h", "cpu_1h") +
		     table_mb(db, "sample_cpu_1h", "")) / 30;
	double d = (table_mb(db, "sample_1d", "cpu_1d") +
		    table_mb(db, "sample_cpu_1d", "")) / 30;
	printf("size        per day: seconds %.1f MB, minutes %.2f MB, hours "
	       "%.3f MB, days %.4f MB\n", s, m, hr, d);
	/* 009_cpu_rollups.sql: what the per-CPU view of a long range costs */
	double cm = table_mb(db, "sample_cpu_1m", "") / 30;
	double ch = table_mb(db, "sample_cpu_1h", "") / 30;
	printf("size        per day, per-CPU roll-ups (included above): minutes "
	       "%.2f MB, hours %.3f MB\n", cm, ch);
	/* not what the daemon keeps: per-CPU rows as long as the tier's,
	 * nothing packed (append's figure is) */
	printf("steady      this bulk build's tables at 7 d, 90 d, 5 y, 5 y (per-CPU "
	       "rows kept as long, nothing packed; the daemon's size is "
	       "append's): %.0f MB + %.0f MB + %.0f MB + %.0f MB = %.2f GB\n",
	       7 * s, 90 * m,
	       1825 * hr, 1825 * d, (7 * s + 90 * m + 1825 * hr + 1825 * d) / 1000);
	sqlite3_close(db);
	return 0;
}

/* PATH opened to be pruned as the daemon prunes, or NULL (said). */
static sqlite3 *open_to_prune(const char *path)
{
	char err[512];
	sqlite3 *db = schema_open_rw(path, err, sizeof err);
	if (!db) {
		fprintf(stderr, "bench_history: %s\n", err);
		return NULL;
	}
	/* As on the daemon's writer, whose checkpoints run in a thread of
	 * their own (daemon/store/checkpoint.c): otherwise the first step's commit
	 * would also copy back the WAL the build left, and be timed with it. */
	sqlite3_exec(db, "PRAGMA wal_autocheckpoint = 0", NULL, NULL, NULL);
	return db;
}

static int64_t newest_second(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t t = 0;
	if (sqlite3_prepare_v2(db, "SELECT last_t FROM cpu_1s_span", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

static int prune(const char *path, int64_t keep_s)
{
	sqlite3 *db = open_to_prune(path);
	if (!db)
		return 1;
	struct retention_policy p;
	retention_defaults(&p);
	p.keep_s[METRICS_1S] = keep_s;
	struct retention *r = retention_new(db, &p);
	int64_t newest = newest_second(db);
	double t = now_s();
	int rc = r ? retention_prune(r, newest, INT64_MAX) : -1;
	double took = now_s() - t;
	if (rc < 0) {
		fprintf(stderr, "bench_history: prune: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	const struct retention_stats *s = retention_stats(r);
	printf("prune       %" PRIu64 " rows in %" PRIu64 " transactions, %.1f s "
	       "(%.0f rows/s); longest write lock %.1f ms\n", s->rows, s->steps,
	       took, s->rows / took, s->max_hold_ns / 1e6);
	retention_free(r);
	sqlite3_close(db);
	return 0;
}

/* The host of store_synthetic(): 16 CPUs and 50 domains unless append
 * is given others (the replay benchmark's 64 and 200). */
static unsigned host_cpus = CPUS, host_doms = DOMS;

/* One synthetic second of the host, through the daemon's store. */
static int store_synthetic(struct store *s, int64_t t)
{
	static struct sample_row *rows;
	static struct cpu_row *cpus;
	if (!rows && (!(rows = calloc(host_doms * 2 + host_cpus, sizeof *rows)) ||
		      !(cpus = calloc(host_cpus, sizeof *cpus))))
		return -1;
	size_t n = 0;
	for (unsigned c = 0; c < host_cpus; c++) {
		cpus[c] = (struct cpu_row){ .cpu = c, .observed_ns = 1000000000,
					    .sched_ns = 2000 };
		for (unsigned d = 1; d <= host_doms; d++)
			for (unsigned v = 0; v < 2; v++) {
				if ((d * 2 + v + (uint64_t)t / 600) % host_cpus != c)
					continue;
				uint64_t h = ((uint64_t)t * 2654435761u + d * 40503 +
					      v * 977) % 1000003;
				rows[n++] = (struct sample_row){
					.cpu = (uint16_t)c, .domid = (uint16_t)d,
					.exec_count = 1 + h % 40,
					.cpu_ns = (h % 500) * 1000000,
					.blocked_ns = (1000 - h % 500) * 900000,
					.alloc_ns = 30000000, .alloc_n = 1,
					.alloc_min_ns = 30000000,
					.alloc_max_ns = 30000000 };
			}
		rows[n++] = (struct sample_row){ .cpu = (uint16_t)c,
			.domid = 32767, .exec_count = 10, .cpu_ns = 400000000 };
	}
	struct second sec = { .t = t, .complete = true, .cpus = cpus,
			      .ncpus = host_cpus, .samples = rows, .nsamples = n };
	return store_second(s, &sec);
}

static double file_mb(const char *path)
{
	struct stat st;
	char wal[4096];
	double mb = stat(path, &st) == 0 ? st.st_size / 1e6 : 0;
	snprintf(wal, sizeof wal, "%s-wal", path);
	if (stat(wal, &st) == 0)
		mb += st.st_size / 1e6;
	return mb;
}

/* Three hours of seconds into S, the size of its file (at PATH) printed
 * every 15 minutes of trace time. */
static int store_3h(struct store *s, const char *path)
{
	for (int64_t i = 0; i < 3 * 3600; i++) {
		if (store_synthetic(s, T0 + i) < 0) {
			fprintf(stderr, "bench_history: %s\n", store_error(s));
			return 1;
		}
		if ((i + 1) % 900 == 0) {
			printf(" %.2f", file_mb(path));
			fflush(stdout);
		}
	}
	return 0;
}

static int steady(const char *path)
{
	char err[512];
	remove(path);
	struct store *s = store_open(path, err, sizeof err);
	if (!s) {
		fprintf(stderr, "bench_history: %s\n", err);
		return 1;
	}
	struct retention_policy p = { .keep_s = { 600, 1800, 3600 } };
	store_set_retention(s, &p);
	double t = now_s();
	printf("steady      retention 10 min / 30 min / 1 h, file size (db + wal) "
	       "every 15 min of trace time:\n           ");
	if (store_3h(s, path) < 0)
		return 1;
	const struct retention_stats *r = store_prune_stats(s);
	printf(" MB\n           %.2f ms per stored second (116 rows + roll-ups + "
	       "pruning); %" PRIu64 " prune transactions, longest write lock "
	       "%.2f ms\n", (now_s() - t) * 1e3 / (3 * 3600), r->steps,
	       r->max_hold_ns / 1e6);
	store_close(s);
	return 0;
}

/* TABLE's rows, and its bytes in pages and in use (dbstat), in *ROWS,
 * *ALLOC, *USED. */
static int table_bytes(sqlite3 *db, const char *table, double *rows,
		       double *alloc, double *used)
{
	sqlite3_stmt *st;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM %s),"
		 " sum(pgsize), sum(pgsize - unused) FROM dbstat WHERE name = '%s'",
		 table, table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
	*rows = sqlite3_column_double(st, 0);
	*alloc = sqlite3_column_double(st, 1);
	*used = sqlite3_column_double(st, 2);
	sqlite3_finalize(st);
	return rc;
}

/* TABLE's bytes per day as appended over HOURS, printed; its MB. */
static double table_day_mb(sqlite3 *db, const char *table, int hours,
			   int64_t grain_s)
{
	double rows, alloc, used;
	if (table_bytes(db, table, &rows, &alloc, &used) < 0 || rows <= 0)
		return 0;
	/* every table gains rows at a steady rate, one per step of its tier
	 * that the hours appended touched (a day's rows exist after an hour) */
	double steps = (double)((hours * INT64_C(3600) + grain_s - 1) / grain_s);
	double per_day = rows / steps * 86400 / (double)grain_s;
	double mb = alloc / rows * per_day / 1e6;
	printf("            %-13s %8.0f rows %6.1f (%5.1f) B/row %8.2f MB/day\n",
	       table, rows, alloc / rows, used / rows, mb);
	return mb;
}

/* The CPU rows of TIER: its table, or the two under its view (021). */
static double cpu_day_mb(sqlite3 *db, const struct metrics_tier *tier,
			 int hours)
{
	if (!tier->cpu_packed)
		return table_day_mb(db, tier->cpu, hours, tier->grain_s);
	return table_day_mb(db, tier->cpu_plain, hours, tier->grain_s) +
	       table_day_mb(db, tier->cpu_packed, hours, tier->grain_s);
}

/*
 * The size as the daemon appends, not as a bulk build or a VACUUM leaves
 * it: HOURS of the host's seconds stored one by one through the daemon's
 * store, nothing pruned; per table, the bytes of a row and of a day, as
 * allocated in pages (what the file grows by) and as used in them; per
 * tier and per-CPU detail (retention.h's sets), the size they reach under
 * the default retention.
 */
static int append(const char *path, int hours)
{
	char err[512];
	remove(path);
	struct store *s = store_open(path, err, sizeof err);
	if (!s) {
		fprintf(stderr, "bench_history: %s\n", err);
		return 1;
	}
	struct retention_policy p = { .keep_s = { 0 } };   /* forever */
	store_set_retention(s, &p);
	double t = now_s();
	for (int64_t i = 0; i < (int64_t)hours * 3600; i++) {
		if (store_synthetic(s, T0 + i) < 0) {
			fprintf(stderr, "bench_history: %s\n", store_error(s));
			return 1;
		}
	}
	double took = now_s() - t;
	store_close(s);
	sqlite3 *db = schema_open_rw(path, err, sizeof err);
	if (!db) {
		fprintf(stderr, "bench_history: %s\n", err);
		return 1;
	}
	struct retention_policy dflt;
	retention_defaults(&dflt);
	/* the minutes and hours older than the store's pack age are packed
	 * (packer.h): as they are appended, then packed */
	double age_d = store_pack_age(&dflt) / 86400.0;
	printf("appended    %u CPUs x %u domains, %d h through the daemon's store in "
	       "%.1f s (%.2f ms per second); per table: bytes per row allocated "
	       "(used), MB per day:\n", host_cpus, host_doms, hours, took,
	       took * 1e3 / (hours * 3600.0));
	double total = 0;
	for (int i = 0; i < RETENTION_SETS; i++) {
		const struct metrics_tier *tier = &metrics_tiers[i % METRICS_TIERS];
		if (!retention_table(i))
			continue;   /* a tier without a per-CPU detail */
		/* a tier the packer packs (its domains' rows and its CPUs'):
		 * as appended for the pack age, packed for the rest (below) */
		bool later = i > METRICS_1S && i < METRICS_TIERS && tier->packed;
		double day = i < METRICS_TIERS ?
			     table_day_mb(db, tier->sample, hours, tier->grain_s) +
			     (tier->packed && !later ?
			      table_day_mb(db, tier->packed, hours, tier->grain_s) : 0) +
			     cpu_day_mb(db, tier, hours) :
			     table_day_mb(db, tier->detail, hours, tier->grain_s);
		double keep = dflt.keep_s[i] / 86400.0;
		double days = later && age_d < keep ? age_d : keep;
		printf("            %s: %.2f MB per day, %.1f kB per domain-day; "
		       "%s %.4g days: %.0f MB%s\n", retention_what(i), day,
		       day * 1e3 / (host_doms + 1), retention_key(i), keep, day * keep,
		       later ? " as appended, before packing" : "");
		total += day * days;
	}
	sqlite3_close(db);
	/* now packed, as the daemon leaves them once they are old enough */
	if (!(s = store_open(path, err, sizeof err)) ||
	    store_pack(s, T0 + (int64_t)hours * 3600, INT64_C(1) << 62) < 0) {
		fprintf(stderr, "bench_history: %s\n", s ? store_error(s) : err);
		return 1;
	}
	store_close(s);
	if (!(db = schema_open_rw(path, err, sizeof err))) {
		fprintf(stderr, "bench_history: %s\n", err);
		return 1;
	}
	for (int i = METRICS_1M; i < METRICS_TIERS; i++) {
		const struct metrics_tier *tier = &metrics_tiers[i];
		if (!tier->packed)
			continue;
		double day = table_day_mb(db, tier->packed, hours, tier->grain_s) +
			     (tier->cpu_packed ? table_day_mb(db, tier->cpu_packed,
							      hours, tier->grain_s) : 0);
		double keep = dflt.keep_s[i] / 86400.0;
		double left = keep > age_d ? keep - age_d : 0;
		printf("            %s packed: %.2f MB per day, %.1f kB per domain-day; "
		       "%.0f of its %.0f days: %.0f MB\n", retention_what(i), day,
		       day * 1e3 / (host_doms + 1), left, keep, day * left);
		total += day * left;
	}
	printf("appended    default retention (the ages above) as appended: "
	       "%.2f GB\n", total / 1e3);
	sqlite3_close(db);
	return 0;
}

/* DB over a budget of half what it uses, pruned in one go. */
static int budget_once(const char *path)
{
	char err[512];
	sqlite3 *db = open_to_prune(path);
	if (!db)
		return 1;
	struct retention_policy p;
	retention_defaults(&p);
	struct retention *r = retention_new(db, &p);
	sqlite3_stmt *st;
	double used = 0;
	if (sqlite3_prepare_v2(db, "SELECT (page_count - freelist_count) * page_size "
			       "FROM pragma_page_count, pragma_freelist_count, "
			       "pragma_page_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		used = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	struct budget_spec half = { .kind = BUDGET_BYTES, .bytes = (uint64_t)(used / 2) };
	struct budget *b = r ? budget_new(db, r, path, &half, err, sizeof err) : NULL;
	if (!b) {
		fprintf(stderr, "bench_history: budget: %s\n", r ? err : sqlite3_errmsg(db));
		return 1;
	}
	double t = now_s();
	int rc = budget_prune(b, newest_second(db), INT64_MAX);
	double took = now_s() - t;
	if (rc < 0) {
		fprintf(stderr, "bench_history: budget: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	const struct budget_stats *s = budget_stats(b);
	printf("budget      %.0f MB over a %.0f MB budget: %" PRIu64 " rows in %" PRIu64
	       " transactions, %.1f s, now %.0f MB; longest write lock %.1f ms\n",
	       used / 1e6, (double)half.bytes / 1e6, s->rows, s->steps, took,
	       (double)s->used_bytes / 1e6, s->max_hold_ns / 1e6);
	budget_free(b);
	retention_free(r);
	sqlite3_close(db);
	return 0;
}

/* The store at work under a 48 MiB budget, default retention. */
static int budget_steady(const char *path)
{
	char err[512];
	struct retention_policy p;
	retention_defaults(&p);
	p.budget = (struct budget_spec){ .kind = BUDGET_BYTES, .bytes = 48 << 20 };
	store_set_default_retention(&p);
	remove(path);
	struct store *s = store_open(path, err, sizeof err);
	if (!s) {
		fprintf(stderr, "bench_history: %s\n", err);
		return 1;
	}
	printf("budget      48 MiB budget, default retention, file size (db + wal) "
	       "every 15 min of trace time:\n           ");
	if (store_3h(s, path) < 0)
		return 1;
	const struct budget_stats *b = store_budget_stats(s);
	printf(" MB\n           %" PRIu64 " rows pruned for size in %" PRIu64
	       " transactions, longest write lock %.2f ms; longest one-second "
	       "transaction %.1f ms\n", b->rows, b->steps, b->max_hold_ns / 1e6,
	       store_write_stats(s)->max_txn_s * 1e3);
	store_close(s);
	return 0;
}

static int budget(const char *path)
{
	char steady_path[4096];
	snprintf(steady_path, sizeof steady_path, "%s.budget", path);
	int rc = budget_once(path) || budget_steady(steady_path);
	remove(steady_path);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "build") == 0)
		return build(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "prune") == 0)
		return prune(argv[2], atoll(argv[3]));
	if (argc == 3 && strcmp(argv[1], "steady") == 0)
		return steady(argv[2]);
	if ((argc == 4 || argc == 6) && strcmp(argv[1], "append") == 0) {
		if (argc == 6) {
			host_cpus = (unsigned)atoi(argv[4]);
			host_doms = (unsigned)atoi(argv[5]);
		}
		if (host_cpus < 1 || host_cpus > 4096 || host_doms < 1 ||
		    host_doms > 30000)
			return 2;
		return append(argv[2], atoi(argv[3]));
	}
	if (argc == 3 && strcmp(argv[1], "budget") == 0)
		return budget(argv[2]);
	fprintf(stderr, "usage: bench_history build DB DAYS | prune DB KEEP_S | "
		"steady DB | append DB HOURS [CPUS DOMAINS] | budget DB\n");
	return 2;
}
