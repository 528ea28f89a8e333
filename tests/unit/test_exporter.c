/*
 * The exposition of --metrics-listen (daemon/serve/exporter.c) without a
 * server: seconds handed to it as the writer hands them, and what a scrape
 * would get.  Sums over seconds, series by name rather than domid, a name
 * that a guest chose (quotes, backslashes, a line break) kept inside its
 * label, the I/O families only where the trace showed their sources, and
 * the two formats' differences.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exporter.h"
#include "metrics.h"

static char *render(struct exporter *e, bool om)
{
	char *buf;
	size_t len;
	assert_int_equal(exporter_render(e, om, &buf, &len), 0);
	assert_int_equal(strlen(buf), len);
	return buf;
}

/* One second: domain DOMID named NAME ran RUN_NS on CPU 0. */
static void feed(struct exporter *e, int64_t t, uint16_t domid,
		 const char *name, uint64_t run_ns)
{
	struct cpu_row cpu = { .cpu = 0, .observed_ns = 1000000000,
			       .sched_ns = 1000000000 - run_ns };
	struct sample_row row = { .cpu = 0, .domid = domid, .exec_count = 3,
				  .cpu_ns = run_ns };
	struct domain_row dom = { .domid = domid, .first_t = t };
	snprintf(dom.name, sizeof dom.name, "%s", name);
	struct second s = { .t = t, .complete = true, .cpus = &cpu, .ncpus = 1,
			    .samples = &row, .nsamples = 1, .doms = &dom,
			    .ndoms = 1 };
	exporter_stored(e, &s);
}

static void sums_by_name_not_domid(void **state)
{
	(void)state;
	struct exporter *e = exporter_new("1.2.3");
	feed(e, 100, 5, "web", 250000000);
	feed(e, 101, 5, "web", 500000000);
	feed(e, 102, 9, "web", 1);        /* rebooted: another domid */
	char *text = render(e, false);
	assert_non_null(strstr(text, "xen_domain_cpu_seconds_total{domain=\"web\","
			       "uuid=\"\",state=\"running\"} 0.750000001\n"));
	assert_non_null(strstr(text, "xen_domain_dispatches_total{domain=\"web\","
			       "uuid=\"\"} 9\n"));
	assert_non_null(strstr(text, "xen_domain_info{domain=\"web\",uuid=\"\","
			       "domid=\"9\"} 1\n"));
	assert_non_null(strstr(text, "xen_cpu_idle_seconds_total{cpu=\"0\"} "
			       "2.249999999\n"));
	assert_non_null(strstr(text, "xen_last_stored_second_timestamp_seconds "
			       "102\n"));
	assert_non_null(strstr(text, "xen_build_info{version=\"1.2.3\"} 1\n"));
	free(text);
	exporter_free(e);
}

/* A second of I/O: DOMID did IOS operations moving BYTES, and the trace
 * has shown the I/O SOURCES so far. */
static void feed_io(struct exporter *e, int64_t t, uint16_t domid,
		    uint32_t ios, uint64_t bytes, unsigned sources)
{
	struct cpu_row cpu = { .cpu = 0, .observed_ns = 1000000000 };
	struct sample_row row = { .cpu = 0, .domid = domid, .io_count = ios,
				  .io_bytes = bytes };
	struct second s = { .t = t, .complete = true, .cpus = &cpu, .ncpus = 1,
			    .samples = &row, .nsamples = 1,
			    .io_sources = sources };
	exporter_stored(e, &s);
}

static void io_families_only_where_traced(void **state)
{
	(void)state;
	struct exporter *e = exporter_new("x");
	feed_io(e, 100, 3, 0, 0, 0);
	char *text = render(e, false);
	assert_null(strstr(text, "xen_domain_io_"));
	free(text);
	/* stock Xen: grant maps, no bytes */
	feed_io(e, 101, 3, 4, 0, METRICS_IO_GRANT_MAP);
	text = render(e, false);
	assert_non_null(strstr(text, "xen_domain_io_operations_total{domain="
			       "\"dom3\",uuid=\"\"} 4\n"));
	assert_null(strstr(text, "xen_domain_io_bytes"));
	free(text);
	/* the patched Xen's grant copies: bytes, in their unit */
	feed_io(e, 102, 3, 2, 8192, METRICS_IO_GRANT_MAP | METRICS_IO_GRANT_COPY);
	text = render(e, false);
	char *om = render(e, true);
	assert_non_null(strstr(text, "xen_domain_io_operations_total{domain="
			       "\"dom3\",uuid=\"\"} 6\n"));
	assert_non_null(strstr(text, "# TYPE xen_domain_io_bytes_total counter\n"
			       "xen_domain_io_bytes_total{domain=\"dom3\","
			       "uuid=\"\"} 8192\n"));
	assert_non_null(strstr(om, "# UNIT xen_domain_io_bytes bytes\n"));
	free(text);
	free(om);
	exporter_free(e);
}

static void a_hostile_name_stays_in_its_label(void **state)
{
	(void)state;
	struct exporter *e = exporter_new("x");
	feed(e, 100, 7, "a\"} 1\nevil{x=\"\\", 1);
	char *text = render(e, false);
	assert_non_null(strstr(text, "{domain=\"a\\\"} 1\\nevil{x=\\\"\\\\\","));
	assert_null(strstr(text, "\nevil"));
	free(text);
	exporter_free(e);
}

static void formats_differ_as_they_must(void **state)
{
	(void)state;
	struct exporter *e = exporter_new("x");
	feed(e, 100, 1, "db", 1);
	char *text = render(e, false), *om = render(e, true);
	assert_non_null(strstr(text, "# TYPE xen_domain_cpu_seconds_total "
			       "counter\n"));
	assert_non_null(strstr(text, "# TYPE xen_domain_info gauge\n"));
	assert_null(strstr(text, "# EOF"));
	assert_null(strstr(text, "_created"));
	assert_non_null(strstr(om, "# TYPE xen_domain_cpu_seconds counter\n"
			       "# UNIT xen_domain_cpu_seconds seconds\n"));
	assert_non_null(strstr(om, "# TYPE xen_domain info\n"));
	assert_non_null(strstr(om, "xen_domain_cpu_seconds_created{"));
	size_t n = strlen(om);
	assert_true(n > 6 && strcmp(om + n - 6, "# EOF\n") == 0);
	free(text);
	free(om);
	exporter_free(e);
}

static void accept_header(void **state)
{
	(void)state;
	assert_false(exporter_wants_openmetrics(NULL));
	assert_false(exporter_wants_openmetrics("text/plain;version=0.0.4"));
	assert_true(exporter_wants_openmetrics(
		"application/openmetrics-text;version=1.0.0,text/plain;q=0.5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sums_by_name_not_domid),
		cmocka_unit_test(io_families_only_where_traced),
		cmocka_unit_test(a_hostile_name_stays_in_its_label),
		cmocka_unit_test(formats_differ_as_they_must),
		cmocka_unit_test(accept_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
