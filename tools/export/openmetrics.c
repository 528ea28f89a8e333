#include "openmetrics.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The counters a row adds to, in the order of the families below. */
enum { RUNNING, RUNNABLE, BLOCKED, DISPATCHES, IO, SLICE, NCOUNTERS };

struct point {
	int64_t t;                /* the step's end */
	uint64_t v[NCOUNTERS];    /* totals since the range's start */
};

struct series {
	char *name;
	struct point *p;
	size_t n, cap;
};

static struct {
	bool on, failed;
	struct series *s;
	size_t n, cap;
} held;

static const struct {
	const char *family, *unit, *help, *label;
	int counter;
} FAMILIES[] = {
	{ "xen_domain_cpu_seconds", "seconds", "Time the domain's vCPUs spent "
	  "running, runnable (waiting for a physical CPU) and blocked, summed "
	  "over its vCPUs", "running", RUNNING },
	{ NULL, NULL, NULL, "runnable", RUNNABLE },
	{ NULL, NULL, NULL, "blocked", BLOCKED },
	{ "xen_domain_dispatches", NULL, "Executions: switch-ins of the "
	  "domain's vCPUs", NULL, DISPATCHES },
	{ "xen_domain_io_operations", NULL, "I/O operations: grant map and "
	  "transfer records", NULL, IO },
	{ "xen_domain_allocated_slice_seconds", "seconds", "Time slices the "
	  "scheduler gave the domain's executions, bounded ones", NULL, SLICE },
};
#define NFAMILIES (sizeof FAMILIES / sizeof FAMILIES[0])

void openmetrics_begin(void)
{
	held.on = true;
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
	const int64_t add[NCOUNTERS] = {
		[RUNNING] = r->s.cpu_ns, [RUNNABLE] = r->s.wait_ns,
		[BLOCKED] = r->s.blocked_ns, [DISPATCHES] = r->s.exec_count,
		[IO] = r->s.io_count, [SLICE] = r->s.alloc_ns,
	};
	for (int i = 0; i < NCOUNTERS; i++)
		p->v[i] += (uint64_t)(add[i] > 0 ? add[i] : 0);
	return true;
}

/* A domain's name as a label value. */
static void put_name(FILE *f, const char *name)
{
	fputs("domain=\"", f);
	for (const char *c = name; *c; c++) {
		if (*c == '\\' || *c == '"')
			fputc('\\', f);
		if (*c == '\n')
			fputs("\\n", f);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static void put_family(FILE *f, size_t k, const char *family, bool seconds)
{
	for (size_t i = 0; i < held.n; i++) {
		const struct series *s = &held.s[i];
		for (size_t j = 0; j < s->n; j++) {
			uint64_t v = s->p[j].v[FAMILIES[k].counter];
			fprintf(f, "%s_total{", family);
			put_name(f, s->name);
			if (FAMILIES[k].label)
				fprintf(f, ",state=\"%s\"", FAMILIES[k].label);
			if (seconds)
				fprintf(f, "} %" PRIu64 ".%09" PRIu64, v / 1000000000u,
					v % 1000000000u);
			else
				fprintf(f, "} %" PRIu64, v);
			fprintf(f, " %" PRId64 "\n", s->p[j].t);
		}
	}
}

int openmetrics_finish(FILE *f)
{
	const char *family = NULL;
	bool seconds = false;
	for (size_t k = 0; !held.failed && k < NFAMILIES; k++) {
		if (FAMILIES[k].family) {
			family = FAMILIES[k].family;
			seconds = FAMILIES[k].unit != NULL;
			fprintf(f, "# HELP %s %s.\n# TYPE %s counter\n", family,
				FAMILIES[k].help, family);
			if (seconds)
				fprintf(f, "# UNIT %s seconds\n", family);
		}
		put_family(f, k, family, seconds);
	}
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
