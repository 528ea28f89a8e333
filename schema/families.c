/*
 * The families of families.h: the table and the lines every writer of the
 * exposition shares.
 */
#include "families.h"

#include <inttypes.h>
#include <string.h>

#define DOM(col, state) { METRICS_I_##col, state }
#define CPU(col) { METRICS_CPU_I_##col, NULL }
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct metrics_family metrics_domain_families[] = {
	{ "xen_domain_cpu_seconds", "seconds",
	  "Time the domain's vCPUs spent running, runnable (waiting for a "
	  "physical CPU) and blocked, summed over its vCPUs", 0, 3,
	  { DOM(cpu_ns, "running"), DOM(wait_ns, "runnable"),
	    DOM(blocked_ns, "blocked") } },
	{ "xen_domain_dispatches", NULL,
	  "Executions: switch-ins of the domain's vCPUs", 0, 1,
	  { DOM(exec_count, NULL) } },
	{ "xen_domain_io_operations", NULL,
	  "I/O operations: grant maps and transfers, and where the hypervisor "
	  "traces them grant copies and event-channel notifications",
	  METRICS_IO_ALL, 1, { DOM(io_count, NULL) } },
	{ "xen_domain_io_bytes", "bytes",
	  "Bytes the domain's grant copies moved (traced by a patched "
	  "hypervisor only)", METRICS_IO_GRANT_COPY, 1,
	  { DOM(io_bytes, NULL) } },
	{ "xen_domain_allocated_slice_seconds", "seconds",
	  "Time slices the scheduler gave the domain's executions, bounded "
	  "ones", 0, 1, { DOM(alloc_ns, NULL) } },
	{ "xen_domain_unbounded_dispatches", NULL,
	  "Executions given no time limit (a zero or negative slice)", 0, 1,
	  { DOM(alloc_unbounded, NULL) } },
};
const size_t metrics_ndomain_families = COUNT(metrics_domain_families);

const struct metrics_family metrics_cpu_families[] = {
	{ "xen_cpu_observed_seconds", "seconds",
	  "Time the trace covered the physical CPU", 0, 1,
	  { CPU(observed_ns) } },
	{ "xen_cpu_idle_seconds", "seconds",
	  "Time no vCPU ran on the physical CPU", 0, 1, { CPU(sched_ns) } },
	{ "xen_cpu_lost_records", NULL,
	  "Trace records Xen lost on the physical CPU", 0, 1,
	  { CPU(lost_records) } },
	{ "xen_cpu_malformed_records", NULL,
	  "Malformed records of a damaged trace on the physical CPU", 0, 1,
	  { CPU(malformed_records) } },
};
const size_t metrics_ncpu_families = COUNT(metrics_cpu_families);

bool metrics_family_shown(const struct metrics_family *f, unsigned io_sources)
{
	return !f->io || (f->io & io_sources);
}

void metrics_family_header(FILE *out, const struct metrics_family *f,
			   const char *type, bool openmetrics)
{
	bool counter = strcmp(type, "counter") == 0;
	bool info = strcmp(type, "info") == 0;
	const char *suffix = openmetrics ? "" : counter ? "_total" :
			     info ? "_info" : "";
	fprintf(out, "# HELP %s%s %s.\n", f->name, suffix, f->help);
	fprintf(out, "# TYPE %s%s %s\n", f->name, suffix,
		!openmetrics && info ? "gauge" : type);
	if (openmetrics && f->unit)
		fprintf(out, "# UNIT %s %s\n", f->name, f->unit);
}

void metrics_family_value(FILE *out, const struct metrics_family *f,
			  uint64_t v)
{
	if (f->unit && strcmp(f->unit, "seconds") == 0)
		fprintf(out, " %" PRIu64 ".%09" PRIu64, v / 1000000000u,
			v % 1000000000u);
	else
		fprintf(out, " %" PRIu64, v);
}

void metrics_family_label(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%s=\"", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}
