#include "exporter.h"

#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "families.h"
#include "metrics.h"

/* A domain's sums, by METRICS_I_*: the metric table's summed per-second
 * metrics (a minimum or maximum has no counter). */
struct dom_totals {
	uint64_t v[METRICS_NSAMPLE];
};

#define ADD_SUM(name) t->v[METRICS_I_##name] += r->name;
#define ADD_MIN(name)
#define ADD_MAX(name)
#define ADD_FIELD(name, ctype, rollup, ...) ADD_##rollup(name)
static void add_sample(struct dom_totals *t, const struct sample_row *r)
{
	METRICS_SAMPLE(ADD_FIELD)
}

/* A CPU's sums, by METRICS_CPU_I_*: the columns of cpu_1s. */
struct cpu_totals {
	uint64_t v[METRICS_NCPU];
};

#define CPU_ADD_1(name) t->v[METRICS_CPU_I_##name] += r->name;
#define CPU_ADD_0(name)
#define CPU_ADD(name, ctype, in_1s, ...) CPU_ADD_##in_1s(name)
static void add_cpu(struct cpu_totals *t, const struct cpu_row *r)
{
	METRICS_CPU(CPU_ADD)
}

struct dom_series {
	char name[DOMAIN_NAME_MAX];
	char uuid[DOMAIN_UUID_MAX];
	unsigned domid;           /* the newest lifetime's */
	double created;           /* Unix time its counters were 0 */
	struct dom_totals tot;
};

struct cpu_series {
	bool seen;
	double created;
	struct cpu_totals tot;
};

struct tally {
	struct dom_series *doms;
	size_t ndoms, doms_cap;
	struct cpu_series *cpus;  /* by CPU number */
	size_t ncpus;
	bool have_last;
	int64_t last_t;           /* the newest second committed */
	unsigned io_sources;      /* METRICS_IO_*: the I/O families shown */
};

struct exporter {
	char version[64];
	struct tally live;        /* the writer thread's */
	pthread_mutex_t lock;
	struct tally pub;         /* under lock: what a scrape shows */
	bool stale;               /* live is ahead of pub (writer's) */
	bool failed;              /* out of memory: counters stopped */
};

static double now_unix(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct exporter *exporter_new(const char *version)
{
	struct exporter *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	snprintf(m->version, sizeof m->version, "%s", version);
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

static void tally_free(struct tally *t)
{
	free(t->doms);
	free(t->cpus);
}

void exporter_free(struct exporter *m)
{
	if (!m)
		return;
	tally_free(&m->live);
	tally_free(&m->pub);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* The series of the domain that DOMID is in second S, made if new. */
static struct dom_series *dom_series(struct tally *t, const struct second *s,
				     unsigned domid, double now)
{
	char name[DOMAIN_NAME_MAX] = "";
	const char *uuid = "";    /* a replay's trace does not say */
	for (size_t i = 0; i < s->ndoms; i++)
		if (s->doms[i].domid == domid) {
			snprintf(name, sizeof name, "%s", s->doms[i].name);
			uuid = s->doms[i].uuid;
		}
	if (!name[0])
		metrics_domain_name(name, sizeof name, domid);
	for (size_t i = 0; i < t->ndoms; i++) {
		struct dom_series *d = &t->doms[i];
		if (strcmp(d->name, name) == 0 && strcmp(d->uuid, uuid) == 0) {
			d->domid = domid;
			return d;
		}
	}
	if (t->ndoms == t->doms_cap) {
		size_t cap = t->doms_cap ? 2 * t->doms_cap : 16;
		void *p = realloc(t->doms, cap * sizeof *t->doms);
		if (!p)
			return NULL;
		t->doms = p;
		t->doms_cap = cap;
	}
	struct dom_series *d = &t->doms[t->ndoms++];
	memset(d, 0, sizeof *d);
	snprintf(d->name, sizeof d->name, "%s", name);
	snprintf(d->uuid, sizeof d->uuid, "%s", uuid);
	d->domid = domid;
	d->created = now;
	return d;
}

static struct cpu_series *cpu_series(struct tally *t, uint32_t cpu, double now)
{
	if (cpu >= t->ncpus) {
		size_t n = (size_t)cpu + 1;
		void *p = realloc(t->cpus, n * sizeof *t->cpus);
		if (!p)
			return NULL;
		t->cpus = p;
		memset(t->cpus + t->ncpus, 0, (n - t->ncpus) * sizeof *t->cpus);
		t->ncpus = n;
	}
	struct cpu_series *c = &t->cpus[cpu];
	if (!c->seen) {
		c->seen = true;
		c->created = now;
	}
	return c;
}

static int add_second(struct tally *t, const struct second *s, double now)
{
	for (size_t i = 0; i < s->nsamples; i++) {
		const struct sample_row *r = &s->samples[i];
		struct dom_series *d = dom_series(t, s, r->domid, now);
		if (!d)
			return -1;
		add_sample(&d->tot, r);
	}
	for (size_t i = 0; i < s->ncpus; i++) {
		struct cpu_series *c = cpu_series(t, s->cpus[i].cpu, now);
		if (!c)
			return -1;
		add_cpu(&c->tot, &s->cpus[i]);
	}
	if (!t->have_last || s->t > t->last_t)
		t->last_t = s->t;
	t->have_last = true;
	t->io_sources |= s->io_sources;
	return 0;
}

/* Under the lock: DST becomes a copy of SRC. */
static int copy_tally(struct tally *dst, const struct tally *src)
{
	if (src->ndoms > dst->doms_cap) {
		void *p = realloc(dst->doms, src->doms_cap * sizeof *dst->doms);
		if (!p)
			return -1;
		dst->doms = p;
		dst->doms_cap = src->doms_cap;
	}
	if (src->ncpus > dst->ncpus) {
		void *p = realloc(dst->cpus, src->ncpus * sizeof *dst->cpus);
		if (!p)
			return -1;
		dst->cpus = p;
	}
	if (src->ndoms)
		memcpy(dst->doms, src->doms, src->ndoms * sizeof *dst->doms);
	if (src->ncpus)
		memcpy(dst->cpus, src->cpus, src->ncpus * sizeof *dst->cpus);
	dst->ndoms = src->ndoms;
	dst->ncpus = src->ncpus;
	dst->have_last = src->have_last;
	dst->last_t = src->last_t;
	dst->io_sources = src->io_sources;
	return 0;
}

void exporter_stored(void *ctx, const struct second *s)
{
	struct exporter *m = ctx;
	if (m->failed)
		return;
	if (add_second(&m->live, s, now_unix()) < 0) {
		/* Counters that skip a second would lie about its rate:
		 * they stop instead, and the scrape says so (no series). */
		m->failed = true;
		return;
	}
	m->stale = true;
	if (pthread_mutex_trylock(&m->lock) != 0)
		return;           /* a scrape: publish with the next second */
	if (copy_tally(&m->pub, &m->live) == 0)
		m->stale = false;
	pthread_mutex_unlock(&m->lock);
}

bool exporter_wants_openmetrics(const char *accept)
{
	return accept && strstr(accept, "application/openmetrics-text");
}

static void put_dom_labels(FILE *f, const struct dom_series *d,
			   const char *extra)
{
	fputc('{', f);
	metrics_family_label(f, "domain", d->name);
	fputc(',', f);
	metrics_family_label(f, "uuid", d->uuid);
	if (extra)
		fprintf(f, ",%s", extra);
	fputc('}', f);
}

static void put_dom_family(FILE *f, const struct tally *t,
			   const struct metrics_family *fam, bool om)
{
	metrics_family_header(f, fam, "counter", om);
	for (size_t i = 0; i < t->ndoms; i++) {
		const struct dom_series *d = &t->doms[i];
		for (size_t k = 0; k < fam->nparts; k++) {
			char state[32];
			const char *extra = NULL;
			if (fam->parts[k].state) {
				snprintf(state, sizeof state, "state=\"%s\"",
					 fam->parts[k].state);
				extra = state;
			}
			fprintf(f, "%s_total", fam->name);
			put_dom_labels(f, d, extra);
			metrics_family_value(f, fam,
					     d->tot.v[fam->parts[k].metric]);
			fputc('\n', f);
			if (!om)
				continue;
			fprintf(f, "%s_created", fam->name);
			put_dom_labels(f, d, extra);
			fprintf(f, " %.3f\n", d->created);
		}
	}
}

static void put_cpu_family(FILE *f, const struct tally *t,
			   const struct metrics_family *fam, bool om)
{
	metrics_family_header(f, fam, "counter", om);
	for (size_t i = 0; i < t->ncpus; i++) {
		const struct cpu_series *c = &t->cpus[i];
		if (!c->seen)
			continue;
		fprintf(f, "%s_total{cpu=\"%zu\"}", fam->name, i);
		metrics_family_value(f, fam, c->tot.v[fam->parts[0].metric]);
		fputc('\n', f);
		if (om)
			fprintf(f, "%s_created{cpu=\"%zu\"} %.3f\n", fam->name, i,
				c->created);
	}
}

/* The families that are no sums of the rows, the endpoint's own. */
static const struct metrics_family info_domain = {
	"xen_domain", NULL,
	"The domain id each domain (by name and UUID) has now", 0, 0, { { 0 } } };
static const struct metrics_family info_build = {
	"xen_build", NULL, "The xenbaked serving these figures", 0, 0, { { 0 } } };
static const struct metrics_family last_second = {
	"xen_last_stored_second_timestamp_seconds", "seconds",
	"Unix time of the start of the newest second stored in the database",
	0, 0, { { 0 } } };

static void put_infos(FILE *f, const struct exporter *m, const struct tally *t,
		      bool om)
{
	metrics_family_header(f, &info_domain, "info", om);
	for (size_t i = 0; i < t->ndoms; i++) {
		char extra[32];
		snprintf(extra, sizeof extra, "domid=\"%u\"", t->doms[i].domid);
		fputs("xen_domain_info", f);
		put_dom_labels(f, &t->doms[i], extra);
		fputs(" 1\n", f);
	}
	metrics_family_header(f, &info_build, "info", om);
	fputs("xen_build_info{", f);
	metrics_family_label(f, "version", m->version);
	fputs("} 1\n", f);
	if (!t->have_last)
		return;
	metrics_family_header(f, &last_second, "gauge", om);
	fprintf(f, "%s %" PRId64 "\n", last_second.name, t->last_t);
}

int exporter_render(struct exporter *m, bool om, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	FILE *f = open_memstream(buf, len);
	if (!f)
		return -1;
	pthread_mutex_lock(&m->lock);
	const struct tally *t = &m->pub;
	for (size_t i = 0; i < metrics_ndomain_families; i++)
		if (metrics_family_shown(&metrics_domain_families[i],
					 t->io_sources))
			put_dom_family(f, t, &metrics_domain_families[i], om);
	for (size_t i = 0; i < metrics_ncpu_families; i++)
		put_cpu_family(f, t, &metrics_cpu_families[i], om);
	put_infos(f, m, t, om);
	pthread_mutex_unlock(&m->lock);
	if (om)
		fputs("# EOF\n", f);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}
