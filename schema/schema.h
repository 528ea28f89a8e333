/*
 * The database contract in one place: the SQL migrations compiled into every
 * binary, and the code that opens a database and brings it to the current
 * schema.  Daemon, viewer and tools all open the file through here, so that
 * none of them can disagree about what a "xenmon database" is.
 */
#ifndef XENMON_SCHEMA_H
#define XENMON_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

/* 'XenM': marks a SQLite file as ours (PRAGMA application_id). */
#define SCHEMA_APPLICATION_ID 0x58656e4d

/* The database the daemon writes, and the readers read, unless told. */
#define SCHEMA_DEFAULT_DB "/var/lib/xenmon/xenmon.db"

extern const char *const schema_migrations[];
extern const int schema_version;

/*
 * Open (creating if needed) PATH for writing, in WAL mode, migrated to the
 * current schema.  Refuses a SQLite file that is not ours and one written by
 * a newer xenmon.  On failure returns NULL and puts the reason, naming the
 * file, in ERR.
 */
sqlite3 *schema_open_rw(const char *path, char *err, size_t errlen);

/*
 * Open PATH read-only for the viewer and tools; never creates, never
 * migrates, never takes a write lock.  A copy of a WAL database without
 * its -shm, in a directory this user cannot write, is opened immutable
 * when its -wal is missing or empty (nothing is pending: its file holds
 * every change), and refused with what to do when not.
 */
sqlite3 *schema_open_ro(const char *path, char *err, size_t errlen);

/*
 * TABLE's malformed_records column as SQL, or "0" in a database written
 * before TABLE had one (version 6 for cpu_1s, 7 for its roll-ups), which a
 * reader opens as it is.
 */
const char *schema_malformed_sql(sqlite3 *db, const char *table);

/*
 * The table of per-domain seconds: sample_dom_1s_all (017: the packed
 * seconds and sample_dom_1s's rows, a view), or in a database written
 * before version 17 sample_dom_1s, or before version 15
 * (015_domain_seconds.sql), which a reader opens as it is, sample_1s, whose
 * rows per CPU the reader adds up.
 */
const char *schema_seconds_table(sqlite3 *db);

/*
 * The table (or view) a reader reads tier TIER's per-domain rows from
 * (metrics_tiers[]): schema_seconds_table() for the seconds; for the
 * minutes and hours of a database of version 19 or later TABLE_all
 * (019_packed_rollups.sql: the plain and the packed rows), else the
 * tier's table.
 */
const char *schema_tier_table(sqlite3 *db, int tier);

/*
 * A second's observed time as SQL, for the second s.t of the caller's
 * SQL: the mean of its CPUs' (as domain_1s has it), read from the tables
 * under cpu_1s (021_packed_cpu_seconds.sql) rather than through the view,
 * which a correlated subquery reads whole.
 */
const char *schema_observed_sql(sqlite3 *db);

/*
 * The tables (or views) cpu_1s's rows lie in, for SQL that joins them,
 * as a UNION ALL view is read whole for a join: main.cpu_1s_plain and
 * temp.cpu_1s_unpacked, or in a database before 021 main.cpu_1s.  How
 * many (1 or 2) into TABLE.  Their first and last second are in the
 * temporary view cpu_1s_span (first_t, last_t) of every connection.
 */
int schema_cpu_1s_tables(sqlite3 *db, const char *table[2]);

/* Whether TABLE has COLUMN. */
bool schema_has_column(sqlite3 *db, const char *table, const char *column);

/*
 * The metrics of the metric table (metrics.h), or only the sums, which
 * xenmon-export reads (SUMMED), as a reader's SQL columns of TABLE, in the
 * table's order, each after ", ": FMT with its name ("%s", "r.%s",
 * "sum(%s)"), or in a database older than the metric, which a reader opens
 * as it is, 0 (NULL for a MIN or MAX: no bounded slice).  Into BUF of N:
 * -1 when it does not fit.
 */
int schema_metrics_sql(char *buf, size_t n, sqlite3 *db, const char *table,
		       const char *fmt, bool summed);

/* The database's PRAGMA user_version, or -1 on error. */
int schema_db_version(sqlite3 *db);

#endif
