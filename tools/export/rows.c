/*
 * The exported figures, computed from one row of sums, and written as CSV
 * or JSON.
 *
 * Why here and not in SQL: a one-day export at one-second steps is four
 * million rows, and SQLite's round(), strftime() and real-to-text
 * conversions cost about 1 us each, ten of them per row, which alone would
 * hold the export to ~100k rows per second.  So SQLite returns integer sums
 * and the percentiles, and this file derives and prints every figure with
 * integer arithmetic: each is a fixed-point number with two decimals.  The
 * metrics' columns, their order and their figures are the metric table's
 * (schema/metrics.h: EXPORT), computed by its metrics_*(); columns() adds
 * the step's, the domain's and the host's (see xenmon-export(1)).
 */
#include "rows.h"
#include "openmetrics.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "timearg.h"

struct column;

/* A figure: FN puts the value of column C, in hundredths when CENTS, into
 * *V and returns false when it is undefined (an empty field, null in
 * JSON). */
typedef bool (*figure_fn)(const struct column *c, const struct row *r,
			  int64_t step_s, int64_t *v);

enum kind { INT, CENTS, TIME, NAME };

struct column {
	char name[32];
	enum kind kind;
	figure_fn fn;
	size_t metric;            /* a metric's column: METRICS_I_* */
	enum metrics_figure figure;
};

/* The value of metric I (METRICS_I_*), a sum, in S. */
#define ROWS_AT(name) [METRICS_I_##name] = offsetof(struct sums, name),
#define ROWS_X_AT(n, c, rollup, ...) METRICS_SUMMED(rollup)(ROWS_AT, n)
static const size_t sum_at[METRICS_NSAMPLE] = { METRICS_SAMPLE(ROWS_X_AT) };

static int64_t value(const struct sums *s, size_t i)
{
	return *(const int64_t *)(const void *)((const char *)s + sum_at[i]);
}

#define ROWS_READ(name) s->name = sqlite3_column_int64(st, col++);
#define ROWS_X_READ(n, c, rollup, ...) METRICS_SUMMED(rollup)(ROWS_READ, n)

void sums_read(struct sums *s, sqlite3_stmt *st, int col)
{
	METRICS_SAMPLE(ROWS_X_READ)
}

#define ROWS_ADD(name) acc->name += x->name;
#define ROWS_X_ADD(n, c, rollup, ...) METRICS_SUMMED(rollup)(ROWS_ADD, n)

void sums_add(struct sums *acc, const struct sums *x)
{
	METRICS_SAMPLE(ROWS_X_ADD)
}

static int64_t cents(double x)
{
	return (int64_t)llround(x * 100.0);
}

/* a / b in hundredths, rounded half away from zero */
static int64_t ratio_cents(int64_t a, int64_t b)
{
	return cents((double)a / (double)b);
}

static bool f_t(const struct column *c, const struct row *r, int64_t s,
		int64_t *v)
{ (void)c; (void)s; *v = r->t; return true; }
static bool f_domid(const struct column *c, const struct row *r, int64_t s,
		    int64_t *v)
{ (void)c; (void)s; *v = r->domid; return true; }
static bool f_p50(const struct column *c, const struct row *r, int64_t s,
		  int64_t *v)
{ (void)c; (void)s; *v = cents(r->p50); return true; }
static bool f_p95(const struct column *c, const struct row *r, int64_t s,
		  int64_t *v)
{ (void)c; (void)s; *v = cents(r->p95); return true; }
static bool f_p99(const struct column *c, const struct row *r, int64_t s,
		  int64_t *v)
{ (void)c; (void)s; *v = cents(r->p99); return true; }
static bool f_max(const struct column *c, const struct row *r, int64_t s,
		  int64_t *v)
{
	(void)c; (void)s;
	*v = ratio_cents(r->peak_ns, METRICS_NS_PER_PCT);
	return true;
}
static bool f_lost(const struct column *c, const struct row *r, int64_t s,
		   int64_t *v)
{ (void)c; (void)s; *v = r->lost; return true; }
/* issue 17: set per range read (rows_set_io_sources) */
static unsigned io_sources = METRICS_IO_ALL;
void rows_set_io_sources(unsigned sources)
{ io_sources = sources; }
/* the time observed over the step's length */
static bool f_covered(const struct column *c, const struct row *r, int64_t s,
		      int64_t *v)
{
	(void)c;
	*v = ratio_cents(r->covered_ns, s * METRICS_NS_PER_PCT);
	return true;
}

/* A metric's figure (metrics.h): over the time observed in the step. */
static bool f_metric(const struct column *c, const struct row *r, int64_t s,
		     int64_t *v)
{
	int64_t x = value(&r->s, c->metric);
	double d;
	bool ok;
	(void)s;
	/* issue 17: I/O the hypervisor did not trace is empty, not 0 */
	if (metrics_figure_unavailable(c->metric, c->figure, io_sources))
		return false;
	switch (c->figure) {
	case METRICS_PCT:
	case METRICS_PCT_DIST:
		ok = metrics_pct(x, r->covered_ns, &d);
		break;
	case METRICS_PER_S:
		ok = metrics_per_s(x, r->covered_ns, &d);
		break;
	case METRICS_BLOCKED_PCT:
		ok = metrics_blocked_pct(r->s.cpu_ns, r->s.wait_ns,
					 r->s.blocked_ns, &d);
		break;
	case METRICS_PER_EXEC:
		return metrics_per_whole(x, r->s.exec_count, v);
	case METRICS_PER_IO:
		return metrics_per_whole(x, r->s.io_count, v);
	default:
		return false;
	}
	if (ok)
		*v = cents(d);
	return ok;
}

static void add_column(struct column *c, size_t *n, const char *name,
		       enum kind kind, figure_fn fn)
{
	c += (*n)++;
	snprintf(c->name, sizeof c->name, "%s", name);
	c->kind = kind;
	c->fn = fn;
}

/* Metric D's column, and after a METRICS_PCT_DIST one (STEM_pct) the
 * percentiles and the maximum of its one-second figure. */
static void add_metric(struct column *c, size_t *n, size_t i)
{
	static const struct { const char *suffix; figure_fn fn; } dist[] = {
		{ "_p50_pct", f_p50 }, { "_p95_pct", f_p95 },
		{ "_p99_pct", f_p99 }, { "_max_pct", f_max },
	};
	const struct metrics_export *e = &metrics_sample[i].export;
	add_column(c, n, e->column, e->figure == METRICS_PER_EXEC ||
		   e->figure == METRICS_PER_IO ? INT : CENTS, f_metric);
	c[*n - 1].metric = i;
	c[*n - 1].figure = e->figure;
	if (e->figure != METRICS_PCT_DIST)
		return;
	size_t stem = strlen(e->column) - strlen("_pct");
	for (size_t k = 0; k < sizeof dist / sizeof dist[0]; k++) {
		char name[sizeof c->name];
		snprintf(name, sizeof name, "%.*s%s", (int)stem, e->column,
			 dist[k].suffix);
		add_column(c, n, name, CENTS, dist[k].fn);
	}
}

/* The metrics' columns of EXPORT orders FROM to TO, in that order. */
static void add_metrics(struct column *c, size_t *n, int from, int to)
{
	for (int order = from; order <= to; order++)
		for (size_t i = 0; i < METRICS_NSAMPLE; i++)
			if (metrics_sample[i].export.order == order)
				add_metric(c, n, i);
}

/*
 * The columns, in order: the step and the domain, the metrics' in the
 * order of their EXPORT, the host-wide ones, and after those the metrics'
 * added since (METRICS_EXPORT_RELEASED).  Built once.
 */
static const struct column *columns(size_t *n)
{
	static struct column c[6 + 5 * METRICS_NSAMPLE];
	static size_t nc;
	if (!nc) {
		add_column(c, &nc, "t", INT, f_t);
		add_column(c, &nc, "time", TIME, f_t);
		add_column(c, &nc, "domid", INT, f_domid);
		add_column(c, &nc, "name", NAME, NULL);
		add_metrics(c, &nc, 1, METRICS_EXPORT_RELEASED);
		add_column(c, &nc, "lost_records", INT, f_lost);
		add_column(c, &nc, "covered_pct", CENTS, f_covered);
		add_metrics(c, &nc, METRICS_EXPORT_RELEASED + 1, METRICS_NSAMPLE);
	}
	*n = nc;
	return c;
}

static const char *host_column;

void rows_set_host(const char *host)
{
	host_column = host;
}

/* A JSON string: the host's name is the system's, not a guest's, but is
 * quoted all the same. */
static void json_text(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void rows_csv_header(FILE *f)
{
	if (host_column)
		fputs("host,", f);
	size_t n;
	const struct column *c = columns(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", c[i].name);
	fputc('\n', f);
}

/* Decimal digits of V (which may be negative) into the end of BUF. */
static char *put_int(char *end, int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do
		*--end = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--end = '-';
	return end;
}

static void write_number(FILE *f, int64_t v, bool in_cents)
{
	char buf[32], *end = buf + sizeof buf, *p;
	if (!in_cents) {
		p = put_int(end, v);
	} else {
		uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		*--end = (char)('0' + u % 10);
		*--end = (char)('0' + u / 10 % 10);
		*--end = '.';
		p = put_int(end, (int64_t)(u / 100));
		if (v < 0)
			*--p = '-';
	}
	fwrite(p, 1, (size_t)(buf + sizeof buf - p), f);
}

static bool rows_utc;

void rows_set_utc(bool utc)
{
	rows_utc = utc;
}

/* ISO 8601 with the offset; a step's rows share their time, so it is
 * kept. */
static const char *iso_time(int64_t t)
{
	static int64_t last = INT64_MIN;
	static char buf[40];
	if (t != last) {
		timearg_iso(buf, sizeof buf, t, rows_utc);
		last = t;
	}
	return buf;
}

/* RFC 4180: a field with a comma, quote or line break is quoted, its
 * quotes doubled. */
static void csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_value(FILE *f, const struct column *c, const struct row *r,
			int64_t step_s, bool json)
{
	int64_t v;
	switch (c->kind) {
	case NAME:
		/* for JSON, SQLite's json_quote() made it a JSON string */
		if (json)
			fputs(r->name, f);
		else
			csv_text(f, r->name);
		return;
	case TIME:
		if (json)
			fputc('"', f);
		fputs(iso_time(r->t), f);
		if (json)
			fputc('"', f);
		return;
	case INT:
	case CENTS:
		if (c->fn(c, r, step_s, &v))
			write_number(f, v, c->kind == CENTS);
		else if (json)
			fputs("null", f);
		return;
	}
}

void row_write(FILE *f, const struct row *r, int64_t step_s, bool json)
{
	if (openmetrics_take(r, step_s))
		return;           /* written at the end, family by family */
	size_t n;
	const struct column *c = columns(&n);
	if (json)
		fputc('{', f);
	if (host_column && json) {
		fputs("\"host\":", f);
		json_text(f, host_column);
		fputc(',', f);
	} else if (host_column) {
		csv_text(f, host_column);
		fputc(',', f);
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		if (json) {  /* fputs, not fprintf: a day of seconds is 70 M keys */
			fputc('"', f);
			fputs(c[i].name, f);
			fputs("\":", f);
		}
		write_value(f, &c[i], r, step_s, json);
	}
	fputs(json ? "}\n" : "\n", f);
}
