/*
 * Roll-ups: the one-minute, one-hour and one-day tables (sample_1m,
 * sample_1h, cpu_1m, cpu_1h; schema/002_history.sql says what each column
 * holds; the days, 014_day_rollups.sql, follow the hours).
 *
 * Each second is added to its minute by the writer, inside the transaction
 * that stores the second, and each minute to its hour in the transaction of
 * its last second, so roll-ups never disagree with the seconds.  A database
 * migrated from schema 1 is rolled up once, hour by hour, from its seconds
 * (rollup.c says how each path works).
 */
#ifndef XENMON_ROLLUP_H
#define XENMON_ROLLUP_H

#include <stdint.h>
#include <sqlite3.h>

#include "account.h"

struct rollup;

/* Prepare the statements on DB; NULL on error (sqlite3_errmsg(DB)). */
struct rollup *rollup_new(sqlite3 *db);
void rollup_free(struct rollup *r);

/* Add the seconds [FROM_T, TO_T) of sample_1s / cpu_1s to the roll-ups.
 * Runs in the caller's transaction.  0, or -1 (sqlite3_errmsg). */
int rollup_range(struct rollup *r, int64_t from_t, int64_t to_t);

/* Roll up SEC, just stored, in its transaction, from its rows in memory:
 * its minute at once, its hour when its minute is complete.  0, or -1
 * (sqlite3_errmsg, or out of memory). */
int rollup_second(struct rollup *r, const struct second *sec);

/* Second T's rows were replaced (store.c completes a second stored in
 * part): its minute is rolled up again from the seconds, and its hour,
 * when the hours hold it, from its minutes and the seconds after the last
 * whole one, in the caller's transaction.  Only when rollup_can_redo(T)
 * says that all of those are still stored (1; 0 when retention has taken
 * some, -1 on error).  0, or -1 (sqlite3_errmsg). */
int rollup_can_redo(struct rollup *r, int64_t t);
int rollup_redo(struct rollup *r, int64_t t);

/* The caller's transaction that ran rollup_second was committed, or
 * rolled back: the watermark of the hours, kept in memory too, follows
 * what the database holds (a COMMIT that fails on a full disk must not
 * leave it ahead, or the retried second's minute would miss its hour). */
void rollup_committed(struct rollup *r);
void rollup_rolled_back(struct rollup *r);

/* The hours hold every second before this one (the watermark): the
 * minutes from it on are folded into their hours when their minute ends. */
int64_t rollup_hours_upto(const struct rollup *r);

/* Bring the hour and per-CPU tables up to the newest stored second (after a stop or
 * a crash mid-minute), in a transaction of its own.  0, or -1. */
int rollup_catch_up(struct rollup *r);

/* Finish the back-fills left pending by the schema migrations (meta
 * 'history_backfill', 'cpu_rollup_backfill'), one hour per transaction so that it can be
 * interrupted and resumed.  0 (nothing pending or done) or -1. */
int rollup_backfill(struct rollup *r);

/* Pack the histograms a migration from before 010 left as JSON text
 * (meta 'hist_packing'), a day of rows per transaction so that the WAL
 * stays small and an interrupted pass resumes where it stopped.  0
 * (nothing pending or done) or -1. */
int rollup_pack(struct rollup *r);

#endif
