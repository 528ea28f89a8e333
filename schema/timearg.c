/*
 * Reading command-line times with SQLite's date functions on an in-memory
 * database: no date parser of our own to get wrong, and the text is only
 * ever a bound parameter.  The forms SQLite does not know (Unix seconds,
 * which it would take for a Julian day; 'today'; '-2h') are recognised
 * first by GLOB patterns.
 */
#include "timearg.h"

#include <stddef.h>
#include <sqlite3.h>

static const char SQL[] =
	"SELECT CASE"
	/* Unix seconds, maybe with a fraction */
	" WHEN ?1 GLOB '[0-9]*' AND ?1 NOT GLOB '*[^0-9.]*'"
	"  AND ?1 NOT GLOB '*.*.*' THEN CAST(?1 AS INTEGER)"
	" WHEN lower(?1) = 'now' THEN ?2"
	" WHEN lower(?1) IN ('today', 'yesterday')"
	"  THEN unixepoch(?2, 'unixepoch', 'start of day')"
	"       - CASE lower(?1) WHEN 'today' THEN 0 ELSE 86400 END"
	/* +N or -N and one unit letter, N digits only */
	" WHEN ?1 GLOB '[-+][0-9]*[smhdw]'"
	"  AND substr(?1, 2, length(?1) - 2) NOT GLOB '*[^0-9]*'"
	"  THEN ?2 + CASE substr(?1, 1, 1) WHEN '-' THEN -1 ELSE 1 END"
	"   * CAST(substr(?1, 2, length(?1) - 2) AS INTEGER)"
	"   * CASE substr(?1, -1) WHEN 's' THEN 1 WHEN 'm' THEN 60"
	"      WHEN 'h' THEN 3600 WHEN 'd' THEN 86400 ELSE 604800 END"
	" ELSE coalesce(unixepoch(?1), unixepoch(?2, 'unixepoch', ?1))"
	" END";

/* CAST clamps a string of 4000 digits to INT64_MAX, which callers would
 * step past (or, for xenmon -n, walk towards for ever): only times from
 * 1970 to the year 3000 are times of a recording. */
static int in_range(int64_t t)
{
	return t >= 0 && t <= TIMEARG_MAX;
}

int timearg_parse(const char *text, int64_t now, int64_t *out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, SQL, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) == SQLITE_INTEGER &&
		    in_range(sqlite3_column_int64(st, 0))) {
			*out = sqlite3_column_int64(st, 0);
			rc = 0;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
