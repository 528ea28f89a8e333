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

#include "store.h"

/* ---- a VFS whose WAL writes fail on demand ---------------------------- */

static bool disk_full;

struct shim_file {
	sqlite3_file base;
	bool wal;
	sqlite3_file *real;     /* the default VFS's file, right after */
};

static sqlite3_vfs *real_vfs;
static sqlite3_io_methods shim_io;

#define REAL(f) (((struct shim_file *)(f))->real)

static int shim_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (disk_full && ((struct shim_file *)f)->wal)
		return SQLITE_FULL;
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int shim_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int shim_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int shim_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int shim_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int shim_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int shim_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int shim_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int shim_shm_map(sqlite3_file *f, int pg, int sz, int extend,
			void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, pp);
}

static int shim_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int shim_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
		     int flags, int *out_flags)
{
	(void)vfs;
	struct shim_file *s = (struct shim_file *)f;
	s->real = (sqlite3_file *)(s + 1);
	s->wal = (flags & SQLITE_OPEN_WAL) != 0;
	int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out_flags);
	/* A file the default VFS did not open has no methods to close. */
	f->pMethods = rc == SQLITE_OK && s->real->pMethods ? &shim_io : NULL;
	return rc;
}

static sqlite3_vfs shim_vfs;

static void install_shim(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(real_vfs);
	shim_io = (sqlite3_io_methods){
		.iVersion = 3, .xClose = shim_close, .xRead = shim_read,
		.xWrite = shim_write, .xTruncate = shim_truncate,
		.xSync = shim_sync, .xFileSize = shim_size, .xLock = shim_lock,
		.xUnlock = shim_unlock, .xCheckReservedLock = shim_reserved,
		.xFileControl = shim_control, .xSectorSize = shim_sector,
		.xDeviceCharacteristics = shim_device, .xShmMap = shim_shm_map,
		.xShmLock = shim_shm_lock, .xShmBarrier = shim_shm_barrier,
		.xShmUnmap = shim_shm_unmap, .xFetch = shim_fetch,
		.xUnfetch = shim_unfetch,
	};
	shim_vfs = *real_vfs;
	shim_vfs.zName = "xenmon-full-disk";
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
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
	struct dom_row doms[] = { { .domid = 1, .first_t = T0 },
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

int main(void)
{
	install_shim();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_disk_at_a_minutes_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
