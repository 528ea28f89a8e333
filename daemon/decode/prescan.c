#include "prescan.h"
#include "decode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SAMPLES (1u << 18)
#define MAX_RATIO_SPREAD 0.02

void prescan_free(struct prescan *p)
{
	free(p->c);
	free(p->ticks);
	free(p->ran);
	free(p->h);
	memset(p, 0, sizeof *p);
}

static void sample(struct prescan *p, uint64_t ticks, uint32_t ran)
{
	if (p->n == MAX_SAMPLES || ran == 0 || ticks == 0)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		uint64_t *t = realloc(p->ticks, cap * sizeof *t);
		uint32_t *r = t ? realloc(p->ran, cap * sizeof *r) : NULL;
		if (t)
			p->ticks = t;
		if (!r) {
			p->oom = true;
			return;
		}
		p->ran = r;
		p->cap = cap;
	}
	p->ticks[p->n] = ticks;
	p->ran[p->n++] = ran;
	p->sum_ran_ns += ran;
}

/* Keys are (domid << 16 | vcpu) + 1: the low bits of a product see only
 * the vCPU number, so take the middle of a 64-bit one. */
static size_t slot_of(uint32_t key, size_t cap)
{
	return (size_t)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static int hint_put(struct prescan *p, uint32_t key, unsigned cpu,
		    unsigned state, uint64_t tsc)
{
	if ((p->hn + 1) * 2 > p->hcap) {
		size_t cap = p->hcap ? p->hcap * 2 : 256;
		struct hint *h = calloc(cap, sizeof *h);
		if (!h)
			return -1;
		for (size_t i = 0; i < p->hcap; i++) {
			if (!p->h[i].key)
				continue;
			size_t j = slot_of(p->h[i].key, cap);
			while (h[j].key)
				j = (j + 1) & (cap - 1);
			h[j] = p->h[i];
		}
		free(p->h);
		p->h = h;
		p->hcap = cap;
	}
	size_t j = slot_of(key, p->hcap);
	while (p->h[j].key && p->h[j].key != key)
		j = (j + 1) & (p->hcap - 1);
	if (p->h[j].key && p->h[j].tsc <= tsc)
		return 0;
	if (!p->h[j].key)
		p->hn++;
	p->h[j] = (struct hint){ .key = key, .cpu = (uint16_t)cpu,
				 .state = (uint8_t)state, .tsc = tsc };
	return 0;
}

static void look(struct prescan *p, struct prescan_cpu *c, unsigned cpu,
		 uint32_t hdr, uint64_t tsc, const uint8_t *w)
{
	uint32_t ev = TRACE_HDR_EVENT(hdr), n = TRACE_HDR_NWORDS(hdr);

	if (TRACE_IS_RUNSTATE(ev) && n == 1 && TRACE_RS_OLD(ev) <= RS_OFFLINE) {
		uint32_t x = trace_load32(w);
		if (hint_put(p, x + 1, cpu, TRACE_RS_OLD(ev), tsc) < 0)
			p->oom = true;
	} else if (ev == TRC_SCHED_CONTINUE_RUNNING && n == 1) {
		uint32_t x = trace_load32(w);
		if (hint_put(p, x + 1, cpu, RS_RUNNING, tsc) < 0)
			p->oom = true;
	} else if (ev == TRC_SCHED_SWITCH_INFNEXT && (n == 4 || n == 3)) {
		c->nx_valid = true;
		c->nx_old = n == 3;
		c->nx_dom = trace_load32(w);
		c->nx_unit = n == 4 ? trace_load32(w + 4) : 0;
		c->nx_tsc = tsc;
	} else if (ev == TRC_SCHED_SWITCH_INFPREV && (n == 3 || n == 2)) {
		bool old = n == 2;
		if (c->nx_valid && c->nx_old == old && c->nx_dom == trace_load32(w) &&
		    (old || c->nx_unit == trace_load32(w + 4)) && tsc > c->nx_tsc)
			sample(p, tsc - c->nx_tsc, trace_load32(w + 4 * (n - 1)));
		c->nx_valid = false;
	}
}

/*
 * The TSCs are guarded as the merge guards them (tsc_guard_check), so that
 * a flipped bit does not stretch the span a file's start time is reckoned
 * from.  The frequency is not known yet: a second is taken as 2^30 ticks
 * and an hour as 2^44 (an hour at 4.9 GHz; two at 2.4), which differ from
 * the merge's only for a corrupt TSC that is not a lone one.
 */
#define GUARD_SUSPECT (1ull << 30)
#define GUARD_MAX_JUMP (1ull << 44)

int prescan_walk(struct prescan *p, struct input *in)
{
	if (!p->guard.suspect) {
		p->guard.suspect = GUARD_SUSPECT;
		p->guard.max_jump = GUARD_MAX_JUMP;
	}
	if (in->ncpus > p->ncpus) {
		struct prescan_cpu *c = realloc(p->c, in->ncpus * sizeof *c);
		if (!c)
			return -1;
		memset(c + p->ncpus, 0, (in->ncpus - p->ncpus) * sizeof *c);
		p->c = c;
		p->ncpus = in->ncpus;
	}
	for (unsigned cpu = 0; cpu < in->ncpus; cpu++) {
		struct prescan_cpu *c = &p->c[cpu];
		if (!in->cpus[cpu].present)
			continue;
		if (c->pos < in->cpus[cpu].head)
			c->pos = in->cpus[cpu].head;
		for (;;) {
			uint64_t avail;
			const uint8_t *r = input_peek(in, cpu, c->pos, &avail);
			struct trace_rec rec;
			if (avail < 4 || !trace_next(r, r + avail, c->known,
						     c->last_tsc, &p->guard, &rec))
				break;
			if (TRACE_HDR_HAS_TSC(rec.hdr)) {
				if (!p->have_tsc || rec.tsc < p->min_tsc)
					p->min_tsc = rec.tsc;
				if (!p->have_tsc || rec.tsc > p->max_tsc)
					p->max_tsc = rec.tsc;
				p->have_tsc = true;
				c->known = true;
				c->last_tsc = rec.tsc;
			}
			if (c->known)
				look(p, c, cpu, rec.hdr, rec.tsc,
				     trace_words(r, rec.hdr));
			c->pos += rec.size;
		}
	}
	return p->oom ? -1 : 0;
}

uint64_t prescan_horizon(const struct prescan *p)
{
	uint64_t h = 0;
	bool any = false;
	for (unsigned i = 0; i < p->ncpus; i++) {
		if (!p->c[i].known)
			continue;
		if (!any || p->c[i].last_tsc < h)
			h = p->c[i].last_tsc;
		any = true;
	}
	return h;
}

static int dbl_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/*
 * INFPREV's ran_ns and the TSC distance between the two records differ by a
 * roughly constant amount per execution (the records are written a few
 * hundred ns after the instant Xen measured, and not at the same point of
 * the switch), which biases a plain ratio on short executions.  So fit
 * ticks = k * ran + c by least squares and take the slope k; the median
 * ratio first sets aside samples that are plainly wrong.
 */
int prescan_mhz(const struct prescan *p, double *mhz, size_t *used)
{
	if (p->n < 8)
		return -1;
	double *r = malloc(p->n * sizeof *r);
	if (!r)
		return -1;
	for (size_t i = 0; i < p->n; i++)
		r[i] = (double)p->ticks[i] / p->ran[i];
	qsort(r, p->n, sizeof *r, dbl_cmp);
	double med = r[p->n / 2];
	free(r);

	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		double x = p->ran[i], y = (double)p->ticks[i];
		if (fabs(y - med * x) > MAX_RATIO_SPREAD * med * x + med * 50000.0)
			continue;
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
		k++;
	}
	if (k < 8 || sx <= 0)
		return -1;
	double n = (double)k, vx = sxx - sx * sx / n;
	double slope = sy / sx;
	/* Executions of (nearly) one length say nothing about an offset. */
	if (vx > 1e-4 * sxx)
		slope = (sxy - sx * sy / n) / vx;
	if (!(slope > 0))
		return -1;
	*mhz = slope * 1000.0;
	*used = k;
	return 0;
}

/* A cheap estimate, good enough to decide how far a walk has gone. */
double prescan_rough_mhz(const struct prescan *p)
{
	double t = 0, ns = 0;
	for (size_t i = 0; i < p->n; i++) {
		t += (double)p->ticks[i];
		ns += p->ran[i];
	}
	return ns > 0 ? t / ns * 1000.0 : 0;
}

int prescan_hints(const struct prescan *p, struct acct *a, uint64_t horizon)
{
	for (size_t i = 0; i < p->hcap; i++) {
		const struct hint *h = &p->h[i];
		if (!h->key || h->tsc > horizon)
			continue;
		uint32_t x = h->key - 1;
		if ((x & 0xffff) >= TRACE_MAX_VCPUS)
			continue;
		if (acct_hint(a, h->cpu, (uint16_t)(x >> 16), (uint16_t)(x & 0xffff),
			      (enum runstate)h->state) < 0)
			return -1;
	}
	return 0;
}

bool prescan_covers(const struct prescan *p, double mhz, double seconds)
{
	double m = mhz > 0 ? mhz : prescan_rough_mhz(p);
	uint64_t h = prescan_horizon(p);
	return m > 0 && p->have_tsc && h > p->min_tsc &&
	       (double)(h - p->min_tsc) >= seconds * m * 1e6;
}

int prescan_file(struct prescan *p, const char *path, double mhz,
		 double head_seconds, bool whole, char *err, size_t errlen)
{
	struct input in;
	int rc;

	if (input_open(&in, path, err, errlen) < 0)
		return -1;
	do {
		rc = input_fill(&in);
		if (prescan_walk(p, &in) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			input_close(&in);
			return -1;
		}
		for (unsigned cpu = 0; cpu < in.ncpus; cpu++)
			if (in.cpus[cpu].present)
				input_consume(&in, cpu, p->c[cpu].pos);
		if (!whole && prescan_covers(p, mhz, head_seconds))
			break;
	} while (rc > 0);  /* a bad tail is the main pass's to report */
	input_close(&in);
	return 0;
}
