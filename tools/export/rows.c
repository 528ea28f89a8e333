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
 * table below is the one place that defines the columns, their order and
 * their meaning (see xenmon-export(1)).
 */
#include "rows.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "timearg.h"

/* A figure: FN puts its value, in hundredths when CENTS, into *V and
 * returns false when it is undefined (an empty field, null in JSON). */
typedef bool (*figure_fn)(const struct row *r, int64_t step_s, int64_t *v);

static int64_t cents(double x)
{
	return (int64_t)llround(x * 100.0);
}

/* a / b in hundredths, rounded half away from zero */
static int64_t ratio_cents(int64_t a, int64_t b)
{
	return cents((double)a / (double)b);
}

/* X per nanosecond of the step the host was observed, times SCALE, in
 * hundredths; undefined when nothing was observed. */
static bool per_observed(const struct row *r, int64_t x, double scale,
			 int64_t *v)
{
	if (r->covered_ns <= 0)
		return false;
	*v = cents((double)x * scale / (double)r->covered_ns);
	return true;
}

static bool f_t(const struct row *r, int64_t s, int64_t *v)
{ (void)s; *v = r->t; return true; }
static bool f_domid(const struct row *r, int64_t s, int64_t *v)
{ (void)s; *v = r->domid; return true; }
/* percent of one CPU over the time observed */
static bool f_cpu(const struct row *r, int64_t s, int64_t *v)
{ (void)s; return per_observed(r, r->cpu_ns, 100, v); }
static bool f_p50(const struct row *r, int64_t s, int64_t *v)
{ (void)s; *v = cents(r->p50); return true; }
static bool f_p95(const struct row *r, int64_t s, int64_t *v)
{ (void)s; *v = cents(r->p95); return true; }
static bool f_p99(const struct row *r, int64_t s, int64_t *v)
{ (void)s; *v = cents(r->p99); return true; }
static bool f_max(const struct row *r, int64_t s, int64_t *v)
{ (void)s; *v = ratio_cents(r->peak_ns, 10000000); return true; }
static bool f_wait(const struct row *r, int64_t s, int64_t *v)
{ (void)s; return per_observed(r, r->wait_ns, 100, v); }
/* per vCPU-second: blocked over online time (docs/metrics.md) */
static bool f_blocked(const struct row *r, int64_t s, int64_t *v)
{
	(void)s;
	int64_t online = r->cpu_ns + r->wait_ns + r->blocked_ns;
	if (!online)
		return false;
	*v = ratio_cents(100 * r->blocked_ns, online);
	return true;
}
static bool f_execs(const struct row *r, int64_t s, int64_t *v)
{ (void)s; return per_observed(r, r->exec_count, 1e9, v); }
static bool f_io(const struct row *r, int64_t s, int64_t *v)
{ (void)s; return per_observed(r, r->io_count, 1e9, v); }
/* alloc_ns / exec_count, as the viewer and docs/metrics.md define it */
static bool f_alloc(const struct row *r, int64_t s, int64_t *v)
{
	(void)s;
	if (!r->exec_count)
		return false;
	*v = r->alloc_ns / r->exec_count;
	return true;
}
static bool f_lost(const struct row *r, int64_t s, int64_t *v)
{ (void)s; *v = r->lost; return true; }
/* the time observed over the step's length */
static bool f_covered(const struct row *r, int64_t s, int64_t *v)
{ *v = ratio_cents(r->covered_ns, s * 10000000); return true; }

enum kind { INT, CENTS, TIME, NAME };

static const struct column {
	const char *name;
	enum kind kind;
	figure_fn fn;
} COLUMNS[] = {
	{ "t", INT, f_t },
	{ "time", TIME, f_t },
	{ "domid", INT, f_domid },
	{ "name", NAME, NULL },
	{ "cpu_pct", CENTS, f_cpu },
	{ "cpu_p50_pct", CENTS, f_p50 },
	{ "cpu_p95_pct", CENTS, f_p95 },
	{ "cpu_p99_pct", CENTS, f_p99 },
	{ "cpu_max_pct", CENTS, f_max },
	{ "wait_pct", CENTS, f_wait },
	{ "blocked_pct", CENTS, f_blocked },
	{ "execs_per_s", CENTS, f_execs },
	{ "io_per_s", CENTS, f_io },
	{ "alloc_avg_ns", INT, f_alloc },
	{ "lost_records", INT, f_lost },
	{ "covered_pct", CENTS, f_covered },
};
#define NCOLUMNS (sizeof COLUMNS / sizeof COLUMNS[0])

void rows_csv_header(FILE *f)
{
	for (size_t i = 0; i < NCOLUMNS; i++)
		fprintf(f, "%s%s", i ? "," : "", COLUMNS[i].name);
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
		if (c->fn(r, step_s, &v))
			write_number(f, v, c->kind == CENTS);
		else if (json)
			fputs("null", f);
		return;
	}
}

void row_write(FILE *f, const struct row *r, int64_t step_s, bool json)
{
	if (json)
		fputc('{', f);
	for (size_t i = 0; i < NCOLUMNS; i++) {
		if (i)
			fputc(',', f);
		if (json) {  /* fputs, not fprintf: a day of seconds is 70 M keys */
			fputc('"', f);
			fputs(COLUMNS[i].name, f);
			fputs("\":", f);
		}
		write_value(f, &COLUMNS[i], r, step_s, json);
	}
	fputs(json ? "}\n" : "\n", f);
}
