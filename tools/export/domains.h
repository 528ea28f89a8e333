/*
 * Which domain a row of a domid belongs to (domains.c).
 */
#ifndef XENMON_EXPORT_DOMAINS_H
#define XENMON_EXPORT_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "domfilter.h"

#define DOMAINS_NDOMIDS 65536

/* One domain: a domid under one name. */
struct dom {
	int64_t domid;
	char *name, *json;        /* text, and as a JSON string */
	bool wanted;              /* selected by --domain (or no --domain) */
};

struct domains;

/* Read the domain table.  FILTER says which domains are wanted (the
 * --domain arguments, resolved against DB).  NULL on error
 * (sqlite3_errmsg(DB), or out of memory). */
struct domains *domains_load(sqlite3 *db, const struct domfilter *filter);
void domains_free(struct domains *ds);

/* Ids are 0 .. domains_nids() - 1, in the order of domid, then of the
 * domain's first second. */
size_t domains_nids(const struct domains *ds);
const struct dom *domains_get(const struct domains *ds, int32_t id);

/* The domain of DOMID at second T, as the domain_1s view names it; -1 for
 * a domid out of range or out of memory. */
int32_t domains_at(struct domains *ds, int64_t domid, int64_t t);

/* The domains of DOMID with data in [FROM, TO), at most MAX of them, into
 * IDS: how many there are (if none, the one at TO - 1); 0 on error. */
size_t domains_in(struct domains *ds, int64_t domid, int64_t from, int64_t to,
		  int32_t *ids, size_t max);

/* Whether some domain of DOMID may be wanted: rows of other domids can be
 * skipped unread. */
bool domains_domid_wanted(const struct domains *ds, int64_t domid);

/* The domids of domains_domid_wanted() as a JSON array, NULL when every
 * domid is (malloc'd; *ERR set on out of memory). */
char *domains_wanted_json(const struct domains *ds, bool *err);

#endif
