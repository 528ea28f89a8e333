/*
 * The decoder side: xentrace windows, per-CPU FIFOs and the TSC-order merge,
 * on byte streams built here and written to real files.  Every record form
 * (with and without TSC, 0 to 7 words, wrap padding), windows in any order,
 * records straddling windows, and broken input with the byte offset named.
 */
#include <stdio.h>
#include <unistd.h>

#include "recs.h"
#include "input.h"
#include "merge.h"

struct buf {
	uint8_t b[1 << 16];
	size_t n;
};

static void put32(struct buf *b, uint32_t v)
{
	memcpy(b->b + b->n, &v, 4);
	b->n += 4;
}

static void put_rec(struct buf *b, uint32_t ev, int has_tsc, uint64_t ns,
		    unsigned n, const uint32_t *w)
{
	put32(b, ev | n << 28 | (has_tsc ? 1u << 31 : 0));
	if (has_tsc) {
		uint64_t t = tsc_at(ns);
		put32(b, (uint32_t)t);
		put32(b, (uint32_t)(t >> 32));
	}
	for (unsigned i = 0; i < n; i++)
		put32(b, w[i]);
}

static void put_rs(struct buf *b, uint64_t ns, unsigned dom, unsigned v,
		   unsigned old, unsigned new)
{
	uint32_t w = DOMV(dom, v);
	put_rec(b, TRC_SCHED_RUNSTATE_CHANGE | old << 8 | new << 4, 1, ns, 1, &w);
}

static void put_window(struct buf *out, unsigned cpu, const uint8_t *p, size_t n)
{
	put32(out, TRC_TRACE_CPU_CHANGE | 2u << 28);
	put32(out, cpu);
	put32(out, (uint32_t)n);
	memcpy(out->b + out->n, p, n);
	out->n += n;
}

static char path[64];

static void write_file(const struct buf *b)
{
	snprintf(path, sizeof path, "/tmp/xenmon-test-input-%d.bin", (int)getpid());
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->b, 1, b->n, f), b->n);
	fclose(f);
}

static struct got g;
/* What the last replay() counted. */
static struct tsc_guard last_merge;
static uint64_t last_seconds, last_resyncs, last_malformed;
static bool last_malformed_seen;
static uint64_t last_malformed_off;

/* Replay PATH through input, merge and engine; returns merge_run's code. */
static int replay(char *err, size_t errlen)
{
	struct input in;
	struct merge m;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	assert_int_equal(input_open(&in, path, err, errlen), 0);
	assert_int_equal(merge_init(&m, &in, a, MHZ, 1 << 20), 0);
	int rc = merge_run(&m);
	acct_finish(a, rc == 0);
	snprintf(err, errlen, "%s", m.err[0] ? m.err : in.err);
	last_merge = m.guard;
	last_seconds = acct_stats(a)->seconds_emitted;
	last_resyncs = acct_stats(a)->resyncs;
	last_malformed = acct_stats(a)->malformed;
	last_malformed_seen = m.malformed_seen;
	last_malformed_off = m.malformed_off;
	merge_free(&m);
	input_close(&in);
	acct_free(a);
	unlink(path);
	return rc;
}

/* The bytes of the file at PATH fed as a stream (the copied input, not
 * the mapped one), a few bytes at a time. */
struct stream {
	const struct buf *b;
	size_t off;
};

static int pull_stream(struct input *in, void *ctx)
{
	struct stream *s = ctx;
	if (s->off == s->b->n)
		return input_check_complete(in) < 0 ? -1 : 0;
	size_t k = s->b->n - s->off < 7 ? s->b->n - s->off : 7;
	int rc = input_feed(in, s->b->b + s->off, k);
	s->off += k;
	return rc < 0 ? -1 : 1;
}

static int replay_stream(const struct buf *b)
{
	struct input in;
	struct merge m;
	struct stream s = { b, 0 };
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	input_open_pull(&in, "stream", pull_stream, &s);
	assert_int_equal(merge_init(&m, &in, a, MHZ, 1 << 20), 0);
	int rc = merge_run(&m);
	acct_finish(a, rc == 0);
	last_malformed = acct_stats(a)->malformed;
	last_malformed_seen = m.malformed_seen;
	last_malformed_off = m.malformed_off;
	merge_free(&m);
	input_close(&in);
	acct_free(a);
	return rc;
}

/* Two CPUs; the wake on CPU 0 must be merged before CPU 1 runs the vCPU. */
static void two_cpu_trace(struct buf *c0, struct buf *c1)
{
	memset(c0, 0, sizeof *c0);
	memset(c1, 0, sizeof *c1);
	put_rs(c1, 0, METRICS_IDLE_DOMID, 1, RS_RUNNING, RS_RUNNABLE);
	put_rs(c1, 100, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(c1, 300 * MS, 1, 0, RS_RUNNING, RS_BLOCKED);
	put_rs(c1, 300 * MS + 100, METRICS_IDLE_DOMID, 1, RS_RUNNABLE, RS_RUNNING);
	put_rs(c0, 1, METRICS_IDLE_DOMID, 0, RS_RUNNING, RS_RUNNING + 1);
	put_rs(c0, 2, METRICS_IDLE_DOMID, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(c0, 700 * MS, 1, 0, RS_BLOCKED, RS_RUNNABLE);
	put_rs(c1, 800 * MS, METRICS_IDLE_DOMID, 1, RS_RUNNING, RS_RUNNABLE);
	put_rs(c1, 800 * MS + 100, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(c1, 1200 * MS, 1, 0, RS_RUNNING, RS_BLOCKED);
	put_rs(c1, 1200 * MS + 100, METRICS_IDLE_DOMID, 1, RS_RUNNABLE, RS_RUNNING);
	put_rs(c0, 1500 * MS, METRICS_IDLE_DOMID, 0, RS_RUNNING, RS_RUNNABLE);
	put_rs(c0, 1500 * MS + 10, METRICS_IDLE_DOMID, 0, RS_RUNNABLE, RS_RUNNING);
}

static void check_two_cpu_result(void)
{
	const struct sample_row *r = find(&g, T0, 1, 1);
	assert_non_null(r);
	assert_int_equal(r->cpu_ns, 300 * MS - 100 + 200 * MS - 100);
	assert_int_equal(r->blocked_ns, 400 * MS);
	assert_int_equal(r->wait_ns, 100 + 100 * MS + 100);
	check_cpu_sums(&g);
}

static void test_windows_in_any_order_and_split_records(void **state)
{
	(void)state;
	static struct buf c0, c1, out;
	char err[400];
	two_cpu_trace(&c0, &c1);

	/* CPU 1's whole stream first, then CPU 0's, one window each. */
	memset(&out, 0, sizeof out);
	put_window(&out, 1, c1.b, c1.n);
	put_window(&out, 0, c0.b, c0.n);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), 0);
	check_two_cpu_result();
	size_t rows = g.nrows;

	/* Now cut every CPU's bytes into windows of 20 bytes, then of 4 and
	 * empty ones, which splits records across two windows and across
	 * many, and interleave them.  A file is mapped, a stream copied:
	 * both must put the pieces together. */
	static const size_t cuts[] = { 20, 4 };
	for (size_t k = 0; k < 2; k++) {
		size_t cut = cuts[k];
		memset(&out, 0, sizeof out);
		for (size_t off = 0; off < c0.n || off < c1.n; off += cut) {
			if (off < c1.n)
				put_window(&out, 1, c1.b + off,
					   c1.n - off < cut ? c1.n - off : cut);
			if (cut == 4)
				put_window(&out, 1, c1.b, 0);
			if (off < c0.n)
				put_window(&out, 0, c0.b + off,
					   c0.n - off < cut ? c0.n - off : cut);
		}
		write_file(&out);
		assert_int_equal(replay(err, sizeof err), 0);
		check_two_cpu_result();
		assert_int_equal(g.nrows, rows);
		assert_int_equal(replay_stream(&out), 0);
		check_two_cpu_result();
		assert_int_equal(g.nrows, rows);
	}
}

/* A file that grows while it is replayed is read to its new end, past
 * what was mapped when it was opened; a window may go on past that. */
static void test_file_growing_while_replayed(void **state)
{
	(void)state;
	static struct buf c0, c1, out;
	char err[400];
	two_cpu_trace(&c0, &c1);
	memset(&out, 0, sizeof out);
	put_window(&out, 1, c1.b, c1.n);
	put_window(&out, 0, c0.b, c0.n);
	size_t first = 12 + c1.n + 12 + c0.n / 2;
	struct buf head = out;
	head.n = first;
	write_file(&head);

	struct input in;
	struct merge m;
	struct acct *a = new_acct(&g, (int64_t)T0 * (int64_t)S);
	assert_int_equal(input_open(&in, path, err, sizeof err), 0);
	FILE *f = fopen(path, "ab");
	assert_non_null(f);
	assert_int_equal(fwrite(out.b + first, 1, out.n - first, f), out.n - first);
	fclose(f);
	assert_int_equal(merge_init(&m, &in, a, MHZ, 1 << 20), 0);
	assert_int_equal(merge_run(&m), 0);
	acct_finish(a, true);
	check_two_cpu_result();
	assert_int_equal(in.off, out.n);
	merge_free(&m);
	input_close(&in);
	acct_free(a);
	unlink(path);
}

/* Records with 0..7 words, with and without TSC, wrap padding: sizes are
 * right (the record after each is decoded), and a record without TSC
 * happens at its CPU's previous TSC. */
static void test_every_record_form(void **state)
{
	(void)state;
	static struct buf c0, out;
	uint32_t zeros[7] = { 0 };
	char err[400];
	memset(&c0, 0, sizeof c0);
	put_rs(&c0, 0, 1, 0, RS_RUNNABLE, RS_RUNNING);
	for (unsigned n = 0; n <= 7; n++) {
		put_rec(&c0, TRC_HVM_ENTRYEXIT + 1, 1, 10 * MS * (n + 1), n, zeros);
		put_rec(&c0, TRC_HW_IRQ + 1, 0, 0, n, zeros);
		put_rec(&c0, TRC_TRACE_WRAP_BUFFER, n & 1, 10 * MS * (n + 1), n, zeros);
	}
	uint32_t w = DOMV(1, 0);
	/* a runstate change without TSC: at the previous record's time */
	put_rec(&c0, TRC_SCHED_RUNSTATE_CHANGE | RS_RUNNING << 8 | RS_BLOCKED << 4,
		0, 0, 1, &w);
	put_rs(&c0, 900 * MS, METRICS_IDLE_DOMID, 0, RS_RUNNABLE, RS_RUNNING);
	memset(&out, 0, sizeof out);
	put_window(&out, 0, c0.b, c0.n);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), 0);
	const struct sample_row *r = find(&g, T0, 0, 1);
	assert_non_null(r);
	assert_int_equal(r->cpu_ns, 80 * MS);
	assert_int_equal(r->blocked_ns, 820 * MS);  /* the trace ends at 0.9 s */
}

static void test_truncated_window_names_offset(void **state)
{
	(void)state;
	static struct buf c0, c1, out;
	char err[400];
	two_cpu_trace(&c0, &c1);
	memset(&out, 0, sizeof out);
	put_window(&out, 1, c1.b, c1.n);
	put_window(&out, 0, c0.b, c0.n);
	out.n -= 6;  /* cut the file inside CPU 0's window */
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), -1);
	assert_non_null(strstr(err, "truncated at byte"));
	char want[64];
	snprintf(want, sizeof want, "starts at byte %zu", c1.n + 12);
	assert_non_null(strstr(err, want));
	/* The complete second before the cut was written; the partial last
	 * one was not. */
	assert_int_equal(g.seconds, 1);
}

static void test_bad_window_header(void **state)
{
	(void)state;
	static struct buf c0, c1, out;
	char err[400];
	two_cpu_trace(&c0, &c1);
	memset(&out, 0, sizeof out);
	put_window(&out, 1, c1.b, c1.n);
	size_t bad_at = out.n;
	put32(&out, 0xdeadbeef);
	put32(&out, 0);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), -1);
	char want[64];
	snprintf(want, sizeof want, "byte %zu: expected a CPU window header", bad_at);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "0xdeadbeef"));
}

static void test_record_cut_at_end(void **state)
{
	(void)state;
	static struct buf c0, out;
	char err[400];
	memset(&c0, 0, sizeof c0);
	put_rs(&c0, 0, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(&c0, 1500 * MS, 1, 0, RS_RUNNING, RS_BLOCKED);
	c0.n -= 4;  /* the window itself is whole but its last record is not */
	memset(&out, 0, sizeof out);
	put_window(&out, 0, c0.b, c0.n);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), -1);
	char want[64];
	snprintf(want, sizeof want, "record of CPU 0 at byte %d is cut", 12 + 16);
	assert_non_null(strstr(err, want));
}

static void test_implausible_window(void **state)
{
	(void)state;
	static struct buf out;
	char err[400];
	memset(&out, 0, sizeof out);
	put32(&out, TRC_TRACE_CPU_CHANGE | 2u << 28);
	put32(&out, 0);
	put32(&out, 7);  /* not a multiple of 4 */
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), -1);
	assert_non_null(strstr(err, "byte 0: window of CPU 0 declares 7 bytes"));
	memset(&out, 0, sizeof out);
	put32(&out, TRC_TRACE_CPU_CHANGE | 2u << 28);
	put32(&out, 0x7fffffff);
	put32(&out, 4);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), -1);
	assert_non_null(strstr(err, "names CPU 2147483647"));
}

/* A TSC going backwards on one CPU is clamped to that CPU's last, and
 * counted; nothing negative results. */
static void test_tsc_backwards(void **state)
{
	(void)state;
	static struct buf c0, out;
	char err[400];
	memset(&c0, 0, sizeof c0);
	put_rs(&c0, 0, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(&c0, 500 * MS, 1, 0, RS_RUNNING, RS_BLOCKED);
	put_rs(&c0, 100 * MS, 1, 0, RS_BLOCKED, RS_RUNNABLE);
	put_rs(&c0, 900 * MS, 1, 0, RS_RUNNABLE, RS_RUNNING);
	memset(&out, 0, sizeof out);
	put_window(&out, 0, c0.b, c0.n);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), 0);
	assert_int_equal(last_merge.tsc_backwards, 1);
	const struct sample_row *r = find(&g, T0, 0, 1);
	assert_int_equal(r->cpu_ns, 500 * MS);
	assert_int_equal(r->blocked_ns, 0);
	assert_int_equal(r->wait_ns, 400 * MS);
}

/* One CPU whose wake at 0.5 s carries a TSC LEAP ahead: held at the
 * CPU's last and counted, it neither invents seconds nor holds the CPU's
 * later records back to it, nor makes any number larger than the second. */
static void check_tsc_leap_held(uint64_t leap)
{
	static struct buf c0, out;
	char err[400];
	memset(&c0, 0, sizeof c0);
	put_rs(&c0, 0, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(&c0, 500 * MS, 1, 0, RS_RUNNING, RS_BLOCKED);
	put_rs(&c0, 500 * MS + leap, 1, 0, RS_BLOCKED, RS_RUNNABLE);
	put_rs(&c0, 900 * MS, 1, 0, RS_RUNNABLE, RS_RUNNING);
	memset(&out, 0, sizeof out);
	put_window(&out, 0, c0.b, c0.n);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), 0);
	assert_int_equal(last_merge.tsc_jumps, 1);
	assert_int_equal(last_merge.tsc_backwards, 0);
	assert_int_equal(last_seconds, 1);
	const struct sample_row *r = find(&g, T0, 0, 1);
	assert_int_equal(r->cpu_ns, 500 * MS);
	assert_int_equal(r->blocked_ns, 0);
	assert_int_equal(r->wait_ns, 400 * MS);
}

/* Hours ahead (a flipped high bit, say): more than any CPU is idle. */
static void test_tsc_jump(void **state)
{
	(void)state;
	check_tsc_leap_held(36000 * S);
}

/* Minutes ahead, within the hour, with the next record back on the CPU's
 * timeline: one corrupt TSC, not a CPU that was idle. */
static void test_tsc_lone_leap(void **state)
{
	(void)state;
	check_tsc_leap_held(600 * S);
}

/* An idle CPU silent for seconds is no corrupt TSC: its records after
 * the gap go on from it.  Nor is a leap that ends its window, where the
 * next record is not at hand to tell (it is kept). */
static void test_tsc_idle_gap_kept(void **state)
{
	(void)state;
	static struct buf c0, c0b, out;
	char err[400];
	memset(&c0, 0, sizeof c0);
	memset(&c0b, 0, sizeof c0b);
	put_rs(&c0, 0, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(&c0, 500 * MS, 1, 0, RS_RUNNING, RS_BLOCKED);
	put_rs(&c0, 3500 * MS, 1, 0, RS_BLOCKED, RS_RUNNABLE);
	put_rs(&c0, 3600 * MS, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(&c0, 9500 * MS, 1, 0, RS_RUNNING, RS_BLOCKED);
	put_rs(&c0b, 3700 * MS, 1, 0, RS_BLOCKED, RS_RUNNABLE);
	memset(&out, 0, sizeof out);
	put_window(&out, 0, c0.b, c0.n);
	put_window(&out, 0, c0b.b, c0b.n);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), 0);
	assert_int_equal(last_merge.tsc_jumps, 0);
	assert_int_equal(last_merge.tsc_backwards, 1);
	assert_int_equal(last_seconds, 10);
	const struct sample_row *r = find(&g, T0 + 3, 0, 1);
	assert_int_equal(r->blocked_ns, 500 * MS);
	assert_int_equal(r->wait_ns, 100 * MS);
	assert_int_equal(r->cpu_ns, 400 * MS);
}

/*
 * A CPU that runs dry while its last record (an unordered one) is ahead of
 * the others must still hold them back until its next window is read.
 * The first read brings everything but the last window, so CPU 1 runs dry
 * at 0.5 s while CPU 0 has all its records up to 0.9 s at hand.
 */
static void test_starved_cpu_holds_others_back(void **state)
{
	(void)state;
	static struct buf a0, a, b1, b2, out;
	char err[400];
	uint32_t w[4] = { 1, 0, 2, 0 };
	memset(&a0, 0, sizeof a0);
	memset(&a, 0, sizeof a);
	memset(&b1, 0, sizeof b1);
	memset(&b2, 0, sizeof b2);
	put_rs(&b1, 0, METRICS_IDLE_DOMID, 1, RS_RUNNING, RS_RUNNABLE);
	put_rs(&b1, 100 * MS, 2, 0, RS_RUNNABLE, RS_RUNNING);
	put_rec(&b1, TRC_SCHED_SWITCH, 1, 500 * MS, 4, w);
	put_rs(&a0, 1, METRICS_IDLE_DOMID, 0, RS_RUNNING, RS_RUNNABLE);
	for (uint64_t t = 200; t <= 900; t += 100)
		put_rs(&a, t * MS, 1, 0, (t / 100) % 2 ? RS_RUNNABLE : RS_RUNNING,
		       (t / 100) % 2 ? RS_RUNNING : RS_RUNNABLE);
	put_rs(&b2, 600 * MS, 2, 0, RS_RUNNING, RS_BLOCKED);
	put_rs(&b2, 950 * MS, 2, 0, RS_BLOCKED, RS_RUNNABLE);
	memset(&out, 0, sizeof out);
	put_window(&out, 0, a0.b, a0.n);   /* every CPU shows up first */
	put_window(&out, 1, b1.b, b1.n);
	put_window(&out, 0, a.b, a.n);
	put_window(&out, 1, b2.b, b2.n);
	write_file(&out);

	struct input in;
	struct merge m;
	struct acct *acct = new_acct(&g, (int64_t)T0 * (int64_t)S);
	assert_int_equal(input_open(&in, path, err, sizeof err), 0);
	in.chunk_size = out.n - (12 + b2.n);
	assert_int_equal(merge_init(&m, &in, acct, MHZ, 1 << 20), 0);
	assert_int_equal(merge_run(&m), 0);
	acct_finish(acct, true);
	assert_int_equal(acct_stats(acct)->late, 0);
	const struct sample_row *r = find(&g, T0, 1, 2);
	assert_non_null(r);
	assert_int_equal(r->cpu_ns, 500 * MS);
	assert_int_equal(r->blocked_ns, 350 * MS);
	check_cpu_sums(&g);
	merge_free(&m);
	input_close(&in);
	acct_free(acct);
	unlink(path);
}

/*
 * Records of two CPUs at the same TSC are taken lower CPU first, also
 * when a CPU is in the middle of a run of its records.  Here CPU 0 blocks
 * vCPU 1.0 and CPU 1 wakes it at the same instant: in the other order
 * each record would contradict the state, two resyncs.  FIRST is the CPU
 * whose earlier record makes it the one running when the instant comes.
 */
static void equal_tsc_trace(unsigned first)
{
	static struct buf c0, c1, out;
	char err[400];
	memset(&c0, 0, sizeof c0);
	memset(&c1, 0, sizeof c1);
	memset(&out, 0, sizeof out);
	put_rs(&c1, 10, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(&c0, 20, METRICS_IDLE_DOMID, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(first ? &c1 : &c0, 500, 2, 0, RS_BLOCKED, RS_RUNNABLE);
	put_rs(&c0, 505, 1, 0, RS_RUNNING, RS_BLOCKED);
	put_rs(&c1, 505, 1, 0, RS_BLOCKED, RS_RUNNABLE);
	put_rs(&c1, 900, 2, 0, RS_RUNNABLE, RS_RUNNABLE);
	put_rs(&c0, 900, 2, 0, RS_RUNNABLE, RS_RUNNABLE);
	put_window(&out, 1, c1.b, c1.n);
	put_window(&out, 0, c0.b, c0.n);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), 0);
	assert_int_equal(last_resyncs, 0);
	const struct sample_row *r = find(&g, T0, 1, 1);
	assert_non_null(r);
	assert_int_equal(r->cpu_ns, 505 - 10);  /* from the first record on */
}

/*
 * 64 bytes of zeros in the middle of CPU 0's records, where a file system
 * lost a block: counted as malformed, the first one's byte offset in the
 * input told (the file, and the same bytes as a stream), CPU 0's second
 * marked incomplete; CPU 1 and the seconds after are whole.
 */
static void test_zeros_in_a_window(void **state)
{
	(void)state;
	static struct buf c0, c1, out;
	char err[400];
	memset(&c0, 0, sizeof c0);
	memset(&c1, 0, sizeof c1);
	put_rs(&c1, 0, METRICS_IDLE_DOMID, 1, RS_RUNNING, RS_RUNNING);
	put_rs(&c1, 1500 * MS, METRICS_IDLE_DOMID, 1, RS_RUNNING, RS_RUNNING);
	put_rs(&c0, 1, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(&c0, 200 * MS, 1, 0, RS_RUNNING, RS_BLOCKED);
	size_t zeros = c0.n;
	c0.n += 64;
	put_rs(&c0, 700 * MS, 1, 0, RS_BLOCKED, RS_RUNNABLE);
	put_rs(&c0, 1200 * MS, 1, 0, RS_RUNNABLE, RS_RUNNING);
	put_rs(&c0, 1700 * MS, 1, 0, RS_RUNNING, RS_BLOCKED);
	/* CPU 0's first record in a window of its own, before CPU 1's. */
	size_t first = 16;
	memset(&out, 0, sizeof out);
	put_window(&out, 0, c0.b, first);
	put_window(&out, 1, c1.b, c1.n);
	put_window(&out, 0, c0.b + first, c0.n - first);
	size_t at = 12 + first + 12 + c1.n + 12 + (zeros - first);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), 0);
	assert_int_equal(last_malformed, 16);
	assert_true(last_malformed_seen);
	assert_int_equal(last_malformed_off, at);
	assert_int_equal(find_cpu(&g, T0, 0)->malformed_records, 16);
	assert_int_equal(find_cpu(&g, T0, 1)->malformed_records, 0);
	assert_int_equal(find_cpu(&g, T0 + 1, 0)->malformed_records, 0);
	assert_int_equal(find(&g, T0 + 1, 0, 1)->cpu_ns, 500 * MS);
	check_cpu_sums(&g);

	assert_int_equal(replay_stream(&out), 0);
	assert_int_equal(last_malformed, 16);
	assert_true(last_malformed_seen);
	assert_int_equal(last_malformed_off, at);
	/* A stream read a few bytes at a time brings CPU 0's rest after
	 * CPU 1's second second, which closes the first without waiting for
	 * it (idle, by the merge's rule): the first zero word is in it. */
	assert_true(find_cpu(&g, T0, 0)->malformed_records > 0);
}

/* Whole records: nothing malformed, no offset. */
static void test_no_malformed_no_offset(void **state)
{
	(void)state;
	static struct buf c0, c1, out;
	char err[400];
	two_cpu_trace(&c0, &c1);
	memset(&out, 0, sizeof out);
	put_window(&out, 0, c0.b, c0.n);
	put_window(&out, 1, c1.b, c1.n);
	write_file(&out);
	assert_int_equal(replay(err, sizeof err), 0);
	assert_int_equal(last_malformed, 0);
	assert_false(last_malformed_seen);
	for (size_t i = 0; i < g.ncpus; i++)
		assert_int_equal(g.cpus[i].c.malformed_records, 0);
}

static void test_equal_tsc_higher_cpu_waits(void **state)
{
	(void)state;
	equal_tsc_trace(1);
}

static void test_equal_tsc_lower_cpu_goes_on(void **state)
{
	(void)state;
	equal_tsc_trace(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows_in_any_order_and_split_records),
		cmocka_unit_test(test_file_growing_while_replayed),
		cmocka_unit_test(test_every_record_form),
		cmocka_unit_test(test_truncated_window_names_offset),
		cmocka_unit_test(test_bad_window_header),
		cmocka_unit_test(test_record_cut_at_end),
		cmocka_unit_test(test_implausible_window),
		cmocka_unit_test(test_tsc_backwards),
		cmocka_unit_test(test_tsc_lone_leap),
		cmocka_unit_test(test_tsc_idle_gap_kept),
		cmocka_unit_test(test_tsc_jump),
		cmocka_unit_test(test_starved_cpu_holds_others_back),
		cmocka_unit_test(test_equal_tsc_higher_cpu_waits),
		cmocka_unit_test(test_equal_tsc_lower_cpu_goes_on),
		cmocka_unit_test(test_zeros_in_a_window),
		cmocka_unit_test(test_no_malformed_no_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
