/*
 * Roll-ups, computed by SQLite from the rows just written.
 *
 * One statement per roll-up table reads the seconds [?1, ?2) back from
 * sample_1s (or cpu_1s), sums them per domain and second, groups them by
 * minute or hour (?3 = 60 or 3600) and upserts the result: a new row is
 * inserted, an existing one has the new seconds added to its sums, its min
 * and max widened and its histogram merged bin by bin.  The same statement
 * rolls up one second as the daemon stores it, and a whole hour of an old
 * database during a back-fill, so both paths give the same rows by
 * construction; and because the seconds are read back from the table in
 * the same transaction, a roll-up holds exactly what was stored.
 *
 * Reading back costs a few hundred rows per second, found by primary key:
 * far less than the insert itself.  Not so the hour tables: their rows'
 * histograms are long, and rewriting them every second cost the writer
 * more than the seconds themselves.  So hours are rolled up once a minute,
 * from that minute's seconds, behind a watermark kept in meta
 * ('rollup_1h_upto': every stored second before it is in the hour tables,
 * none after it), updated in the same transaction; a second stored below
 * the watermark (an older trace replayed later) goes in at once, and what
 * is behind it when the daemon stops or crashes is caught up on close and
 * on the next open.
 */
#include "rollup.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { R_SAMPLE_1M, R_SAMPLE_1H, R_CPU_1M, R_CPU_1H, R_COUNT };

struct rollup {
	sqlite3 *db;
	sqlite3_stmt *st[R_COUNT];
	int64_t hours_upto;
};

/* Per (second, domain) sums, then per (minute or hour, domain, CPU% bin),
 * then per (minute or hour, domain) with the bins as a JSON object. */
static const char SAMPLE_SQL[] =
	"WITH sec AS ("
	" SELECT t, domid, sum(exec_count) AS exec_count, sum(cpu_ns) AS cpu_ns,"
	"  sum(wait_ns) AS wait_ns, sum(blocked_ns) AS blocked_ns,"
	"  sum(alloc_ns) AS alloc_ns, min(alloc_min_ns) AS alloc_min_ns,"
	"  max(alloc_max_ns) AS alloc_max_ns,"
	"  sum(alloc_unbounded) AS alloc_unbounded, sum(io_count) AS io_count"
	" FROM sample_1s WHERE t >= ?1 AND t < ?2 GROUP BY t, domid),"
	" bin AS ("
	" SELECT t - t %% ?3 AS t, domid, cpu_ns / 10000000 AS b, count(*) AS n,"
	"  sum(exec_count) AS exec_count, sum(cpu_ns) AS cpu_ns,"
	"  sum(wait_ns) AS wait_ns, sum(blocked_ns) AS blocked_ns,"
	"  sum(alloc_ns) AS alloc_ns, min(alloc_min_ns) AS alloc_min_ns,"
	"  max(alloc_max_ns) AS alloc_max_ns,"
	"  sum(alloc_unbounded) AS alloc_unbounded, sum(io_count) AS io_count,"
	"  max(cpu_ns) AS peak"
	" FROM sec GROUP BY 1, 2, 3)"
	" INSERT INTO %s (t, domid, seconds, exec_count, cpu_ns, wait_ns,"
	"  blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns, alloc_unbounded,"
	"  io_count, cpu_peak_ns, cpu_pct_hist)"
	" SELECT t, domid, sum(n), sum(exec_count), sum(cpu_ns), sum(wait_ns),"
	"  sum(blocked_ns), sum(alloc_ns), min(alloc_min_ns), max(alloc_max_ns),"
	"  sum(alloc_unbounded), sum(io_count), max(peak), json_group_object(b, n)"
	" FROM bin WHERE true GROUP BY t, domid"
	" ON CONFLICT (t, domid) DO UPDATE SET"
	"  seconds = seconds + excluded.seconds,"
	"  exec_count = exec_count + excluded.exec_count,"
	"  cpu_ns = cpu_ns + excluded.cpu_ns,"
	"  wait_ns = wait_ns + excluded.wait_ns,"
	"  blocked_ns = blocked_ns + excluded.blocked_ns,"
	"  alloc_ns = alloc_ns + excluded.alloc_ns,"
	/* scalar min()/max() are NULL if either side is: keep the other */
	"  alloc_min_ns = coalesce(min(alloc_min_ns, excluded.alloc_min_ns),"
	"                          alloc_min_ns, excluded.alloc_min_ns),"
	"  alloc_max_ns = coalesce(max(alloc_max_ns, excluded.alloc_max_ns),"
	"                          alloc_max_ns, excluded.alloc_max_ns),"
	"  alloc_unbounded = alloc_unbounded + excluded.alloc_unbounded,"
	"  io_count = io_count + excluded.io_count,"
	"  cpu_peak_ns = max(cpu_peak_ns, excluded.cpu_peak_ns),"
	/* One new second (the daemon's case) is one bin, that of its
	 * cpu_ns, which is then also the peak: add one to it in place, which
	 * costs a quarter of merging two objects. */
	"  cpu_pct_hist = CASE WHEN excluded.seconds = 1 THEN"
	"   json_set(%s.cpu_pct_hist,"
	"    '$.\"' || (excluded.cpu_peak_ns / 10000000) || '\"',"
	"    coalesce(json_extract(%s.cpu_pct_hist,"
	"     '$.\"' || (excluded.cpu_peak_ns / 10000000) || '\"'), 0) + 1)"
	"  ELSE (SELECT json_group_object(b, n) FROM ("
	"   SELECT CAST(key AS INTEGER) AS b, sum(value) AS n FROM ("
	"    SELECT key, value FROM json_each(%s.cpu_pct_hist) UNION ALL"
	"    SELECT key, value FROM json_each(excluded.cpu_pct_hist))"
	"   GROUP BY b ORDER BY b)) END";

/* busy_ns: the CPU time of every domain but the idle one on that CPU and
 * second, found by the (t, cpu) prefix of sample_1s's key. */
static const char CPU_SQL[] =
	"INSERT INTO %s (t, cpu, seconds, observed_ns, sched_ns, busy_ns,"
	"  lost_records)"
	" SELECT c.t - c.t %% ?3, c.cpu, count(*), sum(c.observed_ns),"
	"  sum(c.sched_ns),"
	"  sum(coalesce((SELECT sum(s.cpu_ns) FROM sample_1s s"
	"   WHERE s.t = c.t AND s.cpu = c.cpu AND s.domid <> 32767), 0)),"
	"  sum(c.lost_records)"
	" FROM cpu_1s c WHERE c.t >= ?1 AND c.t < ?2 GROUP BY 1, 2"
	" ON CONFLICT (t, cpu) DO UPDATE SET"
	"  seconds = seconds + excluded.seconds,"
	"  observed_ns = observed_ns + excluded.observed_ns,"
	"  sched_ns = sched_ns + excluded.sched_ns,"
	"  busy_ns = busy_ns + excluded.busy_ns,"
	"  lost_records = lost_records + excluded.lost_records";

static const struct {
	const char *table;
	int grain_s;
	bool sample;
} TABLES[R_COUNT] = {
	[R_SAMPLE_1M] = { "sample_1m", 60, true },
	[R_SAMPLE_1H] = { "sample_1h", 3600, true },
	[R_CPU_1M] = { "cpu_1m", 60, false },
	[R_CPU_1H] = { "cpu_1h", 3600, false },
};

static int prepare(struct rollup *r, int i)
{
	char sql[4096];
	/* The table names are the constants above, never input. */
	if (TABLES[i].sample)
		snprintf(sql, sizeof sql, SAMPLE_SQL, TABLES[i].table, TABLES[i].table,
			 TABLES[i].table, TABLES[i].table);
	else
		snprintf(sql, sizeof sql, CPU_SQL, TABLES[i].table);
	return sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				  &r->st[i], NULL) == SQLITE_OK ? 0 : -1;
}

struct rollup *rollup_new(sqlite3 *db)
{
	struct rollup *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->db = db;
	for (int i = 0; i < R_COUNT; i++) {
		if (prepare(r, i) < 0) {
			rollup_free(r);
			return NULL;
		}
	}
	return r;
}

void rollup_free(struct rollup *r)
{
	if (!r)
		return;
	for (int i = 0; i < R_COUNT; i++)
		sqlite3_finalize(r->st[i]);
	free(r);
}

/* Roll [FROM_T, TO_T) into the tables of GRAIN seconds (0: all). */
static int roll(struct rollup *r, int64_t from_t, int64_t to_t, int grain)
{
	for (int i = 0; i < R_COUNT; i++) {
		if (grain && TABLES[i].grain_s != grain)
			continue;
		sqlite3_stmt *st = r->st[i];
		sqlite3_bind_int64(st, 1, from_t);
		sqlite3_bind_int64(st, 2, to_t);
		sqlite3_bind_int(st, 3, TABLES[i].grain_s);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int rollup_range(struct rollup *r, int64_t from_t, int64_t to_t)
{
	return roll(r, from_t, to_t, 0);
}

static int set_upto(struct rollup *r, int64_t upto)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(r->db, "INSERT INTO meta (key, value) VALUES"
			       " ('rollup_1h_upto', ?1) ON CONFLICT (key) DO UPDATE"
			       " SET value = excluded.value", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, upto);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (rc == 0)
		r->hours_upto = upto;
	return rc;
}

int rollup_second(struct rollup *r, int64_t t)
{
	if (roll(r, t, t + 1, 60) < 0)
		return -1;
	if (t < r->hours_upto)
		return roll(r, t, t + 1, 3600);
	if ((t + 1) % 60 != 0)
		return 0;
	if (roll(r, r->hours_upto, t + 1, 3600) < 0)
		return -1;
	return set_upto(r, t + 1);
}

int rollup_catch_up(struct rollup *r)
{
	sqlite3_stmt *st;
	int64_t newest = -1, upto = -1;
	bool have_upto = false;

	if (sqlite3_prepare_v2(r->db, "SELECT (SELECT max(t) FROM cpu_1s),"
			       " (SELECT value FROM meta WHERE key = 'rollup_1h_upto')",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			newest = sqlite3_column_int64(st, 0);
		have_upto = sqlite3_column_type(st, 1) != SQLITE_NULL;
		upto = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	/* No watermark yet: every stored second was rolled up when stored
	 * or by the back-fill. */
	if (!have_upto)
		upto = newest + 1;
	r->hours_upto = upto;
	if (have_upto && upto > newest)
		return 0;
	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if ((upto <= newest && roll(r, upto, newest + 1, 3600) < 0) ||
	    set_upto(r, newest + 1) < 0 ||
	    sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* The next second to back-fill, or 0 when none is pending. */
static int backfill_next(sqlite3 *db, int64_t *next, int64_t *last)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	    "SELECT CASE WHEN value = 'pending'"
	    " THEN coalesce((SELECT min(t) FROM cpu_1s), 0) ELSE value END,"
	    " coalesce((SELECT max(t) FROM cpu_1s), -1)"
	    " FROM meta WHERE key = 'history_backfill'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	int found = rc == SQLITE_ROW;
	if (found) {
		*next = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

/* One hour (aligned, so its minute and hour rows are whole) per
 * transaction, with the progress in meta, so an interrupted back-fill
 * resumes where it stopped and never counts a second twice. */
static int backfill_chunk(struct rollup *r, int64_t from, int64_t last)
{
	int64_t to = from - from % 3600 + 3600;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (rollup_range(r, from, to) < 0 ||
	    sqlite3_prepare_v2(r->db, to > last ?
		"DELETE FROM meta WHERE key = 'history_backfill'" :
		"UPDATE meta SET value = ?1 WHERE key = 'history_backfill'",
		-1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_bind_parameter_count(st))
		sqlite3_bind_int64(st, 1, to);
	if (sqlite3_step(st) == SQLITE_DONE &&
	    sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		rc = 0;
out:
	sqlite3_finalize(st);
	if (rc < 0)
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int rollup_backfill(struct rollup *r)
{
	int64_t next, last;
	for (;;) {
		int rc = backfill_next(r->db, &next, &last);
		if (rc <= 0)
			return rc;
		if (backfill_chunk(r, next, last) < 0)
			return -1;
	}
}
