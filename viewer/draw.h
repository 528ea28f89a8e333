/*
 * The live screen: paints a model with ncurses, never queries.
 *
 * One table (draw.c: cols[]) says, for every column, its header, width and
 * how dispensable it is; a narrow terminal drops the most dispensable
 * columns first and the status line names what was dropped.
 */
#ifndef XENMON_DRAW_H
#define XENMON_DRAW_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "text.h"

struct draw_state {
	bool show[M_COUNT];       /* which metric rows */
	bool color, unicode;
	bool live;                /* following the newest data */
	bool range;               /* long window is a --from/--to range */
	enum sort_key sort;
	bool sort_desc;
	int scroll;               /* first body line shown; clamped by draw */
	int help_scroll;          /* first help line shown; clamped by draw */
	const char *message;      /* one-off note for the status line, or NULL */
	const char *filter;       /* the domain filter's text, or NULL */
	const char *prompt;       /* the filter being typed ('/'), or NULL */
	const char *db_path;
};

void draw_init(bool color);
void draw_screen(const struct model *m, struct draw_state *st);
void draw_help(struct draw_state *st);
/* A screen for "no data yet": MSG, and that we retry. */
/* NOTICE: a message of the moment (may be NULL). */
void draw_waiting(const char *msg, const char *notice);
/* NULL when standard output is a terminal that can show the screen (it
 * can move the cursor); else why not, for the plain table instead.  Call
 * before initscr(). */
const char *draw_cannot(void);

#endif
