/*
 * Packed per-domain seconds (schema/packed.h, 017_packed_seconds.sql): the
 * codec's round trip at every width, with NULLs, all NULL and the largest
 * value, values out of range refused; then on a fresh database the
 * sqlite3 shell's plain-SQL view (main.sample_dom_1s_all) and this
 * process's C one (the temporary view of the same name, schema.c) against
 * the values packed, for seconds of random domains, a plain row of
 * sample_dom_1s beside them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "packed.h"
#include "schema.h"
#include "testdb.h"

static void round_trip_one(const int64_t *v, const bool *nul, size_t n)
{
	unsigned char buf[PACKED_MAX_BYTES(64)];
	struct packed_head h;
	long len = packed_encode(v, nul, n, buf, &h);
	assert_true(len >= 0);
	for (size_t i = 0; i < n; i++) {
		int64_t got = -1;
		int rc = packed_get(buf, (size_t)len, h, i, &got);
		if (nul && nul[i]) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, 1);
			assert_int_equal(got, v[i]);
		}
	}
	if (h.w % 9)
		assert_int_equal(packed_get(buf, (size_t)len, h, n, &(int64_t){ 0 }),
				 -1);
}

static void round_trip(void **state)
{
	(void)state;
	int64_t v[64];
	bool nul[64];
	/* a spread of 0, then of one byte more each time, up to 2^62 */
	for (int w = 0; w <= 8; w++) {
		for (int i = 0; i < 64; i++) {
			uint64_t spread = w ? (UINT64_C(1) << (8 * w - 1)) : 0;
			if (w == 8)
				spread = (uint64_t)PACKED_MAX_VALUE - 7;
			v[i] = 7 + (int64_t)(spread / 63 * (uint64_t)i);
			nul[i] = i % 5 == 3;
		}
		round_trip_one(v, NULL, 64);
		round_trip_one(v, nul, 64);
	}
	memset(nul, 1, sizeof nul);
	round_trip_one(v, nul, 64);                  /* all NULL */
	v[0] = 0, v[1] = PACKED_MAX_VALUE;
	round_trip_one(v, NULL, 2);
	round_trip_one(v, NULL, 0);

	/* one value, or all equal: no bytes at all */
	struct packed_head h;
	unsigned char buf[PACKED_MAX_BYTES(4)];
	int64_t same[4] = { 30000000, 30000000, 30000000, 30000000 };
	assert_int_equal(packed_encode(same, NULL, 4, buf, &h), 0);
	assert_int_equal(h.base, 30000000);
	assert_int_equal(h.w, 0);
	/* out of range: kept at the bound */
	int64_t bad[2] = { 1, -1 }, got;
	long len = packed_encode(bad, NULL, 2, buf, &h);
	assert_int_equal(packed_get(buf, (size_t)len, h, 1, &got), 1);
	assert_int_equal(got, 0);
	bad[1] = INT64_MAX;
	len = packed_encode(bad, NULL, 2, buf, &h);
	assert_int_equal(packed_get(buf, (size_t)len, h, 1, &got), 1);
	assert_int_equal(got, PACKED_MAX_VALUE);
	/* not a head */
	assert_int_equal(packed_get(buf, 0, (struct packed_head){ 0, 18 }, 0,
				    &(int64_t){ 0 }), -1);
}

static char path[64];
static sqlite3 *db;

static int setup(void **state)
{
	(void)state;
	char err[256];
	snprintf(path, sizeof path, "/tmp/xenmon-test-packed-%d.db", (int)getpid());
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

#define NCOL 11
/* the columns in sample_dom_1s_packed's order: domid, exec_count, cpu_ns,
 * wait_ns, blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns, alloc_unbounded,
 * io_count, io_bytes */
#define SECONDS 12
#define MAXDOM 300

static int64_t want[SECONDS][MAXDOM][NCOL];
static bool want_nul[SECONDS][MAXDOM][NCOL];
static size_t ndom[SECONDS];

/* A value of column C: ids ascending, the rest of any width up to 2^40,
 * the slice bounds NULL at times, a column all one value at times. */
static void make_second(int s, unsigned *seed)
{
	ndom[s] = s == 0 ? 1 : 1 + (size_t)rand_r(seed) % MAXDOM;
	int64_t id = rand_r(seed) % 3;
	for (size_t d = 0; d < ndom[s]; d++) {
		id += 1 + rand_r(seed) % (d == ndom[s] - 1 ? 30000 : 4);
		want[s][d][0] = id;
		for (int c = 1; c < NCOL; c++) {
			int bits = rand_r(seed) % 41;
			int64_t v = s % 4 == 2 ? 1000000 + c :
				    ((int64_t)rand_r(seed) << 20 ^ rand_r(seed)) &
				    ((INT64_C(1) << bits) - 1);
			want[s][d][c] = v;
			want_nul[s][d][c] = (c == 6 || c == 7) && rand_r(seed) % 3 == 0;
		}
	}
}

static void insert_second(int s)
{
	char sql[2048] = "INSERT INTO sample_dom_1s_packed VALUES (?, ?";
	for (int c = 0; c < NCOL; c++)
		strcat(sql, ", ?, ?, ?");
	strcat(sql, ")");
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	static unsigned char buf[NCOL][PACKED_MAX_BYTES(MAXDOM)];
	sqlite3_bind_int64(st, 1, 1700000000 + s);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)ndom[s]);
	for (int c = 0; c < NCOL; c++) {
		int64_t v[MAXDOM];
		bool nul[MAXDOM];
		for (size_t d = 0; d < ndom[s]; d++) {
			v[d] = want[s][d][c];
			nul[d] = want_nul[s][d][c];
		}
		struct packed_head h;
		long len = packed_encode(v, nul, ndom[s], buf[c], &h);
		assert_true(len >= 0);
		sqlite3_bind_blob(st, 3 + 3 * c, len ? buf[c] : (void *)"", (int)len,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 4 + 3 * c, h.base);
		sqlite3_bind_int(st, 5 + 3 * c, h.w);
	}
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* Every row of VIEW against what was packed, and the plain row. */
static void check_view(const char *view)
{
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT t, domid, exec_count, cpu_ns, wait_ns,"
		 " blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns, alloc_unbounded,"
		 " io_count, io_bytes FROM %s ORDER BY t, domid", view);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	/* the plain row first: the oldest second */
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), 1699999999);
	assert_int_equal(sqlite3_column_int64(st, 3), 123456789);
	assert_int_equal(sqlite3_column_type(st, 7), SQLITE_NULL);
	size_t rows = 0;
	for (int s = 0; s < SECONDS; s++) {
		for (size_t d = 0; d < ndom[s]; d++, rows++) {
			assert_int_equal(sqlite3_step(st), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int64(st, 0), 1700000000 + s);
			for (int c = 0; c < NCOL; c++) {
				if (want_nul[s][d][c]) {
					assert_int_equal(sqlite3_column_type(st, 1 + c),
							 SQLITE_NULL);
				} else {
					assert_int_equal(sqlite3_column_int64(st, 1 + c),
							 want[s][d][c]);
				}
			}
		}
	}
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_true(rows > SECONDS);
}

static void views_decode(void **state)
{
	(void)state;
	unsigned seed = 2026;
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (int s = 0; s < SECONDS; s++) {
		make_second(s, &seed);
		insert_second(s);
	}
	/* a plain row, as sample_1s's trigger writes for any other writer */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO sample_dom_1s (t, domid,"
				      " exec_count, cpu_ns, wait_ns, blocked_ns, alloc_ns,"
				      " alloc_min_ns, alloc_max_ns, alloc_unbounded, io_count,"
				      " io_bytes) VALUES (1699999999, 0, 1, 123456789, 0, 0,"
				      " 0, NULL, NULL, 0, 0, 0); COMMIT", NULL, NULL, NULL),
			 SQLITE_OK);
	check_view("main.sample_dom_1s_all");   /* plain SQL: the shell's */
	check_view("temp.sample_dom_1s_all");   /* xenmon_unpack() */
	check_view("sample_dom_1s_all");        /* what a reader here gets */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test_setup_teardown(views_decode, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
