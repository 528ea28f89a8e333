/*
 * The plain table (table.h): the screen's title, window titles, columns,
 * rows and totals, laid out on fixed columns like the screen at full width,
 * with the name column as wide as the longest name (up to TEXT_NAME_MAX).
 * Names are written through text_name(), as on the screen, and padded by
 * the columns they take, not their bytes, so the columns after them line
 * up in any locale.
 */
#include "table.h"

#include <limits.h>

#include <errno.h>
#include <string.h>

enum { T_ID, T_NAME, T_METRIC, T_LA, T_LB, T_LC, T_SEP, T_SA, T_SB, T_SC,
       T_COUNT };

static const struct { const char *head; int width; } tcols[T_COUNT] = {
	[T_ID] = { "Id", 5 }, [T_NAME] = { "Name", 8 }, [T_METRIC] = { "", 7 },
	[T_LA] = { "total/s", 9 }, [T_LB] = { "%", 7 }, [T_LC] = { "per", 9 },
	[T_SEP] = { "|", 1 },
	[T_SA] = { "total/s", 9 }, [T_SB] = { "%", 7 }, [T_SC] = { "per", 9 },
};

/* One line being built: its bytes and the terminal columns they take. */
struct line {
	char b[1024];
	size_t len;
	int col;
};

static void add(struct line *l, const char *s, int cols)
{
	size_t n = strlen(s);
	if (n > sizeof l->b - 1 - l->len)
		n = sizeof l->b - 1 - l->len;
	memcpy(l->b + l->len, s, n);
	l->len += n;
	l->b[l->len] = 0;
	l->col += cols;
}

static void pad_to(struct line *l, int col)
{
	while (l->col < col && l->len < sizeof l->b - 1)
		add(l, " ", 1);
}

/* ASCII S ending at column X + W. */
static void right(struct line *l, int x, int w, const char *s)
{
	int n = (int)strlen(s);
	pad_to(l, x + w - n);
	add(l, s, n);
}

static void left(struct line *l, int x, const char *s)
{
	pad_to(l, x);
	add(l, s, (int)strlen(s));
}

static int emit(FILE *f, struct line *l)
{
	while (l->len > 0 && l->b[l->len - 1] == ' ')
		l->len--;
	l->b[l->len] = 0;
	int rc = fprintf(f, "%s\n", l->b);
	l->len = 0;
	l->col = 0;
	l->b[0] = 0;
	return rc < 0 ? -EIO : 0;
}

struct layout {
	int x[T_COUNT], w[T_COUNT];
};

static void layout(struct layout *t, const struct model *m)
{
	char buf[256];
	int x = 0;
	for (int c = 0; c < T_COUNT; c++)
		t->w[c] = tcols[c].width;
	for (size_t i = 0; i < model_shown(m); i++) {
		int w = text_name(m->rows[i].name, TEXT_NAME_MAX, buf, sizeof buf);
		if (w > t->w[T_NAME])
			t->w[T_NAME] = w;
	}
	for (int c = 0; c < T_COUNT; c++) {
		t->x[c] = x;
		x += t->w[c] + 1;
	}
}

static void put_cells(struct line *l, const struct layout *t,
		      const struct model *m, const struct dom_sums *s,
		      enum metric met)
{
	static const int lc[WIN_COUNT][3] = {
		[WIN_SHORT] = { T_SA, T_SB, T_SC }, [WIN_LONG] = { T_LA, T_LB, T_LC },
	};
	for (int win = WIN_LONG; win >= WIN_SHORT; win--) {
		char out[3][TEXT_CELL];
		int w[3];
		for (int i = 0; i < 3; i++)
			w[i] = t->w[lc[win][i]];
		text_cells(m, &s[win], win, met, out, w);
		for (int i = 0; i < 3; i++)
			right(l, t->x[lc[win][i]], w[i], out[i]);
		if (win == WIN_LONG)
			left(l, t->x[T_SEP], "|");
	}
}

static int header(FILE *f, struct line *l, const struct layout *t,
		  const struct model *m, bool live, bool range,
		  const char *filter)
{
	char b[512];
	int rc;
	struct text_title_in in = { m, live, SORT_DOMID, false, filter, false };

	text_title(b, sizeof b, &in, INT_MAX);
	add(l, b, (int)strlen(b));
	if ((rc = emit(f, l)))
		return rc;
	/* The long window's title over its columns, reaching left over the
	 * blank id and name columns when it is longer, as on the screen. */
	text_window_title(b, sizeof b, m, WIN_LONG, range, 2);
	int len = (int)strlen(b), x = t->x[T_LA];
	if (x + len > t->x[T_SEP] - 1)
		x = t->x[T_SEP] - 1 - len > 0 ? t->x[T_SEP] - 1 - len : 0;
	left(l, x, b);
	left(l, t->x[T_SEP], "|");
	text_window_title(b, sizeof b, m, WIN_SHORT, range, 2);
	left(l, t->x[T_SA], b);
	if ((rc = emit(f, l)))
		return rc;
	for (int c = 0; c < T_COUNT; c++) {
		if (c == T_NAME || c == T_METRIC || c == T_SEP)
			left(l, t->x[c], tcols[c].head);
		else
			right(l, t->x[c], t->w[c], tcols[c].head);
	}
	return emit(f, l);
}

static int body(FILE *f, struct line *l, const struct layout *t,
		const struct model *m, const bool show[M_COUNT])
{
	char b[256];
	int rc;

	for (size_t i = 0; i < model_shown(m); i++) {
		const struct dom_row *r = &m->rows[i];
		bool first = true;
		for (int met = 0; met < M_COUNT; met++) {
			if (!show[met])
				continue;
			snprintf(b, sizeof b, "%d", r->domid);
			right(l, t->x[T_ID], t->w[T_ID], b);
			if (first) {
				pad_to(l, t->x[T_NAME]);
				int w = text_name(r->name, t->w[T_NAME], b, sizeof b);
				add(l, b, w);
			}
			first = false;
			left(l, t->x[T_METRIC], text_row(met)->view.label);
			put_cells(l, t, m, r->w, (enum metric)met);
			if ((rc = emit(f, l)))
				return rc;
		}
	}
	return 0;
}

/* The scheduler's row and the total: what adds up to 100% of each CPU. */
static int totals(FILE *f, struct line *l, const struct layout *t,
		  const struct model *m)
{
	struct dom_sums sched[WIN_COUNT] = { 0 }, total[WIN_COUNT] = { 0 };
	int rc;

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
		left(l, t->x[T_NAME], rows[i].name);
		left(l, t->x[T_METRIC], text_row(text_cpu_row())->view.label);
		/* Only the totals and shares of CPU time mean anything here. */
		for (int win = WIN_LONG; win >= WIN_SHORT; win--) {
			int ca = win == WIN_LONG ? T_LA : T_SA;
			int cb = win == WIN_LONG ? T_LB : T_SB;
			char out[3][TEXT_CELL];
			int w[3] = { t->w[ca], t->w[cb], 0 };
			text_cells(m, &rows[i].s[win], win, text_cpu_row(), out,
				   w);
			right(l, t->x[ca], w[0], out[0]);
			right(l, t->x[cb], w[1], out[1]);
			if (win == WIN_LONG)
				left(l, t->x[T_SEP], "|");
		}
		if ((rc = emit(f, l)))
			return rc;
	}
	return 0;
}

int table_write(FILE *f, const struct model *m, const bool show[M_COUNT],
		bool live, bool range, const char *filter)
{
	struct layout t;
	struct line l = { .len = 0 };
	char b[256];
	int rc;

	layout(&t, m);
	if ((rc = header(f, &l, &t, m, live, range, filter)) ||
	    (rc = body(f, &l, &t, m, show)))
		return rc;
	if (filter && !model_shown(m)) {
		snprintf(b, sizeof b, "    (no domain here matches %s)", filter);
		add(&l, b, (int)strlen(b));
		if ((rc = emit(f, &l)))
			return rc;
	}
	if ((rc = totals(f, &l, &t, m)))
		return rc;
	if (model_notice(m)) {
		text_lost(b, sizeof b, m);
		add(&l, b, (int)strlen(b));
		if ((rc = emit(f, &l)))
			return rc;
	}
	return fflush(f) == EOF ? -EIO : 0;
}
