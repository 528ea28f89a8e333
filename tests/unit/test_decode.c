/*
 * The decoder (daemon/decode/decode.h): what a header is (trace_type), and the
 * next record of a CPU's bytes (trace_next): its size, its TSC inherited,
 * taken or guarded, a record cut by the end of the bytes at hand.  Records
 * of every class Xen's public header defines, and of other Xen versions'
 * events, are never malformed; zeros and headers no Xen writes are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "decode.h"

#define HDR(ev, n, tsc) ((uint32_t)(ev) | (uint32_t)(n) << 28 | ((tsc) ? 1u << 31 : 0))

static enum trace_type type_of(uint32_t ev, unsigned n)
{
	/* The TSC flag never changes what a record is. */
	enum trace_type t = trace_type(HDR(ev, n, 0));
	assert_int_equal(trace_type(HDR(ev, n, 1)), t);
	return t;
}

/* Zeros, and class fields no Xen has: malformed, whatever the rest. */
static void test_impossible_headers(void **state)
{
	(void)state;
	assert_int_equal(trace_type(0), TT_MALFORMED);
	for (unsigned n = 0; n <= 7; n++)
		assert_int_equal(type_of(0, n), TT_MALFORMED);
	assert_int_equal(type_of(0x00000005, 0), TT_MALFORMED);    /* class 0 */
	assert_int_equal(type_of(0x0000f001, 1), TT_MALFORMED);    /* class 0 */
	assert_int_equal(type_of(0x0100f001, 1), TT_MALFORMED);    /* bit 8 */
	assert_int_equal(type_of(0x0200f001, 1), TT_MALFORMED);    /* bit 9 */
	assert_int_equal(type_of(0x0400f001, 1), TT_MALFORMED);    /* bit 10 */
	assert_int_equal(type_of(0x0fff1001, 1), TT_MALFORMED);    /* all bits */
	assert_int_equal(type_of(TRC_SCHED_MIN, 1), TT_MALFORMED); /* event 0 */
	assert_int_equal(type_of(TRC_HVM_HANDLER, 2), TT_MALFORMED);
	assert_int_equal(type_of(TRC_GEN, 0), TT_MALFORMED);
	/* A window header inside a window: only xentrace writes one, and
	 * only between windows. */
	assert_int_equal(type_of(TRC_TRACE_CPU_CHANGE, 2), TT_MALFORMED);
}

/* What any Xen writes, from every class, is never malformed: events the
 * daemon does not use are unused, whatever their number or word count. */
static void test_every_class_is_possible(void **state)
{
	(void)state;
	const uint32_t unused[] = {
		TRC_HVM_VMENTRY, TRC_HVM_VMEXIT64, TRC_HVM_IOPORT_WRITE,
		TRC_HVM_EMUL_PIT_START_TIMER, TRC_PV_HYPERCALL_V2,
		TRC_PV_HYPERCALL_SUBCALL, TRC_SHADOW_FIXUP,
		TRC_SHADOW_EMULATE | 2u << 8, TRC_HW_PM + 1, TRC_HW_IRQ + 8,
		TRC_DOM0_DOM_ADD, TRC_DOM0_DOM_REM,
		TRC_SCHED_CLASS_EVT(CSCHED, 1), TRC_SCHED_CLASS_EVT(CSCHED2, 7),
		TRC_SCHED_CLASS_EVT(RTDS, 1), TRC_SCHED_CLASS_EVT(SNULL, 3),
		TRC_GEN + 4,    /* TRC_TRACE_IRQ, Xen's do_IRQ */
		TRC_GEN + 50,   /* xentrace's lost_records_end */
		TRC_GUEST,      /* a guest's own event 0 (HVMOP_xentrace) */
		TRC_GUEST + 0x123,
		(TRC_HVM | TRC_MEM) + 1,  /* two classes: no bit outside them */
	};
	for (size_t i = 0; i < sizeof unused / sizeof *unused; i++)
		for (unsigned n = 0; n <= 7; n++)
			assert_int_equal(type_of(unused[i], n), TT_UNUSED);

	const uint32_t other[] = {
		TRC_SCHED_YIELD, TRC_SCHED_SHUTDOWN, TRC_SCHED_CTL,
		TRC_SCHED_ADJDOM, TRC_SCHED_SWITCH_INFCONT,
		TRC_SCHED_SHUTDOWN_CODE, TRC_MEM_PAGE_GRANT_UNMAP,
		TRC_MEM_SET_P2M_ENTRY, TRC_MEM_POD_POPULATE,
	};
	for (size_t i = 0; i < sizeof other / sizeof *other; i++)
		assert_int_equal(type_of(other[i], 4), TT_OTHER);
}

/* The records read: by word count, every layout of every Xen version, and
 * a count that fits none is malformed. */
static void test_layouts(void **state)
{
	(void)state;
	for (unsigned n = 0; n <= 7; n++) {
		assert_int_equal(type_of(TRC_SCHED_SWITCH_INFPREV, n),
				 n == 2 || n == 3 ? TT_INFPREV : TT_MALFORMED);
		assert_int_equal(type_of(TRC_SCHED_SWITCH_INFNEXT, n),
				 n == 3 || n == 4 ? TT_INFNEXT : TT_MALFORMED);
		assert_int_equal(type_of(TRC_SCHED_CONTINUE_RUNNING, n),
				 n == 1 ? TT_CONTINUE : TT_MALFORMED);
		assert_int_equal(type_of(TRC_MEM_PAGE_GRANT_MAP, n),
				 n == 1 ? TT_GRANT_MAP : TT_MALFORMED);
		assert_int_equal(type_of(TRC_MEM_PAGE_GRANT_TRANSFER, n),
				 n == 1 ? TT_GRANT_TRANSFER : TT_MALFORMED);
		assert_int_equal(type_of(TRC_LOST_RECORDS, n),
				 n == 4 ? TT_LOST : TT_MALFORMED);
		assert_int_equal(type_of(TRC_SCHED_DOM_ADD, n),
				 n >= 1 ? TT_DOM_ADD : TT_MALFORMED);
		assert_int_equal(type_of(TRC_SCHED_DOM_REM, n),
				 n >= 1 ? TT_DOM_REM : TT_MALFORMED);
		assert_int_equal(type_of(TRC_SCHED_SWITCH, n), TT_SWITCH);
		assert_int_equal(type_of(TRC_SCHED_WAKE, n), TT_WAKE_SLEEP_BLOCK);
		assert_int_equal(type_of(TRC_SCHED_SLEEP, n), TT_WAKE_SLEEP_BLOCK);
		assert_int_equal(type_of(TRC_SCHED_BLOCK, n), TT_WAKE_SLEEP_BLOCK);
		assert_int_equal(type_of(TRC_TRACE_WRAP_BUFFER, n), TT_WRAP);
	}
	for (unsigned old = 0; old < 16; old++)
		for (unsigned new = 0; new < 16; new++)
			for (unsigned n = 0; n <= 7; n++)
				assert_int_equal(
					type_of(TRC_SCHED_RUNSTATE_CHANGE | old << 8 |
						new << 4, n),
					n == 1 && old <= RS_OFFLINE && new <= RS_OFFLINE ?
					TT_RUNSTATE : TT_MALFORMED);
}

/* The size by table is the size by the header's fields, for all 16. */
static void test_record_size(void **state)
{
	(void)state;
	for (uint32_t top = 0; top < 16; top++) {
		uint32_t hdr = top << 28 | TRC_SCHED_SWITCH;
		assert_int_equal(trace_rec_size(hdr),
				 4 + (TRACE_HDR_HAS_TSC(hdr) ? 8 : 0) +
				 4 * TRACE_HDR_NWORDS(hdr));
	}
}

/* Bytes of records built here. */
struct bytes {
	uint8_t b[256];
	size_t n;
};

static void put32(struct bytes *b, uint32_t v)
{
	memcpy(b->b + b->n, &v, 4);
	b->n += 4;
}

static size_t put_rec(struct bytes *b, uint32_t ev, int timed, uint64_t tsc,
		      unsigned n)
{
	size_t at = b->n;
	put32(b, HDR(ev, n, timed));
	if (timed) {
		put32(b, (uint32_t)tsc);
		put32(b, (uint32_t)(tsc >> 32));
	}
	for (unsigned i = 0; i < n; i++)
		put32(b, 100 + i);
	return at;
}

static struct tsc_guard guard(void)
{
	return (struct tsc_guard){ .max_jump = 3600ull * 1000000000,
				   .suspect = 1000000000 };
}

/* Size, TSC inherited or carried, the extra words; nothing when the
 * record is not whole. */
static void test_next_record(void **state)
{
	(void)state;
	struct bytes b = { .n = 0 };
	struct tsc_guard g = guard();
	struct trace_rec r;
	put_rec(&b, TRC_HW_IRQ + 1, 0, 0, 2);
	put_rec(&b, TRC_SCHED_SWITCH, 1, 5000, 4);

	assert_true(trace_next(b.b, b.b + b.n, true, 4000, &g, &r));
	assert_int_equal(r.hdr, HDR(TRC_HW_IRQ + 1, 2, 0));
	assert_int_equal(r.size, 12);
	assert_int_equal(r.tsc, 4000);                 /* inherited */
	assert_ptr_equal(trace_words(b.b, r.hdr), b.b + 4);
	assert_int_equal(trace_load32(trace_words(b.b, r.hdr)), 100);

	const uint8_t *p = b.b + r.size;
	assert_true(trace_next(p, b.b + b.n, true, 4000, &g, &r));
	assert_int_equal(r.size, 28);
	assert_int_equal(r.tsc, 5000);                 /* its own */
	assert_ptr_equal(trace_words(p, r.hdr), p + 12);
	assert_int_equal(trace_load32(trace_words(p, r.hdr) + 12), 103);

	/* Cut: not even a header, or fewer bytes than the header says. */
	assert_false(trace_next(p, p + 3, true, 4000, &g, &r));
	assert_false(trace_next(p, p + 27, true, 4000, &g, &r));
	assert_true(trace_next(p, p + 28, true, 4000, &g, &r));
	assert_int_equal(g.tsc_backwards + g.tsc_jumps, 0);
}

/* A carried TSC is guarded against the CPU's last one when that is known:
 * back, an hour ahead, or a lone leap the next record comes back from, it
 * is the last one instead, and counted.  Not known, it is taken as it is. */
static void test_next_guards_tsc(void **state)
{
	(void)state;
	const uint64_t s = 1000000000, last = 50 * s;
	struct bytes b;
	struct tsc_guard g = guard();
	struct trace_rec r;

	b.n = 0;
	put_rec(&b, TRC_SCHED_SWITCH, 1, last - 1, 4);
	assert_true(trace_next(b.b, b.b + b.n, true, last, &g, &r));
	assert_int_equal(r.tsc, last);
	assert_int_equal(g.tsc_backwards, 1);
	assert_true(trace_next(b.b, b.b + b.n, false, last, &g, &r));
	assert_int_equal(r.tsc, last - 1);
	assert_int_equal(g.tsc_backwards, 1);

	b.n = 0;
	put_rec(&b, TRC_SCHED_SWITCH, 1, last + 7200 * s, 4);
	assert_true(trace_next(b.b, b.b + b.n, true, last, &g, &r));
	assert_int_equal(r.tsc, last);
	assert_int_equal(g.tsc_jumps, 1);

	/* Minutes ahead, the next record back near the last: one bad TSC. */
	b.n = 0;
	put_rec(&b, TRC_SCHED_SWITCH, 1, last + 600 * s, 4);
	put_rec(&b, TRC_SCHED_SWITCH, 1, last + 10, 4);
	assert_true(trace_next(b.b, b.b + b.n, true, last, &g, &r));
	assert_int_equal(r.tsc, last);
	assert_int_equal(g.tsc_jumps, 2);
	/* The same leap with nothing after it at hand: an idle CPU. */
	assert_true(trace_next(b.b, b.b + 28, true, last, &g, &r));
	assert_int_equal(r.tsc, last + 600 * s);
	assert_int_equal(g.tsc_jumps, 2);
	/* Within a second: taken without looking further. */
	b.n = 0;
	put_rec(&b, TRC_SCHED_SWITCH, 1, last + s, 4);
	assert_true(trace_next(b.b, b.b + b.n, true, last, &g, &r));
	assert_int_equal(r.tsc, last + s);
	assert_int_equal(g.tsc_backwards + g.tsc_jumps, 3);
}

/* A block of zeros decodes as records of 4 bytes, each malformed: the
 * decoder steps through it, one word at a time, to what follows. */
static void test_zeros_step_by_word(void **state)
{
	(void)state;
	struct bytes b = { .n = 0 };
	struct tsc_guard g = guard();
	struct trace_rec r;
	memset(b.b, 0, 64);
	b.n = 64;
	size_t good = put_rec(&b, TRC_SCHED_SWITCH, 1, 7000, 4);
	const uint8_t *p = b.b;
	unsigned zeros = 0;
	while (trace_next(p, b.b + b.n, true, 6000, &g, &r) &&
	       trace_type(r.hdr) == TT_MALFORMED) {
		assert_int_equal(r.size, 4);
		assert_int_equal(r.tsc, 6000);
		zeros++;
		p += r.size;
	}
	assert_int_equal(zeros, 16);
	assert_ptr_equal(p, b.b + good);
	assert_int_equal(r.tsc, 7000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impossible_headers),
		cmocka_unit_test(test_every_class_is_possible),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_record_size),
		cmocka_unit_test(test_next_record),
		cmocka_unit_test(test_next_guards_tsc),
		cmocka_unit_test(test_zeros_step_by_word),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
