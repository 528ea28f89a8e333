/*
 * Which domains a --domain filter selects: one rule for xenmon-export and
 * the viewer (domfilter.c).
 */
#ifndef XENMON_DOMFILTER_H
#define XENMON_DOMFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

struct domfilter {
	char **arg;               /* the arguments, copied */
	bool *literal;            /* arg[i] is some domain's exact name */
	size_t n;                 /* 0: every domain is selected */
};

/* F selects what ARGS (N of them) say; any filter F had is freed.  0, or
 * -1 out of memory (F then selects every domain). */
int domfilter_set(struct domfilter *f, const char *const *args, size_t n);
/* Every domain again; F may be reused. */
void domfilter_clear(struct domfilter *f);

/* Which arguments are the exact name of a domain of DB's domain table,
 * and so match that name alone: 0, or -1 (sqlite3_errmsg(DB)). */
int domfilter_resolve(struct domfilter *f, sqlite3 *db);

/* Whether F selects the domain DOMID shown as NAME. */
bool domfilter_match(const struct domfilter *f, int64_t domid, const char *name);

/* How many lifetimes of DB's domain table each argument matches, into
 * COUNT[0 .. f->n - 1]: 0, or -1 (sqlite3_errmsg(DB)). */
int domfilter_count(const struct domfilter *f, sqlite3 *db, size_t *count);

/* The arguments as one line, "web-* 3" (for a title), into BUF. */
void domfilter_text(const struct domfilter *f, char *buf, size_t n);

#endif
