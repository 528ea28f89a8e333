/*
 * Where the steps of an export cut time.
 *
 * Steps of a second to an hour are multiples of their length since the
 * epoch: on every zone of whole hours, that is on the local clock too.  A
 * day is the operator's day, as sar's and journalctl's: from midnight on
 * the local wall clock (TZ) to the next one, so a day at a daylight-saving
 * change lasts 23 or 25 hours, and in a zone of half an hour's offset
 * (Asia/Kolkata) it starts at :30 of a UTC hour.  With -u a day is 86400
 * seconds from midnight UTC.
 *
 * A local day is found from the C library's zone rules alone: the first
 * second whose local date is the date of T, by bisection over the 27
 * hours before T (no day lasts longer), so that a midnight a change skips
 * (a zone that springs forward at 00:00) still gives the day a start, the
 * first second of its date.  The last day found is kept: rows come in
 * time order, and nearly every call is answered from it.
 */
#include "steps.h"

#include <time.h>

#define MAX_DAY_S (27 * 3600)

void steps_init(struct steps *sp, int64_t s, bool local_days)
{
	*sp = (struct steps){ .s = s, .local_days = local_days, .lo = 1, .hi = 0 };
}

/* T's local date as one number that grows with it. */
static long day_of(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return (long)(t / 86400);
	return (long)tm.tm_year * 400 + tm.tm_yday;
}

/* The first second in (LO, HI] whose date is at least DAY, given that
 * LO's is earlier and HI's is not. */
static int64_t first_of(int64_t lo, int64_t hi, long day)
{
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (day_of(mid) >= day)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* The local day that holds T into [SP->lo, SP->hi). */
static void find_day(struct steps *sp, int64_t t)
{
	if (sp->lo <= t && t < sp->hi)
		return;
	long day = day_of(t);
	sp->lo = first_of(t - MAX_DAY_S, t, day);
	sp->hi = first_of(t, t + MAX_DAY_S, day + 1);
}

static int64_t floor_to(int64_t t, int64_t s)
{
	return t - ((t % s) + s) % s;
}

int64_t steps_start(struct steps *sp, int64_t t)
{
	if (!sp->local_days)
		return floor_to(t, sp->s);
	find_day(sp, t);
	return sp->lo;
}

int64_t steps_next(struct steps *sp, int64_t t)
{
	if (!sp->local_days)
		return floor_to(t, sp->s) + sp->s;
	find_day(sp, t);
	return sp->hi;
}

bool steps_aligned(struct steps *sp, int64_t from, int64_t to, int64_t grain)
{
	if (!sp->local_days)
		return sp->s % grain == 0;
	for (int64_t t = steps_next(sp, from); t < to; t = steps_next(sp, t))
		if (floor_to(t, grain) != t)
			return false;
	return true;
}

static void sql_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct steps *sp = sqlite3_user_data(ctx);
	sqlite3_result_int64(ctx, steps_start(sp, sqlite3_value_int64(argv[0])));
}

int steps_register(struct steps *sp, sqlite3 *db)
{
	return sqlite3_create_function(db, "xm_step", 1,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC, sp,
				       sql_step, NULL, NULL) == SQLITE_OK ? 0 : -1;
}
