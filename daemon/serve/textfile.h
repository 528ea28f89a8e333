/*
 * --metrics-textfile: for hosts that already run node_exporter and want no
 * new port, the endpoint's families (Prometheus' text format) written to a
 * .prom file every few seconds, for its textfile collector.
 *
 * Each write goes to a temporary file beside PATH, then rename(2) puts it
 * in place, so the collector never reads half a file.  Its own thread
 * renders from the published figures (exporter.h), as a scrape does: the
 * disk's pace never reaches the writer.
 */
#ifndef XENMON_SERVE_TEXTFILE_H
#define XENMON_SERVE_TEXTFILE_H

#include <stddef.h>

#include "exporter.h"

#define TEXTFILE_DEFAULT_EVERY_S 15

struct textfile;

/* Write E's figures to PATH every EVERY_S seconds, the first time now.
 * NULL with the reason in ERR (PATH cannot be written). */
struct textfile *textfile_start(struct exporter *e, const char *path,
				unsigned every_s, char *err, size_t errlen);

/* One last write, so the file holds the final counters; then stop. */
void textfile_stop(struct textfile *t);

#endif
