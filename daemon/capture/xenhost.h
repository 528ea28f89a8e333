/*
 * The Xen side of live capture: the checks that this is dom0 of a Xen
 * host no other trace consumer uses, the control handles, the facts about
 * the host (version, scheduler, CPUs, frequency), Xen's trace buffers
 * (allocated, mapped, drained) and the TSC read beside the wall clock
 * when tracing starts.  live.c pulls from here; domnames.c names the
 * domains.
 */
#ifndef XENMON_XENHOST_H
#define XENMON_XENHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoollog.h>

#include "pipeline.h"
#include "tbuf.h"

/* How often the buffers are drained without Xen asking. */
#define XENHOST_POLL_MS 100

struct xenhost_cpu {
	void *map;
	unsigned pages;
	struct tbuf_ring ring;
};

struct xenhost {
	/* Given. */
	FILE *err;
	bool quiet;
	unsigned pages;           /* asked for, then what Xen's buffers have */
	bool pages_given;         /* asked for with --tbuf-pages */
	double cpu_mhz_given;     /* --cpu-mhz, or 0 */

	xentoollog_logger_stdiostream *log;
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *xce;    /* VIRQ_TBUF, or NULL: polled */
	int virq_port;

	xc_physinfo_t phys;
	struct host_facts facts;
	double mhz;
	char mhz_source[96];

	struct t_info *tinfo;
	size_t tinfo_pages;
	struct xenhost_cpu *cpus;
	unsigned ncpus;           /* slots: max_cpu_id + 1 */
	unsigned nbufs;           /* CPUs that have a buffer */
	uint32_t *snap;
	bool tracing;             /* we enabled it and have not disabled it */

	double enable_wall;
	double anchor_wall, anchor_err;
	uint64_t anchor_tsc;
	bool have_anchor;
};

/* Is this dom0 of a Xen host with the privcmd driver?  -1: reported. */
int xenhost_check(struct xenhost *h);

/* No xentrace beside us; the handles, the facts, the buffers mapped with
 * the event mask set and stale bytes discarded.  -1: reported. */
int xenhost_open(struct xenhost *h);

/* Tracing on, and the TSC anchor taken right after.  -1: reported. */
int xenhost_enable(struct xenhost *h);
void xenhost_disable(struct xenhost *h);

/* One snapshot of every ring: each CPU's prod read first, then each ring
 * copied up to it through SINK.  Bytes taken, or -1 with ERR set (unless
 * SINK set it). */
typedef int (*xenhost_sink_fn)(void *ctx, unsigned cpu, const uint8_t *p,
			       size_t n);
int64_t xenhost_drain(struct xenhost *h, xenhost_sink_fn sink, void *ctx,
		      char *err, size_t errlen);

/* The event channel Xen signals when a buffer is half full (-1: none),
 * and its acknowledgement once poll() saw it. */
int xenhost_event_fd(const struct xenhost *h);
void xenhost_event_ack(struct xenhost *h);

/* The Unix time of the record at FIRST_TSC, and where it came from. */
double xenhost_time_of(const struct xenhost *h, uint64_t first_tsc,
		       char *source, size_t n);

void xenhost_close(struct xenhost *h);

#endif
