/*
 * Which seconds were stored, once retention took them: the stretches of
 * consecutive seconds stored, in table seconds_stored
 * (020_stored_seconds.sql), kept in each second's transaction.  A second
 * stored in part ends its stretch, so it is never inside one.
 */
#ifndef XENMON_STRETCHES_H
#define XENMON_STRETCHES_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

struct stretches;

/* Its statements on DB, or NULL (sqlite3_errmsg). */
struct stretches *stretches_new(sqlite3 *db);
void stretches_free(struct stretches *st);

/* Second T is written, in whole or (PART) in part: the stretch before it
 * grows to it unless a second stored in part ended it, or a new one
 * begins; unless T is in part, one that begins right after it is joined.
 * 0, or -1 (sqlite3_errmsg). */
int stretches_add(struct stretches *st, int64_t t, bool part);

/* Whether a stretch holds T: 1 (and *PART: T was stored in part), 0 when
 * none does, -1 (sqlite3_errmsg). */
int stretches_find(struct stretches *st, int64_t t, bool *part);

#endif
