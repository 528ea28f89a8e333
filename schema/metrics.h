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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * roll-ups, the size budget, the viewer and xenmon-export.  The days are
 * UTC days (t a multiple of METRICS_GRAIN_1D), like the hours UTC hours;
 * the weeks seven of them from the Unix epoch (t a multiple of
 * METRICS_GRAIN_1W, a Thursday).  The grains are also constants, which the
 * table is made of: the writer cuts every second at its minute, and a load
 * from the table there would cost it a division by a variable.
 */
enum { METRICS_1S, METRICS_1M, METRICS_1H, METRICS_1D, METRICS_1W,
       METRICS_TIERS };
enum {
	METRICS_GRAIN_1S = 1,
	METRICS_GRAIN_1M = 60,
	METRICS_GRAIN_1H = 3600,
	METRICS_GRAIN_1D = 86400,
	METRICS_GRAIN_1W = 7 * 86400,
};
struct metrics_tier {
	const char *sample, *cpu;   /* its tables */
	long long grain_s;          /* the seconds a row covers */
	const char *pruned_key;     /* meta: its rows before this were pruned */
	const char *retain_key;     /* xenbaked.conf's and the option's name */
	long long keep_s;           /* kept this long by default */
	const char *what;           /* its name in messages */
	/* Its per-CPU detail (sample_1s, sample_cpu_1m, sample_cpu_1h):
	 * what the per-CPU view reads, kept for a shorter time by default,
	 * since the tier's own tables hold every whole-host figure
	 * (015_domain_seconds.sql).  Pruned with a retention and a meta key
	 * of its own; NULL: none. */
	const char *detail;
	const char *detail_pruned_key;
	const char *detail_retain_key;
	long long detail_keep_s;
	const char *detail_what;
	/* Where the tier's per-domain rows are also kept, packed, beside
	 * SAMPLE (017_packed_seconds.sql: the seconds the daemon writes;
	 * 019_packed_rollups.sql: the minutes and hours of the past); pruned
	 * with it.  Readers read both through schema_tier_table().  NULL:
	 * all in SAMPLE. */
	const char *packed;
	/* Where CPU's rows are kept when CPU is a view over two tables
	 * (021_packed_cpu_seconds.sql: cpu_1s), its plain rows and its
	 * packed ones: what the daemon writes and prunes, and what a
	 * reader of the first or last t reads (a UNION ALL view is read
	 * whole for it).  NULL: CPU is a table. */
	const char *cpu_plain, *cpu_packed;
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
 * One percentage point of one CPU over a second, in ns of CPU time: what
 * a one-second figure (metrics_per_second_ns) is divided by for its CPU%,
 * and the width of a bin of the roll-ups' CPU% histograms (hist.h): a
 * second is in bin figure / METRICS_NS_PER_PCT.  _SQL: the same in SQL.
 */
#define METRICS_NS_PER_PCT 10000000
#define METRICS_NS_PER_PCT_SQL METRICS_STR(METRICS_NS_PER_PCT)

/*
 * The records a CPU-second (or a roll-up's CPU-step) misses, as a SQL
 * expression over a row of cpu_1s or of a roll-up (cpu_1m, _1h, _1d):
 * those Xen lost, and those damage to the trace made unreadable
 * (006_malformed.sql).  A second, step or window where it is not zero is
 * incomplete: its figures are what the records left tell.  %s is the
 * malformed records' column as
 * schema_malformed_sql() gives it for the table: the readers open older
 * databases without migrating them.
 */
#define METRICS_MISSING_RECORDS_FMT "(lost_records + %s)"

/*
 * The stored metrics, one descriptor each.  The per-second tables' columns
 * are these, in this order (a test holds a fresh database's columns equal
 * to them), and the code that writes, rolls up, shows or exports rows
 * builds its column lists, aggregations, rows and columns from them, so
 * that adding a metric is a line here, a migration, the accounting that
 * produces it and its documentation (tests hold the man pages to this
 * table).  Migrations already released stay as they are.
 *
 * Per (second, physical CPU, domain): sample_1s after its key (t, cpu,
 * domid); sample_1m, sample_1h and sample_1d after (t, domid, seconds),
 * followed by METRICS_SAMPLE_ROLLUP_ONLY.
 *
 *   X(name, ctype, rollup, unit, help, view, export)
 *   ctype   the C type of a one-second row's value (struct sample_row)
 *   rollup  how seconds combine into a domain's second, minute or hour:
 *           SUM adds; MIN and MAX keep the extreme of the bounded time
 *           slices, and are NULL where there was none
 *   unit    of the stored value: "ns" is shown as a time, others as counts
 *   help    what it counts (metrics.md has the exact definition)
 *   view    its row in xenmon(1), xenmon.py's, or NOVIEW:
 *           VIEW(order, label, option, shown, rows, total, pct, per, help,
 *                sort, log)
 *             order   1, 2, ... from the top of a domain's rows
 *             label   the row's name on screen ("Gotten")
 *             option  --OPTION and --noOPTION show and hide the row; ""
 *                     for a row always shown
 *             shown   1 when shown by default
 *             rows    what the option's rows are, in --help and xenmon(1)
 *             total, pct, per   the figure of its three cells, a
 *                     metrics_figure without METRICS_ (NONE: empty)
 *             help    the row's line on the help screen; a row of one
 *                     figure shares its line with the next row
 *             sort    SORT(key): the viewer sorts domains by the metric's
 *                     sum over the window, under that name, its keys
 *                     after "id" and "name" in the rows' order; NOSORT
 *             log     LOG(total, pct, per): the names of the three cells'
 *                     columns in xenmon -n's log files, xenmon.py's, ""
 *                     for a cell not written there; NOLOG
 *   export  its column in xenmon-export(1), or NOEXPORT:
 *           EXPORT(order, column, figure)
 *             order   1, 2, ... after the domain's columns
 *             figure  a metrics_figure without METRICS_; PER_EXEC is
 *                     written in whole units, the others in hundredths
 */
#define METRICS_SAMPLE(X) \
	X(exec_count, uint32_t, SUM, "count", \
	  "executions: switch-ins of the domain's vCPUs", \
	  VIEW(5, "ExCount", "excount", 0, "execution count", \
	       PER_S, NONE, NONE, "executions per second", SORT("exec"), \
	       LOG("ex/s", "", "")), \
	  EXPORT(4, "execs_per_s", PER_S)) \
	X(cpu_ns, uint64_t, SUM, "ns", "time running", \
	  VIEW(1, "Gotten", "", 1, "CPU time", PER_S, PCT, PER_EXEC, \
	       "CPU time per second, % of one CPU, per execution", \
	       SORT("cpu"), LOG("cpu(tot)", "cpu(%)", "cpu/ex")), \
	  EXPORT(1, "cpu_pct", PCT_DIST)) \
	X(wait_ns, uint64_t, SUM, "ns", "time runnable but not running", \
	  VIEW(4, "Waited", "waited", 1, "waiting time", PER_S, PCT, PER_EXEC, \
	       "runnable but not running: per second, %, per execution", \
	       SORT("waited"), LOG("waited(tot)", "waited(%)", "waited/ex")), \
	  EXPORT(2, "wait_pct", PCT)) \
	X(blocked_ns, uint64_t, SUM, "ns", "time blocked", \
	  VIEW(3, "Blocked", "blocked", 1, "blocked time", \
	       PER_S, BLOCKED_PCT, PER_IO, \
	       "blocked time per second, % of its vCPUs' time, per I/O", \
	       SORT("blocked"), \
	       LOG("blocked(tot)", "blocked(%)", "blocked/io")), \
	  EXPORT(3, "blocked_pct", BLOCKED_PCT)) \
	X(alloc_ns, uint64_t, SUM, "ns", \
	  "time slices given to the executions, bounded ones", \
	  VIEW(2, "Alloc", "allocated", 0, "time slice", PER_EXEC, LOW, HIGH, \
	       "time slice per execution: average, min, max", NOSORT, \
	       LOG("allocated/ex", "", "")), \
	  EXPORT(6, "alloc_avg_ns", PER_EXEC)) \
	X(alloc_min_ns, uint32_t, MIN, "ns", "shortest bounded time slice", \
	  NOVIEW, NOEXPORT) \
	X(alloc_max_ns, uint32_t, MAX, "ns", "longest bounded time slice", \
	  NOVIEW, NOEXPORT) \
	X(alloc_unbounded, uint32_t, SUM, "count", \
	  "executions given no limit (a zero or negative slice)", \
	  NOVIEW, NOEXPORT) \
	X(io_count, uint32_t, SUM, "count", \
	  "I/O operations: grant maps and transfers, grant copies, " \
	  "event-channel notifications", \
	  VIEW(6, "I/O", "iocount", 0, "I/O count", PER_S, NONE, PER_EXEC, \
	       "grant operations per second, per execution", SORT("i/o"), \
	       LOG("io(tot)", "", "io/ex")), \
	  EXPORT(5, "io_per_s", PER_S)) \
	X(io_bytes, uint64_t, SUM, "bytes", "bytes copied by grant copies", \
	  VIEW(7, "IOBytes", "iobytes", 0, "I/O bytes", PER_S, NONE, PER_EXEC, \
	       "bytes copied per second, per execution", NOSORT, NOLOG), \
	  EXPORT(7, "io_bytes_per_s", PER_S))

/*
 * xenmon-export wrote the columns of EXPORT orders up to this one, then
 * lost_records and covered_pct, before io_bytes had a column: later
 * columns come after those two, so that scripts that read the columns by
 * position keep working.
 */
#define METRICS_EXPORT_RELEASED 6

/*
 * The figures shown of a metric X over some time (docs/metrics.md), for
 * the descriptors' VIEW and EXPORT; each is computed by the functions
 * below, nowhere else.
 */
enum metrics_figure {
	METRICS_NONE,
	METRICS_PER_S,        /* X per second observed */
	METRICS_PCT,          /* X in % of one CPU over the time observed */
	METRICS_BLOCKED_PCT,  /* blocked % of the vCPUs' online time */
	METRICS_PER_EXEC,     /* X per execution */
	METRICS_PER_IO,       /* X per I/O */
	METRICS_LOW,          /* the MIN metric: the shortest bounded slice */
	METRICS_HIGH,         /* the MAX metric: the longest */
	/* METRICS_PCT, then the nearest-rank percentiles and the maximum of
	 * its one-second figure (the roll-ups' histogram is of cpu_ns) */
	METRICS_PCT_DIST,
};

enum metrics_rollup { METRICS_SUM, METRICS_MIN, METRICS_MAX };

/* The descriptors as data, in the table's order, for the code that shows
 * or exports them: metrics_sample[METRICS_I_name] is NAME's. */
struct metrics_desc {
	const char *name, *unit, *help;
	enum metrics_rollup rollup;
	struct metrics_view {
		int order;                  /* 0: no row */
		const char *label, *option, *rows, *help;
		const char *sort;           /* its sort key, or NULL */
		const char *log[3];         /* its cells' log columns, or "" */
		bool shown;
		enum metrics_figure cell[3];
	} view;
	struct metrics_export {
		int order;                  /* 0: no column */
		const char *column;
		enum metrics_figure figure;
	} export;
};

#define METRICS_INDEX(name, ...) METRICS_I_##name,
#define METRICS_VIEW_ONE(name, ctype, rollup, unit, help, view, ...) \
	METRICS_ONE_##view
#define METRICS_ONE_VIEW(...) + 1
#define METRICS_ONE_NOVIEW
#define METRICS_SORT_ONE(name, ctype, rollup, unit, help, view, ...) \
	METRICS_SORT_OF_##view
#define METRICS_SORT_OF_VIEW(order, label, option, shown, rows, total, pct, \
			     per, help, sort, log) METRICS_ONE_##sort
#define METRICS_SORT_OF_NOVIEW
#define METRICS_ONE_SORT(key) + 1
#define METRICS_ONE_NOSORT
enum {
	METRICS_SAMPLE(METRICS_INDEX)
	METRICS_NSAMPLE,
	/* the viewer's rows */
	METRICS_NVIEW = 0 METRICS_SAMPLE(METRICS_VIEW_ONE),
	/* the viewer's sort keys that are metrics */
	METRICS_NSORT = 0 METRICS_SAMPLE(METRICS_SORT_ONE)
};
extern const struct metrics_desc metrics_sample[METRICS_NSAMPLE];

/*
 * For X: F(name) for the metrics that are sums (SUM), which xenmon-export
 * reads, nothing for the others: METRICS_SUMMED(rollup)(F, name).
 */
#define METRICS_SUMMED(rollup) METRICS_SUMMED_##rollup
#define METRICS_SUMMED_SUM METRICS_APPLY
#define METRICS_SUMMED_MIN METRICS_SKIP
#define METRICS_SUMMED_MAX METRICS_SKIP
#define METRICS_APPLY(F, name) F(name)
#define METRICS_SKIP(F, name)

/*
 * The derived figures, defined here once for the viewer, its log files
 * and xenmon-export.  Each puts the figure into *V and returns true, or
 * returns false, leaving *V alone, where it is undefined: nothing
 * observed, no online time, no executions or I/O.
 */
/* NS in % of one CPU over OBSERVED_NS (cpu %, wait %). */
bool metrics_pct(int64_t ns, int64_t observed_ns, double *v);
/* X per second of OBSERVED_NS. */
bool metrics_per_s(int64_t x, int64_t observed_ns, double *v);
/* Blocked % is per vCPU-second: over the time the domain's vCPUs were
 * online (running, waiting or blocked), as domain_1s.blocked_pct. */
bool metrics_blocked_pct(int64_t cpu_ns, int64_t wait_ns, int64_t blocked_ns,
			 double *v);
/* X per one of N (per execution, per I/O); in whole units, rounded
 * down, for an integer column. */
bool metrics_per(int64_t x, int64_t n, double *v);
bool metrics_per_whole(int64_t x, int64_t n, int64_t *v);

/*
 * The nearest-rank percentile P of N values of which the ZEROS smallest
 * are 0 (the seconds a domain has no row in): the rank k = ceil(P * N /
 * 100) among the values that are not, 1 for the smallest, or 0 when the
 * percentile is one of the zeros.  The views of the released migrations
 * (002_history.sql) say the same in SQL.
 */
int64_t metrics_rank(int p, int64_t n, int64_t zeros);

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
	METRICS_IO_ALL = 7,           /* every source: what is shown as stored */
};
#define METRICS_IO_SOURCES_KEY "io_sources"

/* MASK as the meta value, in BUF of N bytes: snprintf()'s result. */
int metrics_io_sources_text(char *buf, size_t n, unsigned mask);
/* The mask a meta value names (names it does not know are left out). */
unsigned metrics_io_sources_parse(const char *text);
/* The sources by meta's value, for metrics_figure_unavailable(): NULL (the
 * key absent, an older database) counts as every source, so that its
 * figures are shown as stored. */
unsigned metrics_io_sources_known(const char *io_sources);
/* Is figure F of metric I (METRICS_I_*) unavailable where the traces showed
 * the I/O SOURCES: the I/O count's figures and any per I/O when they showed
 * no source, the bytes' when they showed no grant copy (stock Xen traces
 * none: its zero would say nothing was copied). */
bool metrics_figure_unavailable(size_t i, enum metrics_figure f,
				unsigned sources);

/* Columns only the roll-ups of the samples have, after the metrics. */
#define METRICS_SAMPLE_ROLLUP_ONLY "cpu_peak_ns, cpu_pct_hist"

/*
 * Per (second, physical CPU): cpu_1s after its key (t, cpu), those whose
 * IN_1S is 1; cpu_1m, cpu_1h and cpu_1d after (t, cpu, seconds), all of them.
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
 * parameter numbered after the last; the first for the CPU columns cpu_1s
 * has. */
#define METRICS_COLUMN(name, ...) ", " #name
#define METRICS_PARAM(name, ...) ", ?"
#define METRICS_IF_1(...) __VA_ARGS__
#define METRICS_IF_0(...)
#define METRICS_COLUMN_1S(name, ctype, in_1s, ...) METRICS_IF_##in_1s(", " #name)

#endif
