/*
 * How a roll-up row is added to the one already stored for its (t, domid)
 * or (t, cpu):
 * the SQL that the roll-ups (rollup.c) and the unpacking of packed rows
 * (packer.c) both write with, so a row moved back beside one written since
 * adds up the same way.
 */
#ifndef XENMON_UPSERT_H
#define XENMON_UPSERT_H

#include "metrics.h"

#define ADD_SUM(n) ", " #n " = " #n " + excluded." #n
#define ADD_MIN(n) \
	", " #n " = coalesce(min(" #n ", excluded." #n "), " #n ", excluded." #n ")"
#define ADD_MAX(n) \
	", " #n " = coalesce(max(" #n ", excluded." #n "), " #n ", excluded." #n ")"
#define ADD(name, ctype, rollup, ...) ADD_##rollup(name)
#define ADD_CPU_COL(name, ...) ADD_SUM(name)

/* The columns of a roll-up row; the peak rises. */
#define SAMPLE_COLUMNS \
	"t, domid, seconds" METRICS_SAMPLE(METRICS_COLUMN) \
	", " METRICS_SAMPLE_ROLLUP_ONLY
#define ADD_SAMPLE \
	" ON CONFLICT (t, domid) DO UPDATE SET" \
	"  seconds = seconds + excluded.seconds" METRICS_SAMPLE(ADD) "," \
	"  cpu_peak_ns = max(cpu_peak_ns, excluded.cpu_peak_ns),"
/* And of a CPU's row, for its (t, cpu): sums. */
#define CPU_COLUMNS "t, cpu, seconds" METRICS_CPU(METRICS_COLUMN)
#define ADD_CPU \
	" ON CONFLICT (t, cpu) DO UPDATE SET" \
	"  seconds = seconds + excluded.seconds" METRICS_CPU(ADD_CPU_COL)
/* TABLE's histogram and the new row's, merged bin by bin (schema/hist.h:
 * packed, merged by the connection's function). */
#define MERGE_HIST(table) \
	" xenmon_hist_merge(" table ".cpu_pct_hist, excluded.cpu_pct_hist)"

#endif
