/*
 * Steps from one-second samples (1 s, 10 s, 1 min), added up here rather
 * than by SQL.
 *
 * A step is its seconds summed over physical CPUs.  In SQL that is a GROUP
 * BY (t, domid), which sorts every row because the table is keyed (t, cpu,
 * domid), then a window over the seconds for the percentiles: about 1 us
 * per row read for the first, and for an hour of 1-minute steps of 50
 * domains the whole took 23 s of CPU.  The rows of one second are
 * contiguous in the key, so this file reads the range in key order (no
 * sort), adds each second's rows per domain in a small table, then adds the
 * second to its step: sums, the peak, and the second's CPU time kept for
 * the exact percentiles of the step (nearest rank over the seconds the host
 * has data for, a second without a row of the domain counting as 0%).
 * Names come from the domain table, loaded once (a row per domain
 * lifetime: small); the host's seconds and lost records from cpu_1s, one
 * lookup per step.  The caller holds one read transaction around it all.
 */
#include "seconds.h"
#include "rows.h"

#include <stdlib.h>
#include <string.h>

#define IDLE_DOMID 32767
#define NDOMIDS 65536

struct lifetime {
	int64_t domid, first_t;
	char *name, *json;        /* text and JSON string */
};

struct acc {
	int64_t domid;
	int64_t cpu_ns, wait_ns, blocked_ns, exec_count, io_count, alloc_ns;
	int64_t peak_ns;
	int64_t *cpu;             /* step: each second's cpu_ns */
	size_t ncpu, capcpu;
};

/* A table of domains: one for the second being read, one for its step. */
struct table {
	int32_t slot[NDOMIDS];    /* domid -> index in acc, -1 */
	struct acc *acc;
	size_t nacc, capacc;
};

struct sec {
	sqlite3 *db;
	struct lifetime *life;
	size_t nlife;
	bool *wanted;             /* [NDOMIDS], NULL: every domain */
	struct table sec, step;
	int64_t step_s, step_t;
	sqlite3_stmt *host;
	bool json;
	FILE *f;
	char fallback[2][32];
};

static char *dup_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? strdup(s) : NULL;
}

static int load_names(struct sec *s)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT domid, first_t, name, json_quote(name)"
			       " FROM domain WHERE name IS NOT NULL"
			       " ORDER BY domid, first_t", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct lifetime *l = realloc(s->life, (s->nlife + 1) * sizeof *l);
		if (!l)
			break;
		s->life = l;
		l += s->nlife++;
		l->domid = sqlite3_column_int64(st, 0);
		l->first_t = sqlite3_column_int64(st, 1);
		l->name = dup_col(st, 2);
		l->json = dup_col(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The name of DOMID's lifetime at T, as the domain_1s view names it. */
static const char *name_of(struct sec *s, int64_t domid, int64_t t)
{
	size_t lo = 0, hi = s->nlife;
	/* first lifetime after (domid, t) */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct lifetime *l = &s->life[mid];
		if (l->domid < domid || (l->domid == domid && l->first_t <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && s->life[lo - 1].domid == domid && s->life[lo - 1].name)
		return s->json ? s->life[lo - 1].json : s->life[lo - 1].name;
	const char *fmt = s->json ? "\"dom%lld\"" : "dom%lld";
	if (domid == IDLE_DOMID)
		return s->json ? "\"Idle\"" : "Idle";
	snprintf(s->fallback[0], sizeof s->fallback[0], fmt, (long long)domid);
	return s->fallback[0];
}

static int load_filter(struct sec *s, const char *doms)
{
	sqlite3_stmt *st;
	if (!doms)
		return 0;
	if (!(s->wanted = calloc(NDOMIDS, sizeof *s->wanted)) ||
	    sqlite3_prepare_v2(s->db, "SELECT value FROM json_each(?1)", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, doms, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t d = sqlite3_column_int64(st, 0);
		if (d >= 0 && d < NDOMIDS)
			s->wanted[d] = true;
	}
	return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

static struct acc *slot_of(struct table *tb, int64_t domid)
{
	if (tb->slot[domid] >= 0)
		return &tb->acc[tb->slot[domid]];
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
	a->domid = domid;
	tb->slot[domid] = (int32_t)tb->nacc++;
	return a;
}

static void table_clear(struct table *tb)
{
	for (size_t i = 0; i < tb->nacc; i++)
		tb->slot[tb->acc[i].domid] = -1;
	tb->nacc = 0;
}

static void table_free(struct table *tb)
{
	for (size_t i = 0; i < tb->capacc; i++)
		free(tb->acc[i].cpu);
	free(tb->acc);
}

static int by_domid(const void *a, const void *b)
{
	const struct acc *x = a, *y = b;
	return (x->domid > y->domid) - (x->domid < y->domid);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest rank P of the step's seconds, in percent. */
static double percentile(const struct acc *a, int64_t covered, int p)
{
	int64_t zeros = covered - (int64_t)a->ncpu;
	int64_t k = (p * covered + 99) / 100;
	if (k <= zeros)
		return 0;
	return (double)a->cpu[k - zeros - 1] / 1e7;
}

/* Write the step's domains and empty it. */
static int flush_step(struct sec *s)
{
	int64_t covered = 0, lost = 0;
	sqlite3_bind_int64(s->host, 1, s->step_t);
	sqlite3_bind_int64(s->host, 2, s->step_t + s->step_s);
	int rc = sqlite3_step(s->host);
	if (rc == SQLITE_ROW) {
		covered = sqlite3_column_int64(s->host, 0);
		lost = sqlite3_column_int64(s->host, 1);
	}
	sqlite3_reset(s->host);
	if (rc != SQLITE_ROW)
		return -1;
	struct table *tb = &s->step;
	qsort(tb->acc, tb->nacc, sizeof *tb->acc, by_domid);
	for (size_t i = 0; i < tb->nacc; i++) {
		struct acc *a = &tb->acc[i];
		int64_t n = covered > (int64_t)a->ncpu ? covered : (int64_t)a->ncpu;
		qsort(a->cpu, a->ncpu, sizeof *a->cpu, cmp_i64);
		struct row r = {
			.t = s->step_t, .domid = a->domid,
			.name = name_of(s, a->domid, s->step_t + s->step_s - 1),
			.cpu_ns = a->cpu_ns, .wait_ns = a->wait_ns,
			.blocked_ns = a->blocked_ns, .exec_count = a->exec_count,
			.io_count = a->io_count, .alloc_ns = a->alloc_ns,
			.peak_ns = a->peak_ns, .p50 = percentile(a, n, 50),
			.p95 = percentile(a, n, 95), .p99 = percentile(a, n, 99),
			.covered = n, .lost = lost,
		};
		row_write(s->f, &r, s->step_s, s->json);
	}
	table_clear(tb);
	return 0;
}

/* Add the second just read to its step, writing the step before if the
 * second starts a new one. */
static int flush_second(struct sec *s, int64_t t)
{
	int64_t st = t - t % s->step_s;
	if (st != s->step_t && s->step.nacc && flush_step(s) < 0)
		return -1;
	s->step_t = st;
	for (size_t i = 0; i < s->sec.nacc; i++) {
		const struct acc *x = &s->sec.acc[i];
		struct acc *a = slot_of(&s->step, x->domid);
		if (!a)
			return -1;
		if (a->ncpu == a->capcpu) {
			size_t cap = a->capcpu ? 2 * a->capcpu : 16;
			int64_t *v = realloc(a->cpu, cap * sizeof *v);
			if (!v)
				return -1;
			a->cpu = v;
			a->capcpu = cap;
		}
		a->cpu[a->ncpu++] = x->cpu_ns;
		a->cpu_ns += x->cpu_ns;
		a->wait_ns += x->wait_ns;
		a->blocked_ns += x->blocked_ns;
		a->exec_count += x->exec_count;
		a->io_count += x->io_count;
		a->alloc_ns += x->alloc_ns;
		if (x->cpu_ns > a->peak_ns)
			a->peak_ns = x->cpu_ns;
	}
	table_clear(&s->sec);
	return 0;
}

static int add_row(struct sec *s, sqlite3_stmt *st)
{
	int64_t domid = sqlite3_column_int64(st, 1);
	if (domid < 0 || domid >= NDOMIDS || (s->wanted && !s->wanted[domid]))
		return 0;
	struct acc *a = slot_of(&s->sec, domid);
	if (!a)
		return -1;
	a->cpu_ns += sqlite3_column_int64(st, 2);
	a->wait_ns += sqlite3_column_int64(st, 3);
	a->blocked_ns += sqlite3_column_int64(st, 4);
	a->exec_count += sqlite3_column_int64(st, 5);
	a->io_count += sqlite3_column_int64(st, 6);
	a->alloc_ns += sqlite3_column_int64(st, 7);
	return 0;
}

static int scan(struct sec *s, int64_t from, int64_t to,
		const volatile sig_atomic_t *stop)
{
	sqlite3_stmt *st;
	/* ORDER BY t is the key's order: no sort */
	if (sqlite3_prepare_v2(s->db, "SELECT t, domid, cpu_ns, wait_ns, "
			       "blocked_ns, exec_count, io_count, alloc_ns "
			       "FROM sample_1s WHERE t >= ?1 AND t < ?2 ORDER BY t",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	int64_t cur = INT64_MIN;
	int rc, err = 0;
	while (!err && !*stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(st, 0);
		if (t != cur && s->sec.nacc)
			err = flush_second(s, cur);
		cur = t;
		if (!err)
			err = add_row(s, st);
	}
	if (!err && !*stop && rc == SQLITE_DONE && s->sec.nacc)
		err = flush_second(s, cur);
	if (!err && !*stop && rc == SQLITE_DONE && s->step.nacc)
		err = flush_step(s);
	sqlite3_finalize(st);
	return err || *stop || rc != SQLITE_DONE ? -1 : 0;
}

int seconds_export(sqlite3 *db, const char *doms, int64_t from, int64_t to,
		   int64_t step_s, bool json, FILE *f,
		   const volatile sig_atomic_t *stop)
{
	struct sec *s = calloc(1, sizeof *s);
	int rc = -1;
	if (!s)
		return -1;
	s->db = db;
	s->json = json;
	s->f = f;
	s->step_s = step_s;
	memset(s->sec.slot, 0xff, sizeof s->sec.slot);
	memset(s->step.slot, 0xff, sizeof s->step.slot);
	if (load_names(s) == 0 && load_filter(s, doms) == 0 &&
	    sqlite3_prepare_v2(db, "SELECT count(DISTINCT t), "
			       "coalesce(sum(lost_records), 0) FROM cpu_1s "
			       "WHERE t >= ?1 AND t < ?2", -1, &s->host,
			       NULL) == SQLITE_OK)
		rc = scan(s, from, to, stop);
	sqlite3_finalize(s->host);
	for (size_t i = 0; i < s->nlife; i++) {
		free(s->life[i].name);
		free(s->life[i].json);
	}
	free(s->life);
	free(s->wanted);
	table_free(&s->sec);
	table_free(&s->step);
	free(s);
	return rc;
}
