/*
 * The viewer's only door to the database: windowed SQL into the model.
 *
 * Everything is read in one read transaction per refresh, so that a screen
 * never mixes two states of the database; in WAL mode that transaction
 * never blocks xenbaked, and it lasts a few milliseconds so that it does
 * not hold back checkpoints either.  Parameters are always bound.
 */
#ifndef XENMON_QUERY_H
#define XENMON_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define QUERY_LIVE INT64_MIN

struct query;

/*
 * Open PATH read-only.  Returns 0, or -ENOENT when there is no file yet,
 * -EAGAIN when the file exists but no xenbaked has initialised it (both
 * worth waiting for), or another negative errno for a file that will never
 * do (not ours, newer schema, unreadable); ERR then says why, naming PATH.
 */
int query_open(const char *path, struct query **out, char *err, size_t errlen);
/* Accepts NULL. */
void query_close(struct query *q);
/*
 * True when PATH no longer names the file Q opened (deleted, replaced,
 * truncated), or Q must be opened again to see a writer: the caller then
 * closes Q and opens PATH again.  One stat() per call.
 */
bool query_file_changed(struct query *q, const char *path);

/*
 * Fill M for CPU (-1: all CPUs summed) with the windows ending at T_END
 * (QUERY_LIVE: the last complete second), the long one LONG_S seconds long,
 * and sparklines of the last SPARK_LEN (<= MODEL_SPARK_MAX) seconds of it.
 * Returns 0, -ENODATA when the database holds no second yet, or -EIO with
 * the reason in query_errmsg().
 */
int query_refresh(struct query *q, struct model *m, int cpu, int64_t t_end,
		  int64_t long_s, int spark_len);
const char *query_errmsg(const struct query *q);

/* The domain filter F resolved against the database's domain table
 * (domfilter_resolve()); with COUNT, how many of its domains each
 * argument matches (domfilter_count()).  0, or -EIO (query_errmsg()). */
struct domfilter;
int query_filter(struct query *q, struct domfilter *f, size_t *count);

#endif
