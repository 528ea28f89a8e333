/*
 * Which domains a --domain filter selects, for every tool that takes one.
 *
 * An argument of digits alone is a domid: every domain that had it.  Any
 * other is a name or a shell glob (*, ? and [...], fnmatch() without
 * escapes; case counts), matched against the name a domain is shown by:
 * its name in the domain table, or for a domain without one domN, and
 * for the idle domain Idle too.  An argument that is some domain's exact
 * name selects that name alone, its *, ? and [ taken literally, so that a
 * guest really named 'web[1]' or '*' is not a pattern: exact names were
 * the rule before globs, and a name is what a script has at hand.  Which
 * arguments are names depends on the database, so domfilter_resolve()
 * asks its domain table.
 */
#include "domfilter.h"
#include "metrics.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void domfilter_clear(struct domfilter *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->arg[i]);
	free(f->arg);
	free(f->literal);
	*f = (struct domfilter){ 0 };
}

int domfilter_set(struct domfilter *f, const char *const *args, size_t n)
{
	domfilter_clear(f);
	if (!n)
		return 0;
	f->arg = calloc(n, sizeof *f->arg);
	f->literal = calloc(n, sizeof *f->literal);
	if (!f->arg || !f->literal) {
		domfilter_clear(f);
		return -1;
	}
	for (f->n = 0; f->n < n; f->n++)
		if (!(f->arg[f->n] = strdup(args[f->n]))) {
			domfilter_clear(f);
			return -1;
		}
	return 0;
}

/* The name a row of the domain table is shown by (domain_1s's). */
#define SHOWN_NAME "coalesce(name, CASE WHEN domid = " METRICS_IDLE_DOMID_SQL \
	" THEN '" METRICS_IDLE_NAME "' ELSE '" METRICS_UNNAMED_PREFIX "' || domid END)"

int domfilter_resolve(struct domfilter *f, sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc = 0;
	if (!f->n)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM domain WHERE "
			       SHOWN_NAME " = ?1 OR (domid = " METRICS_IDLE_DOMID_SQL
			       " AND ?1 = '" METRICS_IDLE_NAME "'))", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < f->n && !rc; i++) {
		sqlite3_bind_text(st, 1, f->arg[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			f->literal[i] = sqlite3_column_int(st, 0);
		else
			rc = -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* An argument that is a domid: digits only. */
static bool is_domid(const char *arg, int64_t domid)
{
	if (!*arg || strspn(arg, "0123456789") != strlen(arg))
		return false;
	errno = 0;
	long long v = strtoll(arg, NULL, 10);
	return errno == 0 && v == domid;
}

static bool name_matches(const struct domfilter *f, size_t i, const char *name)
{
	if (f->literal[i])
		return strcmp(f->arg[i], name) == 0;
	return fnmatch(f->arg[i], name, FNM_NOESCAPE) == 0;
}

static bool arg_matches(const struct domfilter *f, size_t i, int64_t domid,
			const char *name)
{
	return is_domid(f->arg[i], domid) || name_matches(f, i, name) ||
	       (domid == METRICS_IDLE_DOMID && name_matches(f, i, METRICS_IDLE_NAME));
}

bool domfilter_match(const struct domfilter *f, int64_t domid, const char *name)
{
	if (!f->n)
		return true;
	for (size_t i = 0; i < f->n; i++)
		if (arg_matches(f, i, domid, name))
			return true;
	return false;
}

int domfilter_count(const struct domfilter *f, sqlite3 *db, size_t *count)
{
	sqlite3_stmt *st;
	int rc;
	memset(count, 0, f->n * sizeof *count);
	if (!f->n)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT domid, " SHOWN_NAME " FROM domain",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t domid = sqlite3_column_int64(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		for (size_t i = 0; i < f->n; i++)
			count[i] += arg_matches(f, i, domid, name ? name : "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void domfilter_text(const struct domfilter *f, char *buf, size_t n)
{
	size_t k = 0;
	if (n)
		buf[0] = 0;
	for (size_t i = 0; i < f->n && k < n; i++) {
		int w = snprintf(buf + k, n - k, "%s%s", i ? " " : "", f->arg[i]);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}
