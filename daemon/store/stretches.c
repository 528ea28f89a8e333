/*
 * What stretches.h declares.  A live daemon's second extends the stretch
 * it is in (a find and an upsert by key); a trace replayed into a gap
 * begins one and may join the next.
 */
#include "stretches.h"

#include <stdlib.h>

struct stretches {
	sqlite3_stmt *find, *put, *take_next;
};

/* A row of seconds_stored. */
struct stretch {
	int64_t first, last;
	bool first_part, last_part;
};

static int prep(sqlite3 *db, sqlite3_stmt **st, const char *sql)
{
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
				  NULL) == SQLITE_OK ? 0 : -1;
}

struct stretches *stretches_new(sqlite3 *db)
{
	struct stretches *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	if (prep(db, &st->find, "SELECT first_t, last_t, first_part, last_part "
		 "FROM seconds_stored WHERE first_t <= ?1 ORDER BY first_t DESC "
		 "LIMIT 1") < 0 ||
	    /* a new stretch, or the one it grows (its first kept) */
	    prep(db, &st->put, "INSERT INTO seconds_stored (first_t, last_t, "
		 "first_part, last_part) VALUES (?1, ?2, ?3, ?4) ON CONFLICT "
		 "(first_t) DO UPDATE SET last_t = excluded.last_t, "
		 "last_part = excluded.last_part") < 0 ||
	    prep(db, &st->take_next, "DELETE FROM seconds_stored WHERE "
		 "first_t = ?1 RETURNING first_t, last_t, first_part, "
		 "last_part") < 0) {
		stretches_free(st);
		return NULL;
	}
	return st;
}

void stretches_free(struct stretches *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->find);
	sqlite3_finalize(st->put);
	sqlite3_finalize(st->take_next);
	free(st);
}

/* ST (find or take_next) run for T to its end: 1 and its row in *OUT, 0
 * no row, -1 error. */
static int read_one(sqlite3_stmt *st, int64_t t, struct stretch *out)
{
	sqlite3_bind_int64(st, 1, t);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = (struct stretch){
			sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			sqlite3_column_int(st, 2), sqlite3_column_int(st, 3) };
		rc = sqlite3_step(st);   /* a DELETE's RETURNING: to its end */
		rc = rc == SQLITE_DONE ? 1 : -1;
	} else {
		rc = rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_reset(st);
	return rc;
}

int stretches_find(struct stretches *st, int64_t t, bool *part)
{
	struct stretch s;
	int rc = read_one(st->find, t, &s);
	if (rc != 1 || s.last < t)
		return rc < 0 ? -1 : 0;
	*part = (t == s.first && s.first_part) || (t == s.last && s.last_part);
	return 1;
}

int stretches_add(struct stretches *st, int64_t t, bool part)
{
	struct stretch prev, next, s = { t, t, part, part };
	int rc = read_one(st->find, t, &prev);
	if (rc < 0)
		return -1;
	if (rc == 1 && prev.last >= t)
		return 0;   /* in it already */
	if (rc == 1 && prev.last == t - 1 && !prev.last_part)
		s.first = prev.first;   /* it grows */
	if (!part) {
		rc = read_one(st->take_next, t + 1, &next);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			s.last = next.last;
			s.last_part = next.last_part;
		}
	}
	sqlite3_bind_int64(st->put, 1, s.first);
	sqlite3_bind_int64(st->put, 2, s.last);
	sqlite3_bind_int(st->put, 3, s.first_part);
	sqlite3_bind_int(st->put, 4, s.last_part);
	rc = sqlite3_step(st->put);
	sqlite3_reset(st->put);
	return rc == SQLITE_DONE ? 0 : -1;
}
