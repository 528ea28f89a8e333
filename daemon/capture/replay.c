#include "replay.h"

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "pipeline.h"

/* Look-ahead: how far the reader may run ahead of the merge, and how much
 * of the trace's head is read before accounting starts. */
#define LOOKAHEAD_BYTES (32u << 20)
#define PREFIX_BYTES (8u << 20)
#define PREFIX_SECONDS 3.0
#define HEAD_SECONDS 10.0

struct replay {
	const struct replay_opts *o;
	struct pipeline p;
	double t0_wall;           /* monotonic seconds at start */
	bool arrived;             /* a stream's first records came: */
	double arrival;           /* then (Unix seconds), */
	uint64_t arrival_tsc;     /* the newest TSC among them */
	double rt_origin;         /* --realtime: wall time of the first second */
	int64_t rt_first_t;
	bool rt_started;
	FILE *err;
};

/* --realtime: a second is written when its end is reached in wall time.
 * False when a stop came first: the second has not happened yet. */
static bool pace(void *ctx, int64_t t)
{
	struct replay *r = ctx;
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

static void progress(void *ctx)
{
	struct replay *r = ctx;
	const struct acct_stats *st = acct_stats(r->p.acct);
	double pct = r->p.in.size ? 100.0 * (double)r->p.in.off / (double)r->p.in.size : 0;
	if (r->p.in.size)
		fprintf(r->err, "\r\033[Kxenbaked: %5.1f%%  %" PRIu64 " M records, "
			"%" PRIu64 " seconds", pct, st->records / 1000000,
			st->seconds_emitted);
	else
		fprintf(r->err, "\r\033[Kxenbaked: %" PRIu64 " MB read, %" PRIu64
			" M records, %" PRIu64 " seconds",
			r->p.in.off >> 20, st->records / 1000000, st->seconds_emitted);
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
	while (!r->p.in.eof && r->p.in.buffered < PREFIX_BYTES) {
		if (r->o->stop && *r->o->stop)
			break;
		rc = input_fill(&r->p.in);
		double now = clock_s(CLOCK_REALTIME);
		if (prescan_walk(&r->p.pre, &r->p.in) < 0) {
			snprintf(r->p.in.err, sizeof r->p.in.err, "%s: out of memory",
				 r->p.in.name);
			return -1;
		}
		if (!r->arrived && r->p.pre.have_tsc) {
			r->arrived = true;
			r->arrival = now;
			r->arrival_tsc = r->p.pre.max_tsc;
		}
		if (rc < 0)
			return -1;
		if (prescan_covers(&r->p.pre, r->o->cpu_mhz, PREFIX_SECONDS))
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
	if (!r->p.pre.have_tsc)  /* nothing usable: let the input say why */
		return input_fill(&r->p.in) < 0 ? -1 : 0;
	for (;;) {
		bool all = true;
		for (unsigned c = 0; c < r->p.pre.ncpus && all; c++)
			all = !r->p.pre.c[c].known ||
			      (c < r->p.in.ncpus && r->p.in.cpus[c].present);
		if (all || r->p.in.eof || r->p.in.buffered >= PREFIX_BYTES)
			return 0;
		if (input_fill(&r->p.in) < 0)
			return -1;
	}
}

static int choose_mhz(struct replay *r)
{
	size_t used;
	if (r->o->cpu_mhz > 0) {
		r->p.mhz = r->o->cpu_mhz;
		snprintf(r->p.mhz_source, sizeof r->p.mhz_source, "given with --cpu-mhz");
		return 0;
	}
	if (prescan_mhz(&r->p.pre, &r->p.mhz, &used) < 0)
		return -1;
	snprintf(r->p.mhz_source, sizeof r->p.mhz_source,
		 "calibrated from the trace: %zu executions, %.1f s of CPU time",
		 used, r->p.pre.sum_ran_ns / 1e9);
	return 0;
}

static int choose_start(struct replay *r)
{
	const struct replay_opts *o = r->o;
	struct stat st;

	if (o->have_start) {
		r->p.start = o->start_time;
		snprintf(r->p.start_source, sizeof r->p.start_source,
			 "given with --start-time");
	} else if (!r->p.in.seekable || stat(o->input, &st) < 0) {
		/* The newest record of the first bytes happened before they
		 * arrived; dated then, no second is dated ahead of its end
		 * by more than those bytes took to come through the pipe. */
		if (!r->arrived) {
			r->arrival = clock_s(CLOCK_REALTIME);
			r->arrival_tsc = r->p.pre.min_tsc;
		}
		double span = (double)(r->arrival_tsc - r->p.pre.min_tsc) /
			      (r->p.mhz * 1e6);
		r->p.start = r->arrival - span;
		snprintf(r->p.start_source, sizeof r->p.start_source,
			 "arrival of the stream's first bytes, less the %.3f s "
			 "of trace they held", span);
	} else {
		double span = (double)(r->p.pre.max_tsc - r->p.pre.min_tsc) /
			      (r->p.mhz * 1e6);
		double mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
		r->p.start = mtime - span;
		snprintf(r->p.start_source, sizeof r->p.start_source,
			 "file modification time minus the trace's span of %.3f s",
			 span);
	}
	return 0;
}

/* A file replayed whole into a database it started is compacted: its
 * pages, appended to, are ~88% full; rebuilt, they are full.  A database
 * that had history before is left alone (the cost would not be this
 * run's), as is one that a live stream writes to. */
static void compact(struct replay *r)
{
	if (!r->p.in.seekable || r->o->realtime || !store_was_empty(r->p.store) ||
	    r->p.ws.written == 0 || (r->o->stop && *r->o->stop))
		return;
	if (store_compact(r->p.store, &r->p.bytes_before, &r->p.bytes_after) < 0) {
		log_msg(r->err, LOG_LEVEL_WARNING, "%s; not compacted, the "
			"database is whole", store_error(r->p.store));
		r->p.bytes_after = 0;
	}
}

/* The store opened, and the trace's head read: the frequency and the
 * start chosen.  -1: reported.  Without a record (stopped first), 0. */
static int read_head(struct replay *r)
{
	const struct replay_opts *o = r->o;
	char err[512];

	r->p.store = store_open(o->db, err, sizeof err);
	if (!r->p.store || input_open(&r->p.in, o->input, err, sizeof err) < 0)
		return pipeline_fail(r->err, "%s", err);
	/* A file's head is scanned in a pass of its own (to its end when the
	 * start time must come from its span); a stream's is buffered. */
	int prefix_rc = 0;
	if (r->p.in.seekable) {
		if (prescan_file(&r->p.pre, o->input, o->cpu_mhz, HEAD_SECONDS,
				 !o->have_start, err, sizeof err) < 0)
			return pipeline_fail(r->err, "%s", err);
		prefix_rc = read_until_all_cpus(r);
	} else {
		prefix_rc = read_prefix(r);
	}
	if (!r->p.pre.have_tsc) {
		if (prefix_rc < 0)
			log_msg(r->err, LOG_LEVEL_ERR, "%s", r->p.in.err);
		else if (o->stop && *o->stop)
			return 0;
		else
			log_msg(r->err, LOG_LEVEL_ERR, "%s: no trace records in "
				"the input", r->p.in.name);
		return -1;
	}
	if (choose_mhz(r) < 0) {
		log_msg(r->err, LOG_LEVEL_ERR, "%s: cannot calibrate the CPU "
			"frequency: the trace has too few scheduler switches "
			"(INFNEXT/INFPREV pairs)%s; give it with --cpu-mhz",
			r->p.in.name, prefix_rc < 0 ? " before it goes bad" : "");
		if (prefix_rc < 0)
			log_msg(r->err, LOG_LEVEL_ERR, "%s", r->p.in.err);
		return -1;
	}
	choose_start(r);

	return 0;
}

static int run(struct replay *r, FILE *out)
{
	const struct replay_opts *o = r->o;
	if (read_head(r) < 0)
		return 1;
	if (!r->p.pre.have_tsc)
		return 0;  /* stopped before the first record */
	if (o->realtime) {
		r->p.due = pace;
		r->p.due_ctx = r;
	}
	/* Only what arrives in real time must not wait for a full disk; its
	 * seconds are wall-clock seconds unless a start time was given. */
	bool timely = !r->p.in.seekable || o->realtime;
	struct writer_opts wo = {
		.depth = 8, .backlog = timely ? o->backlog : 0,
		.wall_clock = !r->p.in.seekable && !o->have_start, .log = r->err,
		.report_every = o->full_report_s, .stop = o->stop,
	};
	if (pipeline_start(&r->p, LOOKAHEAD_BYTES, &wo) < 0)
		return 1;
	r->p.merge.stop = o->stop;
	if (o->progress) {
		r->p.merge.progress = progress;
		r->p.merge.progress_ctx = r;
	}

	/* A file cut while mapped ends the replay where it was cut, as a
	 * truncated input; the seconds still open are dropped, since records
	 * of them may have been in the part that is gone. */
	sigjmp_buf cut;
	int rc = -2;
	if (sigsetjmp(cut, 1) == 0) {
		input_guard_begin(&r->p.in, &cut);
		rc = merge_run(&r->p.merge);
	}
	input_guard_end();
	if (o->progress)
		fprintf(r->err, "\r\033[K");
	/* The last second is whole only if the input ended cleanly. */
	int status = pipeline_finish(&r->p, rc, rc == 0);
	if (status == 0 && rc == 0)
		compact(r);
	if (!o->quiet)
		pipeline_summary(&r->p, out, clock_s(CLOCK_MONOTONIC) - r->t0_wall);
	return status;
}

int replay_run(const struct replay_opts *o, FILE *out, FILE *err)
{
	struct replay r = { .o = o, .err = err, .t0_wall = clock_s(CLOCK_MONOTONIC) };
	pipeline_init(&r.p, "replay", err);
	r.p.input = o->input;
	int status = run(&r, out);
	pipeline_free(&r.p);
	return status;
}
