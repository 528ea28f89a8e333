/*
 * The store on a real SQLite file whose disk fills at a COMMIT.
 *
 * A real full disk cannot be timed to one commit, so the file system's
 * answer is given by a VFS shim (SQLite's own extension point): it passes
 * every call to the default VFS and, while told to, answers writes to the
 * WAL with SQLITE_FULL, as the unix VFS does on ENOSPC.  Everything else
 * is the real store, schema, roll-ups and file.
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

#include "retention.h"
#include "store.h"

/* ---- a VFS whose WAL writes fail on demand ---------------------------- */

/*
 * A file is the default VFS's own file object: only its methods are a
 * copy of the default's with xWrite replaced, so every other call goes
 * straight to SQLite's code.  The default VFS gives different files
 * different methods, so there is a copy for each; which one a file had,
 * and whether it is the WAL, are kept just past the default's object.
 */
static bool disk_full;
static sqlite3_vfs *real_vfs, shim_vfs;

struct shim_tail {
	const sqlite3_io_methods *real;
	bool wal;
};

static struct {
	const sqlite3_io_methods *real;
	sqlite3_io_methods shim;
} copies[4];

/* Where the tail starts: past the default's object, aligned. */
static size_t tail_at(void)
{
	size_t a = _Alignof(struct shim_tail);
	return ((size_t)real_vfs->szOsFile + a - 1) / a * a;
}

static struct shim_tail *tail(sqlite3_file *f)
{
	return (struct shim_tail *)((char *)f + tail_at());
}

static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (disk_full && tail(f)->wal)
		return SQLITE_FULL;
	return tail(f)->real->xWrite(f, p, n, off);
}

static const sqlite3_io_methods *shim_of(const sqlite3_io_methods *real)
{
	size_t i = 0;
	while (copies[i].real && copies[i].real != real)
		i++;
	assert_true(i + 1 < sizeof copies / sizeof copies[0]);
	if (!copies[i].real) {
		copies[i].real = real;
		copies[i].shim = *real;
		copies[i].shim.xWrite = shim_write;
	}
	return &copies[i].shim;
}

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
		     int flags, int *out_flags)
{
	(void)vfs;
	int rc = real_vfs->xOpen(real_vfs, name, f, flags, out_flags);
	if (rc != SQLITE_OK || !f->pMethods)
		return rc;
	*tail(f) = (struct shim_tail){ f->pMethods, (flags & SQLITE_OPEN_WAL) != 0 };
	f->pMethods = shim_of(f->pMethods);
	return rc;
}

static void install_shim(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(real_vfs);
	shim_vfs = *real_vfs;
	shim_vfs.zName = "xenmon-full-disk";
	shim_vfs.szOsFile = (int)(tail_at() + sizeof(struct shim_tail));
	shim_vfs.xOpen = shim_open;
	shim_vfs.pNext = NULL;
	assert_int_equal(sqlite3_vfs_register(&shim_vfs, 1), SQLITE_OK);
}

/* ---- seconds ---------------------------------------------------------- */

#define T0 1800000000  /* a whole minute, and hour */

/* Second T of one CPU running domain 1 for 400 ms and idle the rest. */
static int store_one(struct store *s, int64_t t)
{
	struct cpu_row cpu = { .cpu = 0, .observed_ns = 1000000000 };
	struct sample_row rows[] = {
		{ .cpu = 0, .domid = 1, .exec_count = 3, .cpu_ns = 400000000,
		  .blocked_ns = 600000000 },
		{ .cpu = 0, .domid = 32767, .exec_count = 2, .cpu_ns = 600000000,
		  .wait_ns = 400000000 },
	};
	struct domain_row doms[] = { { .domid = 1, .first_t = T0 },
				  { .domid = 32767, .first_t = T0 } };
	struct second sec = {
		.t = t, .complete = true, .cpus = &cpu, .ncpus = 1,
		.samples = rows, .nsamples = 2, .doms = doms, .ndoms = 2,
	};
	return store_second(s, &sec);
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * The disk fills at the COMMIT of a minute's last second, the one that
 * also moves that minute into its hour; the writer keeps the second and
 * stores it again once there is room.  The hour must then hold the whole
 * minute, once: before the fix its watermark, moved in memory by the
 * failed transaction, skipped the other 59 seconds.
 */
static void test_full_disk_at_a_minutes_end(void **state)
{
	(void)state;
	char dir[] = "/tmp/xenmon-store-XXXXXX", path[64], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/x.db", dir);

	struct store *s = store_open(path, err, sizeof err);
	assert_non_null(s);
	for (int64_t t = T0; t < T0 + 59; t++)
		assert_int_equal(store_one(s, t), 0);
	disk_full = true;
	assert_int_equal(store_one(s, T0 + 59), -1);
	assert_true(store_no_space(s));
	disk_full = false;
	for (int64_t t = T0 + 59; t < T0 + 150; t++)
		assert_int_equal(store_one(s, t), 0);
	store_close(s);

	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	int64_t secs = one_int(db, "SELECT sum(cpu_ns) FROM sample_1s WHERE domid = 1");
	assert_int_equal(secs, 150 * 400000000ll);
	assert_int_equal(one_int(db, "SELECT sum(cpu_ns) FROM sample_1m WHERE domid = 1"),
			 secs);
	assert_int_equal(one_int(db, "SELECT sum(seconds) FROM sample_1h WHERE domid = 1"),
			 150);
	assert_int_equal(one_int(db, "SELECT sum(cpu_ns) FROM sample_1h WHERE domid = 1"),
			 secs);
	assert_int_equal(one_int(db, "SELECT sum(seconds) FROM cpu_1h"), 150);
	sqlite3_close(db);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* The ages --help prints (retention_format) read back as the same ages,
 * in the coarsest unit that holds them whole. */
static void test_age_format(void **state)
{
	(void)state;
	static const struct { int64_t s; const char *text; } AGES[] = {
		{ 0, "forever" }, { 1, "1s" }, { 59, "59s" }, { 60, "1m" },
		{ 3601, "3601s" }, { 6 * 3600, "6h" }, { 36 * 3600, "36h" },
		{ 86400, "1d" }, { 14 * 86400, "14d" }, { 90 * 86400, "90d" },
		{ 365 * 86400, "1y" }, { 366 * 86400, "366d" },
		{ 10 * 365 * 86400LL, "10y" },
	};
	char out[16];
	int64_t back;
	for (size_t i = 0; i < sizeof AGES / sizeof AGES[0]; i++) {
		retention_format(AGES[i].s, out, sizeof out);
		assert_string_equal(out, AGES[i].text);
		assert_int_equal(retention_parse(out, &back), 0);
		assert_int_equal(back, AGES[i].s);
	}
	struct retention_policy p;
	retention_defaults(&p);
	for (int i = 0; i < RETENTION_SETS; i++) {
		retention_format(p.keep_s[i], out, sizeof out);
		assert_int_equal(retention_parse(out, &back), 0);
		assert_int_equal(back, p.keep_s[i]);
	}
}

int main(void)
{
	install_shim();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_disk_at_a_minutes_end),
		cmocka_unit_test(test_age_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
