/*
 * Table pruned (013_pruned.sql): the ranges of a tier that the size budget
 * took before retention would have, written by xenbaked and shown by the
 * viewer and xenmon-export.  One place for its SQL, so that the writer and
 * the readers agree on what a range means: [first_t, last_t], inclusive,
 * the seconds that the tier's dropped rows covered.
 */
#ifndef XENMON_PRUNED_H
#define XENMON_PRUNED_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* The reason the daemon writes. */
#define PRUNED_SIZE_BUDGET "size budget"

/*
 * Within the caller's transaction: TIER's (its sample table's name) rows
 * covering [FIRST_T, LAST_T] were dropped for REASON.  The tier's newest
 * record for the same reason is extended when it reaches FIRST_T - 1 (the
 * next step of one pruning), else a record is added.  0, or -1
 * (sqlite3_errmsg).
 */
int pruned_record(sqlite3 *db, const char *tier, int64_t first_t,
		  int64_t last_t, const char *reason);

/*
 * What of TIER was pruned within [FROM, TO] (inclusive): the first and the
 * last second of the records that overlap it, and the reason of the
 * newest, in REASON of N bytes.  1 when there is one, 0 when none or the
 * database predates the table (readers open older files as they are), -1
 * on error (sqlite3_errmsg).
 */
int pruned_span(sqlite3 *db, const char *tier, int64_t from, int64_t to,
		int64_t *first_t, int64_t *last_t, char *reason, size_t n);

#endif
