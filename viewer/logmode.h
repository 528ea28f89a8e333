/*
 * The -n/--notlive renderer: the model as the per-domain log files of
 * xenmon.py, PREFIX-domN.log and PREFIX-idle.log, with its header line and
 * its sixteen columns, so that scripts written for xenmon.py keep working.
 */
#ifndef XENMON_LOGMODE_H
#define XENMON_LOGMODE_H

#include <stdio.h>

#include "model.h"

struct logmode;

/* Files are created on their first line, as xenmon.py does. */
struct logmode *logmode_new(const char *prefix);
/* Closes every file; returns 0, or -errno of the first failed write. */
int logmode_close(struct logmode *lm);

/*
 * One line per domain of M that ran in the long window (and always one for
 * Idle), for M's CPU, PASSED_MS (xenmon.py's first column) the time since
 * logging began.  Returns 0, or -errno with ERR naming the file.
 */
int logmode_write(struct logmode *lm, const struct model *m, double passed_ms,
		  char *err, size_t errlen);

#endif
