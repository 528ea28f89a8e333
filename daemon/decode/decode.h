/*
 * The one decoder of trace records: what the head scan (prescan.c) and
 * the merge (merge.c, whose loop steps each CPU's records into the
 * accounting) read a record with.  trace_next gives the next record of one CPU's bytes: its header,
 * its size, its TSC (inherited from the CPU's previous record when it
 * carries none, guarded when it carries one); trace_words, where its extra
 * words are.  What a header means, trace_type says, once per header (the
 * accounting keeps its answers).
 *
 * Malformed records.  A record no Xen writes is damage: a block of zeros
 * where a file system lost a block in a crash, bytes overwritten, a window
 * whose bytes do not hold what its header says.  Such a record is told by
 * its header alone, conservatively, by what Xen's public xen/trace.h
 * allows any version of Xen to write:
 *
 *   - a class field (bits 16-27) that is zero or has a bit outside the nine
 *     classes (TRC_GEN, _SCHED, _DOM0OP, _HVM, _MEM, _PV, _SHADOW, _HW,
 *     _GUEST); a header of zeros is one;
 *   - an event number (bits 0-11) of zero, but in TRC_GUEST, whose
 *     numbers are the guest's to choose;
 *   - a record the accounting reads whose word count fits none of its
 *     layouts (see trace_type), or a window header (TRC_TRACE_CPU_CHANGE)
 *     inside a window, which only xentrace writes, between windows.
 *
 * Events of known classes that the daemon does not know are not malformed:
 * other Xen versions and schedulers write them.
 */
#ifndef XENMON_DECODE_H
#define XENMON_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

/*
 * The TSC of one CPU's records is kept monotonic: a record going back, or
 * leaping more than max_jump ticks ahead of its CPU's last record, is given
 * that record's TSC instead, and counted here.  So is one leaping more
 * than `suspect` ticks (a second) when the record after it, if at hand,
 * comes back to the last one (within a second): that is one corrupt TSC
 * (a flipped bit), not a CPU that was idle, and taken as it is it would
 * hold every later record of its CPU back to it.
 */
struct tsc_guard {
	uint64_t max_jump, suspect;
	uint64_t tsc_backwards, tsc_jumps;
};

/* Does the record at NEXT, if whole before END and timed, come back from
 * TSC to within SLACK of LAST, or after it? */
static inline bool tsc_comes_back(const uint8_t *next, const uint8_t *end,
				  uint64_t last, uint64_t tsc, uint64_t slack)
{
	if (end - next < 12)
		return false;
	uint32_t hdr = trace_load32(next);
	if (!TRACE_HDR_HAS_TSC(hdr) || (size_t)(end - next) < trace_rec_size(hdr))
		return false;
	uint64_t t = trace_load64(next + 4);
	return t < tsc && (t >= last || last - t <= slack);
}

/* The guarded TSC of a record of a CPU whose last record was at LAST; the
 * record after it is at NEXT, the bytes at hand end at END. */
static inline uint64_t tsc_guard_check(struct tsc_guard *g, uint64_t tsc,
				       uint64_t last, const uint8_t *next,
				       const uint8_t *end)
{
	if (tsc - last <= g->suspect)
		return tsc;
	if (tsc < last) {
		g->tsc_backwards++;
		return last;
	}
	if (tsc - last <= g->max_jump &&
	    !tsc_comes_back(next, end, last, tsc, g->suspect))
		return tsc;
	g->tsc_jumps++;
	return last;
}

/* Bytes before a record's extra words: the header, and its TSC if any. */
static inline uint32_t trace_words_at(uint32_t hdr)
{
	return TRACE_HDR_HAS_TSC(hdr) ? 12 : 4;
}

/* The extra words of the record at P with header HDR.  Apart from
 * trace_next, so that a loop computes it only for the records it reads
 * the words of. */
static inline const uint8_t *trace_words(const uint8_t *p, uint32_t hdr)
{
	return p + trace_words_at(hdr);
}

/* A record, decoded; its extra words are at trace_words. */
struct trace_rec {
	uint32_t hdr;
	uint32_t size;          /* bytes, header included */
	uint64_t tsc;
};

/*
 * The record at P, if it lies whole before END (false: fewer than 4 bytes
 * there, or fewer than its size).  LAST is the TSC of the CPU's previous
 * record: the record's own when it carries none.  One it carries is
 * guarded against LAST with G when KNOWN (LAST is a TSC of this CPU's),
 * and taken as it is otherwise.  Inline into the loops over records: in
 * the accounting's, KNOWN is a constant and costs nothing.
 */
static inline bool trace_next(const uint8_t *p, const uint8_t *end, bool known,
			      uint64_t last, struct tsc_guard *g,
			      struct trace_rec *r)
{
	if ((size_t)(end - p) < 4)
		return false;
	uint32_t hdr = trace_load32(p), size = trace_rec_size(hdr);
	if ((size_t)(end - p) < size)
		return false;
	uint64_t tsc = last;
	if (TRACE_HDR_HAS_TSC(hdr)) {
		tsc = trace_load64(p + 4);
		/* The common case, a TSC within a second of the last, costs
		 * one comparison; the guard proper is called only past it. */
		if (known && tsc - last > g->suspect)
			tsc = tsc_guard_check(g, tsc, last, p + size, end);
	}
	r->hdr = hdr;
	r->size = size;
	r->tsc = tsc;
	return true;
}

/* What a record is, by its header alone. */
enum trace_type {
	TT_UNUSED,        /* of a class or event the accounting does not use */
	TT_OTHER,         /* other scheduler or memory records: counted */
	TT_MALFORMED,     /* no Xen writes it (see above) */
	TT_RUNSTATE,      /* 1 word; old and new runstates in the event */
	TT_CONTINUE,      /* 1 word */
	TT_INFPREV,       /* 3 words (Xen >= 4.8) or 2 */
	TT_INFNEXT,       /* 4 words (Xen >= 4.8) or 3 */
	TT_SWITCH,
	TT_WAKE_SLEEP_BLOCK,
	TT_DOM_ADD,       /* at least 1 word */
	TT_DOM_REM,
	TT_GRANT_MAP,     /* 1 word */
	TT_GRANT_TRANSFER,
	TT_GRANT_COPY,    /* 4 words (patched Xen, trace.h) */
	TT_EVTCHN_NOTIFY, /* 4 words (patched Xen) */
	TT_LOST,          /* 4 words */
	TT_WRAP,          /* padding */
};

enum trace_type trace_type(uint32_t hdr);

#endif
