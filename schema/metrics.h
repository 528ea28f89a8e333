/*
 * What the stored figures mean, said once for every program that reads or
 * writes them.
 *
 * The per-second tables are a contract with users' SQL (001_init.sql), and
 * the daemon, the viewer, xenmon-export and the tests each read them.  A
 * rule that several of them apply, such as which seconds are incomplete,
 * lives here, so that a change to it is one change and no reader is left
 * behind (the malformed records of version 6 were first counted by the
 * daemon alone).
 */
#ifndef XENMON_METRICS_H
#define XENMON_METRICS_H

#include <stddef.h>

#define METRICS_STR_(x) #x
#define METRICS_STR(x) METRICS_STR_(x)

/*
 * The idle domain (Xen's DOMID_IDLE): its id, as a number and in SQL, and
 * the name every program shows for it.  A domain the domain table does
 * not name is shown as "dom" and its id (metrics_domain_name()).  The
 * views of the released migrations spell the same rule in SQL.
 */
#define METRICS_IDLE_DOMID 32767
#define METRICS_IDLE_DOMID_SQL METRICS_STR(METRICS_IDLE_DOMID)
#define METRICS_IDLE_NAME "Idle"
#define METRICS_UNNAMED_PREFIX "dom"

/* DOMID's name when it has none of its own, in BUF of N bytes:
 * snprintf()'s result. */
int metrics_domain_name(char *buf, size_t n, long long domid);

/*
 * The tiers of the history, finest first: one table for retention, the
 * roll-ups, the viewer and xenmon-export.
 */
enum { METRICS_1S, METRICS_1M, METRICS_1H, METRICS_TIERS };
struct metrics_tier {
	const char *sample, *cpu;   /* its tables */
	long long grain_s;          /* the seconds a row covers */
	const char *pruned_key;     /* meta: its rows before this were pruned */
	const char *retain_key;     /* xenbaked.conf's and the option's name */
	long long keep_s;           /* kept this long by default */
	const char *what;           /* its name in messages */
};
extern const struct metrics_tier metrics_tiers[METRICS_TIERS];

/*
 * NS of a second observed for OBSERVED_NS of it, as time per whole second:
 * the one-second figures (a second's CPU% bin and peak in the roll-ups,
 * the export's percentiles and maximum) of a second the trace covers in
 * part, at its start or end, are over the time observed, as its mean is.
 * A second observed whole (or of unknown observed time, 0) is NS itself.
 * rollup.c's SAMPLE_SQL does the same in SQL.
 */
long long metrics_per_second_ns(long long ns, long long observed_ns);

/*
 * The records a CPU-second (or a roll-up's CPU-step) misses, as a SQL
 * expression over a row of cpu_1s, cpu_1m or cpu_1h: those Xen lost, and
 * those damage to the trace made unreadable (006_malformed.sql).  A second,
 * step or window where it is not zero is incomplete: its figures are what
 * the records left tell.  %s is the malformed records' column as
 * schema_malformed_sql() gives it for the table: the readers open older
 * databases without migrating them.
 */
#define METRICS_MISSING_RECORDS_FMT "(lost_records + %s)"

/*
 * The stored metrics, one descriptor each.  The per-second tables' columns
 * are these, in this order (a test holds a fresh database's columns equal
 * to them), and the code that writes or rolls up rows builds its column
 * lists and aggregations from them, so that adding a metric is a line
 * here, a migration, the accounting that produces it and its
 * documentation.  Migrations already released stay as they are.
 *
 * Per (second, physical CPU, domain): sample_1s after its key (t, cpu,
 * domid); sample_1m and sample_1h after (t, domid, seconds), followed by
 * METRICS_SAMPLE_ROLLUP_ONLY.
 *
 *   X(name, ctype, rollup, unit, help)
 *   ctype   the C type of a one-second row's value (struct sample_row)
 *   rollup  how seconds combine into a domain's second, minute or hour:
 *           SUM adds; MIN and MAX keep the extreme of the bounded time
 *           slices, and are NULL where there was none
 *   unit    of the stored value
 *   help    what it counts (metrics.md has the exact definition)
 */
#define METRICS_SAMPLE(X) \
	X(exec_count, uint32_t, SUM, "count", \
	  "executions: switch-ins of the domain's vCPUs") \
	X(cpu_ns, uint64_t, SUM, "ns", "time running") \
	X(wait_ns, uint64_t, SUM, "ns", "time runnable but not running") \
	X(blocked_ns, uint64_t, SUM, "ns", "time blocked") \
	X(alloc_ns, uint64_t, SUM, "ns", \
	  "time slices given to the executions, bounded ones") \
	X(alloc_min_ns, uint32_t, MIN, "ns", "shortest bounded time slice") \
	X(alloc_max_ns, uint32_t, MAX, "ns", "longest bounded time slice") \
	X(alloc_unbounded, uint32_t, SUM, "count", \
	  "executions given no limit (a zero or negative slice)") \
	X(io_count, uint32_t, SUM, "count", \
	  "I/O operations: grant maps and transfers, grant copies, " \
	  "event-channel notifications") \
	X(io_bytes, uint64_t, SUM, "bytes", "bytes copied by grant copies")

/*
 * The I/O the host's trace shows, a set of sources: stock Xen traces grant
 * maps and transfers only, which modern back-ends hardly do; the patched
 * Xen (patches/xen-4.17) adds grant copies and event-channel
 * notifications.  The daemon records the sources its records showed in
 * meta METRICS_IO_SOURCES_KEY, as their names joined by commas ("" for
 * none).  The rule for readers (docs/metrics.md, "I/O sources"): when that
 * key is there and names no source, the trace showed no I/O of any kind,
 * so the I/O figures are unavailable, not zero; absent (a database
 * written before schema 9), they are shown as stored.
 */
enum {
	METRICS_IO_GRANT_MAP = 1,     /* "grant-map": map and transfer */
	METRICS_IO_GRANT_COPY = 2,    /* "grant-copy" */
	METRICS_IO_EVTCHN = 4,        /* "evtchn" */
};
#define METRICS_IO_SOURCES_KEY "io_sources"

/* MASK as the meta value, in BUF of N bytes: snprintf()'s result. */
int metrics_io_sources_text(char *buf, size_t n, unsigned mask);
/* The mask a meta value names (names it does not know are left out). */
unsigned metrics_io_sources_parse(const char *text);
/* Are the I/O figures unavailable, by meta's value (NULL: absent)? */
int metrics_io_unavailable(const char *io_sources);

/* Columns only the roll-ups of the samples have, after the metrics. */
#define METRICS_SAMPLE_ROLLUP_ONLY "cpu_peak_ns, cpu_pct_hist"

/*
 * Per (second, physical CPU): cpu_1s after its key (t, cpu), those whose
 * IN_1S is 1; cpu_1m and cpu_1h after (t, cpu, seconds), all of them.
 * Every one is summed by the roll-ups.
 *
 *   X(name, ctype, in_1s, unit, help)
 */
#define METRICS_CPU(X) \
	X(observed_ns, uint64_t, 1, "ns", "time the trace covered the CPU") \
	X(sched_ns, uint64_t, 1, "ns", "time no vCPU ran on the CPU") \
	X(busy_ns, uint64_t, 0, "ns", \
	  "CPU time of every domain but the idle one") \
	X(lost_records, uint32_t, 1, "count", "trace records Xen lost") \
	X(malformed_records, uint32_t, 1, "count", \
	  "malformed records of a damaged trace")

/* For X: ", name", to follow a table's key in a column list; ", ?", a
 * parameter numbered after the last; the same for the CPU columns cpu_1s
 * has. */
#define METRICS_COLUMN(name, ...) ", " #name
#define METRICS_PARAM(name, ...) ", ?"
#define METRICS_IF_1(...) __VA_ARGS__
#define METRICS_IF_0(...)
#define METRICS_COLUMN_1S(name, ctype, in_1s, ...) METRICS_IF_##in_1s(", " #name)
#define METRICS_PARAM_1S(name, ctype, in_1s, ...) METRICS_IF_##in_1s(", ?")

#endif
