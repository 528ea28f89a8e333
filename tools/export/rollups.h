/*
 * Steps read from the roll-up tables (see rollups.c).
 */
#ifndef XENMON_EXPORT_ROLLUPS_H
#define XENMON_EXPORT_ROLLUPS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "metrics.h"   /* the tables: metrics_tiers[] */
#include "domfilter.h"
#include "steps.h"

/* Rows no table could split by domain (rollups.c), for a warning. */
struct rollups_note {
	int64_t mixed;            /* how many */
	int64_t first_t, first_domid;
};

/*
 * Rows of [FROM, TO) in STEPS from roll-up table TIER (1 or 2), for the
 * domains DOMS selects, to F.
 * KEPT[i]: the first second table i holds whole (INT64_MIN: all of it,
 * INT64_MAX: none), for rows that must be split.  0, or -1 with
 * sqlite3_errmsg(DB) saying why (or *STOP set, or out of memory).
 */
int rollups_export(sqlite3 *db, int tier, const int64_t kept[METRICS_TIERS],
		   const struct domfilter *doms, int64_t from,
		   int64_t to, struct steps *steps, bool json, FILE *f,
		   struct rollups_note *note, const volatile sig_atomic_t *stop);

#endif
