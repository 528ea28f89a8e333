/*
 * Domain names for live capture, from xenstore (/local/domain/ID/name):
 * read when tracing starts, again when xenstore's watch says a domain came
 * or went, and every few seconds for renames, and given to the accounting
 * after every drain, since a domain's DOM_ADD record, when the merge
 * reaches it, starts a new lifetime without a name.
 */
#ifndef XENMON_DOMNAMES_H
#define XENMON_DOMNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "account.h"

struct dom_name;

struct domnames {
	struct xs_handle *xs;     /* NULL: xenstore not reachable */
	struct dom_name *names;
	size_t n;
	bool dirty;               /* a domain came or went */
	double due;               /* monotonic seconds of the next reread */
};

/* Connect and watch; without xenstore, say so on ERR unless QUIET, and
 * leave every domain but dom0 unnamed. */
void domnames_open(struct domnames *d, FILE *err, bool quiet);

/* The watch's descriptor, to poll (-1: none), and its events, once poll()
 * saw it readable. */
int domnames_fd(const struct domnames *d);
void domnames_take_events(struct domnames *d);

/* Reread the names if due (FORCE: now), and give them all to A.
 * -1: out of memory. */
int domnames_apply(struct domnames *d, struct acct *a, bool force);

void domnames_close(struct domnames *d);

#endif
