/*
 * Steps from one-second samples (1 s, 10 s, 1 min), added up here rather
 * than by SQL.
 *
 * A step is its seconds summed over physical CPUs: read from
 * sample_dom_1s_all, which holds those sums (015_domain_seconds.sql, packed
 * by 017), or in a database older than 015 from sample_1s, as follows.  In SQL that is a GROUP
 * BY (t, domid), which sorts every row because the table is keyed (t, cpu,
 * domid), then a window over the seconds for the percentiles: about 1 us
 * per row read for the first, and for an hour of 1-minute steps of 50
 * domains the whole took 23 s of CPU.  The rows of one second are
 * contiguous in the key, so this file reads the range in key order (no
 * sort), adds each second's rows per domid in a small table, then adds the
 * second to its step under the domain the domid was then (domains.c: a
 * reused domid is another domain): sums, the peak, and the second's CPU
 * time kept for the exact percentiles of the step.
 *
 * Time observed: a second may be observed in part (the trace starts or
 * ends in it), and every figure is over the time observed, as the viewer
 * shows it: a second's time is the mean over the host's CPUs of cpu_1s's
 * observed_ns, read in key order beside the samples (a GROUP BY on the
 * key's prefix, no sort).  A step's means and rates are over the sum of
 * its seconds' times; its percentiles are the nearest rank over the
 * seconds the host has data for, each second's CPU% over its own time
 * (metrics_per_second_ns), a second without a row of the domain counting
 * as 0%.
 * The caller holds one read transaction around it all.
 */
#include "seconds.h"
#include "domains.h"
#include "steps.h"
#include "rows.h"
#include "metrics.h"
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct acc {
	int32_t key;              /* domid (second) or domain id (step) */
	struct sums s;
	int64_t peak_ns;
	int64_t *cpu;             /* step: each second's CPU time per second */
	size_t ncpu, capcpu;
};

/* A table of accumulators: one by domid for the second being read, one by
 * domain for its step. */
struct table {
	int32_t *slot;            /* key -> index in acc, -1 */
	struct acc *acc;
	size_t nacc, capacc;
};

/* The host in the step so far, from cpu_1s. */
struct host {
	sqlite3_stmt *st;         /* per second: t, observed, lost */
	int64_t next, to;         /* the seconds st has still to read */
	bool row;                 /* st is on a row not yet consumed */
	bool done;
	int64_t seconds, observed_ns, lost;
};

/* Seconds read per statement: cpu_1s and the per-domain seconds are
 * views over two tables each (017, 021), so ORDER BY t is a sort, kept to
 * a few thousand rows whatever the range. */
#define SCAN_CHUNK_S 60

struct sec {
	sqlite3 *db;
	struct domains *doms;
	struct table sec, step;
	struct host host;
	struct steps *steps;
	int64_t step_t, step_end;
	bool json;
	FILE *f;
};

static int table_init(struct table *tb, size_t nkeys)
{
	if (!(tb->slot = malloc(nkeys * sizeof *tb->slot)))
		return -1;
	memset(tb->slot, 0xff, nkeys * sizeof *tb->slot);
	return 0;
}

static struct acc *slot_of(struct table *tb, int32_t key)
{
	if (tb->slot[key] >= 0)
		return &tb->acc[tb->slot[key]];
	if (tb->nacc == tb->capacc) {
		size_t cap = tb->capacc ? 2 * tb->capacc : 64;
		struct acc *a = realloc(tb->acc, cap * sizeof *a);
		if (!a)
			return NULL;
		memset(a + tb->capacc, 0, (cap - tb->capacc) * sizeof *a);
		tb->acc = a;
		tb->capacc = cap;
	}
	struct acc *a = &tb->acc[tb->nacc];
	int64_t *cpu = a->cpu;
	size_t capcpu = a->capcpu;
	memset(a, 0, sizeof *a);
	a->cpu = cpu;             /* the value buffer is reused */
	a->capcpu = capcpu;
	a->key = key;
	tb->slot[key] = (int32_t)tb->nacc++;
	return a;
}

static void table_clear(struct table *tb)
{
	for (size_t i = 0; i < tb->nacc; i++)
		tb->slot[tb->acc[i].key] = -1;
	tb->nacc = 0;
}

static void table_free(struct table *tb)
{
	for (size_t i = 0; i < tb->capacc; i++)
		free(tb->acc[i].cpu);
	free(tb->acc);
	free(tb->slot);
}

/* Domains by domid, then by time (their ids are in that order). */
static int by_key(const void *a, const void *b)
{
	const struct acc *x = a, *y = b;
	return (x->key > y->key) - (x->key < y->key);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest rank P of the step's seconds, in percent: those without a row of
 * the domain are 0. */
static double percentile(const struct acc *a, int64_t seconds, int p)
{
	int64_t k = metrics_rank(p, seconds, seconds - (int64_t)a->ncpu);
	return k ? (double)a->cpu[k - 1] / METRICS_NS_PER_PCT : 0;
}

/*
 * The host's seconds before LIMIT: those of the current step are added to
 * its totals.  *OBS is the observed time of second LIMIT - 1, 0 if the host
 * has no row for it.
 */
/* H's next row, a chunk of seconds at a time: 1, 0 past the last, -1. */
static int host_step(struct host *h)
{
	for (;;) {
		int rc = sqlite3_step(h->st);
		if (rc == SQLITE_ROW)
			return 1;
		if (rc != SQLITE_DONE)
			return -1;
		if (h->next >= h->to)
			return 0;
		int64_t b = h->to - h->next > SCAN_CHUNK_S ?
			    h->next + SCAN_CHUNK_S : h->to;
		sqlite3_reset(h->st);
		sqlite3_bind_int64(h->st, 1, h->next);
		sqlite3_bind_int64(h->st, 2, b);
		h->next = b;
	}
}

static int host_upto(struct sec *s, int64_t limit, int64_t *obs)
{
	struct host *h = &s->host;
	*obs = 0;
	while (!h->done) {
		if (!h->row) {
			int rc = host_step(h);
			if (rc == 0) {
				h->done = true;
				break;
			}
			if (rc < 0)
				return -1;
			h->row = true;
		}
		int64_t t = sqlite3_column_int64(h->st, 0);
		if (t >= limit)
			break;
		h->row = false;
		if (t < s->step_t)
			continue;
		int64_t o = sqlite3_column_int64(h->st, 1);
		h->seconds++;
		h->observed_ns += o;
		h->lost += sqlite3_column_int64(h->st, 2);
		if (t == limit - 1)
			*obs = o;
	}
	return 0;
}

/* Write the step's domains and empty it. */
static int flush_step(struct sec *s)
{
	int64_t obs;
	if (host_upto(s, s->step_end, &obs) < 0)
		return -1;
	struct table *tb = &s->step;
	qsort(tb->acc, tb->nacc, sizeof *tb->acc, by_key);
	for (size_t i = 0; i < tb->nacc; i++) {
		struct acc *a = &tb->acc[i];
		const struct dom *d = domains_get(s->doms, a->key);
		int64_t n = s->host.seconds > (int64_t)a->ncpu ?
			    s->host.seconds : (int64_t)a->ncpu;
		qsort(a->cpu, a->ncpu, sizeof *a->cpu, cmp_i64);
		struct row r = {
			.t = s->step_t, .domid = d->domid,
			.name = s->json ? d->json : d->name,
			.s = a->s, .peak_ns = a->peak_ns, .p50 = percentile(a, n, 50),
			.p95 = percentile(a, n, 95), .p99 = percentile(a, n, 99),
			.covered_ns = s->host.observed_ns, .lost = s->host.lost,
		};
		row_write(s->f, &r, s->step_end - s->step_t, s->json);
	}
	table_clear(tb);
	return 0;
}

static void start_step(struct sec *s, int64_t st)
{
	s->step_t = st;
	s->step_end = steps_next(s->steps, st);
	s->host.seconds = s->host.observed_ns = s->host.lost = 0;
}

static int push_cpu(struct acc *a, int64_t v)
{
	if (a->ncpu == a->capcpu) {
		size_t cap = a->capcpu ? 2 * a->capcpu : 16;
		int64_t *p = realloc(a->cpu, cap * sizeof *p);
		if (!p)
			return -1;
		a->cpu = p;
		a->capcpu = cap;
	}
	a->cpu[a->ncpu++] = v;
	return 0;
}

/* Add second T just read to its step, under each domid's domain then,
 * writing the step before if T starts a new one. */
static int flush_second(struct sec *s, int64_t t)
{
	int64_t st = steps_start(s->steps, t), obs;
	if (st != s->step_t) {
		if (s->step.nacc && flush_step(s) < 0)
			return -1;
		start_step(s, st);
	}
	if (host_upto(s, t + 1, &obs) < 0)
		return -1;
	for (size_t i = 0; i < s->sec.nacc; i++) {
		const struct acc *x = &s->sec.acc[i];
		int32_t id = domains_at(s->doms, x->key, t);
		if (id < 0)
			return -1;
		if (!domains_get(s->doms, id)->wanted)
			continue;
		struct acc *a = slot_of(&s->step, id);
		int64_t pct_ns = metrics_per_second_ns(x->s.cpu_ns, obs);
		if (!a || push_cpu(a, pct_ns) < 0)
			return -1;
		sums_add(&a->s, &x->s);
		if (pct_ns > a->peak_ns)
			a->peak_ns = pct_ns;
	}
	table_clear(&s->sec);
	return 0;
}

static int add_row(struct sec *s, sqlite3_stmt *st)
{
	int64_t domid = sqlite3_column_int64(st, 1);
	if (!domains_domid_wanted(s->doms, domid))
		return 0;
	struct acc *a = slot_of(&s->sec, (int32_t)domid);
	if (!a)
		return -1;
	struct sums x;
	sums_read(&x, st, 2);
	sums_add(&a->s, &x);
	return 0;
}

static int scan(struct sec *s, int64_t from, int64_t to,
		const volatile sig_atomic_t *stop)
{
	sqlite3_stmt *st;
	char sums[1024], sql[1280];
	/* the per-domain seconds: a week of them outlive the per-CPU rows */
	const char *table = schema_seconds_table(s->db);
	if (schema_metrics_sql(sums, sizeof sums, s->db, table, "%s",
			       true) < 0)
		return -1;
	/* a chunk of seconds at a time (SCAN_CHUNK_S) */
	snprintf(sql, sizeof sql, "SELECT t, domid%s FROM %s"
		 " WHERE t >= ?1 AND t < ?2 ORDER BY t", sums, table);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	/* nothing bound yet: host_step() reads [from, to) by chunks */
	sqlite3_bind_int64(s->host.st, 1, from);
	sqlite3_bind_int64(s->host.st, 2, from);
	s->host.next = from;
	s->host.to = to;
	start_step(s, from);
	int64_t cur = INT64_MIN;
	int rc = SQLITE_DONE, err = 0;
	for (int64_t a = from; !err && !*stop && rc == SQLITE_DONE && a < to;) {
		int64_t b = to - a > SCAN_CHUNK_S ? a + SCAN_CHUNK_S : to;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, a);
		sqlite3_bind_int64(st, 2, b);
		while (!err && !*stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t t = sqlite3_column_int64(st, 0);
			if (t != cur && s->sec.nacc)
				err = flush_second(s, cur);
			cur = t;
			if (!err)
				err = add_row(s, st);
		}
		a = b;
	}
	if (!err && !*stop && rc == SQLITE_DONE && s->sec.nacc)
		err = flush_second(s, cur);
	if (!err && !*stop && rc == SQLITE_DONE && s->step.nacc)
		err = flush_step(s);
	sqlite3_finalize(st);
	return err || *stop || rc != SQLITE_DONE ? -1 : 0;
}

int seconds_export(sqlite3 *db, const struct domfilter *doms,
		   int64_t from, int64_t to, struct steps *steps, bool json,
		   FILE *f, const volatile sig_atomic_t *stop)
{
	struct sec *s = calloc(1, sizeof *s);
	int rc = -1;
	if (!s)
		return -1;
	s->db = db;
	s->json = json;
	s->f = f;
	s->steps = steps;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT t, sum(observed_ns) / count(*), sum("
		 METRICS_MISSING_RECORDS_FMT ") FROM cpu_1s WHERE t >= ?1 AND"
		 " t < ?2 GROUP BY t ORDER BY t",
		 schema_malformed_sql(db, "cpu_1s"));
	if ((s->doms = domains_load(db, doms)) &&
	    table_init(&s->sec, DOMAINS_NDOMIDS) == 0 &&
	    table_init(&s->step, domains_nids(s->doms)) == 0 &&
	    sqlite3_prepare_v2(db, sql, -1, &s->host.st, NULL) == SQLITE_OK)
		rc = scan(s, from, to, stop);
	sqlite3_finalize(s->host.st);
	domains_free(s->doms);
	table_free(&s->sec);
	table_free(&s->step);
	free(s);
	return rc;
}
