/*
 * A writer thread between the accounting engine and the store, so that
 * SQLite's work overlaps the accounting of the next seconds on another core.
 * Seconds are copied into a bounded queue and written in order, each in its
 * own transaction, exactly as without the thread.
 *
 * When the store falls behind, the engine waits, so memory stays bounded.
 * When the disk is full, waiting would lose trace records the hypervisor
 * cannot hold for long: with a backlog the queue grows instead, up to that
 * many seconds, the writer retries every second, and past the bound the
 * oldest seconds are dropped, counted, and stored in table gap once space
 * returns.
 */
#ifndef XENMON_WRITER_H
#define XENMON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "account.h"
#include "store.h"

struct writer_opts {
	unsigned depth;           /* seconds queued before the engine waits */
	unsigned backlog;         /* full disk: seconds kept (0: fail instead) */
	double report_every;      /* full disk: seconds between reports */
	bool wall_clock;          /* seconds are wall-clock seconds: measure
				     how far behind them each is stored */
	FILE *log;                /* where a full disk is reported */
	/* Set on SIGINT/SIGTERM: what is queued within STOP_GRACE_S of it is
	 * still written, later seconds are not (one record can close hours
	 * of seconds; the stop must not wait for them). */
	const volatile sig_atomic_t *stop;
};

#define WRITER_STOP_GRACE_S 0.5

struct writer_stats {
	uint64_t written, skipped;
	uint64_t completed;       /* stored in part before, completed */
	uint64_t overlapping;     /* stored in part, overlapping: left */
	uint64_t dropped;         /* seconds lost to a full disk */
	uint64_t after_stop;      /* seconds closed too long after a stop */
	bool lag_measured;        /* wall_clock, and a second was stored */
	/* Lag of a commit behind its second's end on the wall clock, whose
	 * origin for a stream is when its first bytes came: later than the
	 * trace began, so it can be negative; its spread is the figure that
	 * says whether the daemon keeps up. */
	double min_lag_s, max_lag_s;
	int64_t max_lag_t;        /* the second it was stored that late */
};

/* Backlog default for live capture and streams. */
#define WRITER_DEFAULT_BACKLOG 600u

struct writer;

struct writer *writer_start(struct store *store, const struct writer_opts *o);

/* Queue a copy of S; -1 if the writer has failed (store_error says why),
 * 1 if S came after the stop's grace and nothing more will be stored.
 * A second with nothing in it (no CPU, no row) is not stored. */
int writer_put(struct writer *w, const struct second *s);

/* Write what is queued (one last try on a full disk), stop the thread, free
 * it.  Returns -1 if any write failed or seconds were lost. */
int writer_finish(struct writer *w, struct writer_stats *st);

/* The summary's line on writing: the longest one-second transaction, the
 * WAL's largest size, the lag behind the trace, what a full disk cost. */
void writer_print_summary(FILE *out, const struct writer_stats *st,
			  const struct store *store);

#endif
