/*
 * The model as text: cells, titles and names (text.h).
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

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "timearg.h"

const char *const text_metric_label[M_COUNT] = {
	"Gotten", "Alloc", "Blocked", "Waited", "ExCount", "I/O",
};

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

/* Issue 17: I/O the hypervisor did not trace is said so, not shown as 0. */
static void fmt_unavailable(char *b, size_t n, int width)
{
	snprintf(b, n, "%s", width >= 11 ? "unavailable" : "n/a");
}

void text_cells(const struct model *m, const struct dom_sums *s, int win,
		enum metric met, char out[3][TEXT_CELL], const int w[3])
{
	const struct win_info *wi = &m->win[win];
	const size_t n = TEXT_CELL;

	out[0][0] = out[1][0] = out[2][0] = 0;
	if (!model_has_data(wi)) {
		snprintf(out[0], n, "-");
		snprintf(out[1], n, "-");
		snprintf(out[2], n, "-");
		return;
	}
	switch (met) {
	case M_GOTTEN:
		fmt_time(out[0], n, model_per_s(wi, s->cpu_ns), w[0]);
		fmt_pct(out[1], n, model_pct(wi, s->cpu_ns), w[1]);
		if (s->exec_count)
			fmt_time(out[2], n, model_ratio(s->cpu_ns, s->exec_count), w[2]);
		break;
	case M_ALLOC:
		if (s->exec_count)
			fmt_time(out[0], n, model_alloc_avg_ns(s), w[0]);
		if (s->has_alloc_range) {
			fmt_time(out[1], n, (double)s->alloc_min_ns, w[1]);
			fmt_time(out[2], n, (double)s->alloc_max_ns, w[2]);
		}
		break;
	case M_BLOCKED:
		fmt_time(out[0], n, model_per_s(wi, s->blocked_ns), w[0]);
		fmt_pct(out[1], n, model_blocked_pct(s), w[1]);
		if (m->io_unavailable)
			fmt_unavailable(out[2], n, w[2]);
		else if (s->io_count)
			fmt_time(out[2], n, model_ratio(s->blocked_ns, s->io_count), w[2]);
		break;
	case M_WAITED:
		fmt_time(out[0], n, model_per_s(wi, s->wait_ns), w[0]);
		fmt_pct(out[1], n, model_pct(wi, s->wait_ns), w[1]);
		if (s->exec_count)
			fmt_time(out[2], n, model_ratio(s->wait_ns, s->exec_count), w[2]);
		break;
	case M_EXCOUNT:
		fmt_rate(out[0], n, model_per_s(wi, s->exec_count), "/s", w[0]);
		break;
	case M_IOCOUNT:
		if (m->io_unavailable) {
			fmt_unavailable(out[0], n, w[0]);
			break;
		}
		fmt_rate(out[0], n, model_per_s(wi, s->io_count), "/s", w[0]);
		if (s->exec_count)
			fmt_rate(out[2], n, model_ratio(s->io_count, s->exec_count),
				 "/ex", w[2]);
		break;
	default:
		break;
	}
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

void text_title(char *b, size_t n, const struct model *m, bool live,
		enum sort_key sort, bool desc)
{
	char when[48], which[48], state[64];

	text_time(when, sizeof when, m->win[WIN_SHORT].t_last,
		 "%Y-%m-%d %H:%M:%S %Z");
	if (m->cpu < 0)
		snprintf(which, sizeof which, "All %d CPUs (100%% = 1 CPU)", m->ncpus);
	else
		snprintf(which, sizeof which, "CPU %d of %d", m->cpu, m->ncpus);
	snprintf(b, n, " %s | %s %s | sort %s%s", which,
		 live ? live_state(state, sizeof state, m) : "HISTORY", when,
		 model_sort_name(sort), desc ? " desc" : "");
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
			 w->widened_s >= 3600 ? " to the hour" :
			 w->widened_s >= 60 ? " to the minute" : "");
	} else if (win == WIN_LONG && w->seconds == 10 && model_has_data(w)) {
		snprintf(label, sizeof label, "Last 10 s");
	} else {
		text_time(z, sizeof z, w->t_last, "%H:%M:%S");
		snprintf(label, sizeof label, "%lld s to %s",
			 (long long)w->seconds, z);
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
}
