/*
 * The metric families served to Prometheus, said once for every writer of
 * them: xenbaked's endpoint and textfile (daemon/serve/exporter.c) and
 * xenmon-export --format openmetrics (tools/export/openmetrics.c).
 *
 * A fleet loads a host's history with the backfill and scrapes its present
 * from the endpoint; both must name, describe and scale a figure the same
 * way or the two halves of one series would not join.  So each family is a
 * row here -- its name, unit, help and the metrics of the metric table
 * (metrics.h) whose sums it shows -- and the lines of the exposition that
 * depend only on the family (HELP, TYPE, UNIT, a value in its unit, a
 * quoted label) are written by the functions below, not by each writer.
 *
 * An I/O family exists only where the host's trace showed one of its
 * sources (metrics.h, "I/O sources"): a host whose hypervisor does not
 * trace grant copies has no byte counter, rather than one stuck at 0 that
 * a dashboard would read as an idle guest.
 */
#ifndef XENMON_FAMILIES_H
#define XENMON_FAMILIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "metrics.h"

/* The per-CPU metrics by index, as METRICS_I_* for the samples. */
#define METRICS_CPU_INDEX(name, ...) METRICS_CPU_I_##name,
enum { METRICS_CPU(METRICS_CPU_INDEX) METRICS_NCPU };

struct metrics_family {
	const char *name;         /* OpenMetrics' family name (no _total) */
	const char *unit;         /* "seconds" (the sums are ns), or NULL */
	const char *help;         /* a sentence, without its full stop */
	unsigned io;              /* METRICS_IO_*: one must have shown; 0:
				   * not an I/O family */
	size_t nparts;
	struct metrics_family_part {
		size_t metric;    /* METRICS_I_* or METRICS_CPU_I_* */
		const char *state;  /* its state="..." label, or NULL */
	} parts[3];
};

/* Per domain (sums of sample rows, by METRICS_I_*) and per physical CPU
 * (of cpu rows, by METRICS_CPU_I_*): counters. */
extern const struct metrics_family metrics_domain_families[];
extern const size_t metrics_ndomain_families;
extern const struct metrics_family metrics_cpu_families[];
extern const size_t metrics_ncpu_families;

/* Is family F there on a host whose traces showed IO_SOURCES? */
bool metrics_family_shown(const struct metrics_family *f, unsigned io_sources);

/*
 * F's HELP and TYPE lines, and in OpenMetrics its UNIT.  TYPE is
 * "counter", "gauge" or "info": the text format names a counter's family
 * by its samples' name (NAME_total) and has no info type (a gauge
 * NAME_info).
 */
void metrics_family_header(FILE *out, const struct metrics_family *f,
			   const char *type, bool openmetrics);

/* " V" in F's unit (exact decimal seconds of V ns), no end of line. */
void metrics_family_value(FILE *out, const struct metrics_family *f,
			  uint64_t v);

/* KEY="VALUE", VALUE quoted as both formats quote a label's value. */
void metrics_family_label(FILE *out, const char *key, const char *value);

#endif
