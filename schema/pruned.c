#include "pruned.h"
#include "metrics.h"

#include <stdio.h>
#include <string.h>

static int done(sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	return rc;
}

int pruned_record(sqlite3 *db, const char *tier, int64_t first_t,
		  int64_t last_t, const char *reason)
{
	/* Steps of one pruning come oldest first, each starting where the
	 * last one ended, so the newest record is the one to extend. */
	static const char EXTEND[] =
		"UPDATE pruned SET last_t = max(last_t, ?3) "
		"WHERE tier = ?1 AND reason = ?4 AND last_t >= ?2 - 1 "
		"AND first_t = (SELECT max(first_t) FROM pruned WHERE tier = ?1)";
	static const char ADD[] =
		"INSERT INTO pruned (tier, first_t, last_t, reason, run_id) "
		"VALUES (?1, ?2, ?3, ?4, (SELECT max(id) FROM run)) "
		"ON CONFLICT (tier, first_t) DO UPDATE SET "
		"last_t = max(last_t, excluded.last_t), reason = excluded.reason";
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, pass ? ADD : EXTEND, -1, &st, NULL) !=
		    SQLITE_OK)
			return -1;
		sqlite3_bind_text(st, 1, tier, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, first_t);
		sqlite3_bind_int64(st, 3, last_t);
		sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return done(st, -1);
		sqlite3_finalize(st);
		if (sqlite3_changes(db) > 0)
			return 0;
	}
	return 0;
}

int pruned_span(sqlite3 *db, const char *tier, int64_t from, int64_t to,
		int64_t *first_t, int64_t *last_t, char *reason, size_t n)
{
	sqlite3_stmt *st;
	/* no table: a database from before version 8, never pruned so */
	if (sqlite3_prepare_v2(db, "SELECT min(first_t), max(last_t), "
			       "(SELECT reason FROM pruned WHERE tier = ?1 AND "
			       "last_t >= ?2 AND first_t <= ?3 ORDER BY first_t "
			       "DESC LIMIT 1) FROM pruned WHERE tier = ?1 AND "
			       "last_t >= ?2 AND first_t <= ?3", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	/* a view of a tier's rows, plain and packed (017, 019), is the
	 * tier's: its ranges are recorded under the tier's name */
	for (int i = 0; i < METRICS_TIERS; i++) {
		const char *name = metrics_tiers[i].sample;
		size_t n = strlen(name);
		if (!strncmp(tier, name, n) && !strcmp(tier + n, "_all"))
			tier = name;
	}
	sqlite3_bind_text(st, 1, tier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	if (sqlite3_step(st) != SQLITE_ROW)
		return done(st, -1);
	if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		return done(st, 0);
	*first_t = sqlite3_column_int64(st, 0);
	*last_t = sqlite3_column_int64(st, 1);
	const unsigned char *r = sqlite3_column_text(st, 2);
	snprintf(reason, n, "%s", r ? (const char *)r : "");
	return done(st, 1);
}
