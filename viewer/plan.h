/*
 * Which tier reads which part of a range: the viewer's range views read
 * the coarsest rows that still give the range exactly (plan.c says how).
 * Pure arithmetic on times, no SQL, so that it is tested on its own.
 */
#ifndef XENMON_PLAN_H
#define XENMON_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"   /* METRICS_1S ... METRICS_1D */

/* Times beyond any stored second, that the arithmetic cannot overflow. */
#define PLAN_NEVER_BEFORE (-(INT64_C(1) << 60))
#define PLAN_NEVER_AFTER (INT64_C(1) << 60)

/* Where each tier's rows stand for their seconds: [from, to). */
struct plan_tiers {
	int64_t from[METRICS_TIERS], to[METRICS_TIERS];
};

struct plan_seg {
	int tier;
	int64_t from, to;     /* [from, to), whole rows of the tier */
};

/* Each tier's rows cover the middle of what is left to the finer ones,
 * which leaves them two parts at most: 2^TIERS - 1 segments. */
#define PLAN_SEGS (1 << METRICS_TIERS)
struct plan {
	int64_t first, end;   /* the range read, [first, end) */
	/* 0, or the grain of the rows the range was widened to at an end
	 * where its seconds were pruned. */
	int64_t widened_s;
	int64_t grain_s;      /* the coarsest rows read */
	int64_t seconds_from; /* the seconds are stored from this one */
	struct plan_seg seg[PLAN_SEGS];
	int nseg;
};

/* The segments covering [FIRST, END), in time order. */
void plan_range(struct plan *p, const struct plan_tiers *av, int64_t first,
		int64_t end);

#endif
