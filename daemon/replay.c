#include "replay.h"

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "account.h"
#include "clock.h"
#include "peak_rss.h"
#include "input.h"
#include "merge.h"
#include "prescan.h"
#include "store.h"
#include "writer.h"

/* Look-ahead: how far the reader may run ahead of the merge, and how much
 * of the trace's head is read before accounting starts. */
#define LOOKAHEAD_BYTES (32u << 20)
#define PREFIX_BYTES (8u << 20)
#define PREFIX_SECONDS 3.0
#define HEAD_SECONDS 10.0

struct replay {
	const struct replay_opts *o;
	struct input in;
	struct prescan pre;
	struct store *store;
	struct acct *acct;
	struct merge merge;
	struct writer *writer;
	double mhz;
	char mhz_source[160];
	double start;
	char start_source[160];
	uint64_t written, skipped;
	uint64_t not_due;         /* --realtime: seconds not reached at a stop */
	uint64_t bytes_before, bytes_after;  /* compacted, when both > 0 */
	struct writer_stats ws;
	double t0_wall;           /* monotonic seconds at start */
	bool arrived;             /* a stream's first records came: */
	double arrival;           /* then (Unix seconds), */
	uint64_t arrival_tsc;     /* the newest TSC among them */
	double rt_origin;         /* --realtime: wall time of the first second */
	int64_t rt_first_t;
	bool rt_started;
	FILE *err;
};

static void fmt_time(char *buf, size_t n, double unix_s, bool ms)
{
	time_t t = (time_t)floor(unix_s);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t k = strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	if (ms)
		k += (size_t)snprintf(buf + k, n - k, ".%03d",
				      (int)((unix_s - floor(unix_s)) * 1000));
	snprintf(buf + k, n - k, " UTC");
}

/* --realtime: a second is written when its end is reached in wall time.
 * False when a stop came first: the second has not happened yet. */
static bool pace(struct replay *r, int64_t t)
{
	if (!r->rt_started) {
		r->rt_started = true;
		r->rt_origin = clock_s(CLOCK_MONOTONIC);
		r->rt_first_t = t;
	}
	double due = r->rt_origin + (double)(t - r->rt_first_t + 1);
	for (;;) {
		double now = clock_s(CLOCK_MONOTONIC);
		if (now >= due)
			return true;
		if (r->o->stop && *r->o->stop)
			return false;
		double d = due - now;
		struct timespec ts = { .tv_sec = (time_t)d,
				       .tv_nsec = (long)((d - floor(d)) * 1e9) };
		nanosleep(&ts, NULL);
	}
}

static int emit(void *ctx, const struct second *s)
{
	struct replay *r = ctx;
	if (r->o->realtime && !pace(r, s->t)) {
		r->not_due++;
		return 0;
	}
	return writer_put(r->writer, s);
}

static void progress(void *ctx)
{
	struct replay *r = ctx;
	const struct acct_stats *st = acct_stats(r->acct);
	double pct = r->in.size ? 100.0 * (double)r->in.off / (double)r->in.size : 0;
	if (r->in.size)
		fprintf(r->err, "\r\033[Kxenbaked: %5.1f%%  %" PRIu64 " M records, "
			"%" PRIu64 " seconds", pct, st->records / 1000000,
			st->seconds_emitted);
	else
		fprintf(r->err, "\r\033[Kxenbaked: %" PRIu64 " MB read, %" PRIu64
			" M records, %" PRIu64 " seconds",
			r->in.off >> 20, st->records / 1000000, st->seconds_emitted);
	fflush(r->err);
}

/*
 * Read the head of the trace: enough to calibrate and to know the vCPUs.
 * The wall clock is read as the first records arrive, not once the head
 * is in: seconds of it may have been read by then.
 */
static int read_prefix(struct replay *r)
{
	int rc;
	while (!r->in.eof && r->in.buffered < PREFIX_BYTES) {
		if (r->o->stop && *r->o->stop)
			break;
		rc = input_fill(&r->in);
		double now = clock_s(CLOCK_REALTIME);
		if (prescan_walk(&r->pre, &r->in) < 0) {
			snprintf(r->in.err, sizeof r->in.err, "%s: out of memory",
				 r->in.name);
			return -1;
		}
		if (!r->arrived && r->pre.have_tsc) {
			r->arrived = true;
			r->arrival = now;
			r->arrival_tsc = r->pre.max_tsc;
		}
		if (rc < 0)
			return -1;
		if (prescan_covers(&r->pre, r->o->cpu_mhz, PREFIX_SECONDS))
			break;
	}
	return 0;
}

/*
 * A merge can only wait for CPUs it knows of: read until every CPU the head
 * scan saw has shown up (xentrace's first pass drains them all), so none
 * of them starts late.
 */
static int read_until_all_cpus(struct replay *r)
{
	if (!r->pre.have_tsc)  /* nothing usable: let the input say why */
		return input_fill(&r->in) < 0 ? -1 : 0;
	for (;;) {
		bool all = true;
		for (unsigned c = 0; c < r->pre.ncpus && all; c++)
			all = !r->pre.c[c].known ||
			      (c < r->in.ncpus && r->in.cpus[c].present);
		if (all || r->in.eof || r->in.buffered >= PREFIX_BYTES)
			return 0;
		if (input_fill(&r->in) < 0)
			return -1;
	}
}

static int choose_mhz(struct replay *r)
{
	size_t used;
	if (r->o->cpu_mhz > 0) {
		r->mhz = r->o->cpu_mhz;
		snprintf(r->mhz_source, sizeof r->mhz_source, "given with --cpu-mhz");
		return 0;
	}
	if (prescan_mhz(&r->pre, &r->mhz, &used) < 0)
		return -1;
	snprintf(r->mhz_source, sizeof r->mhz_source,
		 "calibrated from the trace: %zu executions, %.1f s of CPU time",
		 used, r->pre.sum_ran_ns / 1e9);
	return 0;
}

static int choose_start(struct replay *r)
{
	const struct replay_opts *o = r->o;
	struct stat st;

	if (o->have_start) {
		r->start = o->start_time;
		snprintf(r->start_source, sizeof r->start_source,
			 "given with --start-time");
	} else if (!r->in.seekable || stat(o->input, &st) < 0) {
		/* The newest record of the first bytes happened before they
		 * arrived; dated then, no second is dated ahead of its end
		 * by more than those bytes took to come through the pipe. */
		if (!r->arrived) {
			r->arrival = clock_s(CLOCK_REALTIME);
			r->arrival_tsc = r->pre.min_tsc;
		}
		double span = (double)(r->arrival_tsc - r->pre.min_tsc) /
			      (r->mhz * 1e6);
		r->start = r->arrival - span;
		snprintf(r->start_source, sizeof r->start_source,
			 "arrival of the stream's first bytes, less the %.3f s "
			 "of trace they held", span);
	} else {
		double span = (double)(r->pre.max_tsc - r->pre.min_tsc) /
			      (r->mhz * 1e6);
		double mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
		r->start = mtime - span;
		snprintf(r->start_source, sizeof r->start_source,
			 "file modification time minus the trace's span of %.3f s",
			 span);
	}
	return 0;
}

static void summary(struct replay *r, FILE *out, double elapsed)
{
	const struct acct_stats *s = acct_stats(r->acct);
	const struct tsc_guard *m = &r->merge.guard;
	char a[64], b[64];

	fprintf(out, "trace      %s: %" PRIu64 " bytes in %" PRIu64 " windows\n",
		r->in.name, r->in.off, r->in.windows);
	fprintf(out, "records    %" PRIu64 ": %" PRIu64 " runstate, %" PRIu64
		" continue-running, %" PRIu64 " infprev, %" PRIu64 " infnext, %"
		PRIu64 " switch,\n           %" PRIu64 " wake/sleep/block, %" PRIu64
		" domain add, %" PRIu64 " domain remove, %" PRIu64 " grant map, %"
		PRIu64 " grant transfer,\n           %" PRIu64 " lost-records, %"
		PRIu64 " wrap padding, %" PRIu64 " other scheduler/memory, %" PRIu64
		" of unused classes (skipped)\n",
		s->records, s->runstate, s->continue_running, s->infprev,
		s->infnext, s->sched_switch, s->wake_sleep_block, s->dom_add,
		s->dom_rem, s->grant_map, s->grant_transfer,
		s->lost_record_records, s->wrap, s->other_known, s->unused_class);
	fprintf(out, "malformed  %" PRIu64 " (skipped)", s->malformed);
	if (r->merge.malformed_seen)
		fprintf(out, ", the first at byte %" PRIu64 "; their CPU-seconds "
			"are marked incomplete", r->merge.malformed_off);
	fprintf(out, "\n");
	fprintf(out, "lost       %" PRIu64 " records lost by Xen\n", s->lost_records);
	fprintf(out, "anomalies  %" PRIu64 " late, %" PRIu64 " state resyncs, %"
		PRIu64 " TSC backwards, %" PRIu64 " TSC jumps, %" PRIu64
		" untimed\n", s->late, s->resyncs, m->tsc_backwards, m->tsc_jumps,
		s->untimed);
	fprintf(out, "frequency  %.3f MHz, %s\n", r->mhz, r->mhz_source);
	fmt_time(a, sizeof a, r->start, true);
	fprintf(out, "start      %s (%.3f), %s\n", a, r->start, r->start_source);
	if (s->seconds_emitted) {
		fmt_time(a, sizeof a, (double)s->first_t, false);
		fmt_time(b, sizeof b, (double)s->last_t, false);
		fprintf(out, "seconds    %" PRIu64 " written, %" PRIu64
			" already stored and left as they were (%s .. %s)\n",
			r->written, r->skipped, a, b);
	} else {
		fprintf(out, "seconds    none\n");
	}
	if (r->ws.completed)
		fprintf(out, "           %" PRIu64 " partly stored by an earlier "
			"run: completed with this trace's part\n", r->ws.completed);
	if (r->ws.overlapping)
		fprintf(out, "           %" PRIu64 " partly stored by an earlier "
			"run, overlapping this trace's part: left as they were\n",
			r->ws.overlapping);
	writer_print_summary(out, &r->ws, r->store);
	if (r->bytes_after)
		fprintf(out, "database   %.2f MB, compacted from %.2f MB\n",
			r->bytes_after / 1e6, r->bytes_before / 1e6);
	fprintf(out, "seen       %" PRIu32 " CPUs, %" PRIu32 " domains, %" PRIu32
		" vCPUs\n", s->cpus_seen, s->domains_seen, s->vcpus_seen);
	if (peak_rss_kib() > 0)
		fprintf(out, "memory     %.1f MiB at most (resident)\n",
			peak_rss_kib() / 1024.0);
	fprintf(out, "elapsed    %.3f s: %.2f M records/s, %.1f MB/s\n", elapsed,
		elapsed > 0 ? s->records / elapsed / 1e6 : 0,
		elapsed > 0 ? r->in.off / elapsed / 1e6 : 0);
}

static void record_facts(struct replay *r)
{
	char buf[64];
	store_meta_num(r->store, "cpu_mhz", r->mhz);
	store_meta(r->store, "cpu_mhz_source", r->mhz_source);
	store_meta_num(r->store, "start_time", r->start);
	store_meta(r->store, "start_time_source", r->start_source);
	store_meta(r->store, "mode", "replay");
	store_meta(r->store, "input", r->o->input);
	snprintf(buf, sizeof buf, "%" PRIu32, acct_stats(r->acct)->cpus_seen);
	store_meta(r->store, "cpus", buf);
	store_meta(r->store, "xen_version", "unknown (replayed trace)");
}

/* A file replayed whole into a database it started is compacted: its
 * pages, appended to, are ~88% full; rebuilt, they are full.  A database
 * that had history before is left alone (the cost would not be this
 * run's), as is one that a live stream writes to. */
static void compact(struct replay *r)
{
	if (!r->in.seekable || r->o->realtime || !store_was_empty(r->store) ||
	    r->written == 0 || (r->o->stop && *r->o->stop))
		return;
	if (store_compact(r->store, &r->bytes_before, &r->bytes_after) < 0) {
		fprintf(r->err, "xenbaked: %s; not compacted, the database is "
			"whole\n", store_error(r->store));
		r->bytes_after = 0;
	}
}

static struct run_info run_info(struct replay *r, const char *status)
{
	return (struct run_info){
		.mode = "replay", .input = r->in.name,
		.cpu_mhz = r->mhz, .cpu_mhz_source = r->mhz_source,
		.start_time = r->start, .start_source = r->start_source,
		.st = r->acct ? acct_stats(r->acct) : NULL,
		.tsc_anomalies = r->merge.guard.tsc_backwards + r->merge.guard.tsc_jumps,
		.seconds_written = r->written, .seconds_skipped = r->skipped,
		.seconds_dropped = r->ws.dropped,
		.seconds_completed = r->ws.completed,
		.seconds_overlapping = r->ws.overlapping,
		.lag_measured = r->ws.lag_measured, .max_lag_s = r->ws.max_lag_s,
		.status = status,
	};
}

static int run(struct replay *r, FILE *out)
{
	const struct replay_opts *o = r->o;
	char err[512];

	r->store = store_open(o->db, err, sizeof err);
	if (!r->store) {
		fprintf(r->err, "xenbaked: %s\n", err);
		return 1;
	}
	if (input_open(&r->in, o->input, err, sizeof err) < 0) {
		fprintf(r->err, "xenbaked: %s\n", err);
		return 1;
	}
	/* A file's head is scanned in a pass of its own (to its end when the
	 * start time must come from its span); a stream's is buffered. */
	int prefix_rc = 0;
	if (r->in.seekable) {
		if (prescan_file(&r->pre, o->input, o->cpu_mhz, HEAD_SECONDS,
				 !o->have_start, err, sizeof err) < 0) {
			fprintf(r->err, "xenbaked: %s\n", err);
			return 1;
		}
		prefix_rc = read_until_all_cpus(r);
	} else {
		prefix_rc = read_prefix(r);
	}
	if (!r->pre.have_tsc) {
		if (prefix_rc < 0)
			fprintf(r->err, "xenbaked: %s\n", r->in.err);
		else if (o->stop && *o->stop)
			return 0;
		else
			fprintf(r->err, "xenbaked: %s: no trace records in the input\n",
				r->in.name);
		return 1;
	}
	if (choose_mhz(r) < 0) {
		fprintf(r->err, "xenbaked: %s: cannot calibrate the CPU frequency: "
			"the trace has too few scheduler switches (INFNEXT/INFPREV "
			"pairs)%s; give it with --cpu-mhz\n", r->in.name,
			prefix_rc < 0 ? " before it goes bad" : "");
		if (prefix_rc < 0)
			fprintf(r->err, "xenbaked: %s\n", r->in.err);
		return 1;
	}
	choose_start(r);

	struct acct_config cfg = { .cpu_mhz = r->mhz, .emit = emit, .ctx = r };
	unix_split(r->start, &cfg.anchor_unix_s, &cfg.anchor_unix_ns);
	r->acct = acct_new(&cfg);
	if (!r->acct || merge_init(&r->merge, &r->in, r->acct, r->mhz,
				   LOOKAHEAD_BYTES) < 0 ||
	    prescan_hints(&r->pre, r->acct, prescan_horizon(&r->pre)) < 0) {
		fprintf(r->err, "xenbaked: out of memory\n");
		return 1;
	}
	prescan_free(&r->pre);
	struct run_info ri = run_info(r, "running");
	if (store_run_begin(r->store, &ri) < 0) {
		fprintf(r->err, "xenbaked: %s\n", store_error(r->store));
		return 1;
	}
	/* Only what arrives in real time must not wait for a full disk; its
	 * seconds are wall-clock seconds unless a start time was given. */
	bool timely = !r->in.seekable || o->realtime;
	struct writer_opts wo = {
		.depth = 8, .backlog = timely ? o->backlog : 0,
		.wall_clock = !r->in.seekable && !o->have_start, .log = r->err,
		.report_every = o->full_report_s, .stop = o->stop,
	};
	r->writer = writer_start(r->store, &wo);
	if (!r->writer) {
		fprintf(r->err, "xenbaked: cannot start the writer thread\n");
		return 1;
	}
	r->merge.stop = o->stop;
	if (o->progress) {
		r->merge.progress = progress;
		r->merge.progress_ctx = r;
	}

	/* A file cut while mapped ends the replay where it was cut, as a
	 * truncated input; the seconds still open are dropped, since records
	 * of them may have been in the part that is gone. */
	sigjmp_buf cut;
	int rc = -2;
	if (sigsetjmp(cut, 1) == 0) {
		input_guard_begin(&r->in, &cut);
		rc = merge_run(&r->merge);
	}
	input_guard_end();
	/* The last second is whole only if the input ended cleanly. */
	if (rc != -2)
		acct_finish(r->acct, rc == 0);
	int wrc = writer_finish(r->writer, &r->ws);
	r->writer = NULL;
	r->written = r->ws.written;
	r->skipped = r->ws.skipped;
	r->ws.after_stop += r->not_due;
	if (o->progress)
		fprintf(r->err, "\r\033[K");

	/* The first failure is the one to report: take it before the facts
	 * below write to the store again (and fail again, on a full disk). */
	char why[600] = "ok";
	int status = 0;
	bool engine_failed = wrc < 0 || acct_error(r->acct);
	if (engine_failed || rc == -2) {
		snprintf(why, sizeof why, "%s", !engine_failed ? r->in.err :
			 store_error(r->store)[0] ? store_error(r->store) :
			 "out of memory");
		fprintf(r->err, "xenbaked: %s; the %" PRIu64 " seconds written "
			"before it are kept\n", why, r->written);
		status = 1;
	} else if (rc < 0) {
		snprintf(why, sizeof why, "%s", r->merge.err[0] ? r->merge.err :
			 r->in.err);
		fprintf(r->err, "xenbaked: %s; every complete second before it "
			"was written\n", why);
		status = 1;
	} else if (rc == 1) {
		snprintf(why, sizeof why, "interrupted");
	}
	record_facts(r);
	ri = run_info(r, why);
	store_run_end(r->store, &ri);
	if (status == 0 && rc == 0)
		compact(r);
	if (!o->quiet)
		summary(r, out, clock_s(CLOCK_MONOTONIC) - r->t0_wall);
	return status;
}

int replay_run(const struct replay_opts *o, FILE *out, FILE *err)
{
	struct replay r = { .o = o, .err = err, .t0_wall = clock_s(CLOCK_MONOTONIC) };
	r.in.fd = -1;
	int status = run(&r, out);
	merge_free(&r.merge);
	acct_free(r.acct);
	prescan_free(&r.pre);
	store_close(r.store);
	if (r.in.chunk)
		input_close(&r.in);
	return status;
}
