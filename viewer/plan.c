/*
 * The tiers a range is read from.
 *
 * Every figure of a range view is a sum (docs/metrics.md: the viewer shows
 * sums over the window and ratios of them), and a minute, hour or day row
 * holds exactly the sums of its seconds (daemon/rollup.c keeps them so).
 * So a range is read as whole UTC days in its middle, whole hours on
 * either side of them, then whole minutes, and seconds at its ragged ends,
 * and the sums are those the seconds would give: at most 2 x 23 hour rows,
 * 2 x 59 minute rows and 2 x 59 seconds more than the days, whatever its
 * length (a range of five years is some 1826 day rows).
 *
 * A tier stands for its seconds only over [from, to) of struct plan_tiers
 * (query.c fills it): from the oldest row retention left whole, up to the
 * hours' watermark for the tables that follow it (the hours and the days),
 * and never over the last seconds, which the sparklines and the last
 * second read anyway.
 *
 * Where the seconds of an end were pruned, no exact answer is left: the
 * end is widened to the whole minute (hour, day) that holds it, and the plan
 * says so, for the header to show the range actually read.
 */
#include "plan.h"

static int64_t floor_to(int64_t t, int64_t g)
{
	int64_t r = t % g;
	return r < 0 ? t - r - g : t - r;
}

static int64_t ceil_to(int64_t t, int64_t g)
{
	int64_t f = floor_to(t, g);
	return f == t ? t : f + g;
}

static int64_t grain(int tier)
{
	return metrics_tiers[tier].grain_s;
}

static void add(struct plan *p, int tier, int64_t from, int64_t to)
{
	if (from >= to || p->nseg >= PLAN_SEGS)
		return;
	p->seg[p->nseg++] = (struct plan_seg){ tier, from, to };
	if (grain(tier) > p->grain_s)
		p->grain_s = grain(tier);
}

/* [A, B) from TIER's whole rows inside it, the rest from finer tiers. */
static void cover(struct plan *p, const struct plan_tiers *av, int tier,
		  int64_t a, int64_t b)
{
	if (a >= b)
		return;
	if (tier == METRICS_1S) {
		add(p, tier, a, b);
		return;
	}
	int64_t g = grain(tier);
	int64_t lo = ceil_to(a, g), hi = floor_to(b, g);
	int64_t av_lo = ceil_to(av->from[tier], g), av_hi = floor_to(av->to[tier], g);
	if (lo < av_lo)
		lo = av_lo;
	if (hi > av_hi)
		hi = av_hi;
	if (lo >= hi) {
		cover(p, av, tier - 1, a, b);
		return;
	}
	cover(p, av, tier - 1, a, lo);
	add(p, tier, lo, hi);
	cover(p, av, tier - 1, hi, b);
}

/* Where second T of an end is pruned, the row of the finest tier holding
 * it whole, at GRAIN; 0 when the seconds will do. */
static int64_t widen_to(const struct plan_tiers *av, int64_t t)
{
	if (t >= av->from[METRICS_1S])
		return 0;
	for (int i = METRICS_1M; i < METRICS_TIERS; i++) {
		int64_t g = grain(i), row = floor_to(t, g);
		if (row >= av->from[i] && row + g <= av->to[i])
			return g;
	}
	return 0;
}

void plan_range(struct plan *p, const struct plan_tiers *av, int64_t first,
		int64_t end)
{
	*p = (struct plan){ .first = first, .end = end, .grain_s = 1,
			    .seconds_from = av->from[METRICS_1S] };
	int64_t g = widen_to(av, first);
	if (g && floor_to(first, g) != first) {
		p->first = floor_to(first, g);
		p->widened_s = g;
	}
	/* The seconds before END in its row: from the row's first one on. */
	g = widen_to(av, floor_to(end - 1, 60));
	if (g && ceil_to(end, g) != end) {
		p->end = ceil_to(end, g);
		if (g > p->widened_s)
			p->widened_s = g;
	}
	cover(p, av, METRICS_TIERS - 1, p->first, p->end);
}
