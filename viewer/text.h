/*
 * The model as text, without curses: the figures of each cell, the titles,
 * and domain names made safe to show.  The screen (draw.c) and the plain
 * table (table.c) both write through here, so that they cannot disagree
 * about what a cell or a name looks like.
 */
#ifndef XENMON_TEXT_H
#define XENMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * The per-domain rows of xenmon.py, 0 .. M_COUNT - 1 from the top: the
 * metrics with a VIEW in the metric table (schema/metrics.h), in its order.
 */
enum metric { M_COUNT = METRICS_NVIEW };

/* Row MET's metric: its descriptor's view says its label, option and
 * cells. */
const struct metrics_desc *text_row(enum metric met);
/* The row of CPU time, which the sparkline and the totals are of. */
enum metric text_cpu_row(void);
/* The help screen's lines about the rows, with TAIL after the last, into
 * LINES (at most MAX): how many. */
int text_rows_help(const char **lines, int max, const char *tail);

#define TEXT_CELL 24
/* The widest a name column grows, in terminal columns. */
#define TEXT_NAME_MAX 32

/*
 * The three cells (total, %, per) of metric MET of S over window WIN, each
 * at most W[i] characters (ASCII); "" for a cell that does not apply, "-"
 * for a window with no data.
 */
void text_cells(const struct model *m, const struct dom_sums *s, int win,
		enum metric met, char out[3][TEXT_CELL], const int w[3]);

/*
 * NAME as it may reach a terminal, cut to at most WIDTH columns, into OUT
 * (always terminated).  Characters are read and measured in the current
 * locale (mbrtowc, wcwidth), so a cut never splits a character and the
 * columns after it stay aligned.  Each byte that is not a character of the
 * locale (invalid UTF-8; any non-ASCII byte in the C locale) and each
 * control, bidirectional or invisible formatting character is shown as one
 * '?': a guest's name must not move the cursor, reorder the line or hide
 * what it is.  Returns the columns used.
 */
int text_name(const char *name, int width, char *out, size_t outlen);

/* Unix second T in UTC with strftime format F. */
/* T in strftime()'s format F, on the local clock or, after
 * text_set_utc(true), in UTC. */
void text_time(char *b, size_t n, int64_t t, const char *f);
void text_set_utc(bool utc);

/* The title line: which CPUs, live or history and when, the sort, the
 * domain filter (FILTER, NULL or "" for none) and, with HELP, the help
 * key; the richest form that fits WIDTH columns (the last one may not). */
struct text_title_in {
	const struct model *m;
	bool live;
	enum sort_key sort;
	bool desc;
	const char *filter;
	bool help;
};
#define TEXT_TITLE_LEVELS 6
void text_title(char *b, size_t n, const struct text_title_in *in, int width);

/*
 * The title of window WIN at DETAIL 2 (label, busy %, gap), 1 (label,
 * gap), 0 (label alone) or -1 (its length alone), for a narrow screen to
 * pick the widest that fits.  A --from/--to range (RANGE) is named by its first second and its
 * length, as given on the command line; other windows by their last
 * second.
 */
void text_window_title(char *b, size_t n, const struct model *m, int win,
		       bool range, int detail);

/* The lost-records line of the windows. */
void text_lost(char *b, size_t n, const struct model *m);

#endif
