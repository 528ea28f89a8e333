/*
 * The xentrace record format, as the rest of the daemon sees it.
 *
 * Event numbers and struct layouts come from Xen's public <xen/trace.h>.
 * A record is one little-endian u32 header:
 *
 *     bits  0-27  event number (class 16-27, subclass 12-15, event 0-11)
 *     bits 28-30  number of extra u32 words that follow (0-7)
 *     bit  31     a 64-bit TSC (low word first) follows the header
 *
 * then the TSC if flagged, then the extra words.  A record without a TSC
 * happened at the TSC of the previous record of the same physical CPU.
 *
 * A xentrace file is a sequence of windows: a TRC_TRACE_CPU_CHANGE record
 * (no TSC, 2 words: cpu, byte count) followed by that many bytes of one
 * physical CPU's records, in that CPU's time order.  Windows of different
 * CPUs interleave in whatever order xentrace drained the buffers.
 *
 * Scheduler records with more than one layout (INFPREV, INFNEXT) are told
 * apart by their word count, never by guessing the Xen version.
 */
#ifndef XENMON_TRACE_H
#define XENMON_TRACE_H

#include <stdint.h>
#include <string.h>
#include <xen/trace.h>

#define TRACE_HDR_EVENT(h)   ((h) & 0x0fffffffu)
#define TRACE_HDR_NWORDS(h)  (((h) >> 28) & 7u)
#define TRACE_HDR_HAS_TSC(h) ((h) >> 31)

/* The longest record: header, TSC and 7 extra words. */
#define TRACE_MAX_RECORD (4u + 8u + 7u * 4u)

/* Bytes of a record, header included: 4 + (TSC ? 8 : 0) + 4 * words, by
 * the header's top four bits (a load, not five operations per record). */
static inline uint32_t trace_rec_size(uint32_t hdr)
{
	static const uint8_t size[16] = {
		4, 8, 12, 16, 20, 24, 28, 32, 12, 16, 20, 24, 28, 32, 36, 40,
	};
	return size[hdr >> 28];
}

static inline uint32_t trace_load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t trace_load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The window header xentrace writes before each CPU's bytes. */
#define TRACE_WINDOW_HDR (TRC_TRACE_CPU_CHANGE | (2u << 28))

/* Runstates as numbered in TRC_SCHED_RUNSTATE_CHANGE (and public/vcpu.h). */
enum runstate {
	RS_RUNNING = 0,
	RS_RUNNABLE = 1,
	RS_BLOCKED = 2,
	RS_OFFLINE = 3,
};

/* TRC_SCHED_RUNSTATE_CHANGE carries old << 8 | new << 4 in its number. */
#define TRACE_IS_RUNSTATE(ev) (((ev) & ~0xff0u) == TRC_SCHED_RUNSTATE_CHANGE)
#define TRACE_RS_OLD(ev)      (((ev) >> 8) & 0xfu)
#define TRACE_RS_NEW(ev)      (((ev) >> 4) & 0xfu)

/* Sanity bounds: Xen builds for at most a few thousand CPUs, and a trace
 * buffer is at most 65535 pages. */
#define TRACE_MAX_CPUS 16384u
#define TRACE_MAX_VCPUS 16384u
#define TRACE_MAX_WINDOW (65535u * 4096u)

#endif
