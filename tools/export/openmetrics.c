#include "openmetrics.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "families.h"

/* A series' totals, by METRICS_I_*, at the end of a step. */
struct point {
	int64_t t;                /* the step's end */
	uint64_t v[METRICS_NSAMPLE];  /* totals since the range's start */
};

struct series {
	char *name;
	struct point *p;
	size_t n, cap;
};

static struct {
	bool on, failed;
	unsigned io_sources;      /* the I/O families written */
	struct series *s;
	size_t n, cap;
} held;

void openmetrics_begin(unsigned io_sources)
{
	held.on = true;
	held.io_sources = io_sources;
}

static struct series *series_of(const char *name)
{
	for (size_t i = 0; i < held.n; i++)
		if (strcmp(held.s[i].name, name) == 0)
			return &held.s[i];
	if (held.n == held.cap) {
		size_t cap = held.cap ? 2 * held.cap : 16;
		void *p = realloc(held.s, cap * sizeof *held.s);
		if (!p)
			return NULL;
		held.s = p;
		held.cap = cap;
	}
	struct series *s = &held.s[held.n];
	*s = (struct series){ .name = strdup(name) };
	if (!s->name)
		return NULL;
	held.n++;
	return s;
}

/* The series' point at T: a new one carrying the totals on, or the last
 * one when another lifetime of the same name had a row in the step. */
static struct point *point_at(struct series *s, int64_t t)
{
	if (s->n && s->p[s->n - 1].t == t)
		return &s->p[s->n - 1];
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		void *p = realloc(s->p, cap * sizeof *s->p);
		if (!p)
			return NULL;
		s->p = p;
		s->cap = cap;
	}
	struct point *pt = &s->p[s->n];
	if (s->n)
		*pt = s->p[s->n - 1];
	else
		memset(pt, 0, sizeof *pt);
	pt->t = t;
	s->n++;
	return pt;
}

/* The row's sums added to the totals (a negative sum, which a damaged
 * database could hold, counts as 0: a counter never goes back). */
#define ADD_ONE(name) \
	p->v[METRICS_I_##name] += (uint64_t)(s->name > 0 ? s->name : 0);
#define ADD_X(name, ctype, rollup, ...) METRICS_SUMMED(rollup)(ADD_ONE, name)
static void add_sums(struct point *p, const struct sums *s)
{
	METRICS_SAMPLE(ADD_X)
}

bool openmetrics_take(const struct row *r, int64_t step_s)
{
	if (!held.on)
		return false;
	struct series *s = held.failed ? NULL : series_of(r->name);
	struct point *p = s ? point_at(s, r->t + step_s) : NULL;
	if (!p) {
		held.failed = true;
		return true;
	}
	add_sums(p, &r->s);
	return true;
}

static void put_family(FILE *f, const struct metrics_family *fam)
{
	metrics_family_header(f, fam, "counter", true);
	for (size_t k = 0; k < fam->nparts; k++)
		for (size_t i = 0; i < held.n; i++) {
			const struct series *s = &held.s[i];
			for (size_t j = 0; j < s->n; j++) {
				fprintf(f, "%s_total{", fam->name);
				metrics_family_label(f, "domain", s->name);
				if (fam->parts[k].state)
					fprintf(f, ",state=\"%s\"",
						fam->parts[k].state);
				fputc('}', f);
				metrics_family_value(
					f, fam, s->p[j].v[fam->parts[k].metric]);
				fprintf(f, " %" PRId64 "\n", s->p[j].t);
			}
		}
}

int openmetrics_finish(FILE *f)
{
	for (size_t k = 0; !held.failed && k < metrics_ndomain_families; k++)
		if (metrics_family_shown(&metrics_domain_families[k],
					 held.io_sources))
			put_family(f, &metrics_domain_families[k]);
	if (!held.failed)
		fputs("# EOF\n", f);
	for (size_t i = 0; i < held.n; i++) {
		free(held.s[i].name);
		free(held.s[i].p);
	}
	free(held.s);
	int rc = held.failed ? -1 : 0;
	memset(&held, 0, sizeof held);
	return rc;
}
