/*
 * The metric table (schema/metrics.h) against the schema: a fresh database,
 * made by the migrations every binary runs, has exactly the table's columns
 * in its per-second tables: in the table's order for the seconds, whose
 * new columns a migration appends as the table does, and as a set for the
 * roll-ups (a migration appends a metric after their own columns).  A
 * metric added to the table without its migration, or a migration without
 * its descriptor, fails here.
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
#include "schema.h"

#define NAME_IF_1S(name, ctype, in_1s, ...) NAME_1S_##in_1s(name)
#define NAME_1S_1(name) ", " #name
#define NAME_1S_0(name) ""

static const char SAMPLE_1S[] = "t, cpu, domid" METRICS_SAMPLE(METRICS_COLUMN);
static const char SAMPLE_ROLLUP[] =
	"t, domid, seconds" METRICS_SAMPLE(METRICS_COLUMN) ", " METRICS_SAMPLE_ROLLUP_ONLY;
static const char CPU_1S[] = "t, cpu" METRICS_CPU(NAME_IF_1S);
static const char CPU_ROLLUP[] = "t, cpu, seconds" METRICS_CPU(METRICS_COLUMN);

static char path[64];
static sqlite3 *db;

static int setup(void **state)
{
	char err[256];
	(void)state;
	snprintf(path, sizeof path, "/tmp/xenmon-metrics-%ld.db", (long)getpid());
	unlink(path);
	db = schema_open_rw(path, err, sizeof err);
	if (!db)
		fprintf(stderr, "%s\n", err);
	return db ? 0 : -1;
}

static int teardown(void **state)
{
	char side[80];
	(void)state;
	sqlite3_close(db);
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	return 0;
}

/* The first column of SQL's one row, with ?1 bound to ARG, as text. */
static void text_of(const char *sql, const char *arg, char *out, size_t n)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* TABLE's columns are WANT ("a, b, c"), in this order or, when not
 * ORDERED, in any. */
static void holds(const char *table, const char *want, bool ordered)
{
	char got[1024], set[1024];
	text_of(ordered ?
		"SELECT group_concat(name, ', ') FROM"
		" (SELECT name FROM pragma_table_info(?1) ORDER BY cid)" :
		"SELECT group_concat(name, ', ') FROM"
		" (SELECT name FROM pragma_table_info(?1) ORDER BY name)",
		table, got, sizeof got);
	if (!ordered) {
		text_of("SELECT group_concat(value, ', ') FROM (SELECT value"
			" FROM json_each('[\"' || replace(?1, ', ', '\",\"') ||"
			" '\"]') ORDER BY value)", want, set, sizeof set);
		want = set;
	}
	assert_string_equal(got, want);
}

static void sample_1s_is_the_table(void **state)
{
	(void)state;
	holds("sample_1s", SAMPLE_1S, true);
}

static void sample_rollups_are_the_table(void **state)
{
	(void)state;
	holds("sample_1m", SAMPLE_ROLLUP, false);
	holds("sample_1h", SAMPLE_ROLLUP, false);
}

static void cpu_1s_is_the_table(void **state)
{
	(void)state;
	holds("cpu_1s", CPU_1S, true);
}

static void cpu_rollups_are_the_table(void **state)
{
	(void)state;
	holds("cpu_1m", CPU_ROLLUP, false);
	holds("cpu_1h", CPU_ROLLUP, false);
}

/* meta io_sources: written in a fixed order, read back whatever the
 * order, and the readers' rule: unavailable only when present and empty. */
static void io_sources_round_trip(void **state)
{
	char buf[64];
	(void)state;
	for (unsigned m = 0; m < 8; m++) {
		metrics_io_sources_text(buf, sizeof buf, m);
		assert_int_equal(metrics_io_sources_parse(buf), m);
	}
	metrics_io_sources_text(buf, sizeof buf, 7);
	assert_string_equal(buf, "grant-map,grant-copy,evtchn");
	assert_int_equal(metrics_io_sources_text(buf, 4, 7), 27);
	assert_string_equal(buf, "gra");
	assert_int_equal(metrics_io_sources_parse("evtchn,grant-map,disk"),
			 METRICS_IO_EVTCHN | METRICS_IO_GRANT_MAP);
	assert_true(metrics_io_unavailable(""));
	assert_true(metrics_io_unavailable("disk"));
	assert_false(metrics_io_unavailable(NULL));
	assert_false(metrics_io_unavailable("grant-map"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sample_1s_is_the_table),
		cmocka_unit_test(sample_rollups_are_the_table),
		cmocka_unit_test(cpu_1s_is_the_table),
		cmocka_unit_test(cpu_rollups_are_the_table),
		cmocka_unit_test(io_sources_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
