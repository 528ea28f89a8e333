/*
 * What the head of a trace tells before accounting starts.
 *
 * The frequency: for a unit switched in (INFNEXT) at TSC a and out (INFPREV,
 * same CPU, same domain and unit) at TSC b, INFPREV's ran_ns is Xen's own
 * nanosecond measure of b - a, so MHz = sum(b - a) / sum(ran_ns) * 1000.
 * Samples whose ratio strays from the median (a ran_ns truncated to 32
 * bits, a record lost in between) are left out.
 *
 * The initial state of each vCPU: the old state of its first runstate record
 * (or running, for CONTINUE_RUNNING), taken only up to the horizon that
 * every CPU's buffered records have passed, since an earlier record of
 * another CPU could still be unread.
 *
 * For a file the head is walked in a pass of its own (prescan_file); for a
 * stream, what the replay buffers before it starts.  The walk over the
 * FIFOs is incremental and never consumes them.
 */
#ifndef XENMON_PRESCAN_H
#define XENMON_PRESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "input.h"

struct prescan_cpu {
	uint64_t pos, last_tsc;
	bool known;
	bool nx_valid, nx_old;
	uint32_t nx_dom, nx_unit;
	uint64_t nx_tsc;
};

struct hint {
	uint32_t key;          /* (domid << 16 | vcpu) + 1; 0 = empty */
	uint16_t cpu;
	uint8_t state;
	uint64_t tsc;
};

struct prescan {
	struct prescan_cpu *c;
	unsigned ncpus;
	uint64_t *ticks;
	uint32_t *ran;
	size_t n, cap;
	double sum_ran_ns;
	uint64_t min_tsc, max_tsc;   /* of the guarded TSCs */
	bool have_tsc;
	struct tsc_guard guard;
	struct hint *h;
	size_t hcap, hn;
	bool oom;
};

void prescan_free(struct prescan *p);

/* Walk the records that arrived since the last call. */
int prescan_walk(struct prescan *p, struct input *in);

/* The TSC every CPU holding records has passed (0 if none). */
uint64_t prescan_horizon(const struct prescan *p);

/* Calibrated MHz; -1 when the trace has too few switches to tell. */
int prescan_mhz(const struct prescan *p, double *mhz, size_t *used);
double prescan_rough_mhz(const struct prescan *p);

/* Has every CPU holding records passed SECONDS of trace since the first
 * record (at MHZ, or the rough estimate when 0)? */
bool prescan_covers(const struct prescan *p, double mhz, double seconds);

/* Tell the engine the initial state of the vCPUs seen before HORIZON. */
int prescan_hints(const struct prescan *p, struct acct *a, uint64_t horizon);

/* Walk the head of a trace file in a pass of its own, from byte 0, until
 * every CPU has passed HEAD_SECONDS of trace (at MHZ, or the rough estimate
 * when 0), or, with WHOLE, to its end (for its last TSC). */
int prescan_file(struct prescan *p, const char *path, double mhz,
		 double head_seconds, bool whole, char *err, size_t errlen);

#endif
