/*
 * viewer/plan.c on its own: which tier reads which part of a range.  For
 * many ranges and availabilities, the segments must tile the range read
 * without gap or overlap, each roll-up segment must be whole rows its tier
 * holds, and a range whose seconds are kept must be read as asked, with no
 * more than 2 x 59 minute rows and 2 x 59 seconds besides the hours (and
 * 2 x 23 hour rows besides the days).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "plan.h"

#define H INT64_C(1700006400)   /* an hour, and a UTC day */
#define D INT64_C(86400)

static struct plan_tiers all_tiers(void)
{
	struct plan_tiers av;
	for (int i = 0; i < METRICS_TIERS; i++) {
		av.from[i] = PLAN_NEVER_BEFORE;
		av.to[i] = PLAN_NEVER_AFTER;
	}
	return av;
}

static void check_tiles(const struct plan *p, const struct plan_tiers *av)
{
	int64_t t = p->first, rows[METRICS_TIERS] = { 0 };
	assert_true(p->nseg > 0);
	for (int i = 0; i < p->nseg; i++) {
		const struct plan_seg *s = &p->seg[i];
		int64_t g = metrics_tiers[s->tier].grain_s;
		assert_int_equal(s->from, t);
		assert_true(s->to > s->from);
		assert_int_equal(s->from % g, 0);
		assert_int_equal(s->to % g, 0);
		if (s->tier != METRICS_1S) {
			assert_true(s->from >= av->from[s->tier]);
			assert_true(s->to <= av->to[s->tier]);
		}
		rows[s->tier] += (s->to - s->from) / g;
		t = s->to;
	}
	assert_int_equal(t, p->end);
	if (av->to[METRICS_1M] >= p->end && av->to[METRICS_1H] >= p->end &&
	    av->from[METRICS_1S] <= p->first) {
		assert_true(rows[METRICS_1S] <= 2 * 59);
		assert_true(rows[METRICS_1M] <= 2 * 59);
		if (av->to[METRICS_1D] >= p->end)
			assert_true(rows[METRICS_1H] <= 2 * 23);
	}
}

static void seconds_alone(void **state)
{
	(void)state;
	struct plan_tiers av = all_tiers();
	struct plan p;
	for (int i = METRICS_1M; i < METRICS_TIERS; i++) {
		av.from[i] = PLAN_NEVER_AFTER;
		av.to[i] = PLAN_NEVER_BEFORE;
	}
	plan_range(&p, &av, H + 17, H + 7 * 3600 + 5);
	assert_int_equal(p.nseg, 1);
	assert_int_equal(p.seg[0].tier, METRICS_1S);
	assert_int_equal(p.grain_s, 1);
	assert_int_equal(p.widened_s, 0);
}

static void hours_minutes_seconds(void **state)
{
	(void)state;
	struct plan_tiers av = all_tiers();
	struct plan p;
	plan_range(&p, &av, H - 3600 + 17, H + 3 * 3600 + 77);
	check_tiles(&p, &av);
	int want[] = { METRICS_1S, METRICS_1M, METRICS_1H, METRICS_1M, METRICS_1S };
	assert_int_equal(p.nseg, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(p.seg[i].tier, want[i]);
	assert_int_equal(p.seg[2].from, H);
	assert_int_equal(p.seg[2].to, H + 3 * 3600);
	assert_int_equal(p.grain_s, 3600);
	assert_int_equal(p.first, H - 3600 + 17);
	assert_int_equal(p.end, H + 3 * 3600 + 77);
}

/* The hours stop at the watermark: minutes after it. */
static void watermark(void **state)
{
	(void)state;
	struct plan_tiers av = all_tiers();
	struct plan p;
	av.to[METRICS_1H] = H + 3600 + 120;
	plan_range(&p, &av, H, H + 3 * 3600);
	check_tiles(&p, &av);
	assert_int_equal(p.seg[0].tier, METRICS_1H);
	assert_int_equal(p.seg[0].to, H + 3600);
	assert_int_equal(p.seg[1].tier, METRICS_1M);
	assert_int_equal(p.seg[1].to, H + 3 * 3600);
}

/* Seconds pruned: the end widened to the minute, or the hour where the
 * minutes are pruned too. */
static void pruned(void **state)
{
	(void)state;
	struct plan_tiers av = all_tiers();
	struct plan p;
	av.from[METRICS_1S] = H + 7200;
	plan_range(&p, &av, H + 125, H + 9000 + 7);
	check_tiles(&p, &av);
	assert_int_equal(p.first, H + 120);
	assert_int_equal(p.end, H + 9007);
	assert_int_equal(p.widened_s, 60);
	assert_int_not_equal(p.seg[0].tier, METRICS_1S);

	av.from[METRICS_1M] = H + 3600;
	plan_range(&p, &av, H + 125, H + 200);
	check_tiles(&p, &av);
	assert_int_equal(p.first, H);
	assert_int_equal(p.end, H + 3600);
	assert_int_equal(p.widened_s, 3600);
}

/* A long range: whole UTC days in the middle, so that its rows are as
 * few for five years as for a week, beyond the ends' hours, minutes and
 * seconds. */
static void days_hours_minutes_seconds(void **state)
{
	(void)state;
	struct plan_tiers av = all_tiers();
	struct plan p;
	int64_t first = H - 3 * 3600 - 120 + 17;
	int64_t end = H + 5 * 365 * D + 7200 + 120 + 77;
	plan_range(&p, &av, first, end);
	check_tiles(&p, &av);
	int want[] = { METRICS_1S, METRICS_1M, METRICS_1H, METRICS_1D,
		       METRICS_1H, METRICS_1M, METRICS_1S };
	assert_int_equal(p.nseg, 7);
	for (int i = 0; i < 7; i++)
		assert_int_equal(p.seg[i].tier, want[i]);
	assert_int_equal(p.seg[3].from, H);
	assert_int_equal(p.seg[3].to, H + 5 * 365 * D);
	assert_int_equal(p.grain_s, D);
	assert_int_equal(p.first, first);
	assert_int_equal(p.end, end);

	/* the days stop at the watermark, like the hours: hours after it */
	av.to[METRICS_1D] = av.to[METRICS_1H] = H + 10 * D + 3600 + 120;
	plan_range(&p, &av, H, H + 12 * D);
	check_tiles(&p, &av);
	assert_int_equal(p.seg[0].tier, METRICS_1D);
	assert_int_equal(p.seg[0].to, H + 10 * D);
	assert_int_equal(p.seg[1].tier, METRICS_1H);
	assert_int_equal(p.seg[1].to, H + 10 * D + 3600);
}

/* Seconds, minutes and hours pruned where days are kept: the end widened
 * to the day. */
static void pruned_to_the_day(void **state)
{
	(void)state;
	struct plan_tiers av = all_tiers();
	struct plan p;
	av.from[METRICS_1S] = av.from[METRICS_1M] = av.from[METRICS_1H] =
		H + 30 * D;
	plan_range(&p, &av, H + 3 * D + 125, H + 40 * D + 7);
	check_tiles(&p, &av);
	assert_int_equal(p.first, H + 3 * D);
	assert_int_equal(p.end, H + 40 * D + 7);
	assert_int_equal(p.widened_s, D);
	assert_int_equal(p.seg[0].tier, METRICS_1D);
}

/* [FIRST, END) planned: a tiling of it, as asked where its seconds are
 * kept, else widened and said so. */
static void check_range(const struct plan_tiers *av, int64_t first, int64_t end)
{
	struct plan p;
	plan_range(&p, av, first, end);
	check_tiles(&p, av);
	assert_true(p.first <= first && p.end >= end);
	if (first >= av->from[METRICS_1S])
		assert_int_equal(p.first, first);
	if (p.first != first || p.end != end)
		assert_true(p.widened_s >= 60);
}

/* Many ranges and availabilities: always a tiling. */
static void tilings(void **state)
{
	(void)state;
	srand(16);
	for (int n = 0; n < 20000; n++) {
		struct plan_tiers av = all_tiers();
		av.from[METRICS_1S] = H + rand() % 40000 - 20000;
		av.from[METRICS_1M] = av.from[METRICS_1S] - rand() % 20000;
		av.from[METRICS_1H] = av.from[METRICS_1M] - rand() % 20000;
		av.to[METRICS_1H] = H + rand() % 100000;
		av.to[METRICS_1M] = rand() % 2 ? av.to[METRICS_1H] : PLAN_NEVER_AFTER;
		int64_t first = H + rand() % 80000 - 40000;
		check_range(&av, first, first + 1 + rand() % 60000);
	}
}

/* The same with days, over ranges of up to a year. */
static void tilings_days(void **state)
{
	(void)state;
	srand(17);
	for (int n = 0; n < 20000; n++) {
		struct plan_tiers av = all_tiers();
		int64_t r = rand() % 2 ? D : 30 * D;
		av.from[METRICS_1S] = H + rand() % (2 * r) - r;
		for (int i = METRICS_1M; i < METRICS_TIERS; i++)
			av.from[i] = av.from[i - 1] - rand() % r;
		av.to[METRICS_1H] = H + rand() % (5 * r);
		av.to[METRICS_1D] = rand() % 2 ? av.to[METRICS_1H] :
				    H + rand() % (5 * r);
		av.to[METRICS_1M] = rand() % 2 ? av.to[METRICS_1H] : PLAN_NEVER_AFTER;
		int64_t first = H + rand() % (4 * r) - 2 * r;
		check_range(&av, first, first + 1 + rand() % (12 * r));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seconds_alone),
		cmocka_unit_test(hours_minutes_seconds),
		cmocka_unit_test(watermark),
		cmocka_unit_test(pruned),
		cmocka_unit_test(tilings),
		cmocka_unit_test(days_hours_minutes_seconds),
		cmocka_unit_test(pruned_to_the_day),
		cmocka_unit_test(tilings_days),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
