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
#include "hist.h"
#include "packed.h"
#include "metrics.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

bool schema_has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *st;
	bool has = false;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1)"
			       " WHERE name = ?2", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
		has = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return has;
}

int schema_metrics_sql(char *buf, size_t n, sqlite3 *db, const char *table,
		       const char *fmt, bool summed)
{
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < METRICS_NSAMPLE; i++) {
		const struct metrics_desc *d = &metrics_sample[i];
		if (summed && d->rollup != METRICS_SUM)
			continue;
		if (len + 2 >= n)
			return -1;
		memcpy(buf + len, ", ", 3);
		len += 2;
		int k = schema_has_column(db, table, d->name) ?
			snprintf(buf + len, n - len, fmt, d->name) :
			snprintf(buf + len, n - len, "%s",
				 d->rollup == METRICS_SUM ? "0" : "NULL");
		if (k < 0 || (size_t)k >= n - len)
			return -1;
		len += (size_t)k;
	}
	return 0;
}

const char *schema_malformed_sql(sqlite3 *db, const char *table)
{
	return schema_has_column(db, table, "malformed_records") ?
	       "malformed_records" : "0";
}

const char *schema_seconds_table(sqlite3 *db)
{
	if (schema_has_column(db, "sample_dom_1s_packed", "t"))
		return "sample_dom_1s_all";
	return schema_has_column(db, "sample_dom_1s", "domid") ?
	       "sample_dom_1s" : "sample_1s";
}

/*
 * The metrics of the metric table as a packed reader's columns, each after
 * ", ": decoded from packed table P (alias p, slot s.i), or of plain table
 * T, or 0 (NULL for a MIN or MAX) where the database's table has no such
 * column (a database older than the metric, which a reader opens as it
 * is), each named as the metric.  Into BUF of N: -1 when it does not fit.
 */
static int packed_columns(char *buf, size_t n, sqlite3 *db, const char *table,
			  bool packed)
{
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < METRICS_NSAMPLE; i++) {
		const char *c = metrics_sample[i].name;
		int k;
		if (!schema_has_column(db, table, c))
			k = snprintf(buf + len, n - len, ", %s AS %s",
				     metrics_sample[i].rollup == METRICS_SUM ?
				     "0" : "NULL", c);
		else if (packed)
			k = snprintf(buf + len, n - len, ", xenmon_unpack(p.%s, "
				     "p.%s_base, p.%s_w, s.i) AS %s", c, c, c, c);
		else
			k = snprintf(buf + len, n - len, ", %s", c);
		if (k < 0 || (size_t)k >= n - len)
			return -1;
		len += (size_t)k;
	}
	return 0;
}

/*
 * sample_dom_1s_all (017_packed_seconds.sql) as this connection's own SQL
 * reads it: the same rows, its packed columns decoded by xenmon_unpack()
 * instead of the plain SQL the sqlite3 shell has, a twentieth of the time
 * per value.  A temporary view of the same name comes first in the name
 * lookup of the SQL of xenmon's programs (not in that of the schema's own
 * views, such as domain_1s, which read the main one).  A database before
 * 017 has no such view.
 */
static int add_packed_seconds(sqlite3 *db)
{
	char plain[1024], packed[2048], sql[4096];
	if (!schema_has_column(db, "sample_dom_1s_packed", "t"))
		return SQLITE_OK;
	if (packed_columns(plain, sizeof plain, db, "sample_dom_1s", false) ||
	    packed_columns(packed, sizeof packed, db, "sample_dom_1s_packed", true))
		return SQLITE_TOOBIG;
	/* 022: a row's domids may be a row of sample_dom_1s_domids */
	bool sets = schema_has_column(db, "sample_dom_1s_domids", "id");
	snprintf(sql, sizeof sql, "CREATE TEMP VIEW IF NOT EXISTS sample_dom_1s_all"
		 " AS SELECT t, domid%s FROM main.sample_dom_1s UNION ALL"
		 " SELECT p.t, xenmon_unpack(%s, s.i)%s"
		 " FROM main.sample_dom_1s_packed p%s"
		 " JOIN main.sample_dom_1s_slot s ON s.i < p.n", plain,
		 sets ? "coalesce(d.domid, p.domid), coalesce(d.domid_base,"
			" p.domid_base), coalesce(d.domid_w, p.domid_w)" :
			"p.domid, p.domid_base, p.domid_w", packed,
		 sets ? " LEFT JOIN main.sample_dom_1s_domids d ON p.domid_w < 0"
			" AND d.id = p.domid_base" : "");
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

#define UNPACK(name) \
	", xenmon_unpack(p." #name ", p." #name "_base, p." #name "_w, s.i)" \
	" AS " #name

/* The same for the minutes and hours of 019_packed_rollups.sql: TABLE_all,
 * and TABLE_unpacked, the packed rows alone (what packer.c moves back). */
static int add_packed_rollups(sqlite3 *db, const char *table)
{
	char packed[64], pcols[2048], cols[1024], sql[8192];
	snprintf(packed, sizeof packed, "%s_packed", table);
	if (!schema_has_column(db, packed, "t"))
		return SQLITE_OK;
	if (packed_columns(cols, sizeof cols, db, table, false) ||
	    packed_columns(pcols, sizeof pcols, db, packed, true))
		return SQLITE_TOOBIG;
	snprintf(sql, sizeof sql,
		 "CREATE TEMP VIEW IF NOT EXISTS %s_unpacked AS"
		 " SELECT p.t, xenmon_unpack(p.domid, p.domid_base, p.domid_w,"
		 " s.i) AS domid" UNPACK(seconds) "%s" UNPACK(cpu_peak_ns)
		 ", xenmon_unpack_part(p.cpu_pct_hist,"
		 " p.cpu_pct_hist_end, p.cpu_pct_hist_end_base,"
		 " p.cpu_pct_hist_end_w, s.i) AS cpu_pct_hist"
		 " FROM main.%s p JOIN main.sample_dom_1s_slot s ON s.i < p.n;"
		 "CREATE TEMP VIEW IF NOT EXISTS %s_all AS"
		 " SELECT t, domid, seconds%s, cpu_peak_ns, cpu_pct_hist"
		 " FROM main.%s UNION ALL SELECT * FROM temp.%s_unpacked",
		 table, pcols, packed, table, cols, table, table);
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* The CPU columns of cpu_1s (metrics.h), as 021 has them, and of the
 * CPU roll-ups, as 023 has them: after cpu, as a list, decoded, as the
 * values of a trigger's NEW (NULL as 0, the default of malformed_records,
 * the one column a writer may leave out), and set from them. */
#define CPU_UNPACK(name, ...) UNPACK(name)
#define CPU_NEW(name, ...) ", coalesce(NEW." #name ", 0)"
#define CPU_SET(name, ...) ", " #name " = NEW." #name
#define CPU_1S_UNPACK(name, ctype, in_1s, ...) METRICS_IF_##in_1s(CPU_UNPACK(name))
#define NEW_1S(name, ctype, in_1s, ...) METRICS_IF_##in_1s(CPU_NEW(name))
#define SET_1S(name, ctype, in_1s, ...) METRICS_IF_##in_1s(CPU_SET(name))

static const struct cpu_columns {
	const char *list, *unpack, *new_values, *set;
} CPU_1S = {
	METRICS_CPU(METRICS_COLUMN_1S), METRICS_CPU(CPU_1S_UNPACK),
	METRICS_CPU(NEW_1S), METRICS_CPU(SET_1S),
}, CPU_ROLLUP = {
	", seconds" METRICS_CPU(METRICS_COLUMN), UNPACK(seconds)
	METRICS_CPU(CPU_UNPACK), ", coalesce(NEW.seconds, 0)" METRICS_CPU(CPU_NEW),
	", seconds = NEW.seconds" METRICS_CPU(CPU_SET),
};

/* Appends FMT to BUF of N at *LEN, with each "@V" the view T->cpu, "@P"
 * its plain table, "@K" its packed one and "@M" MORE. */
static int add_sql(char *buf, size_t n, size_t *len, const char *fmt,
		   const struct metrics_tier *t, const char *more)
{
	for (const char *f = fmt; *f; f++) {
		const char *put = NULL;
		char one[2] = { *f, 0 };
		if (f[0] == '@' && f[1]) {
			put = f[1] == 'V' ? t->cpu : f[1] == 'P' ? t->cpu_plain :
			      f[1] == 'K' ? t->cpu_packed : f[1] == 'M' ? more : NULL;
			f += put != NULL;
		}
		size_t k = strlen(put ? put : one);
		if (k >= n - *len)
			return -1;
		memcpy(buf + *len, put ? put : one, k + 1);
		*len += k;
	}
	return 0;
}

/*
 * A CPU table that is a view over its plain and packed rows (cpu_1s: 021;
 * cpu_1m, cpu_1h: 023) as this connection reads it, decoded by
 * xenmon_unpack() as sample_dom_1s_all above: T_unpacked, its packed rows
 * alone, and T; and the triggers of the main view for SQL of this
 * connection that writes T (a temporary trigger cannot name the main
 * view): the second, minute or hour written moves to the plain table
 * whole first.
 */
static int add_packed_cpu_view(sqlite3 *db, const struct metrics_tier *t,
			       const struct cpu_columns *c)
{
	char sql[8192];
	size_t len = 0;
	/* the packed rows of TIMES moved to the plain table */
#define UNPACK_TO_PLAIN(times) \
	" INSERT INTO @P SELECT * FROM @V_unpacked WHERE t IN (" times ");" \
	" DELETE FROM @K WHERE t IN (" times ");"
	if (add_sql(sql, sizeof sql, &len, "CREATE TEMP VIEW IF NOT EXISTS"
		    " @V_unpacked AS SELECT p.t, xenmon_unpack(p.cpu,"
		    " p.cpu_base, p.cpu_w, s.i) AS cpu@M FROM main.@K p"
		    " JOIN main.sample_dom_1s_slot s ON s.i < p.n;", t, c->unpack) ||
	    add_sql(sql, sizeof sql, &len, "CREATE TEMP VIEW IF NOT EXISTS @V"
		    " AS SELECT t, cpu@M FROM main.@P UNION ALL"
		    " SELECT * FROM temp.@V_unpacked;", t, c->list) ||
	    add_sql(sql, sizeof sql, &len, "CREATE TEMP TRIGGER IF NOT EXISTS"
		    " @V_insert INSTEAD OF INSERT ON temp.@V BEGIN"
		    UNPACK_TO_PLAIN("NEW.t") " INSERT INTO @P (t, cpu@M)", t,
		    c->list) ||
	    add_sql(sql, sizeof sql, &len, " VALUES (NEW.t, NEW.cpu@M); END;",
		    t, c->new_values) ||
	    add_sql(sql, sizeof sql, &len, "CREATE TEMP TRIGGER IF NOT EXISTS"
		    " @V_update INSTEAD OF UPDATE ON temp.@V BEGIN"
		    UNPACK_TO_PLAIN("OLD.t, NEW.t") " UPDATE @P SET t = NEW.t,"
		    " cpu = NEW.cpu@M WHERE t = OLD.t AND cpu = OLD.cpu; END;",
		    t, c->set) ||
	    add_sql(sql, sizeof sql, &len, "CREATE TEMP TRIGGER IF NOT EXISTS"
		    " @V_delete INSTEAD OF DELETE ON temp.@V BEGIN"
		    UNPACK_TO_PLAIN("OLD.t") " DELETE FROM @P WHERE t = OLD.t"
		    " AND cpu = OLD.cpu; END;", t, ""))
		return SQLITE_TOOBIG;
#undef UNPACK_TO_PLAIN
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* The CPU tables this connection reads packed (021, 023), and in any
 * database cpu_1s_span, cpu_1s's first and last second, each an edge of
 * a b-tree (a UNION ALL view is read whole for a min() or max()). */
static int add_packed_cpus(sqlite3 *db)
{
	if (!schema_has_column(db, "cpu_1s_packed", "t"))
		return sqlite3_exec(db, "CREATE TEMP VIEW IF NOT EXISTS cpu_1s_span"
				    " AS SELECT (SELECT min(t) FROM main.cpu_1s)"
				    " AS first_t, (SELECT max(t) FROM main.cpu_1s)"
				    " AS last_t", NULL, NULL, NULL);
	int rc = SQLITE_OK;
	for (int i = 0; rc == SQLITE_OK && i < METRICS_TIERS; i++) {
		const struct metrics_tier *t = &metrics_tiers[i];
		if (t->cpu_packed && schema_has_column(db, t->cpu_packed, "t"))
			rc = add_packed_cpu_view(db, t, i == METRICS_1S ?
						 &CPU_1S : &CPU_ROLLUP);
	}
	return rc != SQLITE_OK ? rc : sqlite3_exec(db,
		 "CREATE TEMP VIEW IF NOT EXISTS cpu_1s_span AS"
		 " SELECT (SELECT min(t) FROM (SELECT min(t) AS t FROM"
		 " main.cpu_1s_plain UNION ALL SELECT min(t) FROM"
		 " main.cpu_1s_packed)) AS first_t,"
		 " (SELECT max(t) FROM (SELECT max(t) AS t FROM"
		 " main.cpu_1s_plain UNION ALL SELECT max(t) FROM"
		 " main.cpu_1s_packed)) AS last_t", NULL, NULL, NULL);
}

const char *schema_observed_sql(sqlite3 *db)
{
	if (!schema_has_column(db, "cpu_1s_packed", "t"))
		return "(SELECT sum(c.observed_ns) / count(*) FROM cpu_1s c"
		       " WHERE c.t = s.t)";
	return "coalesce((SELECT sum(c.observed_ns) / count(*)"
	       " FROM main.cpu_1s_plain c WHERE c.t = s.t),"
	       " (SELECT p.observed_ns_base FROM main.cpu_1s_packed p"
	       " WHERE p.t = s.t AND p.observed_ns_w = 0),"
	       " (SELECT sum(c.observed_ns) / count(*)"
	       " FROM temp.cpu_1s_unpacked c WHERE c.t = s.t))";
}

int schema_cpu_1s_tables(sqlite3 *db, const char *table[2])
{
	if (!schema_has_column(db, "cpu_1s_packed", "t")) {
		table[0] = "main.cpu_1s";
		return 1;
	}
	table[0] = "main.cpu_1s_plain";
	table[1] = "temp.cpu_1s_unpacked";
	return 2;
}

static int add_packed_reader(sqlite3 *db)
{
	int rc = packed_register(db);
	if (rc == SQLITE_OK)
		rc = add_packed_seconds(db);
	if (rc == SQLITE_OK)
		rc = add_packed_cpus(db);
	for (int i = METRICS_1M; rc == SQLITE_OK && i < METRICS_TIERS; i++)
		if (metrics_tiers[i].packed)
			rc = add_packed_rollups(db, metrics_tiers[i].sample);
	return rc;
}

const char *schema_tier_table(sqlite3 *db, int tier)
{
	if (tier == METRICS_1S)
		return schema_seconds_table(db);
	const struct metrics_tier *t = &metrics_tiers[tier];
	static char name[METRICS_TIERS][64];
	if (!t->packed || !schema_has_column(db, t->packed, "t"))
		return t->sample;
	snprintf(name[tier], sizeof name[tier], "%s_all", t->sample);
	return name[tier];
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
	/* The writer's merges of packed histograms, and the migration's. */
	if ((rc = hist_register(db)) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot add SQL functions: %s", path,
			 sqlite3_errstr(rc));
		goto fail;
	}
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
	if ((rc = add_packed_reader(db)) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot add the packed seconds' reader: %s",
			 path, sqlite3_errmsg(db));
		goto fail;
	}
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

/*
 * A reader of a WAL database needs its -shm (the WAL index): SQLite opens
 * it, or creates it beside the database.  In a directory the reader may
 * not write, without a -shm, it can do neither and fails with "attempt to
 * write a readonly database", which reads like damage.  No -shm means no
 * writer has the database open (in WAL mode a writer keeps one); if the
 * -wal is missing or empty too, every committed page is in the database
 * file itself, so it can be read as it is, immutable=1: no -shm, no locks.
 * A -wal with frames in it holds changes that only a -shm-backed reader
 * may see: then say what to do instead.
 */
enum wal_state { WAL_NA, WAL_QUIESCENT, WAL_PENDING };

static enum wal_state wal_without_shm(const char *path)
{
	unsigned char hdr[20];
	char side[4096];
	struct stat st;
	FILE *f = fopen(path, "rb");
	if (!f)
		return WAL_NA;
	size_t n = fread(hdr, 1, sizeof hdr, f);
	fclose(f);
	/* Bytes 18 and 19 of the header, the read and write versions, are 2
	 * for WAL mode. */
	if (n < sizeof hdr || hdr[18] != 2 || hdr[19] != 2)
		return WAL_NA;
	snprintf(side, sizeof side, "%s-shm", path);
	if (stat(side, &st) == 0 || errno != ENOENT)
		return WAL_NA;
	snprintf(side, sizeof side, "%s-wal", path);
	if (stat(side, &st) < 0 ? errno == ENOENT : st.st_size == 0)
		return WAL_QUIESCENT;
	return WAL_PENDING;
}

/* PATH as a URI for SQLite, read-only and immutable. */
static char *immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path);
	char *uri = malloc(3 * len + 32), *o = uri;
	if (!uri)
		return NULL;
	o += sprintf(o, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	sprintf(o, "?immutable=1");
	return uri;
}

static sqlite3 *open_ro(const char *name, int flags, char *err, size_t errlen,
			const char *path)
{
	sqlite3 *db = NULL;
	/* NOMUTEX: every reader uses its connection from one thread, and
	 * the mutex taken per column read was a seventh of the CPU a range
	 * of years costs the viewer (as it was of the writer's time). */
	int rc = sqlite3_open_v2(name, &db, SQLITE_OPEN_READONLY |
				 SQLITE_OPEN_NOMUTEX | flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 2000);
	return db;
}

/* After check_ours() failed on DB: a WAL database that cannot be read
 * here for want of its -shm is opened immutable, or explained. */
static sqlite3 *retry_without_shm(sqlite3 *db, const char *path, char *err,
				  size_t errlen)
{
	int code = sqlite3_extended_errcode(db) & 0xff;
	if (code != SQLITE_READONLY && code != SQLITE_CANTOPEN)
		return NULL;
	switch (wal_without_shm(path)) {
	case WAL_NA:
		return NULL;
	case WAL_PENDING:
		snprintf(err, errlen, "%s: a WAL database whose -shm file is "
			 "missing and cannot be made here (a directory this "
			 "user cannot write), while its -wal holds changes not "
			 "yet in it: SQLite cannot read it so.  Copy it with its "
			 "-wal and -shm, or into a directory this user can "
			 "write, or have its owner checkpoint it: sqlite3 %s "
			 "'PRAGMA wal_checkpoint(TRUNCATE)'", path, path);
		return NULL;
	case WAL_QUIESCENT:
		break;
	}
	char *uri = immutable_uri(path);
	if (!uri)
		return NULL;
	sqlite3 *again = open_ro(uri, SQLITE_OPEN_URI, err, errlen, path);
	free(uri);
	if (again && check_ours(again, path, err, errlen) < 0) {
		sqlite3_close(again);
		return NULL;
	}
	return again;
}

sqlite3 *schema_open_ro(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = open_ro(path, 0, err, errlen, path);
	if (!db)
		return NULL;
	if (check_ours(db, path, err, errlen) < 0) {
		sqlite3 *again = retry_without_shm(db, path, err, errlen);
		sqlite3_close(db);
		if (!again)
			return NULL;
		db = again;
	}
	if (schema_db_version(db) < 1) {
		snprintf(err, errlen, "%s: empty database (no xenbaked has written it yet)",
			 path);
		goto fail;
	}
	if (add_packed_reader(db) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot add the packed seconds' reader: %s",
			 path, sqlite3_errmsg(db));
		goto fail;
	}
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}
