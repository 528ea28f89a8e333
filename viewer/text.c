/*
 * The model as text: cells, titles and names (text.h).
 *
 * A domain's rows are the metrics the metric table gives a VIEW
 * (schema/metrics.h), in its order; each of a row's three cells is one of
 * the table's figures of the metric, computed by metrics.c, and shown as
 * a time for a metric in ns, as a count per second or per execution for
 * the others.
 *
 * Names come from guests' toolstacks, so they are bytes, not text: they may
 * be invalid in the locale, wider than one column per byte (ü is two bytes
 * and one column, an emoji four bytes and two columns), or hold characters
 * that act on the terminal (a newline moves the cursor; U+202E turns the
 * rest of the line around).  text_name() measures them as the terminal
 * will, and replaces what must not reach it by '?', one per character (one
 * per byte where there is no character), so that the columns to the right
 * of a name stay where the header says.
 */
#include "text.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "timearg.h"

static void fmt_time(char *b, size_t n, double ns, int width)
{
	static const struct { double div; const char *unit; } u[] = {
		{ 1, "ns" }, { 1e3, "us" }, { 1e6, "ms" }, { 1e9, "s" },
	};
	int i = ns < 1e3 ? 0 : ns < 1e6 ? 1 : ns < 1e9 ? 2 : 3;
	for (int prec = 2; prec >= 0; prec--) {
		snprintf(b, n, "%.*f%s", prec, ns / u[i].div, u[i].unit);
		if ((int)strlen(b) <= width)
			return;
	}
}

static void fmt_pct(char *b, size_t n, double pct, int width)
{
	for (int prec = 2; prec >= 0; prec--) {
		snprintf(b, n, "%.*f%%", prec, pct);
		if ((int)strlen(b) <= width)
			return;
	}
}

static void fmt_rate(char *b, size_t n, double v, const char *unit, int width)
{
	for (int prec = 2; prec >= 0; prec--) {
		snprintf(b, n, "%.*f%s", prec, v, unit);
		if ((int)strlen(b) <= width)
			return;
	}
}

/* A count of bytes with a decimal prefix: a copy rate reads as 2.17MB/s. */
static void fmt_bytes(char *b, size_t n, double v, const char *unit, int width)
{
	static const char prefix[] = "kMGT";
	int i = 0;
	for (; v >= 1000 && i < (int)sizeof prefix - 1; i++)
		v /= 1000;
	for (int prec = 2; prec >= 0; prec--) {
		snprintf(b, n, "%.*f%.*sB%s", prec, v, i > 0, &prefix[i ? i - 1 : 0],
			 unit);
		if ((int)strlen(b) <= width)
			return;
	}
}

/* Issue 17: I/O the hypervisor did not trace is said so, not shown as 0. */
static void fmt_unavailable(char *b, size_t n, int width)
{
	snprintf(b, n, "%s", width >= 11 ? "unavailable" : "n/a");
}

const struct metrics_desc *text_row(enum metric met)
{
	for (size_t i = 0; i < METRICS_NSAMPLE; i++)
		if (metrics_sample[i].view.order == (int)met + 1)
			return &metrics_sample[i];
	return NULL;
}

enum metric text_cpu_row(void)
{
	return (enum metric)(metrics_sample[METRICS_I_cpu_ns].view.order - 1);
}

/* The metric that rolls up by ROLLUP (the bounded slices' MIN or MAX). */
static size_t extreme(enum metrics_rollup rollup)
{
	size_t i = 0;
	while (i < METRICS_NSAMPLE - 1 && metrics_sample[i].rollup != rollup)
		i++;
	return i;
}

/* V of metric D: a time, bytes, or a count with UNIT ("/s", "/ex"). */
static void fmt_value(char *b, double v, const struct metrics_desc *d,
		      const char *unit, int width)
{
	if (strcmp(d->unit, "ns") == 0)
		fmt_time(b, TEXT_CELL, v, width);
	else if (strcmp(d->unit, "bytes") == 0)
		fmt_bytes(b, TEXT_CELL, v, unit, width);
	else
		fmt_rate(b, TEXT_CELL, v, unit, width);
}

/* X of metric D per one of N, blank when there is none. */
static void fmt_per(char *b, int64_t x, int64_t n, const struct metrics_desc *d,
		    const char *unit, int width)
{
	double v;
	if (metrics_per(x, n, &v))
		fmt_value(b, v, d, unit, width);
}

/* Figure F of row metric D in S over window WI, into B. */
static void cell(char *b, enum metrics_figure f, const struct metrics_desc *d,
		 const struct win_info *wi, const struct dom_sums *s, int width)
{
	int64_t x = model_sum(s, (size_t)(d - metrics_sample));
	size_t lim;

	switch (f) {
	case METRICS_PER_S:
		fmt_value(b, model_per_s(wi, x), d, "/s", width);
		break;
	case METRICS_PCT:
	case METRICS_PCT_DIST:
		fmt_pct(b, TEXT_CELL, model_pct(wi, x), width);
		break;
	case METRICS_BLOCKED_PCT:
		fmt_pct(b, TEXT_CELL, model_blocked_pct(s), width);
		break;
	case METRICS_PER_EXEC:
		fmt_per(b, x, s->exec_count, d, "/ex", width);
		break;
	case METRICS_PER_IO:
		fmt_per(b, x, s->io_count, d, "/io", width);
		break;
	case METRICS_LOW:
	case METRICS_HIGH:
		lim = extreme(f == METRICS_LOW ? METRICS_MIN : METRICS_MAX);
		if (s->has_alloc_range)
			fmt_value(b, (double)model_sum(s, lim), &metrics_sample[lim],
				  "", width);
		break;
	case METRICS_NONE:
		break;
	}
}

void text_cells(const struct model *m, const struct dom_sums *s, int win,
		enum metric met, char out[3][TEXT_CELL], const int w[3])
{
	const struct win_info *wi = &m->win[win];
	const struct metrics_desc *d = text_row(met);

	for (int i = 0; i < 3; i++) {
		out[i][0] = 0;
		if (!model_has_data(wi))
			snprintf(out[i], TEXT_CELL, "-");
		else if (d && metrics_figure_unavailable(
				 (size_t)(d - metrics_sample), d->view.cell[i],
				 m->io_sources))
			fmt_unavailable(out[i], TEXT_CELL, w[i]);
		else if (d)
			cell(out[i], d->view.cell[i], d, wi, s, w[i]);
	}
}

/* The help's lines are at most this wide; a longer one goes on under its
 * text, past the label. */
#define HELP_WIDTH 70
#define HELP_INDENT "           "

/* Paragraph P as lines of at most HELP_WIDTH, cut at spaces, into LINES
 * from *N on (at most MAX), in STORE. */
static void wrap(const char *p, const char **lines, int *n, int max,
		 char (*store)[HELP_WIDTH + 1])
{
	size_t indent = 0;
	while (*p && *n < max) {
		size_t room = HELP_WIDTH - indent, len = strlen(p);
		if (len > room) {
			len = room;
			while (len > 0 && p[len] != ' ')
				len--;
			if (len == 0)
				len = room;
		}
		snprintf(store[*n], HELP_WIDTH + 1, "%s%.*s",
			 indent ? HELP_INDENT : "", (int)len, p);
		lines[*n] = store[*n];
		(*n)++;
		p += len;
		while (*p == ' ')
			p++;
		indent = strlen(HELP_INDENT);
	}
}

int text_rows_help(const char **lines, int max, const char *tail)
{
	static char store[2 * M_COUNT + 2][HELP_WIDTH + 1];
	char para[512] = "";
	bool join = false;
	int n = 0;

	if (max > (int)(sizeof store / sizeof store[0]))
		max = (int)(sizeof store / sizeof store[0]);
	for (int met = 0; met < M_COUNT; met++) {
		const struct metrics_view *v = &text_row((enum metric)met)->view;
		size_t len = strlen(para);
		if (join) {
			snprintf(para + len, sizeof para - len, "; %s: %s",
				 v->label, v->help);
		} else {
			if (len)
				wrap(para, lines, &n, max, store);
			snprintf(para, sizeof para, "  %-8s %s", v->label, v->help);
		}
		/* a row of one figure leaves room for the next on its line */
		join = v->cell[1] == METRICS_NONE && v->cell[2] == METRICS_NONE;
	}
	size_t len = strlen(para);
	snprintf(para + len, sizeof para - len, "%s", tail);
	wrap(para, lines, &n, max, store);
	return n;
}

/*
 * Characters that change how a line is laid out or hide text without
 * being controls to iswcntrl(): the bidirectional marks, embeddings,
 * overrides and isolates (U+061C, U+200E/F, U+202A..E, U+2066..9), the
 * zero-width and invisible ones (U+200B..D, U+2060..64, U+FEFF), the line
 * and paragraph separators and the interlinear annotations.
 */
static bool is_format_char(wint_t c)
{
	return c == 0x061c || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
	       c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb);
}

int text_name(const char *name, int width, char *out, size_t outlen)
{
	mbstate_t ps;
	size_t left = strlen(name), o = 0;
	int used = 0;
	bool after_char = false;  /* a combining mark needs a base */

	memset(&ps, 0, sizeof ps);
	if (outlen == 0)
		return 0;
	while (left > 0) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, name, left, &ps);
		const char *put = name;
		int w;
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&ps, 0, sizeof ps);
			k = 1;
			w = -1;
		} else {
			w = wcwidth(wc);
			if (iswcntrl((wint_t)wc) || is_format_char((wint_t)wc) ||
			    (w == 0 && !after_char))
				w = -1;
		}
		size_t plen = k;
		if (w < 0) {
			put = "?";
			plen = 1;
			w = 1;
		}
		if (used + w > width || o + plen >= outlen)
			break;
		memcpy(out + o, put, plen);
		o += plen;
		used += w;
		if (w > 0)
			after_char = true;
		name += k;
		left -= k;
	}
	out[o] = 0;
	return used;
}

/* Set once at start-up (xenmon -u): every time shown is on one clock. */
static bool show_utc;

void text_set_utc(bool utc)
{
	show_utc = utc;
}

void text_time(char *b, size_t n, int64_t t, const char *f)
{
	timearg_strftime(b, n, t, show_utc, f);
}

static double busy_pct(const struct model *m, int win)
{
	int64_t ns = 0;
	for (size_t i = 0; i < m->nrows; i++)
		if (m->rows[i].domid != METRICS_IDLE_DOMID)
			ns += m->rows[i].w[win].cpu_ns;
	return model_pct(&m->win[win], ns);
}

/* An age as its largest unit: 40s, 12m, 5h, 3d, 2y. */
static void age_text(char *b, size_t n, int64_t s)
{
	static const struct { int64_t s; char unit; } U[] = {
		{ 365 * 86400, 'y' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' },
	};
	for (size_t i = 0; i < sizeof U / sizeof U[0]; i++)
		if (s >= 2 * U[i].s) {
			snprintf(b, n, "%lld%c", (long long)(s / U[i].s), U[i].unit);
			return;
		}
	snprintf(b, n, "%llds", (long long)s);
}

/* LIVE, or what keeps the newest second from being live: no recorder,
 * or one that stores nothing. */
static const char *live_state(char *b, size_t n, const struct model *m)
{
	char age[24];
	if (!m->stale_s)
		return "LIVE";
	age_text(age, sizeof age, m->stale_s);
	snprintf(b, n, "%s, last data %s ago:", m->recorder == 0 ?
		 "NOT RECORDING" : m->recorder > 0 ? "STALLED" : "STALE", age);
	return b;
}

/*
 * The title at LEVEL 0 (everything) to TEXT_TITLE_LEVELS - 1 (the least
 * that still says what is shown), for a narrow screen to pick the richest
 * that fits: the help hint goes first, then the scale's note, the sort,
 * the date (the time stays), and last the filter, which the status line
 * also shows.
 */
static void title_at(char *b, size_t n, const struct text_title_in *in, int level)
{
	const struct model *m = in->m;
	char when[48], which[48], state[64], sort[40] = "", filter[160] = "";

	text_time(when, sizeof when, m->win[WIN_SHORT].t_last,
		  level >= 4 ? "%H:%M:%S %Z" : "%Y-%m-%d %H:%M:%S %Z");
	if (m->cpu >= 0)
		snprintf(which, sizeof which, "CPU %d of %d", m->cpu, m->ncpus);
	else
		snprintf(which, sizeof which, level >= 2 ? "All %d CPUs" :
			 "All %d CPUs (100%% = 1 CPU)", m->ncpus);
	if (level < 3)
		snprintf(sort, sizeof sort, " | sort %s%s",
			 model_sort_name(in->sort), in->desc ? " desc" : "");
	if (in->filter && *in->filter && level < 5)
		snprintf(filter, sizeof filter, " | domains %s", in->filter);
	snprintf(b, n, " %s | %s %s%s%s%s", which,
		 in->live ? live_state(state, sizeof state, m) : "HISTORY", when,
		 sort, filter, in->help && level < 1 ? " | h help" : "");
}

void text_title(char *b, size_t n, const struct text_title_in *in, int width)
{
	for (int level = 0; level < TEXT_TITLE_LEVELS; level++) {
		title_at(b, n, in, level);
		if ((int)strlen(b) <= width)
			return;
	}
}

void text_window_title(char *b, size_t n, const struct model *m, int win,
		       bool range, int detail)
{
	const struct win_info *w = &m->win[win];
	char label[64], z[32], pct[32] = "", gap[64] = "";

	if (win == WIN_LONG && range) {
		/* widened where its seconds were pruned: to whole rows */
		text_time(z, sizeof z, w->t_first, "%H:%M:%S");
		snprintf(label, sizeof label, "%lld s from %s%s",
			 (long long)w->seconds, z,
			 w->widened_s >= METRICS_GRAIN_1W ? " to the week" :
			 w->widened_s >= METRICS_GRAIN_1D ? " to the day" :
			 w->widened_s >= METRICS_GRAIN_1H ? " to the hour" :
			 w->widened_s >= METRICS_GRAIN_1M ?
			 " to the minute" : "");
	} else if (win == WIN_LONG && w->seconds == 10 && model_has_data(w)) {
		snprintf(label, sizeof label, "Last 10 s");
	} else {
		text_time(z, sizeof z, w->t_last, "%H:%M:%S");
		snprintf(label, sizeof label, "%lld s to %s",
			 (long long)w->seconds, z);
	}
	if (detail < 0) {
		snprintf(b, n, "%lld s", (long long)w->seconds);
		return;
	}
	if (!model_has_data(w)) {
		snprintf(b, n, "%s: no data", label);
		return;
	}
	if (detail >= 2)
		snprintf(pct, sizeof pct, " (%.2f%%)", busy_pct(m, win));
	if (detail >= 1 && w->seconds_with_data < w->seconds)
		snprintf(gap, sizeof gap, " [%lld/%lld s]",
			 (long long)w->seconds_with_data, (long long)w->seconds);
	snprintf(b, n, "%s%s%s", label, pct, gap);
}

void text_lost(char *b, size_t n, const struct model *m)
{
	const struct win_info *wl = &m->win[WIN_LONG], *ws = &m->win[WIN_SHORT];
	int k = 0;
	b[0] = '\0';
	if (wl->lost_records > 0 && !wl->lost_range_known)
		k = snprintf(b, n,
			     " Records lost: %lld in %lld s (per-second min and "
			     "max not kept by the roll-ups) | %lld in the last "
			     "second", (long long)wl->lost_records,
			     (long long)wl->seconds, (long long)ws->lost_records);
	else if (wl->lost_records > 0)
		k = snprintf(b, n,
			     " Records lost: %lld in %lld s (min %lld, max %lld "
			     "per s) | %lld in the last second",
			     (long long)wl->lost_records, (long long)wl->seconds,
			     (long long)wl->lost_min, (long long)wl->lost_max,
			     (long long)ws->lost_records);
	if (wl->malformed_records > 0 && k >= 0 && (size_t)k < n)
		snprintf(b + k, n - (size_t)k,
			 "%s Records malformed (damaged trace): %lld in %lld s | "
			 "%lld in the last second", k ? " |" : "",
			 (long long)wl->malformed_records, (long long)wl->seconds,
			 (long long)ws->malformed_records);
	k = (int)strlen(b);
	if (m->dropped.any && (size_t)k < n) {
		char a[16], z[16];
		text_time(a, sizeof a, m->dropped.first_t, "%H:%M:%S");
		text_time(z, sizeof z, m->dropped.last_t, "%H:%M:%S");
		snprintf(b + k, n - (size_t)k, "%s %s %s..%s dropped (%s)",
			 k ? " |" : "", metrics_tiers[m->dropped.tier].what, a, z,
			 m->dropped.reason);
	}
	k = (int)strlen(b);
	if (m->detail_gone.any && (size_t)k < n) {
		char a[24];
		text_time(a, sizeof a, m->detail_gone.from_t, "%Y-%m-%d %H:%M:%S");
		snprintf(b + k, n - (size_t)k, "%s %s kept from %s only (the "
			 "whole host's are kept longer)", k ? " |" : "",
			 metrics_tiers[m->detail_gone.tier].detail_what, a);
	}
}
