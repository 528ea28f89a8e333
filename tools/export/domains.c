/*
 * Which domain a row of a domid belongs to.
 *
 * Domids are reused: Xen numbers domains again from 1 at every boot, and a
 * host that reuses domids does so within one.  The domain table has a row
 * per lifetime (domid, name, first_t, last_t), and a second of a domid
 * belongs to the newest lifetime that started at or before it: that is how
 * the domain_1s view names it, and so how every exported row is named.
 *
 * An exported row is one domain: a domid under one name.  Lifetimes of a
 * domid under the same name are one domain (a daemon that starts again
 * begins a new lifetime row for every domain already running, and its rows
 * must not be split in two); lifetimes under different names are different
 * domains, whose rows are never merged.  A lifetime without a name is
 * 'domN' (the idle domain 'Idle'), as in the view, and so is a second of a
 * domid before its first lifetime, or of a domid the domain table does not
 * know.
 *
 * --domain selects domains by the rule of schema/domfilter.c: a number
 * every domain with that domid, a name or shell glob the domains so named.
 *
 * Internally a domid's time is cut into segments, [start, end) from one
 * lifetime's start to the next one's under another name, each with the
 * seconds its lifetimes had data in (first_t .. last_t of the table), and
 * each segment is a domain's.  Domain ids: those of the domain table, in
 * (domid, first segment) order; a domid the table does not know gets one
 * domain, made on first use, with the id ndoms + domid.
 */
#include "domains.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct segment {
	int64_t domid;
	int64_t start, end;       /* the seconds it names: [start, end) */
	int64_t first_t, last_t;  /* the seconds it has data in; first_t >
				   * last_t: none */
	int32_t dom;              /* its domain */
};

struct domains {
	struct segment *seg;      /* by (domid, start) */
	size_t nseg, capseg;
	struct dom *dom;          /* from the domain table */
	size_t ndom, capdom;
	int32_t *lo;              /* [NDOMIDS + 1]: domid's first segment */
	int32_t *cache;           /* [NDOMIDS]: domid's last segment found */
	struct dom **unknown;     /* [NDOMIDS]: domids the table lacks */
	bool *domid_wanted;       /* [NDOMIDS] */
	const struct domfilter *filter;
};

static char *fallback_name(int64_t domid, bool json)
{
	char name[32], buf[34];
	metrics_domain_name(name, sizeof name, (long long)domid);
	snprintf(buf, sizeof buf, json ? "\"%s\"" : "%s", name);
	return strdup(buf);
}

static bool is_wanted(const struct domains *ds, int64_t domid, const char *name)
{
	return domfilter_match(ds->filter, domid, name);
}

static void dom_free(struct dom *d)
{
	free(d->name);
	free(d->json);
}

/* DOMID's domain named NAME (JSON the name as a JSON string, NULL: the
 * fallback name), made if it is new; its index, or -1. */
static int32_t dom_named(struct domains *ds, int64_t domid, const char *name,
			 const char *json)
{
	for (size_t i = ds->ndom; i-- > 0 && ds->dom[i].domid == domid;)
		if (strcmp(ds->dom[i].name, name) == 0)
			return (int32_t)i;
	if (ds->ndom == ds->capdom) {
		size_t cap = ds->capdom ? 2 * ds->capdom : 64;
		struct dom *v = realloc(ds->dom, cap * sizeof *v);
		if (!v)
			return -1;
		ds->dom = v;
		ds->capdom = cap;
	}
	struct dom *d = &ds->dom[ds->ndom];
	*d = (struct dom){ .domid = domid, .name = strdup(name),
			   .json = json ? strdup(json) : fallback_name(domid, true) };
	if (!d->name || !d->json) {
		dom_free(d);
		return -1;
	}
	return (int32_t)ds->ndom++;
}

static struct segment *push(struct domains *ds)
{
	if (ds->nseg == ds->capseg) {
		size_t cap = ds->capseg ? 2 * ds->capseg : 64;
		struct segment *v = realloc(ds->seg, cap * sizeof *v);
		if (!v)
			return NULL;
		ds->seg = v;
		ds->capseg = cap;
	}
	return &ds->seg[ds->nseg++];
}

/*
 * The next lifetime of the statement: a segment from its start on, or
 * added to the segment before it when that one is the same domid under the
 * same name.  A domid's first lifetime is preceded by the seconds before
 * it, named as the view names them.
 */
static int add_lifetime(struct domains *ds, sqlite3_stmt *st)
{
	int64_t domid = sqlite3_column_int64(st, 0);
	int64_t first = sqlite3_column_int64(st, 1);
	int64_t last = sqlite3_column_int64(st, 2);
	const char *text = (const char *)sqlite3_column_text(st, 3);
	const char *json = text ? (const char *)sqlite3_column_text(st, 4) : NULL;
	struct segment *prev = ds->nseg ? &ds->seg[ds->nseg - 1] : NULL;
	char *fallback = fallback_name(domid, false);
	const char *name = text ? text : fallback;
	int32_t dom = -1;
	int rc = -1;

	if (domid < 0 || domid >= DOMAINS_NDOMIDS) {
		free(fallback);
		return 0;
	}
	if (!fallback)
		goto out;
	if (!prev || prev->domid != domid) {
		int32_t before = dom_named(ds, domid, fallback, NULL);
		struct segment *s = before < 0 ? NULL : push(ds);
		if (!s)
			goto out;
		*s = (struct segment){ .domid = domid, .start = INT64_MIN,
				       .end = first, .first_t = INT64_MAX,
				       .last_t = INT64_MIN, .dom = before };
		prev = s;
	}
	if ((dom = dom_named(ds, domid, name, json)) < 0)
		goto out;
	if (dom != prev->dom) {
		struct segment *s = push(ds);
		if (!s)
			goto out;
		prev = s - 1;
		prev->end = first;
		*s = (struct segment){ .domid = domid, .start = first,
				       .first_t = INT64_MAX, .last_t = INT64_MIN,
				       .dom = dom };
		prev = s;
	}
	prev->end = INT64_MAX;
	if (first < prev->first_t)
		prev->first_t = first;
	if (last > prev->last_t)
		prev->last_t = last;
	rc = 0;
out:
	free(fallback);
	return rc;
}

/* What each segment can hold: its lifetimes' seconds within the seconds
 * it names (two lifetimes of a domid can meet in one second, which is the
 * later one's); and which domids may be wanted. */
static void finish(struct domains *ds)
{
	for (size_t i = 0; i < ds->nseg; i++) {
		struct segment *s = &ds->seg[i];
		if (s->first_t < s->start)
			s->first_t = s->start;
		if (s->end != INT64_MAX && s->last_t > s->end - 1)
			s->last_t = s->end - 1;
	}
	for (size_t i = 0; i < ds->ndom; i++) {
		struct dom *d = &ds->dom[i];
		d->wanted = is_wanted(ds, d->domid, d->name);
		if (d->wanted)
			ds->domid_wanted[d->domid] = true;
	}
	size_t j = 0;
	for (int64_t domid = 0; domid <= DOMAINS_NDOMIDS; domid++) {
		while (j < ds->nseg && ds->seg[j].domid < domid)
			j++;
		ds->lo[domid] = (int32_t)j;
	}
	/* a domid the table lacks is domN, or Idle */
	for (int64_t domid = 0; domid < DOMAINS_NDOMIDS; domid++) {
		if (ds->lo[domid] != ds->lo[domid + 1])
			continue;
		char name[32];
		metrics_domain_name(name, sizeof name, (long long)domid);
		ds->domid_wanted[domid] = is_wanted(ds, domid, name);
	}
}

struct domains *domains_load(sqlite3 *db, const struct domfilter *filter)
{
	struct domains *ds = calloc(1, sizeof *ds);
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_NOMEM;

	if (!ds)
		return NULL;
	ds->filter = filter;
	ds->lo = calloc(DOMAINS_NDOMIDS + 1, sizeof *ds->lo);
	ds->cache = malloc(DOMAINS_NDOMIDS * sizeof *ds->cache);
	ds->unknown = calloc(DOMAINS_NDOMIDS, sizeof *ds->unknown);
	ds->domid_wanted = calloc(DOMAINS_NDOMIDS, sizeof *ds->domid_wanted);
	if (!ds->lo || !ds->cache || !ds->unknown || !ds->domid_wanted)
		goto fail;
	memset(ds->cache, 0xff, DOMAINS_NDOMIDS * sizeof *ds->cache);
	if (sqlite3_prepare_v2(db, "SELECT domid, first_t, last_t, name,"
			       " json_quote(name) FROM domain"
			       " ORDER BY domid, first_t", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (add_lifetime(ds, st) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	finish(ds);
	return ds;
fail:
	domains_free(ds);
	return NULL;
}

void domains_free(struct domains *ds)
{
	if (!ds)
		return;
	for (size_t i = 0; i < ds->ndom; i++)
		dom_free(&ds->dom[i]);
	if (ds->unknown)
		for (size_t i = 0; i < DOMAINS_NDOMIDS; i++)
			if (ds->unknown[i]) {
				dom_free(ds->unknown[i]);
				free(ds->unknown[i]);
			}
	free(ds->seg);
	free(ds->dom);
	free(ds->lo);
	free(ds->cache);
	free(ds->unknown);
	free(ds->domid_wanted);
	free(ds);
}

size_t domains_nids(const struct domains *ds)
{
	return ds->ndom + DOMAINS_NDOMIDS;
}

const struct dom *domains_get(const struct domains *ds, int32_t id)
{
	if (id < 0)
		return NULL;
	if ((size_t)id < ds->ndom)
		return &ds->dom[id];
	return ds->unknown[(size_t)id - ds->ndom];
}

static int32_t unknown_domid(struct domains *ds, int64_t domid)
{
	struct dom *d = ds->unknown[domid];
	if (!d) {
		if (!(d = calloc(1, sizeof *d)))
			return -1;
		*d = (struct dom){ .domid = domid, .name = fallback_name(domid, false),
				   .json = fallback_name(domid, true) };
		if (!d->name || !d->json) {
			dom_free(d);
			free(d);
			return -1;
		}
		d->wanted = is_wanted(ds, domid, d->name);
		ds->unknown[domid] = d;
	}
	return (int32_t)(ds->ndom + (size_t)domid);
}

int32_t domains_at(struct domains *ds, int64_t domid, int64_t t)
{
	if (domid < 0 || domid >= DOMAINS_NDOMIDS)
		return -1;
	int32_t c = ds->cache[domid];
	if (c >= 0 && ds->seg[c].start <= t && t < ds->seg[c].end)
		return ds->seg[c].dom;
	int32_t lo = ds->lo[domid], hi = ds->lo[domid + 1];
	if (lo == hi)
		return unknown_domid(ds, domid);
	/* the last segment that starts at or before T (the first starts at
	 * INT64_MIN) */
	while (hi - lo > 1) {
		int32_t mid = lo + (hi - lo) / 2;
		if (ds->seg[mid].start <= t)
			lo = mid;
		else
			hi = mid;
	}
	ds->cache[domid] = lo;
	return ds->seg[lo].dom;
}

size_t domains_in(struct domains *ds, int64_t domid, int64_t from, int64_t to,
		  int32_t *ids, size_t max)
{
	size_t n = 0;
	if (domid < 0 || domid >= DOMAINS_NDOMIDS)
		return 0;
	for (int32_t i = ds->lo[domid]; i < ds->lo[domid + 1]; i++) {
		const struct segment *s = &ds->seg[i];
		bool seen = false;
		if (s->first_t > s->last_t || s->first_t >= to || s->last_t < from)
			continue;
		for (size_t k = 0; k < n && k < max && !seen; k++)
			seen = ids[k] == s->dom;
		if (seen)
			continue;
		if (n < max)
			ids[n] = s->dom;
		n++;
	}
	if (n == 0 && max > 0) {
		int32_t id = domains_at(ds, domid, to - 1);
		if (id < 0)
			return 0;
		ids[n++] = id;
	}
	return n;
}

bool domains_domid_wanted(const struct domains *ds, int64_t domid)
{
	return domid >= 0 && domid < DOMAINS_NDOMIDS && ds->domid_wanted[domid];
}

char *domains_wanted_json(const struct domains *ds, bool *err)
{
	*err = false;
	if (!ds->filter->n)
		return NULL;
	size_t cap = 64, len = 0;
	char *s = malloc(cap);
	if (!s) {
		*err = true;
		return NULL;
	}
	s[len++] = '[';
	for (int64_t d = 0; d < DOMAINS_NDOMIDS; d++) {
		if (!ds->domid_wanted[d])
			continue;
		if (cap - len < 16) {
			char *p = realloc(s, cap *= 2);
			if (!p) {
				free(s);
				*err = true;
				return NULL;
			}
			s = p;
		}
		len += (size_t)snprintf(s + len, cap - len, "%s%lld",
					len > 1 ? "," : "", (long long)d);
	}
	s[len++] = ']';
	s[len] = 0;
	return s;
}
