/*
 * Domain names from xenstore (domnames.h).  A reread that fails keeps the
 * names read before: a name is never taken away for want of memory.
 */
#include "domnames.h"

#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "clock.h"
#include "log.h"

#define NAMES_EVERY_S 5.0       /* xenstore reread, for renames */

struct dom_name {
	uint16_t domid;
	char name[DOMAIN_NAME_MAX];
};

void domnames_open(struct domnames *d, FILE *err, bool quiet)
{
	memset(d, 0, sizeof *d);
	d->xs = xs_open(0);
	if (d->xs && (!xs_watch(d->xs, "@introduceDomain", "names") ||
		      !xs_watch(d->xs, "@releaseDomain", "names"))) {
		xs_close(d->xs);
		d->xs = NULL;
	}
	if (!d->xs && !quiet)
		log_msg(err, LOG_LEVEL_WARNING, "xenstore is not reachable: "
			"domains other than dom0 stay unnamed");
}

int domnames_fd(const struct domnames *d)
{
	return d->xs ? xs_fileno(d->xs) : -1;
}

void domnames_take_events(struct domnames *d)
{
	char **ev;
	while ((ev = xs_check_watch(d->xs))) {
		d->dirty = true;
		free(ev);
	}
}

static void read_names(struct domnames *d)
{
	unsigned n = 0;
	char **ids = xs_directory(d->xs, XBT_NULL, "/local/domain", &n);
	struct dom_name *names = calloc(n ? n : 1, sizeof *names);
	size_t k = 0;
	for (unsigned i = 0; ids && names && i < n; i++) {
		char *end, path[96];
		unsigned long id = strtoul(ids[i], &end, 10);
		if (*end || id > 0xffff)
			continue;
		snprintf(path, sizeof path, "/local/domain/%lu/name", id);
		unsigned len = 0;
		char *name = xs_read(d->xs, XBT_NULL, path, &len);
		if (!name)
			continue;
		names[k].domid = (uint16_t)id;
		snprintf(names[k].name, sizeof names[k].name, "%.*s", (int)len, name);
		free(name);
		k++;
	}
	free(ids);
	if (names || !n) {
		free(d->names);
		d->names = names;
		d->n = k;
	}
	d->dirty = false;
	d->due = clock_s(CLOCK_MONOTONIC) + NAMES_EVERY_S;
}

int domnames_apply(struct domnames *d, struct acct *a, bool force)
{
	if (d->xs && (force || d->dirty || clock_s(CLOCK_MONOTONIC) >= d->due))
		read_names(d);
	for (size_t i = 0; i < d->n; i++)
		if (acct_set_domain_name(a, d->names[i].domid, d->names[i].name) < 0)
			return -1;
	return 0;
}

void domnames_close(struct domnames *d)
{
	free(d->names);
	if (d->xs)
		xs_close(d->xs);
	memset(d, 0, sizeof *d);
}
