/*
 * Building trace records in memory for the unit tests, and collecting the
 * seconds the engine emits.  Times are given in nanoseconds since the trace
 * start and turned into TSC at a fixed test frequency.
 */
#ifndef XENMON_TEST_RECS_H
#define XENMON_TEST_RECS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "account.h"
#include "metrics.h"
#include "trace.h"

#define MHZ 2000.0
#define TSC0 1000000000000ull          /* TSC does not start at zero */
#define S 1000000000ull
#define MS 1000000ull
#define T0 1700000000                  /* Unix time of the first record */
#define DOMV(d, v) (((uint32_t)(d) << 16) | (v))

static inline uint64_t tsc_at(uint64_t ns)
{
	return TSC0 + ns * (uint64_t)MHZ / 1000;
}

/* Every row of every emitted second, flattened. */
struct got {
	struct row { int64_t t; struct sample_row r; } rows[4096];
	size_t nrows;
	struct crow { int64_t t; struct cpu_row c; bool complete; } cpus[1024];
	size_t ncpus;
	struct drow { int64_t t; struct domain_row d; } doms[1024];
	size_t ndoms;
	size_t seconds;
	unsigned io_sources;    /* of the last second */
};

static inline int got_emit(void *ctx, const struct second *s)
{
	struct got *g = ctx;
	g->seconds++;
	g->io_sources = s->io_sources;
	for (size_t i = 0; i < s->nsamples && g->nrows < 4096; i++)
		g->rows[g->nrows++] = (struct row){ s->t, s->samples[i] };
	for (size_t i = 0; i < s->ncpus && g->ncpus < 1024; i++)
		g->cpus[g->ncpus++] = (struct crow){ s->t, s->cpus[i], s->complete };
	for (size_t i = 0; i < s->ndoms && g->ndoms < 1024; i++)
		g->doms[g->ndoms++] = (struct drow){ s->t, s->doms[i] };
	return 0;
}

static inline struct acct *new_acct(struct got *g, int64_t anchor_ns)
{
	memset(g, 0, sizeof *g);
	struct acct_config cfg = { .cpu_mhz = MHZ, .anchor_unix_ns = anchor_ns,
				   .emit = got_emit, .ctx = g };
	struct acct *a = acct_new(&cfg);
	assert_non_null(a);
	return a;
}

/* Feed one record: event, time in ns, then its words. */
static inline void feed(struct acct *a, unsigned cpu, uint64_t ns, uint32_t ev,
			unsigned n, ...)
{
	uint32_t w[7];
	va_list ap;
	va_start(ap, n);
	for (unsigned i = 0; i < n; i++)
		w[i] = va_arg(ap, uint32_t);
	va_end(ap);
	uint32_t hdr = ev | (n << 28) | (1u << 31);
	acct_record(a, cpu, tsc_at(ns), hdr, (const uint8_t *)w);
}

static inline void rs(struct acct *a, unsigned cpu, uint64_t ns, unsigned dom,
		      unsigned v, unsigned old, unsigned new)
{
	feed(a, cpu, ns, TRC_SCHED_RUNSTATE_CHANGE | old << 8 | new << 4, 1,
	     DOMV(dom, v));
}

static inline const struct sample_row *find(const struct got *g, int64_t t,
					    unsigned cpu, unsigned dom)
{
	for (size_t i = 0; i < g->nrows; i++)
		if (g->rows[i].t == t && g->rows[i].r.cpu == cpu &&
		    g->rows[i].r.domid == dom)
			return &g->rows[i].r;
	return NULL;
}

static inline const struct cpu_row *find_cpu(const struct got *g, int64_t t,
					     unsigned cpu)
{
	for (size_t i = 0; i < g->ncpus; i++)
		if (g->cpus[i].t == t && g->cpus[i].c.cpu == cpu)
			return &g->cpus[i].c;
	return NULL;
}

/* Sum of a column for (t, domain) over CPUs. */
#define SUM(g, t, dom, col) ({ uint64_t s_ = 0; \
	for (size_t i_ = 0; i_ < (g)->nrows; i_++) \
		if ((g)->rows[i_].t == (t) && (g)->rows[i_].r.domid == (dom)) \
			s_ += (g)->rows[i_].r.col; \
	s_; })

/* A zero word: a malformed record at its CPU's last time. */
static inline void feed_zero(struct acct *a, unsigned cpu, uint64_t ns)
{
	static const uint32_t none[1];
	acct_record(a, cpu, tsc_at(ns), 0, (const uint8_t *)none);
}

/* Invariant 1: per CPU and complete second, running + sched = observed;
 * where records were lost or malformed, at most observed. */
static inline void check_cpu_sums(const struct got *g)
{
	for (size_t i = 0; i < g->ncpus; i++) {
		uint64_t sum = g->cpus[i].c.sched_ns;
		for (size_t j = 0; j < g->nrows; j++)
			if (g->rows[j].t == g->cpus[i].t &&
			    g->rows[j].r.cpu == g->cpus[i].c.cpu)
				sum += g->rows[j].r.cpu_ns;
		if (g->cpus[i].c.lost_records == 0 &&
		    g->cpus[i].c.malformed_records == 0)
			assert_int_equal(sum, g->cpus[i].c.observed_ns);
		else
			assert_true(sum <= g->cpus[i].c.observed_ns);
	}
}

#endif
