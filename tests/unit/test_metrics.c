/*
 * The metric table (schema/metrics.h) against the schema: a fresh database,
 * made by the migrations every binary runs, has exactly the table's columns
 * in its per-second tables: in the table's order for the seconds, whose
 * new columns a migration appends as the table does, and as a set for the
 * roll-ups (a migration appends a metric after their own columns).  A
 * metric added to the table without its migration, or a migration without
 * its descriptor, fails here.
 *
 * Also the derived figures and the nearest rank, which every reader takes
 * from metrics.c, and the table's views and exports: numbered 1, 2, ...
 * without a gap or a repeat, so that no row or column is lost.
 */
#include <math.h>
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
#include "testdb.h"

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
	(void)state;
	sqlite3_close(db);
	testdb_remove(path);
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
	/* the rule of unavailable figures, per source */
	unsigned none = metrics_io_sources_known(""),
		 unknown = metrics_io_sources_known("disk"),
		 older = metrics_io_sources_known(NULL),
		 stock = metrics_io_sources_known("grant-map"),
		 patched = metrics_io_sources_known("grant-map,grant-copy,evtchn");
	assert_true(metrics_figure_unavailable(METRICS_I_io_count, METRICS_PER_S, none));
	assert_true(metrics_figure_unavailable(METRICS_I_io_count, METRICS_PER_S, unknown));
	assert_true(metrics_figure_unavailable(METRICS_I_blocked_ns, METRICS_PER_IO, none));
	assert_false(metrics_figure_unavailable(METRICS_I_blocked_ns, METRICS_PCT, none));
	assert_false(metrics_figure_unavailable(METRICS_I_io_count, METRICS_NONE, none));
	assert_false(metrics_figure_unavailable(METRICS_I_io_count, METRICS_PER_S, older));
	assert_false(metrics_figure_unavailable(METRICS_I_io_bytes, METRICS_PER_S, older));
	assert_false(metrics_figure_unavailable(METRICS_I_io_count, METRICS_PER_S, stock));
	assert_true(metrics_figure_unavailable(METRICS_I_io_bytes, METRICS_PER_S, stock));
	assert_true(metrics_figure_unavailable(METRICS_I_io_bytes, METRICS_PER_EXEC, none));
	assert_false(metrics_figure_unavailable(METRICS_I_io_bytes, METRICS_PER_S, patched));
}

/* A reader's columns: each metric as the database has it, or its default
 * in a database older than the metric. */
#define R_COLUMN(name, ...) ", r." #name
static void reader_columns(void **state)
{
	char got[1024], want[1024] = "";
	(void)state;
	assert_int_equal(schema_metrics_sql(got, sizeof got, db, "sample_1s",
					    "r.%s", false), 0);
	assert_string_equal(got, METRICS_SAMPLE(R_COLUMN));

	/* a table that has two of them */
	assert_int_equal(sqlite3_exec(db, "CREATE TEMP TABLE old (t, cpu_ns,"
				      " alloc_min_ns)", NULL, NULL, NULL), SQLITE_OK);
	for (size_t i = 0; i < METRICS_NSAMPLE; i++) {
		const struct metrics_desc *d = &metrics_sample[i];
		size_t n = strlen(want);
		if (!strcmp(d->name, "cpu_ns") || !strcmp(d->name, "alloc_min_ns"))
			snprintf(want + n, sizeof want - n, ", sum(%s)", d->name);
		else
			snprintf(want + n, sizeof want - n, ", %s",
				 d->rollup == METRICS_SUM ? "0" : "NULL");
	}
	assert_int_equal(schema_metrics_sql(got, sizeof got, db, "old", "sum(%s)",
					    false), 0);
	assert_string_equal(got, want);
	/* the sums only, which the export reads */
	assert_int_equal(schema_metrics_sql(got, sizeof got, db, "old", "%s",
					    true), 0);
	assert_non_null(strstr(got, "cpu_ns"));
	assert_null(strstr(got, "alloc_min_ns"));
	assert_int_equal(schema_metrics_sql(got, 16, db, "old", "%s", false), -1);
}

static void derived_figures(void **state)
{
	double v = -1;
	int64_t w = -1;
	(void)state;
	/* undefined: nothing observed, no online time, none to divide by */
	assert_false(metrics_pct(5, 0, &v));
	assert_false(metrics_per_s(5, -1, &v));
	assert_false(metrics_blocked_pct(0, 0, 0, &v));
	assert_false(metrics_per(5, 0, &v));
	assert_false(metrics_per_whole(5, 0, &w));
	assert_true(v == -1 && w == -1);

	assert_true(metrics_pct(250000000, 500000000, &v) && v == 50.0);
	assert_true(metrics_per_s(3, 500000000, &v) && v == 6.0);
	/* of the online time, not of the time observed */
	assert_true(metrics_blocked_pct(100, 100, 200, &v) && v == 50.0);
	assert_true(metrics_per(7, 2, &v) && v == 3.5);
	/* whole units by integer division, exact past 2^53 */
	int64_t big = ((int64_t)1 << 60) + 1;
	assert_true(metrics_per_whole(big, 3, &w) && w == big / 3);
}

static void nearest_rank(void **state)
{
	static const int ps[] = { 1, 50, 95, 99, 100 };
	(void)state;
	/* against the definition: the value at rank ceil(p n / 100) of n
	 * values in order, ZEROS of them 0 and then 1, 2, ... */
	for (int64_t n = 0; n <= 60; n++)
		for (int64_t zeros = 0; zeros <= n; zeros++)
			for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
				int64_t k = (int64_t)ceil(ps[i] * (double)n / 100);
				int64_t want = k <= zeros ? 0 : k - zeros;
				assert_int_equal(metrics_rank(ps[i], n, zeros), want);
			}
}

/* ORDERS[i] of N descriptors are 1 .. the number of non-zero ones, each
 * once. */
static void numbered(const int *orders, size_t n, int count)
{
	int seen[METRICS_NSAMPLE + 1] = { 0 };
	int most = 0;
	for (size_t i = 0; i < n; i++) {
		assert_in_range(orders[i], 0, METRICS_NSAMPLE);
		if (orders[i]) {
			seen[orders[i]]++;
			most = orders[i] > most ? orders[i] : most;
		}
	}
	assert_int_equal(most, count);
	for (int o = 1; o <= most; o++)
		assert_int_equal(seen[o], 1);
}

static void views_and_exports(void **state)
{
	int view[METRICS_NSAMPLE], export[METRICS_NSAMPLE], nexport = 0;
	(void)state;
	for (size_t i = 0; i < METRICS_NSAMPLE; i++) {
		const struct metrics_desc *d = &metrics_sample[i];
		view[i] = d->view.order;
		export[i] = d->export.order;
		nexport += d->export.order > 0;
		if (d->view.order) {
			assert_true(d->view.label[0] && d->view.rows[0] &&
				    d->view.help[0]);
			assert_true(d->view.option[0] || d->view.shown);
		}
		if (d->export.order)
			assert_true(d->export.column[0]);
	}
	numbered(view, METRICS_NSAMPLE, METRICS_NVIEW);
	numbered(export, METRICS_NSAMPLE, nexport);
	assert_string_equal(metrics_sample[METRICS_I_cpu_ns].name, "cpu_ns");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sample_1s_is_the_table),
		cmocka_unit_test(sample_rollups_are_the_table),
		cmocka_unit_test(cpu_1s_is_the_table),
		cmocka_unit_test(cpu_rollups_are_the_table),
		cmocka_unit_test(io_sources_round_trip),
		cmocka_unit_test(reader_columns),
		cmocka_unit_test(derived_figures),
		cmocka_unit_test(nearest_rank),
		cmocka_unit_test(views_and_exports),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
