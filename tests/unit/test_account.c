/*
 * The accounting engine against hand-written record sequences: one test per
 * rule of the metrics contract (docs/metrics.md), the awkward cases
 * included.  Records go straight into acct_record; the decoder and the
 * merge have their own tests.
 */
#include "recs.h"

#define IDLE METRICS_IDLE_DOMID
#define RUN RS_RUNNING
#define RNB RS_RUNNABLE
#define BLK RS_BLOCKED
#define OFF RS_OFFLINE

static struct got g;

/* A state spanning several seconds is split at every boundary; cpu, wait
 * and blocked of a vCPU add up to the second (invariant 2). */
static void test_state_spans_seconds(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	rs(a, 0, 0, IDLE, 0, RUN, RNB);
	rs(a, 0, 100, 1, 0, RNB, RUN);
	rs(a, 0, 200 * MS, 1, 0, RUN, BLK);
	rs(a, 0, 200 * MS + 100, IDLE, 0, RNB, RUN);
	rs(a, 0, 3500 * MS, 1, 0, BLK, RNB);
	rs(a, 0, 3500 * MS + 1000, IDLE, 0, RUN, RNB);
	rs(a, 0, 3500 * MS + 1100, 1, 0, RNB, RUN);
	feed(a, 0, 4200 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(1, 0));
	assert_int_equal(acct_finish(a, true), 0);

	assert_int_equal(g.seconds, 5);
	const struct sample_row *r = find(&g, T0, 0, 1);
	assert_non_null(r);
	assert_int_equal(r->cpu_ns, 200 * MS - 100);
	assert_int_equal(r->wait_ns, 100);
	assert_int_equal(r->blocked_ns, 800 * MS);
	for (int k = 1; k <= 2; k++) {
		r = find(&g, T0 + k, 0, 1);
		assert_non_null(r);
		assert_int_equal(r->blocked_ns, S);
		assert_int_equal(r->cpu_ns + r->wait_ns, 0);
	}
	r = find(&g, T0 + 3, 0, 1);
	assert_int_equal(r->blocked_ns, 500 * MS);
	assert_int_equal(r->wait_ns, 1100);
	assert_int_equal(r->cpu_ns, 500 * MS - 1100);
	assert_int_equal(r->cpu_ns + r->wait_ns + r->blocked_ns, S);
	r = find(&g, T0 + 4, 0, 1);
	assert_int_equal(r->cpu_ns, 200 * MS);
	/* the idle vCPU is kept and accounted like any other */
	r = find(&g, T0, 0, IDLE);
	assert_non_null(r);
	assert_int_equal(r->cpu_ns, 800 * MS - 100);
	assert_int_equal(find_cpu(&g, T0, 0)->sched_ns, 200);
	assert_int_equal(find_cpu(&g, T0 + 4, 0)->observed_ns, 200 * MS);
	check_cpu_sums(&g);
	acct_free(a);
}

/* Woken on CPU 0, run on CPU 0, having last run on CPU 1: the waiting is
 * booked to CPU 1 (residence), the running to CPU 0. */
static void test_wake_on_one_cpu_run_on_another(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 0, 0, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	rs(a, 1, 0, IDLE, 1, RUN, RNB);
	rs(a, 1, 100, 1, 0, RNB, RUN);
	rs(a, 1, 500 * MS, 1, 0, RUN, BLK);
	rs(a, 1, 500 * MS + 100, IDLE, 1, RNB, RUN);
	rs(a, 0, 1000 * MS, 1, 0, BLK, RNB);
	rs(a, 0, 1300 * MS, IDLE, 0, RUN, RNB);
	rs(a, 0, 1300 * MS + 100, 1, 0, RNB, RUN);
	feed(a, 0, 1800 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(1, 0));
	assert_int_equal(acct_finish(a, true), 0);

	const struct sample_row *r = find(&g, T0, 1, 1);
	assert_int_equal(r->blocked_ns, 500 * MS);
	r = find(&g, T0 + 1, 1, 1);
	assert_non_null(r);
	assert_int_equal(r->wait_ns, 300 * MS + 100);
	assert_int_equal(r->cpu_ns, 0);
	r = find(&g, T0 + 1, 0, 1);
	assert_non_null(r);
	assert_int_equal(r->cpu_ns, 500 * MS - 100);
	assert_int_equal(r->wait_ns, 0);
	assert_int_equal(find(&g, T0, 0, IDLE)->cpu_ns, S);
	check_cpu_sums(&g);
	acct_free(a);
}

/* Executions are INFNEXT switch-ins; CONTINUE_RUNNING is not one.  Slices
 * that mean "no limit" (negative as s32, or zero) are left out of the
 * allocation and counted apart.  Both INFNEXT layouts, by word count. */
static void test_exec_and_allocation(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 0, 0, TRC_SCHED_SWITCH_INFNEXT, 4, 1, 0, 0, 30 * MS);
	feed(a, 0, 10 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(1, 0));
	feed(a, 0, 20 * MS, TRC_SCHED_SWITCH_INFNEXT, 4, 1, 1, 5, 10 * MS);
	feed(a, 0, 30 * MS, TRC_SCHED_SWITCH_INFNEXT, 4, 1, 0, 0, 0xffffffffu);
	feed(a, 0, 40 * MS, TRC_SCHED_SWITCH_INFNEXT, 4, 1, 0, 0, 0);
	feed(a, 0, 50 * MS, TRC_SCHED_SWITCH_INFNEXT, 3, 1, 7, 20 * MS);
	feed(a, 0, 60 * MS, TRC_SCHED_SWITCH_INFNEXT, 4, 1, 0, 0, 0x80000000u);
	assert_int_equal(acct_finish(a, true), 0);
	const struct sample_row *r = find(&g, T0, 0, 1);
	assert_non_null(r);
	assert_int_equal(r->exec_count, 6);
	assert_int_equal(r->alloc_ns, 60 * MS);
	assert_int_equal(r->alloc_min_ns, 10 * MS);
	assert_int_equal(r->alloc_max_ns, 30 * MS);
	assert_int_equal(r->alloc_unbounded, 3);
	assert_int_equal(acct_stats(a)->continue_running, 1);
	acct_free(a);
}

/* I/O: grant map and transfer records naming the domain, booked to the CPU
 * that emitted them; Xen's own domain ids are kept. */
static void test_io_count(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	for (int i = 0; i < 3; i++)
		feed(a, 1, (uint64_t)i * MS, TRC_MEM_PAGE_GRANT_MAP, 1, 3);
	feed(a, 0, 5 * MS, TRC_MEM_PAGE_GRANT_TRANSFER, 1, 3);
	feed(a, 0, 1500 * MS, TRC_MEM_PAGE_GRANT_MAP, 1, 3);
	feed(a, 0, 1600 * MS, TRC_MEM_PAGE_GRANT_MAP, 1, 0x7ff1);
	assert_int_equal(acct_finish(a, true), 0);
	assert_int_equal(find(&g, T0, 1, 3)->io_count, 3);
	assert_int_equal(find(&g, T0, 0, 3)->io_count, 1);
	assert_int_equal(find(&g, T0 + 1, 0, 3)->io_count, 1);
	assert_int_equal(find(&g, T0 + 1, 0, 0x7ff1)->io_count, 1);
	acct_free(a);
}

/* The patched Xen's records (docs/trace-format.md): a grant copy books its
 * operations and bytes to its foreign domain, never to the back-end that
 * copies; a notification to the side that is not dom0, or else to the
 * higher domid; both on the CPU and in the second of the record.  A count
 * of 0 makes no row; a record of another word count is malformed. */
static void test_patched_io(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 0, 0, TRC_MEM_PAGE_GRANT_MAP, 1, 5);
	feed(a, 0, 500 * MS, TRC_MEM_PAGE_GRANT_MAP, 1, 5);
	assert_int_equal(acct_finish(a, true), 0);
	acct_free(a);
	assert_int_equal(g.io_sources, METRICS_IO_GRANT_MAP);

	a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	/* dom0 copies for guest 5, written to it then read from it */
	feed(a, 1, 0, TRC_MEM_GRANT_COPY, 4, 5u, 0u, 3u, 9000u);
	feed(a, 1, 10 * MS, TRC_MEM_GRANT_COPY, 4, 5u, 1u, 2u, 100u);
	/* driver domain 1 copies for guest 7 */
	feed(a, 0, 20 * MS, TRC_MEM_GRANT_COPY, 4, 7u | 1u << 16, 1u, 1u, 4096u);
	/* notifications: receiver | sender << 16, count, ages */
	feed(a, 2, 30 * MS, TRC_MEM_EVTCHN_NOTIFY, 4, 5u, 2u, 9 * MS, 1 * MS);
	feed(a, 2, 40 * MS, TRC_MEM_EVTCHN_NOTIFY, 4, 5u << 16, 3u, 0u, 0u);
	feed(a, 2, 50 * MS, TRC_MEM_EVTCHN_NOTIFY, 4, 9u | 4u << 16, 1u, 0u, 0u);
	feed(a, 2, 60 * MS, TRC_MEM_EVTCHN_NOTIFY, 4, 4u | 9u << 16, 1u, 0u, 0u);
	feed(a, 2, 70 * MS, TRC_MEM_EVTCHN_NOTIFY, 4, 6u | 6u << 16, 1u, 0u, 0u);
	feed(a, 3, 80 * MS, TRC_MEM_EVTCHN_NOTIFY, 4, 8u, 0u, 0u, 0u);
	feed(a, 2, 1100 * MS, TRC_MEM_EVTCHN_NOTIFY, 4, 5u, 4u, 0u, 0u);
	/* three words: no such layout */
	feed(a, 2, 1200 * MS, TRC_MEM_GRANT_COPY, 3, 5u, 0u, 3u);
	assert_int_equal(acct_finish(a, true), 0);

	const struct sample_row *r = find(&g, T0, 1, 5);
	assert_non_null(r);
	assert_int_equal(r->io_count, 5);
	assert_int_equal(r->io_bytes, 9100);
	assert_int_equal(find(&g, T0, 0, 7)->io_count, 1);
	assert_int_equal(find(&g, T0, 0, 7)->io_bytes, 4096);
	assert_null(find(&g, T0, 0, 1));
	assert_null(find(&g, T0, 1, 0));
	r = find(&g, T0, 2, 5);
	assert_int_equal(r->io_count, 5);
	assert_int_equal(r->io_bytes, 0);
	assert_int_equal(find(&g, T0, 2, 9)->io_count, 2);
	assert_null(find(&g, T0, 2, 4));
	assert_null(find(&g, T0, 2, 0));
	assert_int_equal(find(&g, T0, 2, 6)->io_count, 1);
	assert_null(find(&g, T0, 3, 8));
	assert_int_equal(find(&g, T0 + 1, 2, 5)->io_count, 4);
	assert_int_equal(acct_stats(a)->grant_copy, 3);
	assert_int_equal(acct_stats(a)->evtchn_notify, 7);
	assert_int_equal(acct_stats(a)->malformed, 1);
	assert_int_equal(g.io_sources, METRICS_IO_GRANT_COPY | METRICS_IO_EVTCHN);
	acct_free(a);
}

/* Lost records: counted per CPU and second; the vCPU the record names is
 * running from then on; the evicted one is unknown until its next record;
 * nothing goes negative or past the second. */
static void test_lost_records_burst(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	rs(a, 0, 0, IDLE, 0, RUN, RNB);
	rs(a, 0, 100, 1, 0, RNB, RUN);
	uint64_t first = tsc_at(200 * MS);
	feed(a, 0, 300 * MS, TRC_LOST_RECORDS, 4, 57, DOMV(0, 2),
	     (uint32_t)first, (uint32_t)(first >> 32));
	rs(a, 1, 500 * MS, 1, 0, RNB, RUN);
	rs(a, 0, 1200 * MS, 2, 0, RUN, RNB);
	rs(a, 0, 1200 * MS + 100, IDLE, 0, RNB, RUN);
	feed(a, 0, 2500 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	assert_int_equal(acct_finish(a, true), 0);

	assert_int_equal(find_cpu(&g, T0, 0)->lost_records, 57);
	assert_int_equal(find_cpu(&g, T0 + 1, 0)->lost_records, 0);
	assert_int_equal(acct_stats(a)->lost_records, 57);
	assert_int_equal(find(&g, T0, 0, 1)->cpu_ns, 300 * MS - 100);
	assert_int_equal(find(&g, T0, 0, 2)->cpu_ns, 700 * MS);
	assert_int_equal(find(&g, T0, 1, 1)->cpu_ns, 500 * MS);
	assert_true(acct_stats(a)->resyncs >= 2);
	for (size_t i = 0; i < g.nrows; i++) {
		const struct sample_row *r = &g.rows[i].r;
		assert_true(r->cpu_ns <= S && r->wait_ns <= S && r->blocked_ns <= 2 * S);
	}
	check_cpu_sums(&g);
	acct_free(a);
}

/* A domain destroyed while runnable stops waiting at DOM_REM. */
static void test_domain_destroyed_while_runnable(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	rs(a, 0, 0, 2, 0, RNB, RUN);
	rs(a, 0, 200 * MS, 2, 0, RUN, RNB);
	rs(a, 0, 200 * MS + 50, IDLE, 0, RNB, RUN);
	feed(a, 1, 600 * MS, TRC_SCHED_DOM_REM, 1, 2);
	feed(a, 0, 1500 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	assert_int_equal(acct_finish(a, true), 0);
	const struct sample_row *r = find(&g, T0, 0, 2);
	assert_int_equal(r->cpu_ns, 200 * MS);
	assert_int_equal(r->wait_ns, 400 * MS);
	assert_null(find(&g, T0 + 1, 0, 2));
	assert_int_equal(acct_stats(a)->dom_rem, 1);
	check_cpu_sums(&g);
	acct_free(a);
}

/* Domains created and destroyed mid-trace, and a domain id reused: one
 * lifetime each. */
static void test_domid_reuse(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 0, 100 * MS, TRC_SCHED_DOM_ADD, 1, 5);
	rs(a, 0, 100 * MS + 10, 5, 0, OFF, RNB);
	feed(a, 0, 400 * MS, TRC_SCHED_DOM_REM, 1, 5);
	feed(a, 0, 2500 * MS, TRC_SCHED_DOM_ADD, 1, 5);
	rs(a, 0, 2500 * MS + 10, 5, 0, OFF, RNB);
	feed(a, 0, 2700 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	assert_int_equal(acct_finish(a, true), 0);
	int lifetimes_first_t[2] = { 0, 0 }, n = 0;
	for (size_t i = 0; i < g.ndoms; i++)
		if (g.doms[i].d.domid == 5 && (n == 0 || g.doms[i].d.first_t !=
						lifetimes_first_t[n - 1]))
			lifetimes_first_t[n++] = (int)(g.doms[i].d.first_t - T0);
	assert_int_equal(n, 2);
	assert_int_equal(lifetimes_first_t[0], 0);
	assert_int_equal(lifetimes_first_t[1], 2);
	/* offline time is booked nowhere; runnable time is */
	assert_int_equal(find(&g, T0, 0, 5)->wait_ns, 300 * MS - 10);
	assert_int_equal(find(&g, T0 + 2, 0, 5)->wait_ns, 200 * MS - 10);
	assert_int_equal(acct_stats(a)->dom_add, 2);
	acct_free(a);
}

/* A domain id destroyed and reused within one second: the two lifetimes
 * share the (second, CPU, domid) row, the table's key, and each has its
 * own lifetime. */
static void test_domid_reused_within_a_second(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 0, 100 * MS, TRC_SCHED_DOM_ADD, 1, 7);
	rs(a, 0, 100 * MS, 7, 0, OFF, RNB);
	feed(a, 0, 300 * MS, TRC_SCHED_DOM_REM, 1, 7);
	feed(a, 0, 500 * MS, TRC_SCHED_DOM_ADD, 1, 7);
	rs(a, 0, 500 * MS, 7, 0, OFF, RNB);
	feed(a, 0, 600 * MS, TRC_SCHED_SWITCH_INFNEXT, 4, 7, 0, 0, 10 * MS);
	feed(a, 0, 900 * MS, TRC_SCHED_DOM_REM, 1, 7);
	feed(a, 0, 1200 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	assert_int_equal(acct_finish(a, true), 0);
	size_t rows = 0;
	for (size_t i = 0; i < g.nrows; i++)
		rows += g.rows[i].t == T0 && g.rows[i].r.domid == 7;
	assert_int_equal(rows, 1);
	assert_int_equal(find(&g, T0, 0, 7)->wait_ns, 200 * MS + 400 * MS);
	assert_int_equal(find(&g, T0, 0, 7)->exec_count, 1);
	/* Seen: domain 7 and its vCPU once, whatever its lifetimes. */
	assert_int_equal(acct_stats(a)->domains_seen, 2);
	assert_int_equal(acct_stats(a)->vcpus_seen, 2);
	acct_free(a);
}

/* Seconds with more and more rows (the sort buffers grow) come out in key
 * order (cpu, domid), each row once. */
static void test_rows_sorted_as_they_grow(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	unsigned per_sec[] = { 3, 11, 40, 7, 90 };
	for (unsigned k = 0; k < 5; k++)
		for (unsigned i = 0; i < per_sec[k]; i++)
			feed(a, (i * 7) % 3, k * S + i * MS, TRC_MEM_PAGE_GRANT_MAP, 1,
			     (i * 37) % 101);
	assert_int_equal(acct_finish(a, true), 0);
	for (unsigned k = 0; k < 5; k++) {
		size_t n = 0, io = 0;
		int last = -1;
		for (size_t i = 0; i < g.nrows; i++) {
			if (g.rows[i].t != T0 + (int)k)
				continue;
			int key = g.rows[i].r.cpu << 16 | g.rows[i].r.domid;
			assert_true(key > last);
			last = key;
			n++;
			io += g.rows[i].r.io_count;
		}
		assert_int_equal(io, per_sec[k]);
		assert_true(n <= per_sec[k]);
	}
	acct_free(a);
}

/* Names: Domain-0 and Idle by default, others as the live side learns
 * them, per lifetime. */
static void test_domain_names(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 0, 0, TRC_MEM_PAGE_GRANT_MAP, 1, 0);
	feed(a, 0, 10, TRC_MEM_PAGE_GRANT_MAP, 1, 5);
	assert_int_equal(acct_set_domain_name(a, 5, "web-frontend-01"), 0);
	feed(a, 0, 20, TRC_SCHED_SWITCH_INFNEXT, 4, IDLE, 0, 0, 0xffffffffu);
	assert_int_equal(acct_finish(a, true), 0);
	int seen = 0;
	for (size_t i = 0; i < g.ndoms; i++) {
		const struct domain_row *d = &g.doms[i].d;
		if (d->domid == 0)
			seen += strcmp(d->name, "Domain-0") == 0;
		else if (d->domid == 5)
			seen += strcmp(d->name, "web-frontend-01") == 0;
		else if (d->domid == IDLE)
			seen += strcmp(d->name, "Idle") == 0;
	}
	assert_int_equal(seen, 3);
	acct_free(a);
}

/* Records of classes we do not use are skipped and counted; records whose
 * word count fits no layout are malformed, skipped and counted. */
static void test_unknown_and_malformed(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 0, 0, TRC_HVM_ENTRYEXIT + 1, 2, 1, 2);
	feed(a, 0, 10, TRC_HW_IRQ + 8, 1, 3);
	feed(a, 0, 20, TRC_SCHED_RUNSTATE_CHANGE | RNB << 8 | RUN << 4, 2, 1, 2);
	feed(a, 0, 30, TRC_SCHED_SWITCH_INFNEXT, 5, 1, 0, 0, 30, 4);
	feed(a, 0, 40, TRC_SCHED_SWITCH_INFNEXT, 2, 1, 0);
	feed(a, 0, 50, TRC_SCHED_RUNSTATE_CHANGE | 7 << 8 | RUN << 4, 1, 1);
	feed(a, 0, 60, TRC_TRACE_CPU_CHANGE, 2, 0, 100);
	feed(a, 0, 70, TRC_TRACE_WRAP_BUFFER, 3, 0, 0, 0);
	assert_int_equal(acct_finish(a, true), 0);
	const struct acct_stats *st = acct_stats(a);
	assert_int_equal(st->unused_class, 2);
	assert_int_equal(st->malformed, 5);
	assert_int_equal(st->wrap, 1);
	assert_int_equal(st->records, 8);
	assert_int_equal(g.nrows, 0);
	acct_free(a);
}

/* Events of the classes Xen writes are never malformed, used or not (the
 * general class's TRC_TRACE_IRQ, a guest's own event 0); zeros and a
 * class no Xen has are, and mark their CPU's second. */
static void test_possible_and_impossible_classes(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 1, 0, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 1));
	feed(a, 0, 10, TRC_GEN + 4, 3, 40, 1, 2);
	feed(a, 0, 20, TRC_GUEST, 1, 7);
	feed(a, 0, 30, TRC_SCHED_CLASS_EVT(CSCHED2, 4), 2, 1, 2);
	assert_int_equal(acct_stats(a)->malformed, 0);
	feed(a, 0, 40, 0x01000001, 1, 7);   /* class bit 8: no such class */
	feed_zero(a, 0, 40);
	feed(a, 1, 1500 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 1));
	assert_int_equal(acct_finish(a, true), 0);
	const struct acct_stats *st = acct_stats(a);
	assert_int_equal(st->unused_class, 3);
	assert_int_equal(st->malformed, 2);
	assert_int_equal(find_cpu(&g, T0, 0)->malformed_records, 2);
	assert_int_equal(find_cpu(&g, T0, 1)->malformed_records, 0);
	acct_free(a);
}

/*
 * A block of zeros in CPU 0's records, as a file system leaves where it
 * lost a block in a crash: each zero word a malformed record, at the
 * CPU's last time.  The records that were there are gone, so CPU 0's
 * figures are incomplete from there until its records are well-formed
 * and timed again (2.9 s): every second of that is marked on CPU 0, none
 * on CPU 1, none after.  Meanwhile CPU 0's records are not taken without
 * the order (acct_unordered_ok), so that the first good one is seen.
 */
static void test_zero_block_marks_its_seconds(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	rs(a, 0, 0, IDLE, 0, RUN, RNB);
	rs(a, 0, 100, 1, 0, RNB, RUN);
	feed(a, 1, 200, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 1));
	feed(a, 0, 600 * MS, TRC_SCHED_SWITCH_INFPREV, 3, 1, 0, 5);
	assert_true(acct_unordered_ok(a, 0));
	for (int i = 0; i < 16; i++)
		feed_zero(a, 0, 600 * MS);
	assert_false(acct_unordered_ok(a, 0));
	assert_true(acct_unordered_ok(a, 1));
	for (uint64_t t = 500; t < 3000; t += 1000)
		feed(a, 1, t * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 1));
	/* no TSC of its own: still the damage's time */
	uint32_t w = DOMV(1, 0);
	acct_record(a, 0, tsc_at(600 * MS),
		    (TRC_SCHED_RUNSTATE_CHANGE | RUN << 8 | BLK << 4) | 1u << 28,
		    (const uint8_t *)&w);
	assert_false(acct_unordered_ok(a, 0));
	rs(a, 0, 2900 * MS, 1, 0, BLK, RUN);
	assert_true(acct_unordered_ok(a, 0));
	rs(a, 0, 3200 * MS, 1, 0, RUN, BLK);
	feed(a, 1, 3500 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 1));
	assert_int_equal(acct_finish(a, true), 0);

	assert_int_equal(acct_stats(a)->malformed, 16);
	for (int k = 0; k <= 2; k++)
		assert_int_equal(find_cpu(&g, T0 + k, 0)->malformed_records, 16);
	assert_int_equal(find_cpu(&g, T0 + 3, 0)->malformed_records, 0);
	for (int k = 0; k <= 3; k++)
		assert_int_equal(find_cpu(&g, T0 + k, 1)->malformed_records, 0);
	check_cpu_sums(&g);
	acct_free(a);
}

/* A well-formed record naming what no Xen has (a domain id past 16 bits,
 * a vCPU past any Xen's): malformed, skipped, its second marked; the
 * records after it are whole, so the seconds after are not. */
static void test_impossible_values(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 0, 0, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	feed(a, 0, 100 * MS, TRC_SCHED_SWITCH_INFNEXT, 4, 0x10000, 0, 0, 30 * MS);
	feed(a, 0, 200 * MS, TRC_MEM_PAGE_GRANT_MAP, 1, 0x20000);
	feed(a, 0, 300 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(3, 20000));
	assert_true(acct_unordered_ok(a, 0));
	feed(a, 0, 1300 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	assert_int_equal(acct_finish(a, true), 0);
	assert_int_equal(acct_stats(a)->malformed, 3);
	assert_int_equal(find_cpu(&g, T0, 0)->malformed_records, 3);
	assert_int_equal(find_cpu(&g, T0 + 1, 0)->malformed_records, 0);
	assert_int_equal(acct_stats(a)->infnext, 0);
	assert_int_equal(acct_stats(a)->grant_map, 0);
	acct_free(a);
}

/* Buckets are Unix seconds: an anchor inside a second makes the first
 * bucket partial; scheduler gaps are sched_ns (invariant 1). */
static void test_anchor_and_sched_gap(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S + 250 * (int64_t)MS);
	rs(a, 0, 0, IDLE, 0, RUN, RNB);
	rs(a, 0, 1000, 1, 0, RNB, RUN);
	rs(a, 0, 900 * MS, 1, 0, RUN, RNB);
	rs(a, 0, 900 * MS + 3000, IDLE, 0, RNB, RUN);
	feed(a, 0, 1750 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	assert_int_equal(acct_finish(a, true), 0);
	assert_int_equal(g.seconds, 2);
	assert_int_equal(find_cpu(&g, T0, 0)->observed_ns, 750 * MS);
	assert_int_equal(find_cpu(&g, T0, 0)->sched_ns, 1000);
	assert_int_equal(find(&g, T0, 0, 1)->cpu_ns, 750 * MS - 1000);
	assert_int_equal(find(&g, T0 + 1, 0, 1)->cpu_ns, 150 * MS);
	assert_int_equal(find_cpu(&g, T0 + 1, 0)->observed_ns, S);
	assert_int_equal(find_cpu(&g, T0 + 1, 0)->sched_ns, 3000);
	check_cpu_sums(&g);
	acct_free(a);
}

/* A vCPU first named mid-trace is back-filled in the state its first
 * record says it was leaving, from the start of the open second. */
static void test_backfill_open_second(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	feed(a, 0, 0, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	feed(a, 0, 2300 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	rs(a, 1, 2500 * MS, 4, 1, BLK, RNB);
	feed(a, 0, 2600 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	assert_int_equal(acct_finish(a, true), 0);
	const struct sample_row *r = find(&g, T0 + 2, 1, 4);
	assert_non_null(r);
	assert_int_equal(r->blocked_ns, 500 * MS);
	assert_int_equal(r->wait_ns, 100 * MS);
	assert_null(find(&g, T0 + 1, 1, 4));
	acct_free(a);
}

/* With the look-ahead's hint, the same vCPU is accounted from the trace's
 * first record, and a CPU whose running vCPU is hinted has no gap. */
static void test_hint_from_trace_start(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	assert_int_equal(acct_hint(a, 1, 4, 1, RS_BLOCKED), 0);
	assert_int_equal(acct_hint(a, 1, 3, 0, RS_RUNNING), 0);
	feed(a, 0, 0, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	rs(a, 1, 2500 * MS, 4, 1, BLK, RNB);
	feed(a, 0, 2600 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(IDLE, 0));
	assert_int_equal(acct_finish(a, true), 0);
	assert_int_equal(find(&g, T0, 1, 4)->blocked_ns, S);
	assert_int_equal(find(&g, T0 + 1, 1, 4)->blocked_ns, S);
	assert_int_equal(find(&g, T0 + 2, 1, 4)->blocked_ns, 500 * MS);
	assert_int_equal(find(&g, T0, 1, 3)->cpu_ns, S);
	assert_int_equal(find_cpu(&g, T0, 1)->sched_ns, 0);
	check_cpu_sums(&g);
	acct_free(a);
}

/* A vCPU said to start running on a CPU we believe occupied evicts the
 * occupant (whose record was lost): the CPU never counts double. */
static void test_eviction_keeps_cpu_whole(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	rs(a, 0, 0, 1, 0, RNB, RUN);
	rs(a, 0, 400 * MS, 2, 0, RNB, RUN);
	rs(a, 0, 1400 * MS, 1, 0, RNB, RUN);
	feed(a, 0, 1500 * MS, TRC_SCHED_CONTINUE_RUNNING, 1, DOMV(1, 0));
	assert_int_equal(acct_finish(a, true), 0);
	assert_int_equal(find(&g, T0, 0, 1)->cpu_ns, 400 * MS);
	assert_int_equal(find(&g, T0, 0, 2)->cpu_ns, 600 * MS);
	assert_int_equal(find(&g, T0 + 1, 0, 2)->cpu_ns, 400 * MS);
	assert_int_equal(find(&g, T0 + 1, 0, 1)->cpu_ns, 100 * MS);
	assert_true(acct_stats(a)->resyncs >= 2);
	check_cpu_sums(&g);
	acct_free(a);
}

/* A record older than one already taken is accounted at the newest time. */
static void test_late_record_clamped(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	rs(a, 0, 0, 1, 0, RNB, RUN);
	rs(a, 0, 500 * MS, 2, 0, BLK, RNB);
	rs(a, 0, 400 * MS, 1, 0, RUN, BLK);
	rs(a, 0, 600 * MS, 2, 0, RNB, RUN);
	assert_int_equal(acct_finish(a, true), 0);
	assert_int_equal(acct_stats(a)->late, 1);
	assert_int_equal(find(&g, T0, 0, 1)->cpu_ns, 500 * MS);
	assert_int_equal(find(&g, T0, 0, 1)->blocked_ns, 100 * MS);
	check_cpu_sums(&g);
	acct_free(a);
}

/* A domain id from Xen's own range (DOMID_IO and its neighbours) running
 * on a CPU: kept as any other, under its own id, and bounded like any
 * other (invariant 1). */
static void test_reserved_domid_kept(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	rs(a, 0, 0, 0x7ff2, 0, RNB, RUN);
	rs(a, 0, 300 * MS, 0x7ff2, 0, RUN, BLK);
	rs(a, 0, 300 * MS, IDLE, 0, RNB, RUN);
	rs(a, 0, 1200 * MS, IDLE, 0, RUN, RUN);
	assert_int_equal(acct_finish(a, true), 0);
	assert_int_equal(find(&g, T0, 0, 0x7ff2)->cpu_ns, 300 * MS);
	assert_int_equal(find(&g, T0, 0, 0x7ff2)->blocked_ns, 700 * MS);
	check_cpu_sums(&g);
	acct_free(a);
}

/* Without partial_last (the input went bad) the unfinished second is not
 * emitted; complete ones are. */
static void test_partial_second_dropped_on_error(void **state)
{
	(void)state;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	rs(a, 0, 0, 1, 0, RNB, RUN);
	rs(a, 0, 2400 * MS, 1, 0, RUN, BLK);
	assert_int_equal(acct_finish(a, false), 0);
	assert_int_equal(g.seconds, 2);
	assert_int_equal(find(&g, T0 + 1, 0, 1)->cpu_ns, S);
	acct_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_spans_seconds),
		cmocka_unit_test(test_wake_on_one_cpu_run_on_another),
		cmocka_unit_test(test_exec_and_allocation),
		cmocka_unit_test(test_io_count),
		cmocka_unit_test(test_patched_io),
		cmocka_unit_test(test_lost_records_burst),
		cmocka_unit_test(test_domain_destroyed_while_runnable),
		cmocka_unit_test(test_domid_reuse),
		cmocka_unit_test(test_domid_reused_within_a_second),
		cmocka_unit_test(test_rows_sorted_as_they_grow),
		cmocka_unit_test(test_domain_names),
		cmocka_unit_test(test_unknown_and_malformed),
		cmocka_unit_test(test_possible_and_impossible_classes),
		cmocka_unit_test(test_zero_block_marks_its_seconds),
		cmocka_unit_test(test_impossible_values),
		cmocka_unit_test(test_anchor_and_sched_gap),
		cmocka_unit_test(test_backfill_open_second),
		cmocka_unit_test(test_hint_from_trace_start),
		cmocka_unit_test(test_eviction_keeps_cpu_whole),
		cmocka_unit_test(test_late_record_clamped),
		cmocka_unit_test(test_reserved_domid_kept),
		cmocka_unit_test(test_partial_second_dropped_on_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
