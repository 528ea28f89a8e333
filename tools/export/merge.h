/*
 * Steps read from the roll-up tables (see merge.c).
 */
#ifndef XENMON_EXPORT_MERGE_H
#define XENMON_EXPORT_MERGE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

/* Rows of [FROM, TO) at STEP_S from SAMPLE/CPU (a roll-up table pair, names
 * from the program, never input), for DOMS (JSON array, NULL: all), to F.
 * 0, or -1 with sqlite3_errmsg(DB) saying why (or *STOP set). */
int merge_export(sqlite3 *db, const char *sample, const char *cpu,
		 const char *doms, int64_t from, int64_t to, int64_t step_s,
		 bool json, FILE *f, const volatile sig_atomic_t *stop);

#endif
