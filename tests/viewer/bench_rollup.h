/* Roll the seconds [FROM, TO) of DB up as the daemon does: 0, or -1. */
#ifndef XENMON_BENCH_ROLLUP_H
#define XENMON_BENCH_ROLLUP_H

#include <sqlite3.h>
#include <stdint.h>

int bench_rollup(sqlite3 *db, int64_t from, int64_t to);

#endif
