/*
 * Live capture from Xen's trace buffers: the pull loop.
 *
 * Set-up, in this order, so that nothing is touched in Xen before every
 * check that can refuse has passed: are we root (the lock lives in /run,
 * the buffers are mapped through /dev/xen/privcmd; asked first, so that
 * the answer is the same on any machine); is another xenbaked running (it
 * holds the lock, files.h); is this dom0 of a Xen host (xenhost.c); can
 * the database be made and opened (never through a symbolic link,
 * files.c).  Then the Xen side (xenhost.c: no other consumer, handles,
 * facts, buffers, tracing on) and the names (domnames.c); the rest of the
 * run, from the head of the trace on, is the pipeline replay runs too
 * (pipeline.c).
 *
 * Data flow: the merge pulls (input_open_pull).  Each pull is a snapshot
 * of all CPUs at one instant (xenhost_drain), so whatever a CPU writes
 * later is younger than all that was taken, and the merge (run with no
 * look-ahead) never waits for an idle CPU.  Snapshots are 100 ms apart
 * unless Xen raises VIRQ_TBUF (a buffer is half full) sooner: the pull
 * sleeps in poll() on that event channel, xenstore's watch and the rest
 * of the interval.  The interrupt alone would leave a quiet host's seconds
 * unwritten; draining whenever the merge runs dry would chase every
 * record as Xen writes it.
 *
 * SIGINT/SIGTERM: the next pull disables tracing, takes the last snapshot
 * and ends the input, so every complete second is written.
 */
#include "live.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "domnames.h"
#include "files.h"
#include "log.h"
#include "pipeline.h"
#include "xenhost.h"

#define PREFIX_SECONDS 0.5      /* trace read before accounting starts */
#define LOST_REPORT_S 60.0      /* at most one lost-records warning */

struct live {
	const struct live_opts *o;
	FILE *err;
	int lock_fd;
	struct xenhost host;
	struct domnames names;
	struct pipeline p;
	FILE *tee;
	bool ended;
	double last_drain;       /* monotonic seconds */
	uint64_t lost_told;      /* records lost by Xen, as last warned */
	double lost_told_at;     /* monotonic seconds */
};

static bool stopping(const struct live *l)
{
	return l->o->stop && *l->o->stop;
}

/* ---- may we run ----------------------------------------------------- */

/* Root, not a capability: xenbaked does not drop privileges, and
 * everything it touches (privcmd, /run) is root's. */
static int need_root(struct live *l)
{
	if (geteuid() == 0)
		return 0;
	return pipeline_fail(l->err, "live capture needs root (it maps Xen's "
			     "trace buffers through /dev/xen/privcmd and holds "
			     "%s); run it as root in dom0, or replay a "
			     "recording with --input FILE", files_lock_path());
}

static int take_lock(struct live *l)
{
	const char *path = files_lock_path();
	int rc = files_lock_dir(path);
	if (rc < 0)
		return pipeline_fail(l->err, "%s: cannot create its directory: %s",
				     path, strerror(-rc));
	l->lock_fd = files_lock_open(path, true);
	if (l->lock_fd < 0)
		return pipeline_fail(l->err, "%s: cannot open the lock file: %s",
				     path, files_strerror(l->lock_fd));
	if (flock(l->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return pipeline_fail(l->err, "another xenbaked is already "
				     "recording this host (it holds %s)", path);
	/* An older xenbaked, still running from before an upgrade. */
	const char *old = files_lock_legacy_path();
	if (old && files_lock_held(old) == 1)
		return pipeline_fail(l->err, "another xenbaked is already "
				     "recording this host (it holds %s)", old);
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(l->lock_fd, 0) < 0 || write(l->lock_fd, pid, (size_t)n) < 0)
		return pipeline_fail(l->err, "%s: cannot write the lock file: %s",
				     path, strerror(errno));
	return 0;
}

/* ---- the pull loop ---------------------------------------------------- */

static int tee_window(struct live *l, unsigned cpu, const uint8_t *p, size_t n)
{
	uint32_t hdr[3] = { TRACE_WINDOW_HDR, cpu, (uint32_t)n };
	if (fwrite(hdr, sizeof hdr, 1, l->tee) != 1 ||
	    fwrite(p, 1, n, l->tee) != n)
		return -1;
	return 0;
}

static int sink(void *ctx, unsigned cpu, const uint8_t *p, size_t n)
{
	struct live *l = ctx;
	struct input *in = &l->p.in;
	if (input_append(in, cpu, p, n, l->p.pulled) < 0)
		return -ENOMEM;
	if (l->tee && tee_window(l, cpu, p, n) < 0) {
		snprintf(in->err, sizeof in->err, "cannot write %s: %s",
			 l->o->tee, strerror(errno));
		return -EIO;
	}
	l->p.pulled += n;
	l->p.pulled_windows++;
	return 0;
}

static int64_t drain(struct live *l)
{
	return xenhost_drain(&l->host, sink, l, l->p.in.err,
			     sizeof l->p.in.err);
}

/* Sleep until Xen says a buffer is half full, a domain came or went, or
 * TIMEOUT_MS passed.  A signal cuts it short. */
static void wait_for_data(struct live *l, int timeout_ms)
{
	struct pollfd fds[2];
	nfds_t n = 0;
	int evi = -1, xsi = -1;
	if (xenhost_event_fd(&l->host) >= 0) {
		evi = (int)n;
		fds[n++] = (struct pollfd){ .fd = xenhost_event_fd(&l->host),
					    .events = POLLIN };
	}
	if (domnames_fd(&l->names) >= 0) {
		xsi = (int)n;
		fds[n++] = (struct pollfd){ .fd = domnames_fd(&l->names),
					    .events = POLLIN };
	}
	if (poll(fds, n, timeout_ms) <= 0)
		return;
	if (evi >= 0 && fds[evi].revents & POLLIN)
		xenhost_event_ack(&l->host);
	if (xsi >= 0 && fds[xsi].revents & POLLIN)
		domnames_take_events(&l->names);
}

/* Records Xen lost (its buffers were full: --tbuf-pages too small, or a
 * dom0 too busy to drain them) make their seconds incomplete; said at most
 * once a minute, so that a host losing records all day does not flood the
 * journal while each burst still shows. */
static void warn_lost(struct live *l)
{
	if (!l->p.acct)
		return;
	uint64_t lost = acct_stats(l->p.acct)->lost_records;
	double now = clock_s(CLOCK_MONOTONIC);
	if (lost == l->lost_told || (l->lost_told_at &&
				     now - l->lost_told_at < LOST_REPORT_S))
		return;
	log_msg(l->err, LOG_LEVEL_WARNING, "Xen lost %" PRIu64 " trace records "
		"(%" PRIu64 " in all): the seconds they fall in are incomplete; "
		"larger buffers (--tbuf-pages, now %u per CPU) may help",
		lost - l->lost_told, lost, l->host.pages);
	l->lost_told = lost;
	l->lost_told_at = now;
}

static int pull(struct input *in, void *ctx)
{
	struct live *l = ctx;
	if (l->ended)
		return 0;
	if (stopping(l)) {
		/* No record can follow once tracing is off: the last snapshot
		 * holds the rest of the trace. */
		xenhost_disable(&l->host);
		l->ended = true;
		return drain(l) < 0 ? -1 : 1;
	}
	/* At most one drain per interval unless Xen asks for one: draining
	 * whenever the merge runs dry would chase every record as it is
	 * written, and cost dom0 a CPU's worth of wake-ups on a busy host. */
	double now = clock_s(CLOCK_MONOTONIC);
	double left = l->last_drain + XENHOST_POLL_MS / 1000.0 - now;
	if (left > 0)
		wait_for_data(l, (int)ceil(left * 1000));
	int64_t n = drain(l);
	l->last_drain = clock_s(CLOCK_MONOTONIC);
	warn_lost(l);
	if (n < 0)
		return -1;
	if (l->p.acct && domnames_apply(&l->names, l->p.acct, false) < 0) {
		snprintf(in->err, sizeof in->err, "out of memory");
		return -1;
	}
	return 1;
}

/* ---- the run ---------------------------------------------------------- */

static int set_up(struct live *l)
{
	char err[512];
	if (need_root(l) < 0 || take_lock(l) < 0 || xenhost_check(&l->host) < 0)
		return -1;
	if (files_prepare_db(l->o->db, err, sizeof err) < 0)
		return pipeline_fail(l->err, "%s", err);
	l->p.store = store_open(l->o->db, err, sizeof err);
	if (!l->p.store)
		return pipeline_fail(l->err, "%s", err);
	if (l->o->tee && !(l->tee = fopen(l->o->tee, "wb")))
		return pipeline_fail(l->err, "cannot create %s: %s", l->o->tee,
				     strerror(errno));
	if (xenhost_open(&l->host) < 0)
		return -1;
	domnames_open(&l->names, l->err, l->o->quiet);
	l->p.host = l->host.facts;
	l->p.mhz = l->host.mhz;
	snprintf(l->p.mhz_source, sizeof l->p.mhz_source, "%s",
		 l->host.mhz_source);
	input_open_pull(&l->p.in, l->p.input, pull, l);
	if (xenhost_enable(&l->host) < 0)
		return -1;
	return 0;
}

/* Read until the head tells every vCPU's state, or we are stopped. */
static int read_prefix(struct live *l)
{
	struct pipeline *p = &l->p;
	double until = 0;
	for (;;) {
		if (input_fill(&p->in) < 0)
			return pipeline_fail(l->err, "%s", p->in.err);
		if (prescan_walk(&p->pre, &p->in) < 0)
			return pipeline_fail(l->err, "out of memory");
		if (p->in.eof)
			return 0;
		uint64_t h = prescan_horizon(&p->pre);
		if (p->pre.have_tsc && h > p->pre.min_tsc &&
		    (double)(h - p->pre.min_tsc) / (p->mhz * 1e6) >= PREFIX_SECONDS)
			return 0;
		/* A host so quiet that no CPU passes the horizon: go on. */
		double now = clock_s(CLOCK_MONOTONIC);
		if (p->pre.have_tsc && !until)
			until = now + 2 * PREFIX_SECONDS;
		if (until && now > until)
			return 0;
	}
}

static int start(struct live *l)
{
	struct pipeline *p = &l->p;
	p->start = xenhost_time_of(&l->host, p->pre.min_tsc, p->start_source,
				   sizeof p->start_source);
	pipeline_record_facts(p);
	struct writer_opts wo = {
		.depth = 8, .backlog = l->o->backlog, .wall_clock = true,
		.report_every = l->o->full_report_s, .stop = l->o->stop,
		.log = l->err,
	};
	/* No look-ahead: each pull is a snapshot of all CPUs (see above). */
	if (pipeline_start(p, 0, &wo) < 0)
		return -1;
	if (domnames_apply(&l->names, p->acct, true) < 0)
		return pipeline_fail(l->err, "out of memory");
	/* Said once the run is in the database, so that "recording" is true
	 * (and a script may wait for it). */
	if (!l->o->quiet)
		log_msg(l->err, LOG_LEVEL_INFO, "recording Xen %s (%s, %" PRIu32
			" CPUs, %.3f MHz) into %s", l->p.host.xen_version,
			l->p.host.scheduler, l->p.host.cpus, l->p.mhz, l->o->db);
	return 0;
}

/* Run the merge until stopped; the outcome is reported once, there. */
static int record(struct live *l, FILE *out, double t0)
{
	int rc = merge_run(&l->p.merge);
	xenhost_disable(&l->host);
	if (rc == 0 && l->tee && fflush(l->tee) != 0) {
		snprintf(l->p.in.err, sizeof l->p.in.err, "cannot write %s: %s",
			 l->o->tee, strerror(errno));
		rc = -1;
	}
	/* The last second is not complete: tracing stopped within it. */
	int status = pipeline_finish(&l->p, rc, false);
	if (!l->o->quiet)
		pipeline_summary(&l->p, out, clock_s(CLOCK_MONOTONIC) - t0);
	return status ? -1 : 0;
}

static int capture(struct live *l, FILE *out)
{
	double t0 = clock_s(CLOCK_MONOTONIC);
	if (set_up(l) < 0 || read_prefix(l) < 0)
		return -1;
	if (!l->p.pre.have_tsc)
		return 0;  /* stopped before the first record */
	if (start(l) < 0)
		return -1;
	return record(l, out, t0);
}

int live_run(const struct live_opts *o, FILE *out, FILE *err)
{
	struct live l = {
		.o = o, .err = err, .lock_fd = -1,
		.host = {
			.err = err, .quiet = o->quiet,
			.pages = o->tbuf_pages ? o->tbuf_pages :
				 LIVE_DEFAULT_TBUF_PAGES,
			.pages_given = o->tbuf_pages != 0,
			.cpu_mhz_given = o->cpu_mhz,
		},
	};
	pipeline_init(&l.p, "live", err);
	l.p.input = "Xen trace buffers";
	int rc = capture(&l, out);
	xenhost_disable(&l.host);
	pipeline_free(&l.p);
	if (l.tee)
		fclose(l.tee);
	domnames_close(&l.names);
	xenhost_close(&l.host);
	if (l.lock_fd >= 0)
		close(l.lock_fd);
	return rc < 0 ? 1 : 0;
}
