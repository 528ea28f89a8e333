/*
 * Steps from roll-ups: the rows of a step are added up here, their CPU%
 * histograms merged bin by bin, and the percentiles read off the merged
 * histogram.
 *
 * SQLite could do it (json_each over every histogram, a window sum per
 * step), and the views of schema/002_history.sql do, for a row at a time;
 * but over 30 days of hours that is millions of json_each rows and takes
 * seconds, where reading the few bytes of each histogram here takes
 * milliseconds.  SQLite still selects the rows (in key order, so no sort
 * when the step is the table's grain), resolves the names and adds the
 * host's seconds and lost records per step.
 *
 * Percentiles: over the seconds of the step the host has data for
 * (covered); a second without a row of the domain is 0%.  The nearest rank
 * k = ceil(p * covered / 100): 0 if k falls among those zeros, else the bin
 * where the running count reaches the rest, reported as its middle but
 * never above the step's peak: within half a percentage point.
 */
#include "merge.h"
#include "rows.h"

#include <stdlib.h>
#include <string.h>

#define NBINS 65536

struct step_acc {
	struct row r;             /* sums so far, name owned below */
	int64_t seen;
	char *name;
	uint32_t *bins;           /* [NBINS] */
	uint32_t *touched;        /* bins to clear after the step */
	size_t ntouched;
	bool open;
};

/* The histogram text the daemon writes: {"12":30,"13":25}. */
static void add_hist(struct step_acc *a, const char *h)
{
	while (h && *h) {
		while (*h && (*h < '0' || *h > '9'))
			h++;
		if (!*h)
			return;
		unsigned long bin = strtoul(h, (char **)&h, 10);
		while (*h == '"' || *h == ':')
			h++;
		unsigned long n = strtoul(h, (char **)&h, 10);
		if (bin >= NBINS)
			continue;
		if (!a->bins[bin])
			a->touched[a->ntouched++] = (uint32_t)bin;
		a->bins[bin] += (uint32_t)n;
	}
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return (a > b) - (a < b);
}

static double percentile(const struct step_acc *a, int64_t covered, int p)
{
	int64_t zeros = covered - a->seen;
	int64_t k = (p * covered + 99) / 100;
	if (k <= zeros)
		return 0;
	int64_t c = 0;
	double peak = (double)a->r.peak_ns / 1e7;
	for (size_t i = 0; i < a->ntouched; i++) {
		c += a->bins[a->touched[i]];
		if (c >= k - zeros) {
			double v = a->touched[i] + 0.5;
			return v < peak ? v : peak;
		}
	}
	return peak;
}

static void finish(struct step_acc *a, FILE *f, int64_t step_s, bool json)
{
	qsort(a->touched, a->ntouched, sizeof *a->touched, cmp_u32);
	int64_t covered = a->r.covered > a->seen ? a->r.covered : a->seen;
	a->r.p50 = percentile(a, covered, 50);
	a->r.p95 = percentile(a, covered, 95);
	a->r.p99 = percentile(a, covered, 99);
	a->r.covered = covered;
	a->r.name = a->name ? a->name : "";
	row_write(f, &a->r, step_s, json);
	for (size_t i = 0; i < a->ntouched; i++)
		a->bins[a->touched[i]] = 0;
	a->ntouched = 0;
	free(a->name);
	a->name = NULL;
	a->open = false;
}

static void add_row(struct step_acc *a, sqlite3_stmt *st)
{
	if (!a->open) {
		memset(&a->r, 0, sizeof a->r);
		a->seen = 0;
		a->r.t = sqlite3_column_int64(st, 0);
		a->r.domid = sqlite3_column_int64(st, 1);
		const char *n = (const char *)sqlite3_column_text(st, 2);
		a->name = n ? strdup(n) : NULL;
		a->r.covered = sqlite3_column_int64(st, 13);
		a->r.lost = sqlite3_column_int64(st, 14);
		a->open = true;
	}
	a->seen += sqlite3_column_int64(st, 3);
	a->r.exec_count += sqlite3_column_int64(st, 4);
	a->r.cpu_ns += sqlite3_column_int64(st, 5);
	a->r.wait_ns += sqlite3_column_int64(st, 6);
	a->r.blocked_ns += sqlite3_column_int64(st, 7);
	a->r.alloc_ns += sqlite3_column_int64(st, 8);
	a->r.io_count += sqlite3_column_int64(st, 9);
	int64_t peak = sqlite3_column_int64(st, 10);
	if (peak > a->r.peak_ns)
		a->r.peak_ns = peak;
	add_hist(a, (const char *)sqlite3_column_text(st, 11));
}

static const char SQL[] =
	"WITH host AS (SELECT st, sum(hs) AS covered, sum(lost) AS lost FROM"
	"  (SELECT t - t %% ?3 AS st, max(seconds) AS hs,"
	"   sum(lost_records) AS lost FROM %s"
	"   WHERE t >= ?1 AND t < ?2 GROUP BY t) GROUP BY st)"
	" SELECT r.t - r.t %% ?3 AS st, r.domid,"
	"  coalesce((SELECT %s FROM domain d WHERE d.domid = r.domid"
	"    AND d.first_t < r.t - r.t %% ?3 + ?3 ORDER BY d.first_t DESC LIMIT 1),"
	"   %s) AS name,"
	"  seconds, exec_count, cpu_ns, wait_ns, blocked_ns, alloc_ns, io_count,"
	"  cpu_peak_ns, cpu_pct_hist, 0, h.covered, h.lost"
	" FROM %s r JOIN host h ON h.st = r.t - r.t %% ?3"
	" WHERE r.t >= ?1 AND r.t < ?2"
	"  AND (?4 IS NULL OR r.domid IN (SELECT value FROM json_each(?4)))"
	" ORDER BY st, r.domid";

int merge_export(sqlite3 *db, const char *sample, const char *cpu,
		 const char *doms, int64_t from, int64_t to, int64_t step_s,
		 bool json, FILE *f, const volatile sig_atomic_t *stop)
{
	char sql[2048];
	sqlite3_stmt *st;
	/* the fallback names of the domain_1s view */
	const char *fallback = json ?
		"json_quote(CASE r.domid WHEN 32767 THEN 'Idle' ELSE 'dom' || r.domid END)" :
		"CASE r.domid WHEN 32767 THEN 'Idle' ELSE 'dom' || r.domid END";
	snprintf(sql, sizeof sql, SQL, cpu, json ? "json_quote(d.name)" : "d.name",
		 fallback, sample);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	struct step_acc a = { 0 };
	a.bins = calloc(NBINS, sizeof *a.bins);
	a.touched = calloc(NBINS, sizeof *a.touched);
	int rc = SQLITE_NOMEM;
	/* a day of steps per query keeps each sort small (see export_range) */
	int64_t chunk = step_s < 86400 ? 86400 - 86400 % step_s : step_s;
	for (int64_t t = from; a.bins && a.touched && t < to && !*stop; t += chunk) {
		sqlite3_bind_int64(st, 1, t);
		sqlite3_bind_int64(st, 2, to - t < chunk ? to : t + chunk);
		sqlite3_bind_int64(st, 3, step_s);
		sqlite3_bind_text(st, 4, doms, -1, SQLITE_STATIC);
		while (!*stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (a.open && (a.r.t != sqlite3_column_int64(st, 0) ||
				       a.r.domid != sqlite3_column_int64(st, 1)))
				finish(&a, f, step_s, json);
			add_row(&a, st);
		}
		if (a.open)
			finish(&a, f, step_s, json);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			break;
	}
	sqlite3_finalize(st);
	free(a.name);
	free(a.bins);
	free(a.touched);
	return rc == SQLITE_DONE && !*stop ? 0 : -1;
}
