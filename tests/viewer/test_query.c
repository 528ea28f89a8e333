/*
 * The viewer's query layer on its own: a real SQLite file made here by
 * direct INSERTs with known values, read back through query.c into the
 * model, and every number checked against the arithmetic done by hand.
 *
 * The host: 2 CPUs, seconds 1000..1011.  Second 1005 is a gap (no rows at
 * all), second 1011 covers only half a second (as the last second of a
 * replay does), so the last complete second is 1010.  On CPU c, second t:
 *   dom 1 "web": cpu 100 ms * (c + 1) + (t - 1000) ns, 10 executions,
 *                wait 5 ms, blocked 1 ms, slices 10 x 30 ms, 4 I/O on CPU 0
 *   idle:        the rest of the second but 1 ms of scheduler time
 * and CPU 1 lost 7 records in second 1008.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "model.h"
#include "query.h"
#include "timearg.h"
#include "schema.h"

#define MS 1000000LL
#define T0 1000
#define GAP 1005
#define PARTIAL 1011

static char db_path[256];

static int64_t dom1_cpu(int cpu, int64_t t)
{
	return 100 * MS * (cpu + 1) + (t - T0);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static void insert_second(sqlite3 *db, sqlite3_stmt *cpu_st,
			  sqlite3_stmt *s_st, int cpu, int64_t t)
{
	int64_t obs = t == PARTIAL ? 500 * MS : 1000 * MS;
	int64_t d1 = dom1_cpu(cpu, t), sched = 1 * MS;
	(void)db;
	sqlite3_reset(cpu_st);
	sqlite3_bind_int64(cpu_st, 1, t);
	sqlite3_bind_int(cpu_st, 2, cpu);
	sqlite3_bind_int64(cpu_st, 3, obs);
	sqlite3_bind_int64(cpu_st, 4, sched);
	sqlite3_bind_int64(cpu_st, 5, t == 1008 && cpu == 1 ? 7 : 0);
	assert_int_equal(sqlite3_step(cpu_st), SQLITE_DONE);

	const int64_t rows[2][10] = {
		{ 1, 10, d1, 5 * MS, 1 * MS, 300 * MS, 30 * MS, 30 * MS, 0,
		  cpu == 0 ? 4 : 0 },
		{ METRICS_IDLE_DOMID, 11, obs - d1 - sched, d1, 0, 0, -1, -1, 11, 0 },
	};
	for (int r = 0; r < 2; r++) {
		sqlite3_reset(s_st);
		sqlite3_bind_int64(s_st, 1, t);
		sqlite3_bind_int(s_st, 2, cpu);
		for (int c = 0; c < 10; c++) {
			if (rows[r][c] < 0)
				sqlite3_bind_null(s_st, 3 + c);
			else
				sqlite3_bind_int64(s_st, 3 + c, rows[r][c]);
		}
		assert_int_equal(sqlite3_step(s_st), SQLITE_DONE);
	}
}

static int make_db(void **state)
{
	char err[512];
	(void)state;
	snprintf(db_path, sizeof db_path, "/tmp/xenmon-test-query-%d.db", (int)getpid());
	unlink(db_path);
	sqlite3 *db = schema_open_rw(db_path, err, sizeof err);
	if (!db)
		fail_msg("%s", err);
	exec_ok(db, "BEGIN");
	exec_ok(db, "INSERT INTO meta VALUES ('cpus', 2)");
	exec_ok(db, "INSERT INTO domain (domid, name, first_t, last_t) VALUES "
		"(0, 'Domain-0', 1000, 1011),"
		" (1, 'web', 1000, 1011), (32767, 'Idle', 1000, 1011)");
	sqlite3_stmt *cpu_st, *s_st;
	/* Columns named: later schema versions add some (with defaults). */
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO cpu_1s (t, cpu, "
			 "observed_ns, sched_ns, lost_records) VALUES "
			 "(?1, ?2, ?3, ?4, ?5)", -1, &cpu_st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO sample_1s (t, cpu, "
			 "domid, exec_count, cpu_ns, wait_ns, blocked_ns, alloc_ns, "
			 "alloc_min_ns, alloc_max_ns, alloc_unbounded, io_count) VALUES "
			 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", -1,
			 &s_st, NULL), SQLITE_OK);
	for (int64_t t = T0; t <= PARTIAL; t++)
		for (int cpu = 0; cpu < 2 && t != GAP; cpu++)
			insert_second(db, cpu_st, s_st, cpu, t);
	sqlite3_finalize(cpu_st);
	sqlite3_finalize(s_st);
	exec_ok(db, "COMMIT");
	sqlite3_close(db);
	return 0;
}

static int drop_db(void **state)
{
	(void)state;
	unlink(db_path);
	char p[300];
	snprintf(p, sizeof p, "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db_path);
	unlink(p);
	return 0;
}

static struct query *open_q(void)
{
	struct query *q = NULL;
	char err[512];
	int rc = query_open(db_path, &q, err, sizeof err);
	if (rc)
		fail_msg("query_open: %d %s", rc, err);
	return q;
}

static const struct dom_row *row(struct model *m, int domid)
{
	const struct dom_row *r = model_find(m, domid);
	if (!r)
		fail_msg("no row for domain %d", domid);
	return r;
}

static void test_bounds_and_live(void **state)
{
	(void)state;
	struct query *q = open_q();
	struct model m = { 0 };
	assert_int_equal(query_refresh(q, &m, 0, QUERY_LIVE, 10, 10), 0);
	assert_int_equal(m.t_oldest, T0);
	assert_int_equal(m.t_newest, PARTIAL);
	/* 1011 is observed for half a second only: not complete. */
	assert_int_equal(m.t_live, 1010);
	assert_int_equal(m.ncpus, 2);
	assert_int_equal(m.win[WIN_SHORT].t_first, 1010);
	assert_int_equal(m.win[WIN_LONG].t_first, 1001);
	model_free(&m);
	query_close(q);
}

static void test_one_cpu_windows(void **state)
{
	(void)state;
	struct query *q = open_q();
	struct model m = { 0 };
	assert_int_equal(query_refresh(q, &m, 0, QUERY_LIVE, 10, 10), 0);
	const struct win_info *ws = &m.win[WIN_SHORT], *wl = &m.win[WIN_LONG];
	assert_int_equal(ws->passed_ns, 1000 * MS);
	/* 1001..1010 without the gap at 1005 */
	assert_int_equal(wl->seconds, 10);
	assert_int_equal(wl->seconds_with_data, 9);
	assert_int_equal(wl->passed_ns, 9000 * MS);

	const struct dom_row *r = row(&m, 1);
	assert_string_equal(r->name, "web");
	assert_int_equal(r->w[WIN_SHORT].cpu_ns, dom1_cpu(0, 1010));
	assert_int_equal(r->w[WIN_SHORT].exec_count, 10);
	assert_int_equal(r->w[WIN_SHORT].io_count, 4);
	assert_true(fabs(model_pct(ws, r->w[WIN_SHORT].cpu_ns) - 10.000001) < 1e-9);
	assert_true(fabs(model_ratio(r->w[WIN_SHORT].cpu_ns, 10) - 10000001.0) < 1e-6);
	int64_t sum = 0;
	for (int64_t t = 1001; t <= 1010; t++)
		if (t != GAP)
			sum += dom1_cpu(0, t);
	assert_int_equal(r->w[WIN_LONG].cpu_ns, sum);
	assert_int_equal(r->w[WIN_LONG].exec_count, 90);
	assert_true(fabs(model_pct(wl, sum) - 100.0 * (double)sum / 9e9) < 1e-9);
	assert_true(fabs(model_per_s(wl, r->w[WIN_LONG].io_count) - 4.0) < 1e-9);
	assert_true(r->w[WIN_LONG].has_alloc_range);
	assert_int_equal(r->w[WIN_LONG].alloc_min_ns, 30 * MS);
	assert_true(fabs(model_alloc_avg_ns(&r->w[WIN_LONG]) - 30e6) < 1e-6);
	assert_int_equal(wl->lost_records, 0);

	const struct dom_row *idle = row(&m, METRICS_IDLE_DOMID);
	assert_string_equal(idle->name, "Idle");
	assert_false(idle->w[WIN_LONG].has_alloc_range);
	/* Utilisation adds up to 100% of the CPU, scheduler time included. */
	assert_int_equal(r->w[WIN_SHORT].cpu_ns + idle->w[WIN_SHORT].cpu_ns +
			 ws->sched_ns, 1000 * MS);
	/* Domain 0 has no rows: it is not in the model. */
	assert_null(model_find(&m, 0));
	model_free(&m);
	query_close(q);
}

static void test_all_cpus(void **state)
{
	(void)state;
	struct query *q = open_q();
	struct model m = { 0 };
	assert_int_equal(query_refresh(q, &m, -1, QUERY_LIVE, 10, 10), 0);
	const struct win_info *ws = &m.win[WIN_SHORT], *wl = &m.win[WIN_LONG];
	/* 100% is one CPU: the denominator is one CPU's observed time. */
	assert_int_equal(ws->passed_ns, 1000 * MS);
	assert_int_equal(ws->sched_ns, 2 * MS);
	const struct dom_row *r = row(&m, 1);
	int64_t both = dom1_cpu(0, 1010) + dom1_cpu(1, 1010);
	assert_int_equal(r->w[WIN_SHORT].cpu_ns, both);
	assert_true(fabs(model_pct(ws, both) - 30.000002) < 1e-9);
	assert_int_equal(r->w[WIN_SHORT].exec_count, 20);
	/* Lost records: 7 on CPU 1 in 1008, inside the 10 s window. */
	assert_int_equal(wl->lost_records, 7);
	assert_int_equal(wl->lost_max, 7);
	assert_int_equal(wl->lost_min, 0);
	assert_int_equal(ws->lost_records, 0);
	const struct dom_row *idle = row(&m, METRICS_IDLE_DOMID);
	assert_int_equal(r->w[WIN_SHORT].cpu_ns + idle->w[WIN_SHORT].cpu_ns +
			 ws->sched_ns, 2000 * MS);
	model_free(&m);
	query_close(q);
}

static void test_gaps_and_spark(void **state)
{
	(void)state;
	struct query *q = open_q();
	struct model m = { 0 };
	assert_int_equal(query_refresh(q, &m, 1, QUERY_LIVE, 10, 10), 0);
	assert_int_equal(m.spark_len, 10);
	const struct dom_row *r = row(&m, 1);
	/* index 4 is second 1005, the gap; dom 1 has 200 ms of CPU 1: level 2 */
	assert_int_equal(r->spark[4], MODEL_SPARK_GAP);
	assert_int_equal(r->spark[0], 2);
	assert_int_equal(r->spark[9], 2);

	/* A window that is all gap has no data, and shows no zeros. */
	assert_int_equal(query_refresh(q, &m, 0, GAP, 10, 10), 0);
	assert_false(model_has_data(&m.win[WIN_SHORT]));
	assert_true(model_has_data(&m.win[WIN_LONG]));
	assert_int_equal(m.win[WIN_LONG].seconds_with_data, 5);

	/* History: a range of the whole file. */
	assert_int_equal(query_refresh(q, &m, 0, PARTIAL, PARTIAL - T0 + 1, 60), 0);
	assert_int_equal(m.win[WIN_LONG].seconds_with_data, 11);
	assert_int_equal(m.win[WIN_LONG].passed_ns, 10500 * MS);
	assert_int_equal(m.spark_len, 12);
	model_free(&m);
	query_close(q);
}

static void test_sort(void **state)
{
	(void)state;
	struct query *q = open_q();
	struct model m = { 0 };
	assert_int_equal(query_refresh(q, &m, 0, QUERY_LIVE, 10, 0), 0);
	/* The keys: id, name, then the metric table's, in the rows' order. */
	static const char *const keys[] = { "id", "name", "cpu", "blocked",
					    "waited", "exec", "i/o" };
	assert_int_equal(SORT_COUNT, sizeof keys / sizeof *keys);
	for (int k = 0; k < SORT_COUNT; k++)
		assert_string_equal(model_sort_name((enum sort_key)k), keys[k]);
	model_sort(&m, SORT_METRIC, WIN_LONG, true);
	/* Idle stays last whatever the order. */
	assert_int_equal(m.rows[m.nrows - 1].domid, METRICS_IDLE_DOMID);
	assert_int_equal(m.rows[0].domid, 1);
	model_free(&m);
	query_close(q);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct query *q = NULL;
	char err[512], p[300];
	snprintf(p, sizeof p, "%s.missing", db_path);
	assert_int_equal(query_open(p, &q, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, p));

	snprintf(p, sizeof p, "%s.empty", db_path);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(query_open(p, &q, err, sizeof err), -EAGAIN);
	unlink(p);

	snprintf(p, sizeof p, "%s.foreign", db_path);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	exec_ok(db, "CREATE TABLE x (a)");
	sqlite3_close(db);
	assert_int_equal(query_open(p, &q, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "not a xenmon"));
	unlink(p);
}

static int timearg_parse_utc(const char *text, int64_t now, int64_t *t)
{
	return timearg_parse(text, now, true, t);
}

/* A time on the wall clock of TZ, and midnights of days of 23 and 25
 * hours (Europe/Berlin's changes of 2023-03-26 and 2023-10-29). */
static void test_parse_local_time(void **state)
{
	(void)state;
	int64_t t, now = 1700007200; /* 2023-11-15 00:13:20 UTC, 01:13:20 CET */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(timearg_parse("2023-11-15 01:00", now, false, &t), 0);
	assert_int_equal(t, 1700006400);            /* 00:00 UTC */
	assert_int_equal(timearg_parse("2023-11-15T01:00:00Z", now, false, &t), 0);
	assert_int_equal(t, 1700010000);            /* its own zone wins */
	assert_int_equal(timearg_parse("03:00", now, false, &t), 0);
	assert_int_equal(t, 1700013600);            /* today 03:00 CET */
	assert_int_equal(timearg_parse("03:00", now, true, &t), 0);
	assert_int_equal(t, 1700017200);            /* today 03:00 UTC */
	assert_int_equal(timearg_parse("today", now, false, &t), 0);
	assert_int_equal(t, 1700002800);            /* 2023-11-14 23:00 UTC */
	assert_int_equal(timearg_parse("-2h", now, false, &t), 0);
	assert_int_equal(t, now - 7200);            /* no zone in a span */
	/* 2023-03-26 had 23 hours, 2023-10-29 had 25 */
	int64_t mar27 = 1679868000, oct30 = 1698620400;  /* their next midnights */
	assert_int_equal(timearg_parse("yesterday", mar27 + 3600, false, &t), 0);
	assert_int_equal(mar27 - t, 23 * 3600);
	assert_int_equal(timearg_parse("yesterday", oct30 + 3600, false, &t), 0);
	assert_int_equal(oct30 - t, 25 * 3600);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_parse_time(void **state)
{
	(void)state;
	int64_t t, now = 1700007200; /* 2023-11-15 00:13:20 UTC */
	assert_int_equal(timearg_parse_utc("1700000000", now, &t), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(timearg_parse_utc("2023-11-14 22:13:20", now, &t), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(timearg_parse_utc("2023-11-14T22:13", now, &t), 0);
	assert_int_equal(t, 1699999980);
	assert_int_equal(timearg_parse_utc("-2h", now, &t), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(timearg_parse_utc("-30m", now, &t), 0);
	assert_int_equal(t, now - 1800);
	assert_int_equal(timearg_parse_utc("-1w", now, &t), 0);
	assert_int_equal(t, now - 7 * 86400);
	assert_int_equal(timearg_parse_utc("-90 minutes", now, &t), 0);
	assert_int_equal(t, now - 5400);
	assert_int_equal(timearg_parse_utc("today", now, &t), 0);
	assert_int_equal(t, 1700006400);
	assert_int_equal(timearg_parse_utc("now", now, &t), 0);
	assert_int_equal(t, now);
	assert_true(timearg_parse_utc("soon", now, &t) < 0);
	assert_true(timearg_parse_utc("", now, &t) < 0);
	assert_true(timearg_parse_utc("-2x", now, &t) < 0);
	/* clamped by CAST to INT64_MAX: no time at all */
	assert_true(timearg_parse_utc("99999999999999999999999", now, &t) < 0);
	assert_true(timearg_parse_utc("+99999999999d", now, &t) < 0);
	assert_int_equal(timearg_parse_utc("32503680000", now, &t), 0);
	assert_true(timearg_parse_utc("32503680001", now, &t) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_and_live),
		cmocka_unit_test(test_one_cpu_windows),
		cmocka_unit_test(test_all_cpus),
		cmocka_unit_test(test_gaps_and_spark),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_local_time),
	};
	return cmocka_run_group_tests(tests, make_db, drop_db);
}
