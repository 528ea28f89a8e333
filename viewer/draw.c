/*
 * Painting the model with ncurses.
 *
 * Screen, top to bottom:
 *   title     which CPU (or all), live or history, the window's end date
 *             and time (local, or UTC with -u), the sort order, the domain
 *             filter: the richest form that fits the width (text_title());
 *   windows   "Last 10 s" over the long window's columns, "Last 1 s" over
 *             the short one's (xenmon.py's order), each with the busy share
 *             and, when part of it is a gap, how many seconds have data;
 *   headers   column names;
 *   body      per domain, one line per row of xenmon.py (Gotten,
 *             Alloc, Blocked, Waited, ExCount, I/O: the metric table's
 *             VIEWs, schema/metrics.h), scrolled as needed;
 *   footer    the scheduler's own time, the total (which adds up to 100% of
 *             each CPU), the lost-records line when there were any, and a
 *             status line (the filter and how many domains it shows, or
 *             the filter being typed after '/').
 *
 * Columns come from cols[]; layout() drops the most dispensable ones until
 * the rest fit, so a narrow terminal loses detail, never the program, and
 * gives what is left over to the name column, up to the longest name.
 * The figures and names are text.c's, as in the plain table (table.c);
 * the help screen's lines about the rows are the metric table's.
 * Colour never carries meaning alone: every coloured element is also bold
 * or reverse, and --no-color / NO_COLOR keep just those attributes.
 */
#include "draw.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "text.h"

enum col_id { C_ID, C_NAME, C_METRIC, C_LA, C_LB, C_LC, C_SEP, C_SA, C_SB,
	      C_SC, C_SPARK, C_COUNT };

struct col {
	const char *head;
	int width;
	int drop;         /* 0: never dropped; otherwise higher goes first */
	const char *what; /* for the "hidden:" note */
};

static const struct col cols[C_COUNT] = {
	[C_ID] = { "Id", 5, 0, "id" },
	[C_NAME] = { "Name", 8, 3, "name" },
	[C_METRIC] = { "", 7, 0, "metric" },
	[C_LA] = { "total/s", 9, 5, "10s total" },
	[C_LB] = { "%", 7, 1, "10s %" },
	[C_LC] = { "per", 9, 6, "10s per" },
	[C_SEP] = { "", 1, 0, "" },
	[C_SA] = { "total/s", 9, 4, "1s total" },
	[C_SB] = { "%", 7, 0, "1s %" },
	[C_SC] = { "per", 9, 2, "1s per" },
	[C_SPARK] = { "cpu%", MODEL_SPARK_MAX, 9, "sparkline" },
};

struct layout {
	bool vis[C_COUNT];
	int x[C_COUNT], w[C_COUNT];
	char hidden[128];
};

enum { PAIR_TITLE = 1, PAIR_LOST, PAIR_SHORT, PAIR_DIM };

static bool use_color;

void draw_init(bool color)
{
	use_color = color && has_colors();
	if (!use_color)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(PAIR_LOST, COLOR_WHITE, COLOR_RED);
	init_pair(PAIR_SHORT, COLOR_CYAN, -1);
	init_pair(PAIR_DIM, COLOR_BLUE, -1);
}

static attr_t attr(int pair, attr_t mono)
{
	return use_color ? (attr_t)COLOR_PAIR(pair) | mono : mono;
}

/* Visible columns and their x, for a screen WIDTH wide and names up to
 * NAME_W columns. */
static void layout(struct layout *l, int width, int spark_len, int name_w)
{
	int total = -1;

	for (int c = 0; c < C_COUNT; c++) {
		l->w[c] = c == C_SPARK ? spark_len : cols[c].width;
		l->vis[c] = l->w[c] > 0;
		if (l->vis[c])
			total += l->w[c] + 1;
	}
	l->hidden[0] = 0;
	while (total > width) {
		int worst = -1;
		for (int c = 0; c < C_COUNT; c++)
			if (l->vis[c] && cols[c].drop &&
			    (worst < 0 || cols[c].drop > cols[worst].drop))
				worst = c;
		if (worst < 0)
			break;
		l->vis[worst] = false;
		total -= l->w[worst] + 1;
		if (worst != C_SPARK) {
			size_t n = strlen(l->hidden);
			snprintf(l->hidden + n, sizeof l->hidden - n, "%s%s",
				 n ? ", " : "", cols[worst].what);
		}
	}
	if (l->vis[C_NAME] && name_w > l->w[C_NAME] && total < width) {
		int grow = name_w - l->w[C_NAME];
		l->w[C_NAME] += grow < width - total ? grow : width - total;
	}
	int x = 0;
	for (int c = 0; c < C_COUNT; c++) {
		l->x[c] = x;
		if (l->vis[c])
			x += l->w[c] + 1;
	}
}

static void put_right(int y, int x, int w, const char *s, attr_t a)
{
	int len = (int)strlen(s);
	if (len > w)
		len = w;
	attron(a);
	mvaddnstr(y, x + w - len, s, len);
	attroff(a);
}

static void put_left(int y, int x, int w, const char *s, attr_t a)
{
	attron(a);
	mvaddnstr(y, x, s, w);
	attroff(a);
}

/* A domain's name, made safe and cut to W columns by text_name(). */
static void put_name(int y, int x, int w, const char *s, attr_t a)
{
	char buf[256];
	text_name(s, w, buf, sizeof buf);
	attron(a);
	mvaddstr(y, x, buf);
	attroff(a);
}

static void put_cells(const struct layout *l, int y, const struct model *m,
		      const struct dom_sums *s, int win, enum metric met)
{
	static const enum col_id lc[2][3] = {
		{ C_SA, C_SB, C_SC }, { C_LA, C_LB, C_LC },
	};
	char out[3][TEXT_CELL];
	int w[3];
	for (int i = 0; i < 3; i++)
		w[i] = cols[lc[win][i]].width;
	text_cells(m, s, win, met, out, w);
	for (int i = 0; i < 3; i++) {
		enum col_id c = lc[win][i];
		if (!l->vis[c])
			continue;
		attr_t a = win == WIN_SHORT && i == 1 && met == text_cpu_row() ?
			attr(PAIR_SHORT, A_BOLD) : 0;
		put_right(y, l->x[c], l->w[c], out[i], a);
	}
}

static void put_sep(const struct layout *l, int y, const struct draw_state *st)
{
	if (l->vis[C_SEP])
		mvaddstr(y, l->x[C_SEP], st->unicode ? "\u2502" : "|");
}

static void put_spark(const struct layout *l, int y, const struct model *m,
		      const struct dom_row *r, const struct draw_state *st)
{
	static const char *const uni[9] = {
		"_", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586",
		"\u2587", "\u2588",
	};
	static const char ascii[] = "_.:-=+*#@";

	if (!l->vis[C_SPARK])
		return;
	move(y, l->x[C_SPARK]);
	for (int i = 0; i < m->spark_len; i++) {
		int v = r->spark[i];
		if (v == MODEL_SPARK_GAP)
			addch(' ');
		else if (st->unicode)
			addstr(uni[v]);
		else
			addch((chtype)(unsigned char)ascii[v]);
	}
}

static int metrics_shown(const struct draw_state *st, enum metric *list)
{
	int n = 0;
	for (int i = 0; i < M_COUNT; i++)
		if (st->show[i])
			list[n++] = (enum metric)i;
	return n;
}

static void body_line(const struct layout *l, int y, const struct model *m,
		      const struct dom_row *r, enum metric met, bool first,
		      const struct draw_state *st)
{
	char id[16];
	bool idle = r->domid == METRICS_IDLE_DOMID;
	attr_t a = idle ? attr(PAIR_DIM, A_DIM) : 0;

	if (idle && !l->vis[C_NAME])
		snprintf(id, sizeof id, METRICS_IDLE_NAME);
	else
		snprintf(id, sizeof id, "%d", r->domid);
	put_right(y, l->x[C_ID], l->w[C_ID], id, a);
	if (first && l->vis[C_NAME])
		put_name(y, l->x[C_NAME], l->w[C_NAME], r->name, a);
	put_left(y, l->x[C_METRIC], l->w[C_METRIC], text_row(met)->view.label, 0);
	put_cells(l, y, m, &r->w[WIN_LONG], WIN_LONG, met);
	put_sep(l, y, st);
	put_cells(l, y, m, &r->w[WIN_SHORT], WIN_SHORT, met);
	if (met == text_cpu_row())
		put_spark(l, y, m, r, st);
}

static void title_line(const struct model *m, const struct draw_state *st)
{
	char line[512];
	struct text_title_in in = { m, st->live, st->sort, st->sort_desc,
				    st->filter, true };

	text_title(line, sizeof line, &in, COLS);
	attron(attr(PAIR_TITLE, A_REVERSE | A_BOLD));
	mvhline(0, 0, ' ', COLS);
	mvaddnstr(0, 0, line, COLS);
	attroff(attr(PAIR_TITLE, A_REVERSE | A_BOLD));
}

/*
 * Window WIN's title over its columns [X, END) of row Y: from X when it
 * fits, else ending at END and reaching left as far as MIN_X (the long
 * window's row is blank over the id and name columns), else with less
 * detail (text_window_title()), down to the window's length alone: never
 * cut, at any width the columns leave it.
 */
static void window_title_at(int y, int x, int end, int min_x,
			    const struct model *m, int win, bool range)
{
	char t[160];
	for (int detail = 2; detail >= -1; detail--) {
		text_window_title(t, sizeof t, m, win, range, detail);
		int len = (int)strlen(t);
		/* a blank before END: a title against the separator reads
		 * as one cut short */
		if (x + len < end) {
			mvaddstr(y, x, t);
			return;
		}
		if (end - 1 - len >= min_x) {
			mvaddstr(y, end - 1 - len, t);
			return;
		}
	}
	if (end > x)
		mvaddnstr(y, x, t, end - x);
}

static void header_lines(const struct layout *l, const struct model *m,
			 const struct draw_state *st)
{
	int lx = -1, le = l->x[C_SEP], sx = -1, se = COLS;

	for (int c = C_LA; c <= C_LC; c++)
		if (l->vis[c] && lx < 0)
			lx = l->x[c];
	for (int c = C_SA; c <= C_SC; c++)
		if (l->vis[c] && sx < 0)
			sx = l->x[c];
	if (l->vis[C_SPARK])
		se = l->x[C_SPARK] - 1;
	attron(A_BOLD);
	if (lx >= 0)
		window_title_at(1, lx, le, 0, m, WIN_LONG, st->range);
	if (sx >= 0)
		window_title_at(1, sx, se, sx, m, WIN_SHORT, st->range);
	if (l->vis[C_SPARK])
		mvaddnstr(1, l->x[C_SPARK], l->w[C_SPARK] >= 11 ? "CPU% each s" :
			  "CPU%/s", l->w[C_SPARK]);
	attroff(A_BOLD);

	attron(A_UNDERLINE);
	mvhline(2, 0, ' ', COLS);
	for (int c = 0; c < C_COUNT; c++) {
		if (!l->vis[c] || c == C_SPARK || c == C_SEP)
			continue;
		if (c == C_NAME || c == C_METRIC)
			put_left(2, l->x[c], l->w[c], cols[c].head, A_UNDERLINE);
		else
			put_right(2, l->x[c], l->w[c], cols[c].head, A_UNDERLINE);
	}
	attroff(A_UNDERLINE);
	put_sep(l, 1, st);
	put_sep(l, 2, st);
}

/* The scheduler's row and the total: what adds up to 100% of each CPU. */
static void footer_totals(const struct layout *l, int y, const struct model *m,
			  const struct draw_state *st)
{
	struct dom_sums sched[WIN_COUNT] = { 0 }, total[WIN_COUNT] = { 0 };

	for (int w = 0; w < WIN_COUNT; w++) {
		sched[w].cpu_ns = m->win[w].sched_ns;
		total[w].cpu_ns = m->win[w].sched_ns;
		for (size_t i = 0; i < m->nrows; i++)
			total[w].cpu_ns += m->rows[i].w[w].cpu_ns;
	}
	const struct { const char *name; struct dom_sums *s; } rows[2] = {
		{ "(sched)", sched }, { "Total", total },
	};
	for (int i = 0; i < 2; i++) {
		attr_t a = i ? A_BOLD : attr(PAIR_DIM, A_DIM);
		char out[3][TEXT_CELL];
		int w[3] = { cols[C_LA].width, cols[C_LB].width, 0 };
		enum col_id cn = l->vis[C_NAME] ? C_NAME : C_ID;
		put_left(y + i, l->x[cn], l->w[cn], rows[i].name, a);
		put_left(y + i, l->x[C_METRIC], l->w[C_METRIC],
			 text_row(text_cpu_row())->view.label, a);
		for (int win = WIN_LONG; win >= WIN_SHORT; win--) {
			enum col_id ca = win == WIN_LONG ? C_LA : C_SA;
			enum col_id cb = win == WIN_LONG ? C_LB : C_SB;
			text_cells(m, &rows[i].s[win], win, text_cpu_row(), out,
				   w);
			if (l->vis[ca])
				put_right(y + i, l->x[ca], l->w[ca], out[0], a);
			if (l->vis[cb])
				put_right(y + i, l->x[cb], l->w[cb], out[1], a);
		}
		put_sep(l, y + i, st);
	}
}

static void lost_line(int y, const struct model *m)
{
	char b[256];
	text_lost(b, sizeof b, m);
	attron(attr(PAIR_LOST, A_REVERSE | A_BOLD));
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, b, COLS);
	attroff(attr(PAIR_LOST, A_REVERSE | A_BOLD));
}

/* The status line's note: the filter being typed, a message, the filter
 * in force, the columns hidden, history; at most two of them. */
static void status_left(char *b, size_t n, const struct layout *l,
			const struct model *m, const struct draw_state *st)
{
	char filter[160] = "";
	if (st->prompt) {
		snprintf(b, n, "filter (id, name or glob; Enter, Esc clears): %s_",
			 st->prompt);
		return;
	}
	if (st->filter)
		snprintf(filter, sizeof filter, "domains %s: %zu of %zu shown",
			 st->filter, model_shown(m), m->nrows);
	const char *more = st->message ? st->message :
		l->hidden[0] ? NULL : st->live ? "" :
		"history: L or End returns to live";
	if (!more) {
		char hid[160];
		snprintf(hid, sizeof hid, "narrow: hiding %s", l->hidden);
		snprintf(b, n, "%s%s%s", filter, *filter ? " | " : "", hid);
		return;
	}
	snprintf(b, n, "%s%s%s", filter, *filter && *more ? " | " : "", more);
}

static void status_line(int y, const struct layout *l, const struct model *m,
			const struct draw_state *st, int first, int shown, int total)
{
	char right[64], left[400];

	if (total > shown)
		snprintf(right, sizeof right, " lines %d-%d of %d  h:help q:quit",
			 first + 1, first + shown, total);
	else
		snprintf(right, sizeof right, " h:help q:quit");
	status_left(left, sizeof left, l, m, st);
	mvaddnstr(y, 0, left, COLS);
	int rl = (int)strlen(right);
	if (rl < COLS && (int)strlen(left) < COLS - rl)
		mvaddstr(y, COLS - rl, right);
}

/* Columns of the widest name, up to TEXT_NAME_MAX. */
static int longest_name(const struct model *m)
{
	char buf[256];
	int most = 0;
	for (size_t i = 0; i < model_shown(m); i++) {
		int w = text_name(m->rows[i].name, TEXT_NAME_MAX, buf, sizeof buf);
		if (w > most)
			most = w;
	}
	return most;
}

void draw_screen(const struct model *m, struct draw_state *st)
{
	struct layout l;
	enum metric list[M_COUNT];
	int nm = metrics_shown(st, list);
	bool lost = model_notice(m);

	erase();
	layout(&l, COLS, m->spark_len, longest_name(m));
	title_line(m, st);
	header_lines(&l, m, st);

	int footer = 3 + (lost ? 1 : 0);
	int body_h = LINES - 3 - footer;
	int total = (int)model_shown(m) * nm;
	if (body_h < 0)
		body_h = 0;
	if (st->scroll > total - body_h)
		st->scroll = total - body_h;
	if (st->scroll < 0)
		st->scroll = 0;
	int shown = 0;
	for (int i = st->scroll; i < total && shown < body_h; i++, shown++) {
		const struct dom_row *r = &m->rows[i / nm];
		body_line(&l, 3 + shown, m, r, list[i % nm], i % nm == 0, st);
	}
	if (st->filter && !model_shown(m) && body_h > 0) {
		char b[200];
		snprintf(b, sizeof b, "  No domain matches %s here (/ changes the "
			 "filter, Esc in it clears).", st->filter);
		mvaddnstr(3, 0, b, COLS);
	}
	int y = LINES - footer;
	if (y >= 3) {
		footer_totals(&l, y, m, st);
		if (lost)
			lost_line(y + 2, m);
	}
	status_line(LINES - 1, &l, m, st, st->scroll, shown, total);
	refresh();
}

void draw_help(struct draw_state *st)
{
	static const char *const keys[] = {
		"xenmon: per-domain CPU, waiting, blocked time and I/O of a Xen host",
		"",
		"  c, n / p        next / previous CPU",
		"  a               all CPUs summed (whole host) / one CPU",
		"  Left / Right    one second back / forward",
		"  < / >           ten seconds back / forward",
		"  [ / ]           one minute back / forward",
		"  { / }           one hour back / forward",
		"  L, End          back to live",
		"  s / S           sort by the next / previous column; r reverses",
		"  /               show only domains of these ids, names or globs",
		"                  ('web-* 3'); Enter applies, Esc or empty clears",
		"  Up Down PgUp PgDn Home   scroll",
		"  h, ?            this help (it scrolls too; other keys close it)",
		"  q               quit",
		"",
		"Columns, for the last 10 s (left) and the last complete second:",
	};
	enum { NKEYS = sizeof keys / sizeof keys[0], MAX = NKEYS + 2 * M_COUNT + 3 };
	const char *text[MAX];
	int total = NKEYS;

	memcpy(text, keys, sizeof keys);
	/* the rows, as the metric table describes them */
	total += text_rows_help(text + total, MAX - 1 - total,
				".  (sched) is time no vCPU ran.");
	text[total++] =
		"Local times (-u: UTC).  Seconds with no data show as '-' and blank sparkline.";
	/* A screen too short for all of it scrolls, and says where it is. */
	int shown = total > LINES ? LINES - 1 : total;
	if (shown < 0)
		shown = 0;
	if (st->help_scroll > total - shown)
		st->help_scroll = total - shown;
	if (st->help_scroll < 0)
		st->help_scroll = 0;
	erase();
	for (int i = 0; i < shown; i++)
		mvaddnstr(i, 0, text[st->help_scroll + i], COLS);
	if (shown < total && LINES > 0) {
		char b[64];
		snprintf(b, sizeof b, " lines %d-%d of %d  other keys close",
			 st->help_scroll + 1, st->help_scroll + shown, total);
		int len = (int)strlen(b);
		mvaddnstr(LINES - 1, len < COLS ? COLS - len : 0, b, COLS);
	}
	refresh();
}

const char *draw_cannot(void)
{
	int err;
	if (!isatty(STDOUT_FILENO))
		return "standard output is not a terminal";
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK)
		return "the terminal type (TERM) is unknown";
	/* A terminal that cannot move the cursor (TERM=dumb, a printing
	 * terminal) would get the screen as one long line of spaces. */
	const char *cup = tigetstr("cup");
	bool can = cup && cup != (const char *)-1;
	del_curterm(cur_term);
	return can ? NULL : "the terminal cannot move the cursor";
}

void draw_waiting(const char *msg, const char *notice)
{
	erase();
	attron(A_BOLD);
	mvaddnstr(0, 0, "xenmon: waiting for data", COLS);
	attroff(A_BOLD);
	mvaddnstr(2, 0, msg, COLS);
	mvaddnstr(4, 0, "Retrying every second; q quits.", COLS);
	if (notice)
		mvaddnstr(6, 0, notice, COLS);
	refresh();
}
