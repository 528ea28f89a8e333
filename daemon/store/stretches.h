/*
 * Which seconds were stored, once retention took them: the stretches of
 * consecutive seconds stored, in table seconds_stored
 * (020_stored_seconds.sql), kept in each second's transaction.
 */
#ifndef XENMON_STRETCHES_H
#define XENMON_STRETCHES_H

#include <stdint.h>
#include <sqlite3.h>

struct stretches;

/* Its statements on DB, or NULL (sqlite3_errmsg). */
struct stretches *stretches_new(sqlite3 *db);
void stretches_free(struct stretches *st);

/* Second T is written: the stretch before it grows to it, or a new one
 * begins; one that begins right after it is joined.  0, or -1
 * (sqlite3_errmsg). */
int stretches_add(struct stretches *st, int64_t t);

/* The stretch that holds T: 1 and its FIRST and LAST seconds, 0 when
 * none does, -1 (sqlite3_errmsg). */
int stretches_find(struct stretches *st, int64_t t, int64_t *first,
		   int64_t *last);

#endif
