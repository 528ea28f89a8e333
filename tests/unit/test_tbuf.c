/*
 * The trace-buffer ring consumer against an in-memory copy of Xen's layout.
 *
 * "Machine memory" is a memfd of pages.  The hypervisor's side writes into
 * it by machine frame number; the consumer sees each CPU's buffer the way
 * xenforeignmemory maps it: its frames, scattered in machine memory, mapped
 * contiguously in the order of the t_info page list.  The producer follows
 * the rules Xen's tracer keeps (a record needs room for itself and for a
 * pending lost-records record; the tail of the data area is padded with a
 * wrap record; prod advances after the bytes are written), or, in raw mode,
 * lets records run over the end of the ring into its start.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "tbuf.h"

#define PAGE TBUF_PAGE_SIZE
#define MACHINE_PAGES 32u
#define TINFO_MFN 1u
#define TEST_EVENT 0x0002f00fu  /* any event: the ring does not look */
#define LOST_SIZE 28u           /* header + TSC + 16 bytes */

struct machine {
	int fd;
	uint8_t *mem;               /* the hypervisor's view */
};

/* One CPU's buffer from both sides. */
struct sim {
	struct machine *m;
	const uint32_t *mfns;
	unsigned pages;
	uint32_t data_size;
	struct t_buf *meta;         /* hypervisor's view of the header */
	bool raw;                   /* no wrap padding: records cut at the end */
	uint32_t lost;
	uint32_t seq;
	uint64_t produced, dropped;
	uint8_t *map;               /* the consumer's contiguous mapping */
	struct tbuf_ring ring;
};

static void machine_open(struct machine *m)
{
	m->fd = memfd_create("machine", 0);
	assert_true(m->fd >= 0);
	assert_int_equal(ftruncate(m->fd, MACHINE_PAGES * PAGE), 0);
	m->mem = mmap(NULL, MACHINE_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED, m->fd, 0);
	assert_true(m->mem != MAP_FAILED);
}

static void machine_close(struct machine *m)
{
	munmap(m->mem, MACHINE_PAGES * PAGE);
	close(m->fd);
}

/*
 * t_info in frame TINFO_MFN: CPU 0 on frames 9 3 7, CPU 1 offline (no
 * buffer), CPU 2 on frames 4 12 5 11.  Each list starts at a word offset
 * past the mfn_offset array, as Xen lays it out.
 */
static const uint32_t cpu0_frames[] = { 9, 3, 7 };
static const uint32_t cpu2_frames[] = { 4, 12, 5, 11 };

static struct t_info *build_tinfo(struct machine *m, uint16_t pages,
				  const uint32_t *f0, const uint32_t *f2)
{
	struct t_info *ti = (struct t_info *)(m->mem + TINFO_MFN * PAGE);
	uint32_t *words = (uint32_t *)ti;
	memset(ti, 0, PAGE);
	ti->tbuf_size = pages;
	uint16_t first = 8;  /* words: header and a 4-CPU offset array */
	ti->mfn_offset[0] = first;
	ti->mfn_offset[1] = 0;
	ti->mfn_offset[2] = (uint16_t)(first + pages);
	for (unsigned i = 0; i < pages; i++) {
		words[first + i] = f0[i];
		words[first + pages + i] = f2[i];
	}
	return ti;
}

/* Map FRAMES contiguously, as xenforeignmemory_map does. */
static uint8_t *map_frames(struct machine *m, const uint32_t *mfns,
			   unsigned pages)
{
	uint8_t *base = mmap(NULL, pages * PAGE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(base != MAP_FAILED);
	for (unsigned i = 0; i < pages; i++) {
		void *p = mmap(base + i * PAGE, PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_FIXED, m->fd,
			       (off_t)mfns[i] * PAGE);
		assert_true(p == base + i * PAGE);
	}
	return base;
}

static void sim_open(struct sim *s, struct machine *m, const uint32_t *mfns,
		     unsigned pages, bool raw)
{
	memset(s, 0, sizeof *s);
	s->m = m;
	s->mfns = mfns;
	s->pages = pages;
	s->raw = raw;
	s->data_size = pages * PAGE - (uint32_t)sizeof(struct t_buf);
	s->meta = (struct t_buf *)(m->mem + mfns[0] * PAGE);
	s->meta->cons = s->meta->prod = 0;
	s->map = map_frames(m, mfns, pages);
	assert_int_equal(tbuf_ring_init(&s->ring, s->map, pages), 0);
	assert_int_equal(s->ring.data_size, s->data_size);
}

static void sim_close(struct sim *s)
{
	munmap(s->map, s->pages * PAGE);
}

/* The hypervisor writes N bytes at ring offset X, frame by frame. */
static void put(struct sim *s, uint32_t x, const void *src, uint32_t n)
{
	const uint8_t *p = src;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pos = (uint32_t)sizeof(struct t_buf) +
			       (x + i) % s->data_size;
		s->m->mem[s->mfns[pos / PAGE] * PAGE + pos % PAGE] = p[i];
	}
}

static uint32_t unconsumed(const struct sim *s)
{
	uint32_t prod = s->meta->prod, cons = s->meta->cons;
	return prod >= cons ? prod - cons : prod + 2 * s->data_size - cons;
}

static uint32_t to_wrap(const struct sim *s)
{
	return s->data_size - s->meta->prod % s->data_size;
}

static void advance(struct sim *s, uint32_t n)
{
	s->meta->prod = (s->meta->prod + n) % (2 * s->data_size);
}

/* A record of SIZE bytes (12 + 4 * words), TSC and first word given. */
static uint32_t make(uint8_t *rec, uint32_t event, unsigned words,
		     uint64_t tsc, uint32_t w0)
{
	uint32_t hdr = event | (uint32_t)words << 28 | 1u << 31;
	memcpy(rec, &hdr, 4);
	memcpy(rec + 4, &tsc, 8);
	for (unsigned i = 0; i < words; i++) {
		uint32_t w = i ? 0xa5a50000u | i : w0;
		memcpy(rec + 12 + 4 * i, &w, 4);
	}
	return 12 + 4 * words;
}

/* Padding up to the end of the data area, as Xen's wrap record does. */
static void pad(struct sim *s)
{
	uint32_t left = to_wrap(s), words = (left - 4) / 4;
	uint8_t rec[64] = { 0 };
	uint32_t hdr = TRC_TRACE_WRAP_BUFFER;
	assert_true(left <= sizeof rec);
	if (words > 7) {
		hdr |= 1u << 31;
		words -= 2;
	}
	hdr |= words << 28;
	memcpy(rec, &hdr, 4);
	put(s, s->meta->prod, rec, left);
	advance(s, left);
}

static void write_rec(struct sim *s, const uint8_t *rec, uint32_t size)
{
	if (!s->raw && size > to_wrap(s))
		pad(s);
	put(s, s->meta->prod, rec, size);
	advance(s, size);
}

/* Xen's tracer: a dry run of what the record costs, with a pending
 * lost-records record first and padding where the end would cut either. */
static void produce(struct sim *s, unsigned words)
{
	uint8_t rec[64], lost[64];
	uint64_t tsc = 1000 + 10ull * s->seq;
	uint32_t size = make(rec, TEST_EVENT, words, tsc, s->seq);
	uint32_t total = 0, btw = to_wrap(s);

	s->seq++;
	s->produced++;
	if (s->lost) {
		if (!s->raw && LOST_SIZE > btw) {
			total += btw;
			btw = s->data_size;
		}
		total += LOST_SIZE;
		btw = btw > LOST_SIZE ? btw - LOST_SIZE : s->data_size;
	}
	if (!s->raw && size > btw)
		total += btw;
	total += size;
	if (total > s->data_size - unconsumed(s)) {
		s->lost++;
		s->dropped++;
		return;
	}
	if (s->lost) {
		uint32_t ed[3] = { 0, 0, 0 };
		uint32_t lsize = make(lost, TRC_LOST_RECORDS, 4, tsc, s->lost);
		memcpy(lost + 16, ed, 12);
		write_rec(s, lost, lsize);
		s->lost = 0;
	}
	write_rec(s, rec, size);
}

/* What the consumer got, and a check of it. */
struct got {
	uint8_t *buf;
	size_t n, cap;
	unsigned calls;
	int fail;
};

static int sink(void *ctx, const uint8_t *p, size_t n)
{
	struct got *g = ctx;
	g->calls++;
	if (g->fail)
		return g->fail;
	if (g->n + n > g->cap) {
		g->cap = (g->n + n) * 2;
		g->buf = realloc(g->buf, g->cap);
		assert_non_null(g->buf);
	}
	memcpy(g->buf + g->n, p, n);
	g->n += n;
	return 0;
}

struct tally {
	uint64_t records, lost, wraps;
};

/* Every test record in sequence; lost records account for the gaps. */
static struct tally check_stream(const struct got *g)
{
	struct tally t = { 0 };
	uint32_t next = 0, lost_pending = 0;
	size_t off = 0;
	while (off < g->n) {
		uint32_t hdr;
		assert_true(off + 4 <= g->n);
		memcpy(&hdr, g->buf + off, 4);
		uint32_t size = trace_rec_size(hdr);
		assert_true(off + size <= g->n);
		uint32_t ev = TRACE_HDR_EVENT(hdr), w0 = 0;
		if (TRACE_HDR_NWORDS(hdr))
			memcpy(&w0, g->buf + off + (TRACE_HDR_HAS_TSC(hdr) ? 12 : 4), 4);
		if (ev == TRC_TRACE_WRAP_BUFFER) {
			t.wraps++;
		} else if (ev == TRC_LOST_RECORDS) {
			t.lost += w0;
			lost_pending += w0;
		} else {
			assert_int_equal(ev, TEST_EVENT);
			assert_int_equal(w0, next + lost_pending);
			uint64_t tsc;
			memcpy(&tsc, g->buf + off + 4, 8);
			assert_int_equal(tsc, 1000 + 10ull * w0);
			next = w0 + 1;
			lost_pending = 0;
			t.records++;
		}
		off += size;
	}
	return t;
}

struct fixture {
	struct machine m;
	struct t_info *ti;
	struct sim s;
	struct got g;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	machine_open(&f->m);
	f->ti = build_tinfo(&f->m, 3, cpu0_frames, cpu2_frames);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->s.map)
		sim_close(&f->s);
	machine_close(&f->m);
	free(f->g.buf);
	free(f);
	return 0;
}

/* The consumer's view of a CPU, found through t_info like live.c does. */
static void open_cpu(struct fixture *f, unsigned cpu, bool raw)
{
	const uint32_t *mfns;
	assert_int_equal(tbuf_cpu_mfns(f->ti, PAGE, cpu, &mfns), 0);
	sim_open(&f->s, &f->m, mfns, f->ti->tbuf_size, raw);
}

static void test_layout(void **state)
{
	struct fixture *f = *state;
	const uint32_t *mfns;
	assert_int_equal(tbuf_cpu_mfns(f->ti, PAGE, 0, &mfns), 0);
	assert_memory_equal(mfns, cpu0_frames, sizeof cpu0_frames);
	assert_int_equal(tbuf_cpu_mfns(f->ti, PAGE, 1, &mfns), 1);
	assert_int_equal(tbuf_cpu_mfns(f->ti, PAGE, 2, &mfns), 0);
	assert_int_equal(mfns[0], 4);
	assert_int_equal(mfns[2], 5);
	/* A list that would run off the end of t_info. */
	f->ti->mfn_offset[3] = (uint16_t)(PAGE / 4 - 1);
	assert_int_equal(tbuf_cpu_mfns(f->ti, PAGE, 3, &mfns), -EINVAL);
	/* A CPU slot beyond t_info itself. */
	assert_int_equal(tbuf_cpu_mfns(f->ti, 8, 5, &mfns), -EINVAL);
	struct tbuf_ring r;
	assert_int_equal(tbuf_ring_init(&r, f->m.mem, 0), -EINVAL);
}

static void test_empty(void **state)
{
	struct fixture *f = *state;
	open_cpu(f, 0, false);
	assert_int_equal(tbuf_drain(&f->s.ring, sink, &f->g), 0);
	assert_int_equal(f->g.calls, 0);
	assert_int_equal(tbuf_pending(&f->s.ring), 0);
}

/* Many laps of the ring, drained at uneven intervals, never full. */
static void run_laps(struct fixture *f, bool raw, unsigned cpu)
{
	open_cpu(f, cpu, raw);
	uint64_t drained = 0;
	srand(7);
	for (unsigned round = 0; round < 4000; round++) {
		unsigned burst = 1 + (unsigned)rand() % 40;
		for (unsigned i = 0; i < burst; i++)
			produce(&f->s, 1 + (unsigned)rand() % 7);
		if (rand() % 3 == 0 || tbuf_pending(&f->s.ring) > f->s.data_size / 2) {
			int64_t n = tbuf_drain(&f->s.ring, sink, &f->g);
			assert_true(n >= 0);
			drained += (uint64_t)n;
			assert_int_equal(f->s.meta->cons, f->s.meta->prod);
		}
	}
	drained += (uint64_t)tbuf_drain(&f->s.ring, sink, &f->g);
	assert_int_equal(drained, f->g.n);
	assert_int_equal(f->s.dropped, 0);
	struct tally t = check_stream(&f->g);
	assert_int_equal(t.records, f->s.produced);
	assert_int_equal(t.lost, 0);
	/* Dozens of laps: both offsets went past 2 * D many times. */
	assert_true(f->g.n > 20ull * f->s.data_size);
	if (raw)
		assert_int_equal(t.wraps, 0);
	else
		assert_true(t.wraps > 20);
}

static void test_wrap_padding(void **state)
{
	run_laps(*state, false, 0);
}

static void test_records_cut_at_end(void **state)
{
	struct fixture *f = *state;
	run_laps(f, true, 2);
	/* Some drain was delivered in two pieces. */
	assert_true(f->g.calls > 0);
}

/* A record cut exactly by the end: its head at the tail, its rest at the
 * start, delivered as two pieces that join into the record. */
static void test_one_cut_record(void **state)
{
	struct fixture *f = *state;
	open_cpu(f, 0, true);
	uint32_t d = f->s.data_size;
	f->s.meta->cons = f->s.meta->prod = 2 * d - 8;  /* 8 bytes before the end */
	f->s.seq = 41;
	produce(&f->s, 5);                               /* 32 bytes */
	assert_int_equal(f->s.meta->prod, 24);
	assert_int_equal(tbuf_pending(&f->s.ring), 32);
	assert_int_equal(tbuf_drain(&f->s.ring, sink, &f->g), 32);
	assert_int_equal(f->g.calls, 2);
	uint32_t hdr, w0;
	memcpy(&hdr, f->g.buf, 4);
	memcpy(&w0, f->g.buf + 12, 4);
	assert_int_equal(TRACE_HDR_EVENT(hdr), TEST_EVENT);
	assert_int_equal(w0, 41);
	assert_int_equal(f->s.meta->cons, 24);
}

/* The buffer fills: Xen drops records and then says how many. */
static void test_overflow(void **state)
{
	struct fixture *f = *state;
	open_cpu(f, 2, false);
	for (unsigned lap = 0; lap < 5; lap++) {
		for (unsigned i = 0; i < 3000; i++)
			produce(&f->s, 1 + i % 7);
		assert_true(f->s.lost > 0);
		int64_t n = tbuf_drain(&f->s.ring, sink, &f->g);
		/* Full means within one record of the data size. */
		assert_true(n > (int64_t)f->s.data_size - 64);
		assert_true(n <= (int64_t)f->s.data_size);
		produce(&f->s, 3);  /* carries the lost-records record */
	}
	tbuf_drain(&f->s.ring, sink, &f->g);
	struct tally t = check_stream(&f->g);
	assert_int_equal(t.lost, f->s.dropped);
	assert_int_equal(t.records + t.lost, f->s.produced);
}

static void test_bogus_offsets(void **state)
{
	struct fixture *f = *state;
	open_cpu(f, 0, false);
	produce(&f->s, 2);
	uint32_t d = f->s.data_size;
	const uint32_t bad[][2] = { { 0, 2 }, { 0, 2 * d }, { 2 * d + 4, 0 },
				    { 0, d + 4 }, { 8, d + 12 } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f->s.meta->cons = bad[i][0];
		f->s.meta->prod = bad[i][1];
		assert_int_equal(tbuf_drain(&f->s.ring, sink, &f->g), -EPROTO);
		assert_int_equal(tbuf_pending(&f->s.ring), -EPROTO);
		assert_int_equal(f->s.meta->cons, bad[i][0]);
	}
	assert_int_equal(f->g.calls, 0);
	/* A full buffer, cons and prod exactly D apart, is not bogus. */
	f->s.meta->cons = d - 4;
	f->s.meta->prod = 2 * d - 4;
	assert_int_equal(tbuf_drain(&f->s.ring, sink, &f->g), d);
	assert_int_equal(f->g.calls, 2);
}

static void test_sink_failure_keeps_cons(void **state)
{
	struct fixture *f = *state;
	open_cpu(f, 0, false);
	produce(&f->s, 2);
	f->g.fail = -ENOMEM;
	assert_int_equal(tbuf_drain(&f->s.ring, sink, &f->g), -ENOMEM);
	assert_int_equal(f->s.meta->cons, 0);
	f->g.fail = 0;
	assert_int_equal(tbuf_drain(&f->s.ring, sink, &f->g), 20);
}

/* A drain up to an earlier prod leaves what came after it. */
static void test_snapshot(void **state)
{
	struct fixture *f = *state;
	open_cpu(f, 0, false);
	produce(&f->s, 1);
	produce(&f->s, 2);
	uint32_t snap = tbuf_prod(&f->s.ring);
	produce(&f->s, 3);
	assert_int_equal(tbuf_drain_upto(&f->s.ring, snap, sink, &f->g), 16 + 20);
	assert_int_equal(f->s.meta->cons, snap);
	assert_int_equal(tbuf_pending(&f->s.ring), 24);
	assert_int_equal(tbuf_drain(&f->s.ring, sink, &f->g), 24);
	assert_int_equal(check_stream(&f->g).records, 3);
}

static void test_discard(void **state)
{
	struct fixture *f = *state;
	open_cpu(f, 0, false);
	for (unsigned i = 0; i < 10; i++)
		produce(&f->s, 3);
	tbuf_discard(&f->s.ring);
	assert_int_equal(tbuf_pending(&f->s.ring), 0);
	assert_int_equal(tbuf_drain(&f->s.ring, sink, &f->g), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_cut_at_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_cut_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bogus_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink_failure_keeps_cons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
