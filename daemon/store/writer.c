#include "writer.h"
#include "clock.h"
#include "log.h"
#include "notify.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot {
	struct second s;
	struct cpu_row *cpus;
	struct sample_row *samples;
	struct domain_row *doms;
	size_t cpus_cap, samples_cap, doms_cap;
};

/* Seconds dropped on a full disk, as ranges not yet stored in table gap. */
struct gap {
	int64_t first_t, last_t;
	uint64_t seconds;
};

#define MAX_PENDING_GAPS 64

struct writer {
	struct store *store;
	struct writer_opts o;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct slot *ring;        /* queued seconds, oldest at head */
	unsigned cap, head, count;
	struct slot cur;          /* the second being written: the thread's */
	bool done, failed;
	bool full;                /* the last write found the disk full */
	double full_since, last_report;
	double stop_seen;         /* when the stop was first seen, or 0 */
	struct gap gaps[MAX_PENDING_GAPS];
	unsigned ngaps;
	struct writer_stats st;
};

/* Under the lock.  A range that cannot be kept apart (too many) widens the
 * last one, so the seconds are counted whatever happens. */
static void note_dropped(struct writer *w, int64_t t)
{
	struct gap *g = w->ngaps ? &w->gaps[w->ngaps - 1] : NULL;
	w->st.dropped++;
	if (g && (t == g->last_t + 1 || w->ngaps == MAX_PENDING_GAPS)) {
		if (t > g->last_t)
			g->last_t = t;
		g->seconds++;
		return;
	}
	w->gaps[w->ngaps++] = (struct gap){ t, t, 1 };
}

static void report_full(struct writer *w, double now)
{
	if (!w->o.log)
		return;
	if (!w->full)
		log_msg(w->o.log, LOG_LEVEL_WARNING, "%s; keeping up to %u "
			"seconds in memory and retrying every second",
			store_error(w->store), w->o.backlog);
	else
		log_msg(w->o.log, LOG_LEVEL_WARNING, "%s: disk still full after "
			"%.0f s; %u seconds wait in memory, %" PRIu64 " dropped "
			"so far",
			store_path(w->store), now - w->full_since, w->count,
			w->st.dropped);
	w->last_report = now;
}

static void report_recovered(struct writer *w, double now)
{
	if (!w->o.log)
		return;
	/* Seconds dropped stay a warning; a wait that lost none is news. */
	log_msg(w->o.log, w->st.dropped ? LOG_LEVEL_WARNING : LOG_LEVEL_INFO,
		"%s: writing again after %.0f s of full disk; %u seconds from "
		"memory follow, %" PRIu64 " were dropped (recorded in table gap)",
		store_path(w->store), now - w->full_since, w->count,
		w->st.dropped);
}

/* Store the dropped ranges; on failure they stay pending for next time. */
static void flush_gaps(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->ngaps) {
		struct gap g = w->gaps[0];
		pthread_mutex_unlock(&w->lock);
		int rc = store_gap(w->store, g.first_t, g.last_t, g.seconds,
				   "disk full");
		pthread_mutex_lock(&w->lock);
		if (rc < 0)
			break;
		/* Only the last range can have grown meanwhile. */
		if (w->ngaps == 1 && w->gaps[0].seconds != g.seconds) {
			w->gaps[0].first_t = g.last_t + 1;
			w->gaps[0].seconds -= g.seconds;
			continue;
		}
		memmove(w->gaps, w->gaps + 1, (w->ngaps - 1) * sizeof *w->gaps);
		w->ngaps--;
	}
	pthread_mutex_unlock(&w->lock);
}

/* The disk was full: wait a second (less if asked to finish).  Returns
 * false when it is time to give up: finishing and one more try failed. */
static bool wait_for_space(struct writer *w, bool *last_try)
{
	double now = clock_s(CLOCK_MONOTONIC);
	bool go_on = true;
	pthread_mutex_lock(&w->lock);
	if (!w->full || now - w->last_report >= w->o.report_every)
		report_full(w, now);
	if (!w->full) {
		w->full = true;
		w->full_since = now;
		pthread_cond_broadcast(&w->changed);  /* the engine may queue */
	}
	if (*last_try) {
		go_on = false;
	} else {
		/* Each second queued wakes us too: retry once a second only. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		while (!w->done &&
		       pthread_cond_timedwait(&w->changed, &w->lock, &ts) == 0)
			;
	}
	if (w->done)
		*last_try = true;
	pthread_mutex_unlock(&w->lock);
	return go_on;
}

/* How long after S ended it was stored; a second that the end of the
 * trace cut ends where the trace did. */
static void note_lag(struct writer *w, const struct second *s)
{
	uint64_t end_ns = 1000000000;
	if (!s->complete) {
		end_ns = 0;
		for (size_t i = 0; i < s->ncpus; i++)
			if (s->cpus[i].from_ns + s->cpus[i].observed_ns > end_ns)
				end_ns = s->cpus[i].from_ns + s->cpus[i].observed_ns;
	}
	int64_t t = s->t;
	double lag = clock_s(CLOCK_REALTIME) - ((double)t + end_ns / 1e9);
	if (!w->st.lag_measured || lag > w->st.max_lag_s) {
		w->st.max_lag_s = lag;
		w->st.max_lag_t = t;
	}
	if (!w->st.lag_measured || lag < w->st.min_lag_s)
		w->st.min_lag_s = lag;
	w->st.lag_measured = true;
}

/* Write the current second, retrying while the disk is full: what
 * store_second did with it, or -1. */
static int write_current(struct writer *w)
{
	bool last_try = false;
	for (;;) {
		int rc = store_second(w->store, &w->cur.s);
		if (rc >= 0) {
			if ((rc == STORE_WRITTEN || rc == STORE_COMPLETED) &&
			    w->o.wall_clock)
				note_lag(w, &w->cur.s);
			if ((rc == STORE_WRITTEN || rc == STORE_COMPLETED) &&
			    w->o.stored)
				w->o.stored(w->o.stored_ctx, &w->cur.s);
			pthread_mutex_lock(&w->lock);
			bool was_full = w->full;
			w->full = false;
			if (was_full)
				report_recovered(w, clock_s(CLOCK_MONOTONIC));
			pthread_mutex_unlock(&w->lock);
			flush_gaps(w);
			return rc;
		}
		if (!w->o.backlog || !store_no_space(w->store) ||
		    !wait_for_space(w, &last_try))
			return -1;
	}
}

static void swap_slots(struct slot *a, struct slot *b)
{
	struct slot t = *a;
	*a = *b;
	*b = t;
}

/* Under the lock: what could not be written is lost; count it. */
static void abandon(struct writer *w)
{
	note_dropped(w, w->cur.s.t);
	while (w->count) {
		note_dropped(w, w->ring[w->head].s.t);
		w->head = (w->head + 1) % w->cap;
		w->count--;
	}
	if (w->o.log && w->full)
		log_msg(w->o.log, LOG_LEVEL_ERR, "%s: disk still full at exit: "
			"%" PRIu64 " seconds held in memory are lost",
			store_path(w->store), w->st.dropped);
}

static void *run(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->count == 0 && !w->done)
			pthread_cond_wait(&w->changed, &w->lock);
		if (w->count == 0)
			break;
		swap_slots(&w->cur, &w->ring[w->head]);
		w->head = (w->head + 1) % w->cap;
		w->count--;
		pthread_cond_broadcast(&w->changed);
		bool failed = w->failed;
		pthread_mutex_unlock(&w->lock);
		int rc = failed ? -1 : write_current(w);
		/* A second is in the database (written now or before): the
		 * service is ready (notify.h). */
		if (rc == STORE_WRITTEN || rc == STORE_SKIPPED ||
		    rc == STORE_COMPLETED || rc == STORE_OVERLAP)
			notify_ready("READY=1\nSTATUS=recording");
		pthread_mutex_lock(&w->lock);
		if (rc == STORE_WRITTEN)
			w->st.written++;
		else if (rc == STORE_SKIPPED)
			w->st.skipped++;
		else if (rc == STORE_COMPLETED)
			w->st.completed++;
		else if (rc == STORE_OVERLAP)
			w->st.overlapping++;
		else if (!w->failed) {
			w->failed = true;
			if (w->full)
				abandon(w);
		}
		pthread_cond_broadcast(&w->changed);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct writer *writer_start(struct store *store, const struct writer_opts *o)
{
	struct writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->store = store;
	w->o = *o;
	if (w->o.depth < 1)
		w->o.depth = 1;
	if (w->o.report_every <= 0)
		w->o.report_every = 60;
	w->cap = w->o.depth;
	w->ring = calloc(w->cap, sizeof *w->ring);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->changed, NULL);
	if (!w->ring || pthread_create(&w->thread, NULL, run, w) != 0) {
		free(w->ring);
		free(w);
		return NULL;
	}
	return w;
}

static int copy_into(void **dst, size_t *cap, const void *src, size_t n, size_t elem)
{
	if (n > *cap) {
		void *p = realloc(*dst, n * elem);
		if (!p)
			return -1;
		*dst = p;
		*cap = n;
	}
	if (n)
		memcpy(*dst, src, n * elem);
	return 0;
}

/* Under the lock: room for the backlog, in order from index 0. */
static int grow(struct writer *w)
{
	unsigned cap = w->cap * 2 < w->o.backlog ? w->cap * 2 : w->o.backlog;
	if (cap <= w->cap)
		return -1;
	struct slot *ring = calloc(cap, sizeof *ring);
	if (!ring)
		return -1;
	for (unsigned i = 0; i < w->cap; i++)
		ring[i] = w->ring[(w->head + i) % w->cap];
	free(w->ring);
	w->ring = ring;
	w->head = 0;
	w->cap = cap;
	return 0;
}

/* Under the lock, before queueing a second: wait for the writer while the
 * queue is full, or on a full disk keep the second in a bigger queue, up to
 * the backlog, and past it make room by dropping the oldest. */
static void drop_oldest(struct writer *w)
{
	note_dropped(w, w->ring[w->head].s.t);
	w->head = (w->head + 1) % w->cap;
	w->count--;
}

static void make_room(struct writer *w)
{
	while (!w->failed) {
		if (w->full && w->o.backlog) {
			while (w->count && w->count >= w->o.backlog)
				drop_oldest(w);
			if (w->count < w->cap || grow(w) == 0)
				return;
			drop_oldest(w);
			return;
		}
		if (w->count < w->o.depth)
			return;
		pthread_cond_wait(&w->changed, &w->lock);
	}
}

/* Only the engine's thread calls this (stop_seen is its own). */
static bool too_late(struct writer *w)
{
	if (!w->o.stop || !*w->o.stop)
		return false;
	double now = clock_s(CLOCK_MONOTONIC);
	if (!w->stop_seen)
		w->stop_seen = now;
	return now - w->stop_seen > WRITER_STOP_GRACE_S;
}

int writer_put(struct writer *w, const struct second *s)
{
	if (!s->ncpus && !s->nsamples)
		return 0;
	if (too_late(w)) {
		w->st.after_stop++;
		return 1;
	}
	pthread_mutex_lock(&w->lock);
	make_room(w);
	bool failed = w->failed;
	unsigned tail = (w->head + w->count) % w->cap;
	struct slot *sl = &w->ring[tail];
	pthread_mutex_unlock(&w->lock);
	if (failed)
		return -1;

	/* Only this thread touches the tail slot, and only this thread moves
	 * the ring, until count covers the slot. */
	if (copy_into((void **)&sl->cpus, &sl->cpus_cap, s->cpus, s->ncpus,
		      sizeof *s->cpus) < 0 ||
	    copy_into((void **)&sl->samples, &sl->samples_cap, s->samples,
		      s->nsamples, sizeof *s->samples) < 0 ||
	    copy_into((void **)&sl->doms, &sl->doms_cap, s->doms, s->ndoms,
		      sizeof *s->doms) < 0)
		return -1;
	sl->s = *s;
	sl->s.cpus = sl->cpus;
	sl->s.samples = sl->samples;
	sl->s.doms = sl->doms;

	pthread_mutex_lock(&w->lock);
	w->count++;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static void free_slot(struct slot *sl)
{
	free(sl->cpus);
	free(sl->samples);
	free(sl->doms);
}

int writer_finish(struct writer *w, struct writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	int rc = w->failed || w->ngaps ? -1 : 0;
	*st = w->st;
	for (unsigned i = 0; i < w->cap; i++)
		free_slot(&w->ring[i]);
	free_slot(&w->cur);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->changed);
	free(w->ring);
	free(w);
	return rc;
}

void writer_print_summary(FILE *out, const struct writer_stats *st,
			  const struct store *store)
{
	const struct store_write_stats *ws = store_write_stats(store);
	fprintf(out, "writes     longest second %.1f ms, WAL at most %.1f MB",
		ws->max_txn_s * 1e3, ws->wal_peak_bytes / 1e6);
	if (st->lag_measured)
		fprintf(out, ", lag %.0f..%.0f ms behind the stream's clock",
			st->min_lag_s * 1e3, st->max_lag_s * 1e3);
	if (st->dropped)
		fprintf(out, "; %" PRIu64 " seconds dropped on a full disk",
			st->dropped);
	if (st->after_stop)
		fprintf(out, "; %" PRIu64 " seconds closed after the stop not "
			"written", st->after_stop);
	fprintf(out, "\n");
}
