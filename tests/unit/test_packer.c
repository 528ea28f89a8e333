/*
 * The packing of the roll-ups of the past (daemon/store/packer.c) through
 * the real store on a real SQLite file, in the two shapes a review found
 * wrong:
 *
 *   jump   seconds that stop mid-minute, then (seconds lost to a full disk)
 *          seconds more than the pack age later: the hour the watermark's
 *          fold still adds minutes to is never packed, so no (t, domid)
 *          is in both tables, and the hours hold every second once;
 *   gap    a packed past, then an older trace into a gap below it, then an
 *          hour of new seconds: the old trace's minutes and hours are
 *          packed too.
 *
 * Each time, the CPUs' minutes and hours with the domains' (023).
 *
 * The pack age is the test hook XENMON_PACK_AGE_S (70 minutes: a
 * --retain-1s of 10 minutes), so hours of seconds suffice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "metrics.h"
#include "store.h"
#include "testdb.h"

#define H INT64_C(1699999200)     /* an hour */
static char path[64];

/* Second T of a host of 2 CPUs and domains 1..4 and the idle domain. */
static void put(struct store *s, int64_t t)
{
	struct sample_row rows[12];
	struct cpu_row cpus[2];
	size_t n = 0;
	for (unsigned c = 0; c < 2; c++) {
		cpus[c] = (struct cpu_row){ .cpu = c, .observed_ns = 1000000000,
					    .sched_ns = 2000 };
		for (unsigned d = 1; d <= 4; d++)
			if (d % 2 == c)
				rows[n++] = (struct sample_row){
					.cpu = c, .domid = (uint16_t)d, .exec_count = 1,
					.cpu_ns = 100000000 + d + (uint64_t)(t % 97),
					.blocked_ns = 5, .alloc_ns = 30000000,
					.alloc_n = 1, .alloc_min_ns = 30000000,
					.alloc_max_ns = 30000000 };
		rows[n++] = (struct sample_row){ .cpu = c, .domid = METRICS_IDLE_DOMID,
						 .exec_count = 10, .cpu_ns = 400000000 };
	}
	struct second sec = { .t = t, .complete = true, .cpus = cpus, .ncpus = 2,
			      .samples = rows, .nsamples = n };
	assert_true(store_second(s, &sec) >= 0);
}

/* Half of second T, from FROM_NS on, of the same host's 2 CPUs: a second
 * a trace began or ended in, which the other half completes. */
static void put_half(struct store *s, int64_t t, uint64_t from_ns)
{
	struct sample_row rows[2];
	struct cpu_row cpus[2];
	for (unsigned c = 0; c < 2; c++) {
		cpus[c] = (struct cpu_row){ .cpu = c, .observed_ns = 500000000,
					    .sched_ns = 1000, .from_ns = from_ns };
		rows[c] = (struct sample_row){ .cpu = (uint16_t)c,
					       .domid = METRICS_IDLE_DOMID,
					       .exec_count = 5, .cpu_ns = 200000000 };
	}
	struct second sec = { .t = t, .complete = false, .cpus = cpus, .ncpus = 2,
			      .samples = rows, .nsamples = 2 };
	assert_true(store_second(s, &sec) >= 0);
}

static void put_range(struct store *s, int64_t from, int64_t to)
{
	for (int64_t t = from; t < to; t++)
		put(s, t);
}

static int64_t one(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static struct store *open_store(void)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	return s;
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/xenmon-test-packer-%d.db", (int)getpid());
	unlink(path);
	return setenv("XENMON_PACK_AGE_S", "4200", 1);
}

static int teardown(void **state)
{
	(void)state;
	testdb_remove(path);
	return 0;
}

#define DUPS(table) "SELECT count(*) FROM (SELECT 1 FROM " table \
	" GROUP BY t, domid HAVING count(*) > 1)"
/* and a CPU's row (023: cpu_1m and cpu_1h views over plain and packed) */
#define CPU_DUPS(table) "SELECT count(*) FROM (SELECT 1 FROM " table \
	" GROUP BY t, cpu HAVING count(*) > 1)"

static void jump(void **state)
{
	(void)state;
	struct store *s = open_store();
	put_range(s, H + 100, H + 331);          /* ends mid-minute */
	put_range(s, H + 7810, H + 8010);        /* 2 h later */
	store_close(s);
	assert_int_equal(one(DUPS("sample_1h_all")), 0);
	assert_int_equal(one(DUPS("sample_1m_all")), 0);
	/* every second of domain 1 once in its hours, its day, its minutes */
	int64_t secs = one("SELECT count(*) FROM sample_dom_1s_all WHERE domid = 1");
	assert_int_equal(secs, 231 + 200);
	assert_int_equal(one("SELECT sum(seconds) FROM sample_1h_all WHERE domid = 1"), secs);
	assert_int_equal(one("SELECT sum(seconds) FROM sample_1m_all WHERE domid = 1"), secs);
	assert_int_equal(one("SELECT sum(seconds) FROM sample_1d WHERE domid = 1"), secs);
	/* each CPU's seconds too, its minutes and hours packed with them */
	assert_int_equal(one(CPU_DUPS("cpu_1h")), 0);
	assert_int_equal(one(CPU_DUPS("cpu_1m")), 0);
	assert_int_equal(one("SELECT sum(seconds) FROM cpu_1m WHERE cpu = 1"), secs);
	assert_int_equal(one("SELECT sum(seconds) FROM cpu_1h WHERE cpu = 1"), secs);
	assert_int_equal(one("SELECT sum(seconds) FROM cpu_1d WHERE cpu = 1"), secs);
	assert_true(one("SELECT count(*) FROM cpu_1m_packed") > 0);
	assert_true(one("SELECT count(*) FROM cpu_1h_packed") > 0);
	/* and packing goes on after a restart; the rest of a packed
	 * minute, stored now, is added to it (moved back, then packed) */
	s = open_store();
	put_range(s, H + 8010, H + 8070);
	put_range(s, H + 331, H + 360);
	store_close(s);
	assert_int_equal(one(DUPS("sample_1h_all")), 0);
	assert_true(one("SELECT count(*) FROM sample_1m_packed") > 0);
	assert_int_equal(one(CPU_DUPS("cpu_1m")), 0);
	assert_int_equal(one("SELECT seconds FROM cpu_1m WHERE cpu = 0 AND"
			     " t = 1699999500"), 60);
	assert_int_equal(one("SELECT sum(seconds) FROM cpu_1h WHERE cpu = 0"),
			 secs + 60 + 29);
}

static void gap(void **state)
{
	(void)state;
	struct store *s = open_store();
	put_range(s, H, H + 3 * 3600);
	int64_t packed = one("SELECT max(t) FROM sample_1m_packed");
	assert_true(packed >= H + 3600);
	put_range(s, H - 7200, H - 7200 + 600);  /* an older trace, in a gap */
	/* packing waits until the newest second is an hour on (store.c) */
	put_range(s, H + 3 * 3600, H + 4 * 3600 + 3 * 60);
	store_close(s);
	/* no guest's minute or hour left plain below what is packed */
	assert_int_equal(one("SELECT count(*) FROM sample_1m WHERE domid != 32767 AND"
			     " t < (SELECT max(t) FROM sample_1m_packed)"), 0);
	assert_int_equal(one("SELECT count(*) FROM sample_1h WHERE domid != 32767 AND"
			     " t < (SELECT max(t) FROM sample_1h_packed)"), 0);
	assert_int_equal(one(DUPS("sample_1m_all")), 0);
	assert_int_equal(one("SELECT sum(seconds) FROM sample_1m_all WHERE domid = 2"),
			 4 * 3600 + 600 + 3 * 60);
	/* nor a CPU's */
	assert_int_equal(one("SELECT count(*) FROM cpu_1m_plain WHERE"
			     " t < (SELECT max(t) FROM cpu_1m_packed)"), 0);
	assert_int_equal(one("SELECT count(*) FROM cpu_1h_plain WHERE"
			     " t < (SELECT max(t) FROM cpu_1h_packed)"), 0);
	assert_int_equal(one(CPU_DUPS("cpu_1m")), 0);
	assert_int_equal(one("SELECT sum(seconds) FROM cpu_1m WHERE cpu = 1"),
			 4 * 3600 + 600 + 3 * 60);
}

static void exec_sql(const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* SQL that writes a packed minute of cpu_1m (023's triggers): the minute
 * moves to cpu_1m_plain whole, the CPU written changed, the other kept. */
static void sql_writes(void **state)
{
	(void)state;
	struct store *s = open_store();
	put_range(s, H, H + 3 * 3600);
	store_close(s);
	/* the minute H + 1200 and the hour H, packed */
	assert_int_equal(one("SELECT count(*) FROM cpu_1m_packed WHERE t = 1700000400"), 1);
	int64_t busy0 = one("SELECT busy_ns FROM cpu_1m WHERE t = 1700000400 AND cpu = 0");
	exec_sql("UPDATE cpu_1m SET sched_ns = 7 WHERE t = 1700000400 AND cpu = 1;"
		 "INSERT INTO cpu_1m (t, cpu, seconds, observed_ns, sched_ns, busy_ns,"
		 " lost_records) VALUES (1700000400, 5, 1, 2, 3, 4, 5);"
		 "DELETE FROM cpu_1h WHERE t = 1699999200 AND cpu = 0");
	assert_int_equal(one("SELECT count(*) FROM cpu_1m_packed WHERE t = 1700000400"), 0);
	assert_int_equal(one("SELECT count(*) FROM cpu_1m_plain WHERE t = 1700000400"), 3);
	assert_int_equal(one("SELECT sched_ns FROM cpu_1m WHERE t = 1700000400 AND cpu = 1"), 7);
	assert_int_equal(one("SELECT busy_ns FROM cpu_1m WHERE t = 1700000400 AND cpu = 0"),
			 busy0);
	assert_int_equal(one("SELECT seconds FROM cpu_1m WHERE t = 1700000400 AND cpu = 5"), 1);
	assert_int_equal(one("SELECT count(*) FROM cpu_1h WHERE t = 1699999200"), 1);
	/* the rest still packed, read through the view */
	assert_int_equal(one("SELECT sum(seconds) FROM cpu_1m WHERE cpu = 0 AND t < 1700000400"),
			 1200);
	assert_int_equal(one("SELECT count(*) FROM cpu_1h_packed WHERE t = 1699999200"), 0);
}

/* A minute whose CPUs' rows are packed and whose domains' are not (an
 * hour with no guest's row: the idle domain's stay plain), after a
 * restart: a split second of it completed finds it packed, and its minute
 * is rolled again once, not added to the packed one. */
static void cpus_alone(void **state)
{
	(void)state;
	struct store *s = open_store();
	put_range(s, H, H + 99);
	put_half(s, H + 99, 0);                  /* a trace ends mid-second */
	put_range(s, H + 7810, H + 8010);        /* 2 h later */
	store_close(s);
	s = open_store();
	put_range(s, H + 8010, H + 8070);
	store_close(s);
	assert_int_equal(one("SELECT count(*) FROM cpu_1m_packed WHERE t = 1699999260"), 1);
	/* the domains' rows of that hour (as if it had no guest) */
	exec_sql("DELETE FROM sample_1m_packed; DELETE FROM sample_1h_packed");
	s = open_store();
	put_half(s, H + 99, 500000000);          /* the next trace's half */
	store_close(s);
	assert_int_equal(one(CPU_DUPS("cpu_1m")), 0);
	assert_int_equal(one("SELECT seconds FROM cpu_1m WHERE t = 1699999260 AND cpu = 0"), 40);
	assert_int_equal(one("SELECT observed_ns FROM cpu_1m WHERE t = 1699999260"
			     " AND cpu = 0"), INT64_C(40000000000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(jump, setup, teardown),
		cmocka_unit_test_setup_teardown(gap, setup, teardown),
		cmocka_unit_test_setup_teardown(sql_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(cpus_alone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
