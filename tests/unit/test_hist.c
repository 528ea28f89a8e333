/*
 * Packed histograms (schema/hist.h): the codec round trip, its one
 * encoding per histogram, damage refused, the daemon's SQL functions, and
 * the views' plain-SQL decoder against the C one on a fresh database
 * (and their reading of a row still JSON text),
 * with bins and counts that take several bytes (an hour of one bin, a
 * 64-CPU idle domain's 6400% bin).
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

#include "hist.h"
#include "schema.h"
#include "testdb.h"

struct collect {
	struct hist_bin v[64];
	size_t n;
};

static int collect(void *ctx, uint32_t bin, uint64_t n)
{
	struct collect *c = ctx;
	if (c->n == 64)
		return 1;
	c->v[c->n++] = (struct hist_bin){ bin, n };
	return 0;
}

static const struct hist_bin WIDE[] = {
	{ 0, 59 }, { 1, 1 }, { 3, 64 }, { 130, 3600 }, { 6400, 1 },
	{ 6401, 100000 }, { 4000000000u, 2 },
};
#define NWIDE (sizeof WIDE / sizeof *WIDE)

static void round_trip(void **state)
{
	(void)state;
	unsigned char buf[HIST_MAX_BYTES(NWIDE)];
	size_t len = hist_encode(WIDE, NWIDE, buf);
	struct collect c = { .n = 0 };
	assert_int_equal(hist_each(buf, len, collect, &c), 0);
	assert_int_equal(c.n, NWIDE);
	for (size_t i = 0; i < NWIDE; i++) {
		assert_int_equal(c.v[i].bin, WIDE[i].bin);
		assert_int_equal(c.v[i].n, WIDE[i].n);
	}
	/* a minute's usual bin: one byte for the count, none for the gap */
	struct hist_bin one = { 0, 60 };
	assert_int_equal(hist_encode(&one, 1, buf), 1);
	assert_int_equal(hist_encode(NULL, 0, buf), 0);
}

/* A minute's seconds spread over many bins: unary, shorter (schema/018);
 * its bins read back, padding and all. */
static void unary_when_shorter(void **state)
{
	(void)state;
	struct hist_bin spread[40];
	size_t total = 0;
	for (size_t i = 0; i < 40; i++) {
		spread[i] = (struct hist_bin){ (uint32_t)(i * 5 / 2), 1 + i % 3 };
		total += spread[i].n;
	}
	unsigned char buf[HIST_MAX_BYTES(40)];
	size_t len = hist_encode(spread, 40, buf);
	/* a 0 byte, then seconds + highest bin bits */
	assert_int_equal(buf[0], 0);
	assert_int_equal(len, 1 + (total + spread[39].bin + 7) / 8);
	struct collect c = { .n = 0 };
	assert_int_equal(hist_each(buf, len, collect, &c), 0);
	assert_int_equal(c.n, 40);
	for (size_t i = 0; i < 40; i++) {
		assert_int_equal(c.v[i].bin, spread[i].bin);
		assert_int_equal(c.v[i].n, spread[i].n);
	}
	/* bin 1 twice, bin 2 once: 0, 1 1 0 1 then padding */
	static const struct hist_bin small[] = { { 1, 2 }, { 2, 1 } };
	assert_int_equal(hist_encode(small, 2, buf), 2);     /* varints: 3 */
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 0x68);
	/* a whole minute in one bin, or an hour: varints */
	struct hist_bin minute = { 30, 60 };
	assert_int_equal(hist_encode(&minute, 1, buf), 2);
	assert_int_not_equal(buf[0], 0);
}

static void damage_refused(void **state)
{
	(void)state;
	struct collect c = { .n = 0 };
	static const unsigned char cut[] = { 0x80 };         /* varint cut */
	static const unsigned char zero[] = { 0x00 };        /* unary, no second */
	unsigned char long_[12];
	memset(long_, 0xff, sizeof long_);                   /* over 64 bits */
	assert_int_equal(hist_each(cut, sizeof cut, collect, &c), -1);
	assert_int_equal(hist_each(zero, sizeof zero, collect, &c), -1);
	assert_int_equal(hist_each(long_, sizeof long_, collect, &c), -1);
	/* a skip past bin 2^32 - 1, then a bin */
	static const unsigned char far[] = { 0xff, 0xff, 0xff, 0xff, 0x7f, 0x02 };
	assert_int_equal(hist_each(far, sizeof far, collect, &c), -1);
	assert_int_equal(c.n, 0);
}

static char path[64];
static sqlite3 *db;

static int setup(void **state)
{
	(void)state;
	char err[256];
	snprintf(path, sizeof path, "/tmp/xenmon-test-hist-%d.db", (int)getpid());
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

static char *text(const char *sql)
{
	sqlite3_stmt *st;
	static char out[512];
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *v = sqlite3_column_text(st, 0);
	snprintf(out, sizeof out, "%s", v ? (const char *)v : "NULL");
	sqlite3_finalize(st);
	return out;
}

/* The SQL functions: grouping in any order, merging, JSON of version 2. */
static void sql_functions(void **state)
{
	(void)state;
	assert_string_equal(text(
		"SELECT hex(xenmon_hist_group(column1, column2)) FROM (VALUES (130, 3000),"
		" (3, 64), (130, 600), (0, 59))"),
		text("SELECT hex(xenmon_hist_merge(xenmon_hist_pack("
		     "'{\"130\":3600,\"0\":59}'), xenmon_hist_pack("
		     "'{\"3\":64}')))"));
	assert_string_equal(text("SELECT hex(xenmon_hist_merge(NULL, NULL))"), "");
	assert_string_equal(text("SELECT hex(xenmon_hist_pack('{}'))"), "");
	/* a row not packed yet merged with a packed one */
	assert_string_equal(text("SELECT hex(xenmon_hist_merge('{\"3\":64}',"
				 " xenmon_hist_pack('{\"0\":59}')))"), "76058001");
	/* 0:59 is 118; skip 2 is 5; 3:64 is 128 = 80 01 */
	assert_string_equal(text("SELECT hex(xenmon_hist_group(column1, column2)) FROM"
				 " (VALUES (0, 59), (3, 64))"), "76058001");
	/* the sum of a day's histograms: either form, NULL as empty */
	assert_string_equal(text("SELECT hex(xenmon_hist_sum(column1)) FROM"
				 " (VALUES ('{\"3\":60}'), (NULL),"
				 " (xenmon_hist_pack('{\"0\":59,\"3\":4}')))"),
			    "76058001");
}

/* The view domain_1h decodes in plain SQL what the C decoder reads: the
 * JSON of every bin, and the percentiles over its 3600 seconds. */
static void view_decodes(void **state)
{
	(void)state;
	char sql[1024];
	char *err = NULL;
	snprintf(sql, sizeof sql,
		 "INSERT INTO sample_1h (t, domid, seconds, exec_count, cpu_ns,"
		 " wait_ns, blocked_ns, alloc_ns, alloc_unbounded, io_count,"
		 " cpu_peak_ns, cpu_pct_hist) SELECT 3600, 32767, 3600, 0, 0, 0,"
		 " 0, 0, 0, 0, 64020000000, xenmon_hist_group(column1, column2) FROM (VALUES"
		 " (0, 59), (1, 1), (3, 64), (130, 3400), (131, 75), (6400, 1))");
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK);
	assert_string_equal(text("SELECT cpu_pct_hist FROM domain_1h"),
			    "{\"0\":59,\"1\":1,\"3\":64,\"130\":3400,\"131\":75,"
			    "\"6400\":1}");
	/* ranks 1800 and 3420 fall in bin 130, rank 3564 in bin 131 */
	assert_string_equal(text("SELECT cpu_p50_pct || ' ' || cpu_p95_pct || ' ' ||"
				 " cpu_p99_pct FROM domain_1h"), "130.5 130.5 131.5");
	/* a minute in unary (018), read by the view in plain SQL */
	snprintf(sql, sizeof sql,
		 "INSERT INTO sample_1m (t, domid, seconds, exec_count, cpu_ns,"
		 " wait_ns, blocked_ns, alloc_ns, alloc_unbounded, io_count,"
		 " cpu_peak_ns, cpu_pct_hist) SELECT 60, 7, 60, 0, 0, 0, 0, 0, 0,"
		 " 0, 990000000, xenmon_hist_group(value %% 97, 1) FROM"
		 " json_each('[3,17,40,77,96,12,5,5,61,88,33,2,9,71,50,44,28,19,"
		 "80,93,66,37,11,58,24,7,85,46,31,69,15,90,52,27,74,38,63,21,47,"
		 "82,6,35,59,14,91,26,72,49,10,67,30,86,43,18,55,79,4,39,64,22]')");
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK);
	assert_string_equal(text("SELECT hex(substr(cpu_pct_hist, 1, 1)) FROM sample_1m"),
			    "00");
	assert_string_equal(text("SELECT cpu_pct_hist FROM domain_1m"),
			    text("SELECT json_group_object(b, n) FROM (SELECT value % 97"
				 " AS b, count(*) AS n FROM json_each('[3,17,40,77,96,12,5,5,"
				 "61,88,33,2,9,71,50,44,28,19,80,93,66,37,11,58,24,7,85,46,31,"
				 "69,15,90,52,27,74,38,63,21,47,82,6,35,59,14,91,26,72,49,10,"
				 "67,30,86,43,18,55,79,4,39,64,22]') GROUP BY b ORDER BY b)"));
	/* ranks 30, 57, 60 of the 60 seconds */
	assert_string_equal(text("SELECT cpu_p50_pct || ' ' || cpu_p95_pct || ' ' ||"
				 " cpu_p99_pct FROM domain_1m"), "40.5 90.5 96.5");
	/* a row still JSON text (written before 010, not packed yet) reads
	 * the same */
	assert_int_equal(sqlite3_exec(db, "UPDATE sample_1h SET cpu_pct_hist ="
				      " (SELECT cpu_pct_hist FROM domain_1h)",
				      NULL, NULL, &err), SQLITE_OK);
	assert_string_equal(text("SELECT typeof(cpu_pct_hist) FROM sample_1h"), "text");
	assert_string_equal(text("SELECT cpu_p50_pct || ' ' || cpu_p95_pct || ' ' ||"
				 " cpu_p99_pct FROM domain_1h"), "130.5 130.5 131.5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(unary_when_shorter),
		cmocka_unit_test(damage_refused),
		cmocka_unit_test_setup_teardown(sql_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(view_decodes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
