/*
 * Reading command-line times with SQLite's date functions on an in-memory
 * database: no date parser of our own to get wrong, and the text is only
 * ever a bound parameter.  The forms SQLite does not know (Unix seconds,
 * which it would take for a Julian day; 'today'; '-2h') are recognised
 * first by GLOB patterns.
 */
#include "timearg.h"

#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>
#include <sqlite3.h>

/* ?3 is 1 for UTC, 0 for local time: LOC takes a UTC time to the local
 * wall clock, UTC takes a wall-clock time back (SQLite's 'localtime' and
 * 'utc' modifiers, by the C library's zone rules, TZ included); in UTC
 * both are no-ops. */
#define LOC "CASE WHEN ?3 THEN '+0 seconds' ELSE 'localtime' END"
#define UTC "CASE WHEN ?3 THEN '+0 seconds' ELSE 'utc' END"

static const char SQL[] =
	"SELECT CASE"
	/* Unix seconds, maybe with a fraction */
	" WHEN ?1 GLOB '[0-9]*' AND ?1 NOT GLOB '*[^0-9.]*'"
	"  AND ?1 NOT GLOB '*.*.*' THEN CAST(?1 AS INTEGER)"
	" WHEN lower(?1) = 'now' THEN ?2"
	/* midnight on the wall clock: a day of 23 or 25 hours is one */
	" WHEN lower(?1) IN ('today', 'yesterday')"
	"  THEN unixepoch(?2, 'unixepoch', " LOC ", 'start of day',"
	"       CASE lower(?1) WHEN 'today' THEN '+0 days' ELSE '-1 days' END, "
	UTC ")"
	/* a bare HH:MM or HH:MM:SS is today's, as at(1) and sar -s read it */
	" WHEN ?1 GLOB '[0-2][0-9]:[0-5][0-9]' OR ?1 GLOB '[0-2][0-9]:[0-5][0-9]:[0-5][0-9]'"
	"  THEN unixepoch(date(?2, 'unixepoch', " LOC ") || ' ' || ?1, " UTC ")"
	/* +N or -N and one unit letter, N digits only */
	" WHEN ?1 GLOB '[-+][0-9]*[smhdw]'"
	"  AND substr(?1, 2, length(?1) - 2) NOT GLOB '*[^0-9]*'"
	"  THEN ?2 + CASE substr(?1, 1, 1) WHEN '-' THEN -1 ELSE 1 END"
	"   * CAST(substr(?1, 2, length(?1) - 2) AS INTEGER)"
	"   * CASE substr(?1, -1) WHEN 's' THEN 1 WHEN 'm' THEN 60"
	"      WHEN 'h' THEN 3600 WHEN 'd' THEN 86400 ELSE 604800 END"
	/* a time string: on the wall clock unless it names its zone (Z,
	 * +02:00), which SQLite's 'utc' then leaves alone; or a modifier
	 * ('start of month') applied to now on the wall clock */
	" ELSE coalesce(unixepoch(?1, " UTC "),"
	"               unixepoch(?2, 'unixepoch', " LOC ", ?1, " UTC "))"
	" END";

/* CAST clamps a string of 4000 digits to INT64_MAX, which callers would
 * step past (or, for xenmon -n, walk towards for ever): only times from
 * 1970 to the year 3000 are times of a recording. */
static int in_range(int64_t t)
{
	return t >= 0 && t <= TIMEARG_MAX;
}

int timearg_parse(const char *text, int64_t now, bool utc, int64_t *out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, SQL, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int(st, 3, utc);
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

static bool broken_down(int64_t t, bool utc, struct tm *tm)
{
	time_t tt = (time_t)t;
	if (!utc)
		return localtime_r(&tt, tm) != NULL;
	if (!gmtime_r(&tt, tm))
		return false;
	tm->tm_zone = "UTC";    /* %Z: gmtime_r() names it GMT; the tools say UTC */
	return true;
}

void timearg_strftime(char *buf, size_t n, int64_t t, bool utc,
		      const char *format)
{
	struct tm tm;
	if (!broken_down(t, utc, &tm) || !strftime(buf, n, format, &tm))
		snprintf(buf, n, "%lld", (long long)t);
}

void timearg_iso(char *buf, size_t n, int64_t t, bool utc)
{
	struct tm tm;
	size_t k;
	if (!broken_down(t, utc, &tm) ||
	    !(k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(buf, n, "%lld", (long long)t);
		return;
	}
	/* an offset of 0 is written Z: the same instant as UTC's */
	long off = utc ? 0 : tm.tm_gmtoff / 60;
	if (off)
		snprintf(buf + k, n - k, "%c%02ld:%02ld", off < 0 ? '-' : '+',
			 labs(off) / 60, labs(off) % 60);
	else
		snprintf(buf + k, n - k, "Z");
}
