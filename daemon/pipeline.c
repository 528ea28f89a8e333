/*
 * One run of xenbaked, live or replayed (pipeline.h).
 *
 * The outcome: the first failure is the one reported, once, and written
 * to the run table as its status; it is taken before the facts are
 * written again, since on a full disk they fail too.  The engine failing
 * (the store, memory) or a file cut while mapped keeps what was written;
 * the input or the merge failing ends the run after every complete second
 * before it was written.  A stop is an ordinary end.
 */
#include "pipeline.h"
#include "timearg.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "peak_rss.h"

int pipeline_fail(FILE *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(err, LOG_LEVEL_ERR, fmt, ap);
	va_end(ap);
	return -1;
}

void pipeline_init(struct pipeline *p, const char *mode, FILE *err)
{
	memset(p, 0, sizeof *p);
	p->mode = mode;
	p->err = err;
	p->in.fd = -1;
}

void pipeline_free(struct pipeline *p)
{
	if (p->writer) {
		writer_finish(p->writer, &p->ws);
		p->writer = NULL;
	}
	merge_free(&p->merge);
	acct_free(p->acct);
	p->acct = NULL;
	prescan_free(&p->pre);
	store_close(p->store);
	p->store = NULL;
	if (p->in.chunk || p->in.pull)
		input_close(&p->in);
}

static int emit(void *ctx, const struct second *s)
{
	struct pipeline *p = ctx;
	if (p->due && !p->due(p->due_ctx, s->t)) {
		p->not_due++;
		return 0;
	}
	return writer_put(p->writer, s);
}

static struct run_info run_info(const struct pipeline *p, const char *status)
{
	return (struct run_info){
		.mode = p->mode, .input = p->in.name,
		.cpu_mhz = p->mhz, .cpu_mhz_source = p->mhz_source,
		.start_time = p->start, .start_source = p->start_source,
		.st = p->acct ? acct_stats(p->acct) : NULL,
		.tsc_anomalies = p->merge.guard.tsc_backwards +
				 p->merge.guard.tsc_jumps,
		.seconds_written = p->ws.written, .seconds_skipped = p->ws.skipped,
		.seconds_dropped = p->ws.dropped,
		.seconds_completed = p->ws.completed,
		.seconds_overlapping = p->ws.overlapping,
		.lag_measured = p->ws.lag_measured, .max_lag_s = p->ws.max_lag_s,
		.malformed_seen = p->merge.malformed_seen,
		.malformed_off = p->merge.malformed_off,
		.status = status,
	};
}

int pipeline_start(struct pipeline *p, size_t lookahead,
		   const struct writer_opts *wo)
{
	struct acct_config cfg = { .cpu_mhz = p->mhz, .emit = emit, .ctx = p };
	unix_split(p->start, &cfg.anchor_unix_s, &cfg.anchor_unix_ns);
	p->acct = acct_new(&cfg);
	if (!p->acct || merge_init(&p->merge, &p->in, p->acct, p->mhz,
				   lookahead) < 0 ||
	    prescan_hints(&p->pre, p->acct, prescan_horizon(&p->pre)) < 0)
		return pipeline_fail(p->err, "out of memory");
	prescan_free(&p->pre);
	struct run_info ri = run_info(p, "running");
	if (store_run_begin(p->store, &ri) < 0)
		return pipeline_fail(p->err, "%s", store_error(p->store));
	p->writer = writer_start(p->store, wo);
	if (!p->writer)
		return pipeline_fail(p->err, "cannot start the writer thread");
	return 0;
}

void pipeline_record_facts(struct pipeline *p)
{
	const struct host_facts *h = &p->host;
	char buf[64];
	store_meta_num(p->store, "cpu_mhz", p->mhz);
	store_meta(p->store, "cpu_mhz_source", p->mhz_source);
	store_meta_num(p->store, "start_time", p->start);
	store_meta(p->store, "start_time_source", p->start_source);
	store_meta(p->store, "mode", p->mode);
	store_meta(p->store, "input", p->input);
	snprintf(buf, sizeof buf, "%" PRIu32, h->cpus ? h->cpus :
		 p->acct ? acct_stats(p->acct)->cpus_seen : 0);
	store_meta(p->store, "cpus", buf);
	store_meta(p->store, "xen_version", h->xen_version[0] ? h->xen_version :
		   "unknown (replayed trace)");
	if (h->cpu_khz) {
		snprintf(buf, sizeof buf, "%" PRIu32, h->cpu_khz);
		store_meta(p->store, "cpu_khz", buf);
	}
	if (h->scheduler[0])
		store_meta(p->store, "scheduler", h->scheduler);
	if (h->tbuf_pages) {
		snprintf(buf, sizeof buf, "%u", h->tbuf_pages);
		store_meta(p->store, "tbuf_pages", buf);
	}
}

int pipeline_finish(struct pipeline *p, int rc, bool last_whole)
{
	if (rc != -2)
		acct_finish(p->acct, last_whole);
	int wrc = writer_finish(p->writer, &p->ws);
	p->writer = NULL;
	p->ws.after_stop += p->not_due;

	char why[600] = "ok";
	int status = 0;
	bool engine_failed = wrc < 0 || acct_error(p->acct);
	if (engine_failed || rc == -2) {
		snprintf(why, sizeof why, "%s", !engine_failed ? p->in.err :
			 store_error(p->store)[0] ? store_error(p->store) :
			 "out of memory");
		pipeline_fail(p->err, "%s; the %" PRIu64 " seconds written "
			      "before it are kept", why, p->ws.written);
		status = 1;
	} else if (rc < 0) {
		snprintf(why, sizeof why, "%s", p->merge.err[0] ? p->merge.err :
			 p->in.err);
		pipeline_fail(p->err, "%s; every complete second before it was "
			      "written", why);
		status = 1;
	} else if (rc == 1) {
		snprintf(why, sizeof why, "interrupted");
	}
	pipeline_record_facts(p);
	struct run_info ri = run_info(p, why);
	store_run_end(p->store, &ri);
	return status;
}

/* ---- the summary ----------------------------------------------------- */

/* On the local clock (TZ), with the zone's name, as journalctl shows. */
static void fmt_time(char *buf, size_t n, double unix_s, bool ms)
{
	int64_t t = (int64_t)floor(unix_s);
	char zone[16];
	timearg_strftime(buf, n, t, false, "%Y-%m-%d %H:%M:%S");
	timearg_strftime(zone, sizeof zone, t, false, "%Z");
	size_t k = strlen(buf);
	if (ms)
		k += (size_t)snprintf(buf + k, n - k, ".%03d",
				      (int)((unix_s - floor(unix_s)) * 1000));
	snprintf(buf + k, n - k, " %s", zone);
}

static void print_host(const struct pipeline *p, FILE *out)
{
	const struct host_facts *h = &p->host;
	if (!h->xen_version[0]) {
		fprintf(out, "host       not known (a replayed trace)\n");
		return;
	}
	fprintf(out, "host       Xen %s, %s scheduler, %" PRIu32 " CPUs, trace "
		"buffers of %u pages per CPU\n", h->xen_version, h->scheduler,
		h->cpus, h->tbuf_pages);
}

static void print_records(const struct pipeline *p, FILE *out)
{
	const struct acct_stats *s = acct_stats(p->acct);
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
	if (p->merge.malformed_seen)
		fprintf(out, ", the first at byte %" PRIu64 "; their CPU-seconds "
			"are marked incomplete", p->merge.malformed_off);
	fprintf(out, "\n");
	fprintf(out, "lost       %" PRIu64 " records lost by Xen\n", s->lost_records);
	fprintf(out, "anomalies  %" PRIu64 " late, %" PRIu64 " state resyncs, %"
		PRIu64 " TSC backwards, %" PRIu64 " TSC jumps, %" PRIu64
		" untimed\n", s->late, s->resyncs, p->merge.guard.tsc_backwards,
		p->merge.guard.tsc_jumps, s->untimed);
}

static void print_seconds(const struct pipeline *p, FILE *out)
{
	const struct acct_stats *s = acct_stats(p->acct);
	char a[64], b[64];
	if (s->seconds_emitted) {
		fmt_time(a, sizeof a, (double)s->first_t, false);
		fmt_time(b, sizeof b, (double)s->last_t, false);
		fprintf(out, "seconds    %" PRIu64 " written, %" PRIu64
			" already stored and left as they were (%s .. %s)\n",
			p->ws.written, p->ws.skipped, a, b);
	} else {
		fprintf(out, "seconds    none\n");
	}
	if (p->ws.completed)
		fprintf(out, "           %" PRIu64 " partly stored by an earlier "
			"run: completed with this trace's part\n", p->ws.completed);
	if (p->ws.overlapping)
		fprintf(out, "           %" PRIu64 " partly stored by an earlier "
			"run, overlapping this trace's part: left as they were\n",
			p->ws.overlapping);
}

void pipeline_summary(const struct pipeline *p, FILE *out, double elapsed)
{
	const struct acct_stats *s = acct_stats(p->acct);
	bool pulled = p->in.pull != NULL;
	uint64_t bytes = pulled ? p->pulled : p->in.off;
	char a[64];

	print_host(p, out);
	fprintf(out, "trace      %s: %" PRIu64 " bytes in %" PRIu64 " windows\n",
		p->in.name, bytes, pulled ? p->pulled_windows : p->in.windows);
	print_records(p, out);
	fprintf(out, "frequency  %.3f MHz, %s\n", p->mhz, p->mhz_source);
	fmt_time(a, sizeof a, p->start, true);
	fprintf(out, "start      %s (%.6f), %s\n", a, p->start, p->start_source);
	print_seconds(p, out);
	writer_print_summary(out, &p->ws, p->store);
	if (p->bytes_after)
		fprintf(out, "database   %.2f MB, compacted from %.2f MB\n",
			p->bytes_after / 1e6, p->bytes_before / 1e6);
	fprintf(out, "seen       %" PRIu32 " CPUs, %" PRIu32 " domains, %" PRIu32
		" vCPUs\n", s->cpus_seen, s->domains_seen, s->vcpus_seen);
	if (peak_rss_kib() > 0)
		fprintf(out, "memory     %.1f MiB at most (resident)\n",
			peak_rss_kib() / 1024.0);
	fprintf(out, "elapsed    %.3f s: %.2f M records/s, %.1f MB/s\n", elapsed,
		elapsed > 0 ? s->records / elapsed / 1e6 : 0,
		elapsed > 0 ? bytes / elapsed / 1e6 : 0);
}
