/*
 * What stretches.h declares.  A live daemon's second extends the stretch
 * it is in (a find and an update by key); a trace replayed into a gap
 * begins one and may join the next.
 */
#include "stretches.h"

#include <stdbool.h>
#include <stdlib.h>

struct stretches {
	sqlite3 *db;
	sqlite3_stmt *find, *grow, *begin, *take_next;
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
	st->db = db;
	if (prep(db, &st->find, "SELECT first_t, last_t FROM seconds_stored "
		 "WHERE first_t <= ?1 ORDER BY first_t DESC LIMIT 1") < 0 ||
	    prep(db, &st->grow, "UPDATE seconds_stored SET last_t = ?2 "
		 "WHERE first_t = ?1") < 0 ||
	    prep(db, &st->begin, "INSERT INTO seconds_stored (first_t, last_t) "
		 "VALUES (?1, ?2)") < 0 ||
	    prep(db, &st->take_next, "DELETE FROM seconds_stored WHERE "
		 "first_t = ?1 RETURNING last_t") < 0) {
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
	sqlite3_finalize(st->grow);
	sqlite3_finalize(st->begin);
	sqlite3_finalize(st->take_next);
	free(st);
}

/* Runs ST with two bound integers; 1 row, 0 none, -1 error.  Its row's
 * columns are read before the next call resets it. */
static int run(sqlite3_stmt *st, int64_t a, int64_t b, int nbind)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, a);
	if (nbind > 1)
		sqlite3_bind_int64(st, 2, b);
	int rc = sqlite3_step(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int stretches_find(struct stretches *st, int64_t t, int64_t *first,
		   int64_t *last)
{
	int rc = run(st->find, t, 0, 1);
	if (rc == 1) {
		*first = sqlite3_column_int64(st->find, 0);
		*last = sqlite3_column_int64(st->find, 1);
		rc = *last >= t;
	}
	sqlite3_reset(st->find);
	return rc;
}

int stretches_add(struct stretches *st, int64_t t)
{
	int64_t first, last;
	int rc = run(st->find, t, 0, 1);
	if (rc == 1) {
		first = sqlite3_column_int64(st->find, 0);
		last = sqlite3_column_int64(st->find, 1);
	}
	sqlite3_reset(st->find);
	if (rc < 0)
		return -1;
	if (rc == 1 && last >= t)
		return 0;   /* in it already */
	bool grows = rc == 1 && last == t - 1;
	if (!grows)
		first = t;
	/* the stretch that begins right after it, joined to it */
	int64_t end = t;
	rc = run(st->take_next, t + 1, 0, 1);
	if (rc == 1)
		end = sqlite3_column_int64(st->take_next, 0);
	if (rc == 1)
		rc = sqlite3_step(st->take_next) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st->take_next);
	if (rc < 0)
		return -1;
	rc = grows ? run(st->grow, first, end, 2) : run(st->begin, first, end, 2);
	sqlite3_reset(grows ? st->grow : st->begin);
	return rc < 0 ? -1 : 0;
}
