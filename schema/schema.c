/*
 * Opening and migrating the database.
 *
 * A file is ours when its application_id is SCHEMA_APPLICATION_ID; an empty
 * file (no tables, application_id 0) is initialised.  Migrations run in one
 * transaction each, from the file's user_version up to schema_version, so a
 * database written by an older xenmon is brought forward in place with its
 * rows, and a crash during a migration leaves the previous version intact.
 */
#include "schema.h"

#include <stdio.h>
#include <string.h>

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int schema_db_version(sqlite3 *db)
{
	int v = -1;  /* no row (cannot happen for this pragma): unknown */
	return pragma_int(db, "PRAGMA user_version", &v) == SQLITE_OK ? v : -1;
}

static int table_count(sqlite3 *db, int *n)
{
	return pragma_int(db, "SELECT count(*) FROM sqlite_schema", n);
}

static int check_ours(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int appid = 0, ntables = 0, version;

	if (pragma_int(db, "PRAGMA application_id", &appid) != SQLITE_OK ||
	    table_count(db, &ntables) != SQLITE_OK) {
		snprintf(err, errlen, "%s: not a readable SQLite database: %s",
			 path, sqlite3_errmsg(db));
		return -1;
	}
	if (appid != SCHEMA_APPLICATION_ID && (appid != 0 || ntables != 0)) {
		snprintf(err, errlen,
			 "%s: a SQLite database, but not a xenmon one "
			 "(application_id %#x, %d schema objects); refusing to touch it",
			 path, (unsigned)appid, ntables);
		return -1;
	}
	version = schema_db_version(db);
	if (version > schema_version) {
		snprintf(err, errlen,
			 "%s: written by a newer xenmon (schema version %d, this "
			 "program knows up to %d)", path, version, schema_version);
		return -1;
	}
	return 0;
}

static int migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int version = schema_db_version(db);
	char *msg = NULL;

	for (int v = version; v < schema_version; v++) {
		char bump[96];
		snprintf(bump, sizeof bump,
			 "PRAGMA application_id=%d; PRAGMA user_version=%d;",
			 SCHEMA_APPLICATION_ID, v + 1);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, schema_migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, bump, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "%s: cannot migrate schema %d -> %d: %s",
				 path, v, v + 1, msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

/*
 * Keep -wal and -shm when the writer closes.  A reader that may not write
 * the directory (a member of the xenmon group: files.h) can open a WAL
 * database only while both exist, read-only -shm and all (SQLite >= 3.22;
 * tried on 3.40); deleted at close, they would lock every such reader out
 * until the daemon runs again.  Not fatal: it only matters to them.
 */
static void keep_wal_files(sqlite3 *db)
{
	int on = 1;
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
}

sqlite3 *schema_open_rw(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	/* NOMUTEX: the writer's connection is used by one thread at a time
	 * (opened by one, then handed to the writer's), and a mutex taken
	 * per bind and step was a tenth of the writer's time. */
	int rc = sqlite3_open_v2(path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	keep_wal_files(db);
	if (check_ours(db, path, err, errlen) < 0)
		goto fail;
	/* Page size only matters for a new file; 8 KiB pages fill better
	 * with our ~40-byte rows and halve the interior pages. */
	if (sqlite3_exec(db, "PRAGMA page_size=8192; PRAGMA journal_mode=WAL;"
			 "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot switch to WAL mode: %s", path, msg);
		sqlite3_free(msg);
		goto fail;
	}
	if (migrate(db, path, err, errlen) < 0)
		goto fail;
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

sqlite3 *schema_open_ro(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 2000);
	if (check_ours(db, path, err, errlen) < 0)
		goto fail;
	if (schema_db_version(db) < 1) {
		snprintf(err, errlen, "%s: empty database (no xenbaked has written it yet)",
			 path);
		goto fail;
	}
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}
