/*
 * Consuming Xen's per-CPU trace buffers, given memory that maps them.
 *
 * The layout, from Xen's public <xen/trace.h>:
 *
 *   t_info (read-only, t_info_pages pages)
 *     u16 tbuf_size             pages of each CPU's buffer
 *     u16 mfn_offset[NR_CPUS]   per CPU: where its page list starts, in
 *                               u32 words from the start of t_info; 0 for
 *                               a CPU that has no buffer (it was offline)
 *     ...  u32 mfn lists        tbuf_size machine frames per CPU
 *
 *   one buffer per CPU (tbuf_size pages, mapped contiguously in the order
 *   of its mfn list)
 *     struct t_buf { u32 cons, prod; }   cons is ours, prod is Xen's
 *     data area of D = tbuf_size * 4096 - 8 bytes
 *
 * cons and prod run modulo 2 * D (so that full and empty differ); the byte
 * at offset x is data[x % D].  Xen writes whole records, then advances
 * prod; we copy [cons, prod), which may wrap at the end of the data area
 * and continue at its start, then advance cons.  A record never really
 * straddles the end: Xen pads the tail with a TRC_TRACE_WRAP_BUFFER record
 * first; but the bytes are copied in ring order either way, so a record
 * cut by the end arrives whole to the consumer.  When the buffer is full
 * Xen drops records and later writes one TRC_LOST_RECORDS saying how many.
 *
 * Pure: no Xen library, no I/O; the caller maps the memory (live.c) or
 * builds it in memory (the unit test).
 */
#ifndef XENMON_TBUF_H
#define XENMON_TBUF_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#define TBUF_PAGE_SIZE 4096u

/* One CPU's ring, over mapped memory. */
struct tbuf_ring {
	struct t_buf *meta;      /* shared header: cons, prod */
	const uint8_t *data;     /* data area */
	uint32_t data_size;      /* D */
};

/* Receives the bytes of one drain, in order, in one or two pieces. */
typedef int (*tbuf_sink_fn)(void *ctx, const uint8_t *p, size_t n);

/* A ring over a CPU's buffer of PAGES pages mapped at BASE. */
int tbuf_ring_init(struct tbuf_ring *r, void *base, unsigned pages);

/*
 * The page list of CPU in a t_info of TINFO_BYTES bytes: *MFNS points at
 * tbuf_size machine frame numbers.  0: found; 1: that CPU has no buffer;
 * -EINVAL: the t_info is inconsistent (the list would lie outside it).
 */
int tbuf_cpu_mfns(const struct t_info *ti, size_t tinfo_bytes, unsigned cpu,
		  const uint32_t **mfns);

/* Bytes between cons and prod; -EPROTO when cons or prod is impossible
 * (unaligned, out of range, or further apart than the data area). */
int64_t tbuf_pending(const struct tbuf_ring *r);

/*
 * Copy what lies between cons and prod to SINK and advance cons past it.
 * Returns the number of bytes consumed (0 when empty), -EPROTO for a bogus
 * cons or prod (nothing consumed), or the sink's negative return: cons is
 * then left where it was, though the sink may have taken the first piece,
 * so a failing sink ends the capture.
 */
int64_t tbuf_drain(struct tbuf_ring *r, tbuf_sink_fn sink, void *ctx);

/*
 * The same, but only up to PROD as read earlier by tbuf_prod.  Reading
 * every CPU's prod first and then draining each up to it takes a snapshot
 * of all rings at one instant: every record left behind is younger than
 * every record taken, so the merge never has to wait for a CPU that had
 * nothing to give.
 */
uint32_t tbuf_prod(const struct tbuf_ring *r);
int64_t tbuf_drain_upto(struct tbuf_ring *r, uint32_t prod, tbuf_sink_fn sink,
			void *ctx);

/* Drop whatever is pending without reading it (cons = prod). */
void tbuf_discard(struct tbuf_ring *r);

#endif
