/*
 * Steps of 1 s, 10 s and 1 min, read straight from sample_1s (seconds.c).
 */
#ifndef XENMON_EXPORT_SECONDS_H
#define XENMON_EXPORT_SECONDS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "domfilter.h"
#include "steps.h"

/* Rows of [FROM, TO) (whole STEPS) for the domains DOMS selects, to F.  0, or -1 with
 * sqlite3_errmsg(DB) saying why (or *STOP set, or out of memory). */
int seconds_export(sqlite3 *db, const struct domfilter *doms,
		   int64_t from, int64_t to, struct steps *steps, bool json, FILE *f,
		   const volatile sig_atomic_t *stop);

#endif
