/*
 * The figures xenbaked serves to Prometheus (--metrics-listen): counters
 * that add up exactly the seconds the writer committed to the database.
 *
 * A fleet scrapes every host every 15 s or so and computes rate() over
 * what it scraped.  For that rate to be the figure the viewer shows, the
 * counters must be fed by the rows the store wrote, not by the accounting
 * ahead of it: a second that the store skipped (already in the database)
 * or that a full disk dropped is not in the counters either.  So the
 * writer thread hands every second it committed to exporter_stored(), which
 * adds it to totals that only that thread touches, and then publishes a
 * copy of them for the HTTP thread -- with a trylock, so that a scrape in
 * progress can delay the publication of a second by a second but never
 * the writer.  A scrape formats the published copy under the lock.
 *
 * The counters start at zero when xenbaked starts.  They do not pick up
 * the database's totals: those include seconds replayed from other runs
 * and seconds of earlier boots, and pruned seconds would have to be
 * recovered from the roll-ups.  Instead each series carries its created
 * time (OpenMetrics' _created), the start of the process or the first
 * second the series appeared in, so that a restart is a counter reset
 * that rate() and increase() know how to bridge.
 *
 * Per domain, the series are labelled by the domain's name and UUID, not
 * its domid: domids are reused, names and UUIDs are what a fleet knows
 * its guests by.  xen_domain_info ties the two to the current domid.
 * The families, their help and units are schema/families.h's, shared with
 * xenmon-export's backfill; an I/O family is served once the run's trace
 * has shown one of its sources, absent before (not 0).
 */
#ifndef XENMON_SERVE_EXPORTER_H
#define XENMON_SERVE_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>

#include "account.h"

struct exporter;

/* VERSION: xenbaked's, for xen_build_info. */
struct exporter *exporter_new(const char *version);
void exporter_free(struct exporter *m);

/* The writer thread, after committing S (its only caller). */
void exporter_stored(void *m, const struct second *s);

/* Content types of the two formats. */
#define EXPORTER_TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define EXPORTER_OPENMETRICS_TYPE \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Whether a request's Accept header (NULL: none) asks for OpenMetrics. */
bool exporter_wants_openmetrics(const char *accept);

/* The exposition of what is published, in a malloc'd *BUF of *LEN bytes:
 * OpenMetrics when OPENMETRICS, else Prometheus' text format 0.0.4.
 * -1: out of memory. */
int exporter_render(struct exporter *m, bool openmetrics, char **buf,
		   size_t *len);

#endif
