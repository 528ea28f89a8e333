#include "exporter.h"

#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"

/* A domain's sums: the metric table's summed per-second metrics (a
 * minimum or maximum has no counter). */
#define TOTAL_SUM(name) uint64_t name;
#define TOTAL_MIN(name)
#define TOTAL_MAX(name)
#define TOTAL_FIELD(name, ctype, rollup, ...) TOTAL_##rollup(name)
struct dom_totals {
	METRICS_SAMPLE(TOTAL_FIELD)
};

#define ADD_SUM(name) t->name += r->name;
#define ADD_MIN(name)
#define ADD_MAX(name)
#define ADD_FIELD(name, ctype, rollup, ...) ADD_##rollup(name)
static void add_sample(struct dom_totals *t, const struct sample_row *r)
{
	METRICS_SAMPLE(ADD_FIELD)
}

/* A CPU's sums: the metric table's columns of cpu_1s. */
#define CPU_FIELD_1(name) uint64_t name;
#define CPU_FIELD_0(name)
#define CPU_FIELD(name, ctype, in_1s, ...) CPU_FIELD_##in_1s(name)
struct cpu_totals {
	METRICS_CPU(CPU_FIELD)
};

#define CPU_ADD_1(name) t->name += r->name;
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
};

struct exporter {
	char version[64];
	struct tally live;        /* the writer thread's */
	pthread_mutex_t lock;
	struct tally pub;         /* under lock: what a scrape shows */
	bool stale;               /* live is ahead of pub (writer's) */
	bool failed;              /* out of memory: counters stopped */
};

/*
 * The families: what each is called and which sums it shows.  Counters in
 * base units; a family with several columns tells them apart by a label.
 */
struct part {
	size_t off;               /* in the totals */
	const char *label;        /* extra label, or NULL */
};

struct family {
	const char *name;         /* OpenMetrics' family name (no _total) */
	const char *unit;         /* "seconds" (the sums are ns), or NULL */
	const char *help;
	struct part parts[3];
	size_t nparts;
};

#define DOM_PART(col, label) { offsetof(struct dom_totals, col), label }
#define CPU_PART(col) { offsetof(struct cpu_totals, col), NULL }

static const struct family dom_families[] = {
	{ "xen_domain_cpu_seconds", "seconds",
	  "Time the domain's vCPUs spent running, runnable (waiting for a "
	  "physical CPU) and blocked, summed over its vCPUs",
	  { DOM_PART(cpu_ns, "state=\"running\""),
	    DOM_PART(wait_ns, "state=\"runnable\""),
	    DOM_PART(blocked_ns, "state=\"blocked\"") }, 3 },
	{ "xen_domain_dispatches", NULL,
	  "Executions: switch-ins of the domain's vCPUs",
	  { DOM_PART(exec_count, NULL) }, 1 },
	{ "xen_domain_io_operations", NULL,
	  "I/O operations: grant map and transfer records",
	  { DOM_PART(io_count, NULL) }, 1 },
	{ "xen_domain_allocated_slice_seconds", "seconds",
	  "Time slices the scheduler gave the domain's executions, bounded "
	  "ones",
	  { DOM_PART(alloc_ns, NULL) }, 1 },
	{ "xen_domain_unbounded_dispatches", NULL,
	  "Executions given no time limit (a zero or negative slice)",
	  { DOM_PART(alloc_unbounded, NULL) }, 1 },
};

static const struct family cpu_families[] = {
	{ "xen_cpu_observed_seconds", "seconds",
	  "Time the trace covered the physical CPU",
	  { CPU_PART(observed_ns) }, 1 },
	{ "xen_cpu_idle_seconds", "seconds",
	  "Time no vCPU ran on the physical CPU", { CPU_PART(sched_ns) }, 1 },
	{ "xen_cpu_lost_records", NULL,
	  "Trace records Xen lost on the physical CPU",
	  { CPU_PART(lost_records) }, 1 },
	{ "xen_cpu_malformed_records", NULL,
	  "Malformed records of a damaged trace on the physical CPU",
	  { CPU_PART(malformed_records) }, 1 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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

/* A label value as the formats quote it. */
static void put_label(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s=\"", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void put_header(FILE *f, const struct family *fam, const char *type,
		       bool om)
{
	/* The text format names a counter's family by its sample's name;
	 * OpenMetrics by the name before _total, with its unit. */
	const char *suffix = !om && strcmp(type, "counter") == 0 ? "_total" :
			     !om && strcmp(type, "info") == 0 ? "_info" : "";
	const char *ptype = !om && strcmp(type, "info") == 0 ? "gauge" : type;
	fprintf(f, "# HELP %s%s %s.\n", fam->name, suffix, fam->help);
	fprintf(f, "# TYPE %s%s %s\n", fam->name, suffix, ptype);
	if (om && fam->unit)
		fprintf(f, "# UNIT %s %s\n", fam->name, fam->unit);
}

/* A sum as the family shows it: nanoseconds as exact decimal seconds. */
static void put_value(FILE *f, const struct family *fam, uint64_t v)
{
	if (fam->unit)
		fprintf(f, " %" PRIu64 ".%09" PRIu64 "\n", v / 1000000000u,
			v % 1000000000u);
	else
		fprintf(f, " %" PRIu64 "\n", v);
}

static void put_dom_labels(FILE *f, const struct dom_series *d,
			   const char *extra)
{
	fputc('{', f);
	put_label(f, "domain", d->name);
	fputc(',', f);
	put_label(f, "uuid", d->uuid);
	if (extra)
		fprintf(f, ",%s", extra);
	fputc('}', f);
}

static void put_dom_family(FILE *f, const struct tally *t,
			   const struct family *fam, bool om)
{
	put_header(f, fam, "counter", om);
	for (size_t i = 0; i < t->ndoms; i++) {
		const struct dom_series *d = &t->doms[i];
		for (size_t k = 0; k < fam->nparts; k++) {
			uint64_t v;
			memcpy(&v, (const char *)&d->tot + fam->parts[k].off,
			       sizeof v);
			fprintf(f, "%s_total", fam->name);
			put_dom_labels(f, d, fam->parts[k].label);
			put_value(f, fam, v);
			if (!om)
				continue;
			fprintf(f, "%s_created", fam->name);
			put_dom_labels(f, d, fam->parts[k].label);
			fprintf(f, " %.3f\n", d->created);
		}
	}
}

static void put_cpu_family(FILE *f, const struct tally *t,
			   const struct family *fam, bool om)
{
	put_header(f, fam, "counter", om);
	for (size_t i = 0; i < t->ncpus; i++) {
		const struct cpu_series *c = &t->cpus[i];
		if (!c->seen)
			continue;
		uint64_t v;
		memcpy(&v, (const char *)&c->tot + fam->parts[0].off, sizeof v);
		fprintf(f, "%s_total{cpu=\"%zu\"}", fam->name, i);
		put_value(f, fam, v);
		if (om)
			fprintf(f, "%s_created{cpu=\"%zu\"} %.3f\n", fam->name, i,
				c->created);
	}
}

static const struct family info_domain = {
	"xen_domain", NULL,
	"The domain id each domain (by name and UUID) has now", { { 0 } }, 0 };
static const struct family info_build = {
	"xen_build", NULL, "The xenbaked serving these figures", { { 0 } }, 0 };
static const struct family last_second = {
	"xen_last_stored_second_timestamp_seconds", "seconds",
	"Unix time of the start of the newest second stored in the database",
	{ { 0 } }, 0 };

static void put_infos(FILE *f, const struct exporter *m, const struct tally *t,
		      bool om)
{
	put_header(f, &info_domain, "info", om);
	for (size_t i = 0; i < t->ndoms; i++) {
		char extra[32];
		snprintf(extra, sizeof extra, "domid=\"%u\"", t->doms[i].domid);
		fputs("xen_domain_info", f);
		put_dom_labels(f, &t->doms[i], extra);
		fputs(" 1\n", f);
	}
	put_header(f, &info_build, "info", om);
	fputs("xen_build_info{", f);
	put_label(f, "version", m->version);
	fputs("} 1\n", f);
	if (!t->have_last)
		return;
	put_header(f, &last_second, "gauge", om);
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
	for (size_t i = 0; i < COUNT(dom_families); i++)
		put_dom_family(f, t, &dom_families[i], om);
	for (size_t i = 0; i < COUNT(cpu_families); i++)
		put_cpu_family(f, t, &cpu_families[i], om);
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
