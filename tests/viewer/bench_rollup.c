/*
 * The daemon's roll-up of a range of seconds, for bench_viewer: apart,
 * because the daemon's headers and the viewer's both name a struct
 * dom_row.
 */
#include "bench_rollup.h"

#include "rollup.h"

int bench_rollup(sqlite3 *db, int64_t from, int64_t to)
{
	struct rollup *r = rollup_new(db);
	int rc = r && rollup_range(r, from, to) == 0 ? 0 : -1;
	rollup_free(r);
	return rc;
}
