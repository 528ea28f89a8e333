/*
 * Steps from roll-ups: the rows of a step are added up here, their CPU%
 * histograms merged bin by bin, and the percentiles read off the merged
 * histogram.
 *
 * SQLite could do it (json_each over every histogram, a window sum per
 * step), and the views of the schema do, for a row at a time; but over 30
 * days of hours that is millions of json_each rows and takes seconds,
 * where reading the few bytes of each histogram here takes milliseconds.
 * SQLite still selects the rows (in key order, so no sort when the step is
 * the table's grain) and adds the host's seconds, observed time and lost
 * records per step.
 *
 * Time observed: a roll-up row of cpu_1m / cpu_1h holds one CPU's
 * observed_ns summed over its seconds.  The CPUs of a second are observed
 * for the same time (from the trace's start, or the start of the second a
 * CPU appears in, to the trace's end), so the host's observed time in a
 * minute or hour is that of the CPU with the most: the same sum the
 * seconds give.  Means and rates are over it.
 *
 * Domains: roll-ups are keyed by domid, and a domid can be two domains in
 * one minute or hour (domains.c).  A row whose time holds one domain is
 * that domain's.  A row that holds two is replaced by its domid's rows of
 * the next finer table that still holds its time (minutes, then seconds),
 * so each domain gets exactly its own; only when none does (retention
 * pruned them) are the domains of the step added up into one row, named
 * "A + B", and counted in the rollups_note for the caller to warn about.
 *
 * Percentiles: over the seconds of the step the host has data for; a
 * second without a row of the domain is 0%.  The nearest rank
 * k = ceil(p * covered / 100): 0 if k falls among those zeros, else the bin
 * where the running count reaches the rest, reported as its middle but
 * never above the step's peak: within half a percentage point.
 */
#include "rollups.h"
#include "domains.h"
#include "hist.h"
#include "rows.h"
#include "steps.h"
#include "metrics.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>

#define NBINS 65536
#define MAX_MIXED 16             /* domains of a domid in one row */


/* A roll-up row, or a second, of one domid. */
struct part {
	int64_t t, grain_s, seconds;
	struct sums s;
	int64_t peak_ns;
	unsigned char *hist;      /* NULL: one second, in peak_ns's bin */
	size_t hist_len;
	bool hist_json;           /* written before 010_packed_histograms */
};

struct step_acc {
	int32_t id;               /* the domain */
	size_t up;                /* the domains it is added up with: a
				   * union-find forest over m->acc */
	struct row r;
	int64_t seen;             /* seconds with a row */
	uint32_t *bins;           /* [NBINS] */
	uint32_t *touched;        /* bins to clear after the step */
	size_t ntouched;
};

struct merge {
	sqlite3 *db;
	struct domains *doms;
	const int64_t *kept;      /* [METRICS_TIERS] */
	sqlite3_stmt *split[2];   /* rows of one domid from seconds, minutes */
	sqlite3_stmt *quote;
	struct step_acc *acc;     /* the step's domains of one domid */
	size_t nacc, capacc;
	bool open;
	int64_t st, domid;
	int64_t host_seconds, host_observed_ns, host_lost;
	int64_t hours_upto;       /* the hours hold the seconds before it */
	struct steps *steps;
	bool json;
	FILE *f;
	struct rollups_note *note;
};

static void add_bin(struct step_acc *a, unsigned long bin, unsigned long n)
{
	if (bin >= NBINS || !n)
		return;
	if (!a->bins[bin])
		a->touched[a->ntouched++] = (uint32_t)bin;
	a->bins[bin] += (uint32_t)n;
}

static int add_packed_bin(void *a, uint32_t bin, uint64_t n)
{
	add_bin(a, bin, (unsigned long)n);
	return 0;
}

/* A roll-up row's histogram: packed (schema/hist.h), or, in a database
 * this program reads without migrating it, the JSON text of versions 2
 * to 9, {"12":30,"13":25}.  A damaged one adds the bins before the
 * damage. */
static void add_hist(struct step_acc *a, const struct part *p)
{
	if (!p->hist_json) {
		hist_each(p->hist, p->hist_len, add_packed_bin, a);
		return;
	}
	const char *h = (const char *)p->hist;
	while (h && *h) {
		while (*h && (*h < '0' || *h > '9'))
			h++;
		if (!*h)
			return;
		unsigned long bin = strtoul(h, (char **)&h, 10);
		while (*h == '"' || *h == ':')
			h++;
		add_bin(a, bin, strtoul(h, (char **)&h, 10));
	}
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return (a > b) - (a < b);
}

static double percentile(const struct step_acc *a, int64_t covered, int p)
{
	int64_t k = metrics_rank(p, covered, covered - a->seen);
	if (!k)
		return 0;
	int64_t c = 0;
	double peak = (double)a->r.peak_ns / METRICS_NS_PER_PCT;
	for (size_t i = 0; i < a->ntouched; i++) {
		c += a->bins[a->touched[i]];
		if (c >= k) {
			double v = a->touched[i] + 0.5;
			return v < peak ? v : peak;
		}
	}
	return peak;
}

static void write_acc(struct merge *m, struct step_acc *a, const char *name)
{
	qsort(a->touched, a->ntouched, sizeof *a->touched, cmp_u32);
	int64_t covered = m->host_seconds > a->seen ? m->host_seconds : a->seen;
	a->r.t = m->st;
	a->r.domid = m->domid;
	a->r.name = name;
	a->r.p50 = percentile(a, covered, 50);
	a->r.p95 = percentile(a, covered, 95);
	a->r.p99 = percentile(a, covered, 99);
	a->r.covered_ns = m->host_observed_ns;
	a->r.lost = m->host_lost;
	row_write(m->f, &a->r, steps_next(m->steps, m->st) - m->st, m->json);
}

static void acc_clear(struct step_acc *a)
{
	for (size_t i = 0; i < a->ntouched; i++)
		a->bins[a->touched[i]] = 0;
	a->ntouched = 0;
}

static struct step_acc *acc_for(struct merge *m, int32_t id)
{
	for (size_t i = 0; i < m->nacc; i++)
		if (m->acc[i].id == id)
			return &m->acc[i];
	if (m->nacc == m->capacc) {
		size_t cap = m->capacc + 4;
		struct step_acc *p = realloc(m->acc, cap * sizeof *p);
		if (!p)
			return NULL;
		memset(p + m->capacc, 0, (cap - m->capacc) * sizeof *p);
		m->acc = p;
		m->capacc = cap;
	}
	struct step_acc *a = &m->acc[m->nacc];
	if (!a->bins) {
		a->bins = calloc(NBINS, sizeof *a->bins);
		a->touched = calloc(NBINS, sizeof *a->touched);
		if (!a->bins || !a->touched)
			return NULL;
	}
	memset(&a->r, 0, sizeof a->r);
	a->seen = 0;
	a->id = id;
	a->up = m->nacc++;
	return a;
}

static void acc_add(struct step_acc *a, const struct part *p)
{
	a->seen += p->seconds;
	sums_add(&a->r.s, &p->s);
	if (p->peak_ns > a->r.peak_ns)
		a->r.peak_ns = p->peak_ns;
	if (p->hist)
		add_hist(a, p);
	else
		add_bin(a, (unsigned long)(p->peak_ns / METRICS_NS_PER_PCT), 1);
}

/* B added to A. */
static void acc_merge(struct step_acc *a, const struct step_acc *b)
{
	struct part p = {
		.seconds = b->seen, .s = b->r.s, .peak_ns = b->r.peak_ns,
		.hist = (unsigned char *)"",
	};
	acc_add(a, &p);
	for (size_t i = 0; i < b->ntouched; i++)
		add_bin(a, b->touched[i], b->bins[b->touched[i]]);
}

static size_t root(struct merge *m, size_t i)
{
	while (m->acc[i].up != i)
		i = m->acc[i].up = m->acc[m->acc[i].up].up;
	return i;
}

/* The domains of component R, in the order ORDER (by id), as "A + B" in
 * text or JSON (malloc'd), and whether one of them is wanted. */
static char *mixed_name(struct merge *m, const size_t *order, size_t r,
			bool *wanted)
{
	size_t len = 1, n = 0;
	*wanted = false;
	for (size_t i = 0; i < m->nacc; i++)
		if (root(m, i) == r)
			len += strlen(domains_get(m->doms, m->acc[i].id)->name) + 3;
	char *s = malloc(len);
	if (!s)
		return NULL;
	s[0] = 0;
	for (size_t k = 0; k < m->nacc; k++) {
		if (root(m, order[k]) != r)
			continue;
		const struct dom *d = domains_get(m->doms, m->acc[order[k]].id);
		*wanted |= d->wanted;
		if (n++)
			strcat(s, " + ");
		strcat(s, d->name);
	}
	if (!m->json)
		return s;
	char *q = NULL;
	sqlite3_bind_text(m->quote, 1, s, -1, SQLITE_STATIC);
	if (sqlite3_step(m->quote) == SQLITE_ROW)
		q = strdup((const char *)sqlite3_column_text(m->quote, 0));
	sqlite3_reset(m->quote);
	free(s);
	return q;
}

/* Component R's domains added up into one row, named by them all. */
static int write_mixed(struct merge *m, const size_t *order, size_t r)
{
	bool wanted;
	char *name = mixed_name(m, order, r, &wanted);
	if (!name)
		return -1;
	for (size_t i = 0; i < m->nacc; i++)
		if (i != r && root(m, i) == r)
			acc_merge(&m->acc[r], &m->acc[i]);
	if (wanted) {
		write_acc(m, &m->acc[r], name);
		if (m->note->mixed++ == 0) {
			m->note->first_t = m->st;
			m->note->first_domid = m->domid;
		}
	}
	free(name);
	return 0;
}

/* Write the step's rows of one domid, by domain in id order (domains that
 * no table could tell apart in it added up into one row, at the first of
 * them), and empty it. */
static int finish(struct merge *m)
{
	size_t *order = malloc((m->nacc + 1) * sizeof *order);
	int rc = 0;
	if (!order)
		return -1;
	for (size_t i = 0; i < m->nacc; i++) {     /* a handful: insertion */
		size_t k = i;
		for (; k > 0 && m->acc[order[k - 1]].id > m->acc[i].id; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	for (size_t k = 0; k < m->nacc && rc == 0; k++) {
		size_t i = order[k], r = root(m, i), size = 0;
		bool first = true;
		for (size_t j = 0; j < m->nacc; j++)
			size += root(m, j) == r;
		for (size_t j = 0; j < k && first; j++)
			first = root(m, order[j]) != r;
		if (size > 1) {
			if (first)
				rc = write_mixed(m, order, r);
			continue;
		}
		const struct dom *d = domains_get(m->doms, m->acc[i].id);
		if (d->wanted)
			write_acc(m, &m->acc[i], m->json ? d->json : d->name);
	}
	free(order);
	for (size_t i = 0; i < m->nacc; i++)
		acc_clear(&m->acc[i]);
	m->nacc = 0;
	m->open = false;
	return rc;
}

static int add_part(struct merge *m, int tier, const struct part *p);

/* The columns after part_read()'s (t, seconds, the sums, the peak): in
 * the split queries the second's observed time or the minute's histogram;
 * in SQL, after the step and the domid, the histogram, then the host's
 * seconds, observed time and lost records. */
enum { SPLIT_EXTRA = 3 + ROWS_NSUMS, SQL_HIST = 5 + ROWS_NSUMS, SQL_HOST };

static void part_read(struct part *p, sqlite3_stmt *st, int col,
		      int64_t grain_s)
{
	p->t = sqlite3_column_int64(st, col);
	p->grain_s = grain_s;
	p->seconds = sqlite3_column_int64(st, col + 1);
	sums_read(&p->s, st, col + 2);
	p->peak_ns = sqlite3_column_int64(st, col + 2 + ROWS_NSUMS);
	p->hist = NULL;
}

/* P's histogram from column COL: its bytes where SQLite keeps them until
 * the next step, or a copy (COPY; -1 out of memory).  JSON text (a
 * database not migrated) ends in a NUL, as add_hist() reads it. */
static int hist_read(struct part *p, sqlite3_stmt *st, int col, bool copy)
{
	static unsigned char none[1];
	p->hist_json = sqlite3_column_type(st, col) == SQLITE_TEXT;
	const void *h = p->hist_json ? (const void *)sqlite3_column_text(st, col) :
		sqlite3_column_blob(st, col);
	p->hist_len = (size_t)sqlite3_column_bytes(st, col);
	p->hist = h ? (unsigned char *)h : none;
	if (!copy)
		return 0;
	unsigned char *c = malloc(p->hist_len + 1);
	if (!c)
		return -1;
	memcpy(c, p->hist, p->hist_len);
	c[p->hist_len] = 0;
	p->hist = c;
	return 0;
}

/*
 * P's domid's rows of table TIER over P's time, in place of P: read first,
 * then added only if they hold exactly P's seconds (1, done; 0, they do
 * not; -1 error).
 */
static int split(struct merge *m, int tier, int64_t domid, const struct part *p)
{
	sqlite3_stmt *st = m->split[tier];
	struct part *v = NULL;
	size_t n = 0, cap = 0;
	int64_t seconds = 0;
	int rc;

	sqlite3_bind_int64(st, 1, p->t);
	sqlite3_bind_int64(st, 2, p->t + p->grain_s);
	sqlite3_bind_int64(st, 3, domid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			struct part *q = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof *q);
			if (!q)
				break;
			v = q;
		}
		struct part *x = &v[n++];
		part_read(x, st, 0, metrics_tiers[tier].grain_s);
		if (tier == 0) {
			/* a second: its CPU% over the time observed */
			x->peak_ns = metrics_per_second_ns(x->s.cpu_ns,
				sqlite3_column_int64(st, SPLIT_EXTRA));
		} else {
			if (hist_read(x, st, SPLIT_EXTRA, true) < 0) {
				n--;
				break;
			}
		}
		seconds += x->seconds;
	}
	sqlite3_reset(st);
	int done = rc != SQLITE_DONE ? -1 : seconds == p->seconds ? 1 : 0;
	for (size_t i = 0; i < n; i++) {
		if (done == 1 && add_part(m, tier, &v[i]) < 0)
			done = -1;
		free(v[i].hist);
	}
	free(v);
	return done;
}

/* Add P, a row of table TIER of the current domid, to its domain, or
 * split it when it holds several. */
static int add_part(struct merge *m, int tier, const struct part *p)
{
	int32_t ids[MAX_MIXED];
	struct part cut;
	/* the daemon adds minutes to their hours once they are whole
	 * (daemon/store/rollup.c): an hour row holds its seconds before the
	 * watermark, and a split must take no more */
	if (tier == 2 && p->t + p->grain_s > m->hours_upto) {
		cut = *p;
		cut.grain_s = m->hours_upto > p->t ? m->hours_upto - p->t : 1;
		p = &cut;
	}
	size_t n = tier == 0 ? 1 : domains_in(m->doms, m->domid, p->t,
					      p->t + p->grain_s, ids, MAX_MIXED);
	if (tier == 0 && (ids[0] = domains_at(m->doms, m->domid, p->t)) < 0)
		return -1;
	if (n == 0)
		return -1;
	if (n > 1) {
		for (int finer = tier - 1; finer >= 0; finer--) {
			if (p->t < m->kept[finer])
				continue;
			int rc = split(m, finer, m->domid, p);
			if (rc != 0)
				return rc;
		}
		/* no table can tell them apart any more: their rows of this
		 * step will be one */
		size_t first = 0;
		for (size_t i = 0; i < n && i < MAX_MIXED; i++) {
			struct step_acc *a = acc_for(m, ids[i]);
			if (!a)
				return -1;
			size_t x = root(m, (size_t)(a - m->acc));
			if (i == 0)
				first = x;
			else if (x != root(m, first))
				m->acc[x].up = root(m, first);
		}
	}
	struct step_acc *a = acc_for(m, ids[0]);
	if (!a)
		return -1;
	acc_add(a, p);
	return 0;
}

static int64_t hours_upto(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t v = INT64_MAX;    /* none: every second is in its hour */
	if (sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER) FROM meta"
			       " WHERE key = 'rollup_1h_upto'", -1, &st,
			       NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char SQL[] =
	"WITH host AS (SELECT st, sum(hs) AS seconds, sum(hobs) AS observed,"
	"  sum(lost) AS lost FROM"
	"  (SELECT xm_step(t) AS st, max(seconds) AS hs, max(observed_ns) AS hobs,"
	"   sum(" METRICS_MISSING_RECORDS_FMT ") AS lost FROM %s"
	"   WHERE t >= ?1 AND t < ?2 GROUP BY t) GROUP BY st)"
	" SELECT xm_step(r.t) AS st, r.domid,"
	"  r.t, r.seconds%s, r.cpu_peak_ns, r.cpu_pct_hist,"
	"  h.seconds, h.observed, h.lost"
	" FROM %s r JOIN host h ON h.st = xm_step(r.t)"
	" WHERE r.t >= ?1 AND r.t < ?2"
	"  AND (?4 IS NULL OR r.domid IN (SELECT value FROM json_each(?4)))"
	" ORDER BY st, r.domid";

/* One domid's rows of [?1, ?2): seconds summed over CPUs (the per-domain
 * table's one row, or an old database's rows per CPU), with their
 * observed time (as seconds.c reads it); minutes as stored. */
static const char SPLIT_1S[] =
	"SELECT s.t, 1%s, 0, %s"
	" FROM %s s WHERE s.t >= ?1 AND s.t < ?2 AND s.domid = ?3"
	" GROUP BY s.t";
static const char SPLIT_1M[] =
	"SELECT t, seconds%s, cpu_peak_ns, cpu_pct_hist"
	" FROM %s WHERE t >= ?1 AND t < ?2 AND domid = ?3";

/* The summed metrics of TABLE as the database has them, in SUMS. */
static int sums_of(struct merge *m, char sums[1024], const char *table,
		   const char *fmt)
{
	return schema_metrics_sql(sums, 1024, m->db, table, fmt, true);
}

/*
 * The statements of table TIER: the rows, and one domid's seconds and
 * minutes to split them with.  The table names are metrics_tiers[]'s,
 * never input.
 */
static int prepare_all(struct merge *m, int tier, sqlite3_stmt **st)
{
	const struct metrics_tier *t = &metrics_tiers[tier];
	const char *rows = schema_tier_table(m->db, tier);
	const char *minutes = schema_tier_table(m->db, METRICS_1M);
	char sums[1024], sql[4096];

	if (sums_of(m, sums, rows, "r.%s") < 0)
		return -1;
	snprintf(sql, sizeof sql, SQL, schema_malformed_sql(m->db, t->cpu),
		 t->cpu, sums, rows);
	if (sqlite3_prepare_v2(m->db, sql, -1, st, NULL) != SQLITE_OK ||
	    sums_of(m, sums, schema_seconds_table(m->db), "sum(%s)") < 0)
		return -1;
	snprintf(sql, sizeof sql, SPLIT_1S, sums, schema_observed_sql(m->db),
		 schema_seconds_table(m->db));
	if (sqlite3_prepare_v2(m->db, sql, -1, &m->split[0], NULL) != SQLITE_OK ||
	    sums_of(m, sums, minutes, "%s") < 0)
		return -1;
	snprintf(sql, sizeof sql, SPLIT_1M, sums, minutes);
	if (sqlite3_prepare_v2(m->db, sql, -1, &m->split[1], NULL) != SQLITE_OK)
		return -1;
	return sqlite3_prepare_v2(m->db, "SELECT json_quote(?1)", -1, &m->quote,
				  NULL) == SQLITE_OK ? 0 : -1;
}

static int run_chunks(struct merge *m, sqlite3_stmt *st, int tier,
		      const char *wanted, int64_t from, int64_t to,
		      const volatile sig_atomic_t *stop)
{
	int rc = SQLITE_DONE;
	/* about a day of whole steps per query keeps each sort small */
	for (int64_t t = from, end; t < to && !*stop; t = end) {
		end = steps_next(m->steps, steps_start(m->steps, t + 86399));
		if (end > to)
			end = to;
		sqlite3_bind_int64(st, 1, t);
		sqlite3_bind_int64(st, 2, end);
		sqlite3_bind_text(st, 4, wanted, -1, SQLITE_STATIC);
		while (!*stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t s = sqlite3_column_int64(st, 0);
			int64_t domid = sqlite3_column_int64(st, 1);
			if (m->open && (m->st != s || m->domid != domid) &&
			    finish(m) < 0)
				break;
			if (!m->open) {
				m->open = true;
				m->st = s;
				m->domid = domid;
				m->host_seconds = sqlite3_column_int64(st, SQL_HOST);
				m->host_observed_ns =
					sqlite3_column_int64(st, SQL_HOST + 1);
				m->host_lost = sqlite3_column_int64(st, SQL_HOST + 2);
			}
			struct part p;
			part_read(&p, st, 2, metrics_tiers[tier].grain_s);
			hist_read(&p, st, SQL_HIST, false);
			if (add_part(m, tier, &p) < 0)
				break;
		}
		if (rc == SQLITE_ROW) {         /* broken off: an error */
			rc = SQLITE_ERROR;
			break;
		}
		if (rc == SQLITE_DONE && m->open && finish(m) < 0)
			rc = SQLITE_NOMEM;
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			break;
	}
	return rc == SQLITE_DONE && !*stop ? 0 : -1;
}

int rollups_export(sqlite3 *db, int tier, const int64_t kept[METRICS_TIERS],
		   const struct domfilter *doms, int64_t from,
		   int64_t to, struct steps *steps, bool json, FILE *f,
		   struct rollups_note *note, const volatile sig_atomic_t *stop)
{
	sqlite3_stmt *st = NULL;
	struct merge m = { .db = db, .kept = kept, .steps = steps,
			   .json = json, .f = f, .note = note };
	char *wanted = NULL;
	bool err = true;
	int rc = -1;

	if (tier < 1 || tier >= METRICS_TIERS)
		return -1;
	m.hours_upto = hours_upto(db);
	if ((m.doms = domains_load(db, doms)) &&
	    ((wanted = domains_wanted_json(m.doms, &err)) || !err) &&
	    steps_register(steps, db) == 0 && prepare_all(&m, tier, &st) == 0)
		rc = run_chunks(&m, st, tier, wanted, from, to, stop);
	sqlite3_finalize(st);
	sqlite3_finalize(m.split[0]);
	sqlite3_finalize(m.split[1]);
	sqlite3_finalize(m.quote);
	for (size_t i = 0; i < m.capacc; i++) {
		free(m.acc[i].bins);
		free(m.acc[i].touched);
	}
	free(m.acc);
	free(wanted);
	domains_free(m.doms);
	return rc;
}
