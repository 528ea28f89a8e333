/*
 * The accounting engine: a per-vCPU runstate machine over records of all
 * CPUs merged in TSC order, cutting time at every state change and every
 * second boundary into one-second buckets per (physical CPU, domain).
 *
 * It is a pure function of the records and the configuration: no I/O, no
 * clock, no logging.  Closed seconds go to the emit callback.
 */
#ifndef XENMON_ACCOUNT_H
#define XENMON_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct sample_row {
	uint16_t cpu, domid;
	uint32_t exec_count;
	uint32_t alloc_unbounded;
	uint32_t io_count;
	uint32_t alloc_min_ns;  /* valid when alloc_n > 0 */
	uint32_t alloc_max_ns;
	uint32_t alloc_n;       /* bounded slices counted in alloc_ns */
	uint64_t cpu_ns, wait_ns, blocked_ns, alloc_ns;
	uint64_t io_bytes;
};

struct cpu_row {
	uint32_t cpu;
	uint32_t lost_records;
	/* Malformed records met on this CPU in the second, or, in a second
	 * that the damage they mark runs through (until the CPU's records are
	 * well-formed and timed again), the damage's count if more: non-zero
	 * makes the second incomplete, as lost records do. */
	uint32_t malformed_records;
	uint64_t observed_ns, sched_ns;
	/* Where in the second the trace covered this CPU: observed_ns from
	 * from_ns on (ns after the second's start). */
	uint64_t from_ns;
};

#define DOMAIN_NAME_MAX 64
#define DOMAIN_UUID_MAX 37       /* 36 characters and the NUL */

/* A row of the domain table: a domain's lifetime, from its first second. */
struct domain_row {
	uint16_t domid;
	int64_t first_t;
	char name[DOMAIN_NAME_MAX];  /* "" when unknown */
	char uuid[DOMAIN_UUID_MAX];  /* "" when unknown (a replay) */
};

/* One closed second, as the store writes it. */
struct second {
	int64_t t;           /* Unix seconds */
	bool complete;       /* the trace covered all of it */
	const struct cpu_row *cpus;
	size_t ncpus;
	const struct sample_row *samples;  /* sorted by (cpu, domid) */
	size_t nsamples;
	const struct domain_row *doms;     /* domains with activity in t */
	size_t ndoms;
	/* The I/O sources (METRICS_IO_*) the run's records showed up to the
	 * end of t: the store records them in meta. */
	unsigned io_sources;
};

/* Returns 0 when the second was taken, -1 on failure, 1 when no later
 * second will be stored either (a stop past its grace): the accounting
 * then stops closing seconds, so that one record leaping hours ahead does
 * not cost a million empty seconds after the stop. */
typedef int (*acct_emit_fn)(void *ctx, const struct second *s);

struct acct_config {
	double cpu_mhz;           /* TSC ticks per microsecond */
	/* Unix time of the trace's first record: anchor_unix_s seconds plus
	 * anchor_unix_ns nanoseconds (either sign).  Nanoseconds since 1970
	 * overflow 64 bits in 2262; the seconds carry the rest. */
	int64_t anchor_unix_s;
	int64_t anchor_unix_ns;
	acct_emit_fn emit;
	void *ctx;
};

/* What the run saw; the replay summary and the run table print these. */
struct acct_stats {
	uint64_t records;
	uint64_t runstate, continue_running, infprev, infnext, sched_switch;
	uint64_t wake_sleep_block, dom_add, dom_rem, grant_map, grant_transfer;
	uint64_t grant_copy, evtchn_notify;   /* records of the patched Xen */
	uint64_t lost_record_records, lost_records, wrap, other_known;
	uint64_t unused_class, malformed;
	uint64_t late;            /* record older than one already processed */
	uint64_t untimed;         /* no TSC and none before it on its CPU */
	uint64_t resyncs;         /* record contradicting the tracked state */
	uint64_t seconds_emitted;
	/* Distinct CPUs, domain ids and (domain id, vCPU) pairs: a domain
	 * id reused, or a vCPU of it in its next lifetime, counts once. */
	uint32_t cpus_seen, domains_seen, vcpus_seen;
	int64_t first_t, last_t;
};

struct acct;

struct acct *acct_new(const struct acct_config *cfg);
void acct_free(struct acct *a);

/* A physical CPU exists from now on (from the trace start if accounting has
 * not begun). */
int acct_add_cpu(struct acct *a, unsigned cpu);

/* Before the first record: vCPU (domid, vcpu) was in STATE at the start of
 * the trace, on CPU if running (else CPU is where its first record was). */
int acct_hint(struct acct *a, unsigned cpu, uint16_t domid, uint16_t vcpu,
	      enum runstate state);

/* One record of physical CPU cpu.  W points at its extra words. */
void acct_record(struct acct *a, unsigned cpu, uint64_t tsc, uint32_t hdr,
		 const uint8_t *w);

/*
 * Told of the first malformed record (see decode.h) the engine takes: of
 * CPU, AT bytes after the run's base (acct_run_begin), or of the record
 * itself (AT 0) for acct_record.  Called from within the call that took
 * it, so that the caller can still place it in its input.
 */
typedef void (*acct_malformed_fn)(void *ctx, unsigned cpu, uint64_t at);
void acct_on_malformed(struct acct *a, acct_malformed_fn fn, void *ctx);

/* Records that need no global order (see account.c) are offered straight
 * from their CPU, only while acct_unordered_ok(a, cpu): accounting started,
 * CPU known, and its records well-formed (after malformed ones, a CPU's
 * records go one by one through acct_record until they are again). */
bool acct_unordered_ok(const struct acct *a, unsigned cpu);

/*
 * A run: the merge's loop (decode/merge.c) stepping over CPU's records
 * while they come first, record by record, for as long as
 * acct_unordered_ok(a, cpu).  It begins with acct_run_begin, BASE the
 * bytes the run starts at (where a malformed record is placed from), and
 * ends with acct_run_end, given the records taken (offered and ordered)
 * and the TSC of the last.
 */
void acct_run_begin(struct acct *a, const uint8_t *base);
void acct_run_end(struct acct *a, uint64_t records, uint64_t last_tsc);

/* Take R, whole at P, if it needs no global order and its second is open;
 * false: it needs the order, for acct_take. */
bool acct_offer(struct acct *a, unsigned cpu, const struct trace_rec *r,
		const uint8_t *p);

/* Take the ordered record R, whole at P, as acct_record would; false when
 * the run must end: R was malformed, or the engine failed. */
bool acct_take(struct acct *a, unsigned cpu, const struct trace_rec *r,
	       const uint8_t *p);

/* Close every second up to the end of the trace.  With partial_last, the
 * last second is emitted even though the trace ended inside it. */
int acct_finish(struct acct *a, bool partial_last);

/* The current lifetime of DOMID is called NAME (from xenstore, live);
 * truncated to DOMAIN_NAME_MAX - 1 bytes. */
int acct_set_domain_name(struct acct *a, uint16_t domid, const char *name);
/* The same for the domain's UUID (live capture, from xenstore). */
int acct_set_domain_uuid(struct acct *a, uint16_t domid, const char *uuid);

/* Non-zero once emit has failed or memory ran out; records are then
 * ignored. */
int acct_error(const struct acct *a);

const struct acct_stats *acct_stats(const struct acct *a);

#endif
