/*
 * SQLite writing.  Statements are prepared once; each second is
 * BEGIN IMMEDIATE, a check that it is not stored yet, its cpu_1s rows, its
 * sample_1s rows in key order (so the b-tree only ever appends), the
 * lifetimes of its domains, COMMIT.  Any failure rolls the whole second
 * back: a reader sees all of it or none.
 */
#include "store.h"
#include "checkpoint.h"
#include "clock.h"
#include "retention.h"
#include "rollup.h"
#include "schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct store {
	sqlite3 *db;
	char *path;
	char *wal_path;
	sqlite3_stmt *exists, *ins_cpu, *ins_sample, *ins_domain, *meta, *gap;
	struct checkpointer *ckpt;
	int writer_fd;            /* holds the one-writer lock */
	int64_t run_id;
	int last_rc, last_errno;  /* of the last failure */
	struct store_write_stats ws;
	struct rollup *rollup;
	struct retention *retention;
	int64_t newest_t;         /* newest stored second: retention's clock */
	bool was_empty;           /* no second stored when opened */
	char err[512];
};

/* Pruning done after one second at most; the rest waits for the next. */
#define PRUNE_BUDGET_NS 100000000

/* Set once by main() from flags and config, so that both the replay and
 * the live recorder open their store with it without passing it along. */
static struct retention_policy default_policy;
static bool have_default_policy;

void store_set_default_retention(const struct retention_policy *p)
{
	default_policy = *p;
	have_default_policy = true;
}

static int fail(struct store *s, const char *what)
{
	s->last_rc = sqlite3_extended_errcode(s->db);
	s->last_errno = sqlite3_system_errno(s->db);
	snprintf(s->err, sizeof s->err, "%s: %s: %s", s->path, what,
		 sqlite3_errmsg(s->db));
	return -1;
}

static int prep(struct store *s, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) != SQLITE_OK)
		return fail(s, "cannot prepare statement");
	return 0;
}

/* Roll-ups and retention (rollup.c, retention.c).  A database migrated
 * from schema 1 is rolled up here, before the first new second. */
static int open_history(struct store *s)
{
	struct retention_policy p;
	sqlite3_stmt *st;

	if (have_default_policy)
		p = default_policy;
	else
		retention_defaults(&p);
	if (!(s->rollup = rollup_new(s->db)))
		return fail(s, "cannot prepare the roll-ups");
	if (rollup_backfill(s->rollup) < 0 || rollup_catch_up(s->rollup) < 0)
		return fail(s, "cannot roll up the seconds already stored");
	if (!(s->retention = retention_new(s->db, &p)))
		return fail(s, "cannot prepare pruning");
	if (prep(s, &st, "SELECT max(t) FROM cpu_1s") < 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->was_empty = sqlite3_column_type(st, 0) == SQLITE_NULL;
		s->newest_t = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return 0;
}

/*
 * One writer per database: two daemons would interleave their seconds and
 * runs.  flock() on a descriptor of our own, which SQLite's POSIX locks do
 * not see; the descriptor stays open until after sqlite3_close(), since
 * closing any descriptor of the file would drop this process's POSIX locks.
 */
static int take_writer_lock(struct store *s, char *err, size_t errlen)
{
	s->writer_fd = open(s->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (s->writer_fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", s->path,
			 strerror(errno));
		return -1;
	}
	if (flock(s->writer_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		snprintf(err, errlen, "%s: another xenbaked is writing this "
			 "database; only one writer at a time", s->path);
	else
		snprintf(err, errlen, "%s: cannot lock: %s", s->path,
			 strerror(errno));
	return -1;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path)) ||
	    !(s->wal_path = malloc(strlen(path) + 5))) {
		snprintf(err, errlen, "%s: out of memory", path);
		if (s)
			free(s->path);
		free(s);
		return NULL;
	}
	sprintf(s->wal_path, "%s-wal", path);
	s->writer_fd = -1;
	s->db = schema_open_rw(path, err, errlen);
	if (!s->db || take_writer_lock(s, err, errlen) < 0)
		goto out;
	if (prep(s, &s->exists, "SELECT 1 FROM cpu_1s WHERE t = ?1 LIMIT 1") ||
	    prep(s, &s->ins_cpu, "INSERT INTO cpu_1s (t, cpu, observed_ns, "
		 "sched_ns, lost_records) VALUES (?1, ?2, ?3, ?4, ?5)") ||
	    prep(s, &s->ins_sample, "INSERT INTO sample_1s (t, cpu, domid, "
		 "exec_count, cpu_ns, wait_ns, blocked_ns, alloc_ns, "
		 "alloc_min_ns, alloc_max_ns, alloc_unbounded, io_count) VALUES "
		 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)") ||
	    prep(s, &s->ins_domain, "INSERT INTO domain (domid, name, first_t, "
		 "last_t) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (domid, first_t) "
		 "DO UPDATE SET last_t = max(last_t, excluded.last_t), "
		 "name = coalesce(excluded.name, name)") ||
	    prep(s, &s->meta, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
		 "ON CONFLICT (key) DO UPDATE SET value = excluded.value") ||
	    prep(s, &s->gap, "INSERT INTO gap (first_t, last_t, seconds, reason, "
		 "run_id) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (first_t) DO "
		 "UPDATE SET last_t = max(last_t, excluded.last_t), seconds = "
		 "seconds + excluded.seconds") ||
	    open_history(s)) {
		snprintf(err, errlen, "%s", s->err);
		goto out;
	}
	if (!(s->ckpt = checkpointer_start(s->db, path, err, errlen)))
		goto out;
	return s;
out:
	store_close(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->exists);
	sqlite3_finalize(s->ins_cpu);
	sqlite3_finalize(s->ins_sample);
	sqlite3_finalize(s->ins_domain);
	sqlite3_finalize(s->meta);
	sqlite3_finalize(s->gap);
	checkpointer_stop(s->ckpt);
	/* The hours of an unfinished minute; the next open would do it too. */
	if (s->rollup)
		rollup_catch_up(s->rollup);
	rollup_free(s->rollup);
	retention_free(s->retention);
	sqlite3_close(s->db);
	if (s->writer_fd >= 0)
		close(s->writer_fd);
	free(s->path);
	free(s->wal_path);
	free(s);
}

const char *store_error(const struct store *s)
{
	return s->err;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

bool store_no_space(const struct store *s)
{
	return (s->last_rc & 0xff) == SQLITE_FULL ||
	       s->last_errno == ENOSPC || s->last_errno == EDQUOT;
}

const struct store_write_stats *store_write_stats(const struct store *s)
{
	return &s->ws;
}

/* After a commit: the stall it caused and how big the WAL is. */
static void note_write(struct store *s, int64_t t, double began)
{
	struct stat st;
	double d = clock_s(CLOCK_MONOTONIC) - began;
	if (d > s->ws.max_txn_s) {
		s->ws.max_txn_s = d;
		s->ws.max_txn_t = t;
	}
	if (stat(s->wal_path, &st) == 0 &&
	    (uint64_t)st.st_size > s->ws.wal_peak_bytes)
		s->ws.wal_peak_bytes = (uint64_t)st.st_size;
}

static int step(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(s, what);
	return rc == SQLITE_ROW ? 1 : 0;
}

static int exec(struct store *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, sql);
	return 0;
}

static int write_rows(struct store *s, const struct second *sec)
{
	for (size_t i = 0; i < sec->ncpus; i++) {
		const struct cpu_row *c = &sec->cpus[i];
		sqlite3_stmt *st = s->ins_cpu;
		sqlite3_bind_int64(st, 1, sec->t);
		sqlite3_bind_int64(st, 2, c->cpu);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)c->observed_ns);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)c->sched_ns);
		sqlite3_bind_int64(st, 5, c->lost_records);
		if (step(s, st, "cannot write cpu_1s") < 0)
			return -1;
	}
	sqlite3_stmt *st = s->ins_sample;
	for (size_t i = 0; i < sec->nsamples; i++) {
		const struct sample_row *r = &sec->samples[i];
		sqlite3_bind_int64(st, 1, sec->t);
		sqlite3_bind_int64(st, 2, r->cpu);
		sqlite3_bind_int64(st, 3, r->domid);
		sqlite3_bind_int64(st, 4, r->exec_count);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)r->cpu_ns);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)r->wait_ns);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)r->blocked_ns);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)r->alloc_ns);
		if (r->alloc_n) {
			sqlite3_bind_int64(st, 9, r->alloc_min_ns);
			sqlite3_bind_int64(st, 10, r->alloc_max_ns);
		} else {
			sqlite3_bind_null(st, 9);
			sqlite3_bind_null(st, 10);
		}
		sqlite3_bind_int64(st, 11, r->alloc_unbounded);
		sqlite3_bind_int64(st, 12, r->io_count);
		if (step(s, st, "cannot write sample_1s") < 0)
			return -1;
	}
	st = s->ins_domain;
	for (size_t i = 0; i < sec->ndoms; i++) {
		const struct dom_row *d = &sec->doms[i];
		sqlite3_bind_int64(st, 1, d->domid);
		if (d->name[0])
			sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_int64(st, 3, d->first_t);
		sqlite3_bind_int64(st, 4, sec->t);
		if (step(s, st, "cannot write domain") < 0)
			return -1;
	}
	return 0;
}

int store_second(struct store *s, const struct second *sec)
{
	double began = clock_s(CLOCK_MONOTONIC);
	if (exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	sqlite3_bind_int64(s->exists, 1, sec->t);
	int rc = step(s, s->exists, "cannot read cpu_1s");
	if (rc == 0)
		rc = write_rows(s, sec);
	if (rc == 0 && rollup_second(s->rollup, sec) < 0)
		rc = fail(s, "cannot roll up");
	if (rc >= 0 && exec(s, "COMMIT") < 0)
		rc = -1;
	if (rc < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		rollup_rolled_back(s->rollup);
		return -1;
	}
	rollup_committed(s->rollup);
	note_write(s, sec->t, began);
	if (rc == 0 && sec->t > s->newest_t)
		s->newest_t = sec->t;
	/* The second is stored: a prune that finds the disk full is tried
	 * again after the next one, not reported as a failed write. */
	if (retention_prune(s->retention, s->newest_t, PRUNE_BUDGET_NS) < 0) {
		fail(s, "cannot prune old rows");
		if (!store_no_space(s))
			return -1;
	}
	return rc;
}

bool store_was_empty(const struct store *s)
{
	return s->was_empty;
}

static uint64_t db_bytes(struct store *s)
{
	sqlite3_stmt *st;
	uint64_t n = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT page_count * page_size FROM "
			       "pragma_page_count, pragma_page_size", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * SQLite splits the last page of a WITHOUT ROWID table in two when rows
 * are appended, so a table written in key order keeps its pages about 88%
 * full; VACUUM rebuilds each table in bulk, with full pages.  It needs
 * room for a copy of the database (and its WAL grows to that size, hence
 * the checkpoint after it).
 */
int store_compact(struct store *s, uint64_t *before, uint64_t *after)
{
	if (rollup_catch_up(s->rollup) < 0)
		return fail(s, "cannot roll up the last minute");
	*before = db_bytes(s);
	if (exec(s, "VACUUM") < 0)
		return -1;
	sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
				  NULL, NULL);
	*after = db_bytes(s);
	return 0;
}

int store_gap(struct store *s, int64_t first_t, int64_t last_t,
	      uint64_t seconds, const char *reason)
{
	sqlite3_stmt *st = s->gap;
	sqlite3_bind_int64(st, 1, first_t);
	sqlite3_bind_int64(st, 2, last_t);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seconds);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	if (s->run_id)
		sqlite3_bind_int64(st, 5, s->run_id);
	else
		sqlite3_bind_null(st, 5);
	return step(s, st, "cannot write gap") < 0 ? -1 : 0;
}

void store_set_retention(struct store *s, const struct retention_policy *p)
{
	retention_set_policy(s->retention, p);
}

const struct retention_stats *store_prune_stats(const struct store *s)
{
	return retention_stats(s->retention);
}

int store_meta(struct store *s, const char *key, const char *value)
{
	sqlite3_bind_text(s->meta, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->meta, 2, value, -1, SQLITE_STATIC);
	int rc = step(s, s->meta, "cannot write meta");
	sqlite3_clear_bindings(s->meta);
	return rc;
}

int store_meta_num(struct store *s, const char *key, double value)
{
	sqlite3_bind_text(s->meta, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_double(s->meta, 2, value);
	return step(s, s->meta, "cannot write meta");
}

int store_run_begin(struct store *s, const struct run_info *r)
{
	sqlite3_stmt *st;
	if (prep(s, &st, "INSERT INTO run (started_at, mode, input, cpu_mhz, "
		 "cpu_mhz_source, start_time, start_source, status) VALUES "
		 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, 'running')") < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 2, r->mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->input, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, r->cpu_mhz);
	sqlite3_bind_text(st, 5, r->cpu_mhz_source, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, r->start_time);
	sqlite3_bind_text(st, 7, r->start_source, -1, SQLITE_STATIC);
	int rc = step(s, st, "cannot write run");
	sqlite3_finalize(st);
	s->run_id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int store_run_end(struct store *s, const struct run_info *r)
{
	sqlite3_stmt *st;
	const struct acct_stats *a = r->st;
	if (prep(s, &st, "UPDATE run SET first_t = ?2, last_t = ?3, records = ?4, "
		 "lost_records = ?5, malformed = ?6, anomalies = ?7, "
		 "seconds_written = ?8, seconds_skipped = ?9, status = ?10, "
		 "seconds_dropped = ?11, max_write_ms = ?12, wal_peak_bytes = ?13, "
		 "max_lag_ms = ?14 WHERE id = ?1") < 0)
		return -1;
	sqlite3_bind_int64(st, 1, s->run_id);
	if (a->seconds_emitted) {
		sqlite3_bind_int64(st, 2, a->first_t);
		sqlite3_bind_int64(st, 3, a->last_t);
	}
	sqlite3_bind_int64(st, 4, (sqlite3_int64)a->records);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)a->lost_records);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)a->malformed);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)(a->late + a->resyncs + a->untimed +
						   r->tsc_anomalies));
	sqlite3_bind_int64(st, 8, (sqlite3_int64)r->seconds_written);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)r->seconds_skipped);
	sqlite3_bind_text(st, 10, r->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)r->seconds_dropped);
	sqlite3_bind_double(st, 12, s->ws.max_txn_s * 1e3);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)s->ws.wal_peak_bytes);
	if (r->lag_measured)
		sqlite3_bind_double(st, 14, r->max_lag_s * 1e3);
	int rc = step(s, st, "cannot write run");
	sqlite3_finalize(st);
	return rc;
}
