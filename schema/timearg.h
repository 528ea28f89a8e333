/*
 * Times given on the command line (--from, --to), read by SQLite's own date
 * functions so that every form the sqlite3 shell accepts works here too.
 */
#ifndef XENMON_TIMEARG_H
#define XENMON_TIMEARG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * TEXT as Unix seconds: Unix seconds (a fraction is dropped), any time
 * string SQLite reads ('2024-05-01 14:00', '2024-05-01T14:00:00Z'), a bare
 * 'HH:MM' or 'HH:MM:SS' (today's), 'now', 'today', 'yesterday' (their
 * midnight), NOW plus or minus an amount ('-2h', '+30m', '-90s', '-1d',
 * '-2w'), or an SQLite modifier applied to NOW ('-90 minutes', 'start of
 * month').  A time without a zone of its own is on the local wall clock
 * (TZ, as sar and journalctl read it), or in UTC when UTC is true.  0, or
 * -1 when TEXT is none of those or is outside 0 .. TIMEARG_MAX.
 */
#define TIMEARG_MAX INT64_C(32503680000)  /* 3000-01-01 00:00:00 UTC */

int timearg_parse(const char *text, int64_t now, bool utc, int64_t *out);

/*
 * Times shown, on the same clock as they are read: the local wall clock,
 * or UTC when UTC is true.  timearg_strftime() writes T in strftime()'s
 * FORMAT (%Z names the zone: CET, UTC); timearg_iso() as ISO 8601 with
 * the offset (2023-11-15T01:13:20+01:00, or ...Z in UTC), as scripts and
 * spreadsheets read it.  Both write T's digits if it cannot be shown.
 */
void timearg_strftime(char *buf, size_t n, int64_t t, bool utc,
		      const char *format);
void timearg_iso(char *buf, size_t n, int64_t t, bool utc);

#endif
