/*
 * Where the steps of an export or a report cut time (steps.c).
 */
#ifndef XENMON_EXPORT_STEPS_H
#define XENMON_EXPORT_STEPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

struct steps {
	int64_t s;                /* nominal length in seconds */
	bool local_days;          /* days on the local wall clock (TZ) */
	int64_t lo, hi;           /* the last day found: [lo, hi) */
};

/* Steps of S seconds on multiples of S since the epoch, or (LOCAL_DAYS)
 * days from local midnight to local midnight. */
void steps_init(struct steps *sp, int64_t s, bool local_days);

/* The start of the step that holds T, and of the one after it. */
int64_t steps_start(struct steps *sp, int64_t t);
int64_t steps_next(struct steps *sp, int64_t t);

/* Whether every step boundary in (FROM, TO) is a multiple of GRAIN: a
 * table of GRAIN-second rows can then give those steps whole. */
bool steps_aligned(struct steps *sp, int64_t from, int64_t to, int64_t grain);

/* steps_start() as the SQL function xm_step(t) on DB, for SQL that groups
 * rows by step. */
int steps_register(struct steps *sp, sqlite3 *db);

#endif
