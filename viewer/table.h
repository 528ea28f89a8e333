/*
 * The model as a plain table: what the screen shows, every row of it, once,
 * as text without escape sequences, for an output that is no terminal able
 * to show the screen (a pipe, a file, TERM=dumb).
 */
#ifndef XENMON_TABLE_H
#define XENMON_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"
#include "text.h"

/* Metric rows SHOW of M's shown domains to F; LIVE, RANGE and FILTER (the
 * domain filter's text, or NULL) as on the screen.  Returns 0 or -EIO
 * when F could not be written. */
int table_write(FILE *f, const struct model *m, const bool show[M_COUNT],
		bool live, bool range, const char *filter);

#endif
