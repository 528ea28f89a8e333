/*
 * Replaying a recorded trace (a file, or a stream on standard input) into
 * the database: look-ahead for the frequency and the vCPUs' initial states,
 * then input -> merge -> accounting -> store, and a summary at the end
 * (the pipeline live capture runs too, pipeline.h).
 */
#ifndef XENMON_REPLAY_H
#define XENMON_REPLAY_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

struct replay_opts {
	const char *input;        /* path or "-" */
	const char *db;
	double cpu_mhz;           /* 0: calibrate from the trace */
	bool have_start;
	double start_time;        /* Unix seconds of the first record */
	bool realtime;
	unsigned backlog;
	double full_report_s;     /* between reports of a full disk */         /* a stream or --realtime: seconds kept while
				     the disk is full (a file waits for no one:
				     it stops, and a rerun goes on) */
	bool quiet;
	bool progress;            /* draw progress on stderr */
	const volatile sig_atomic_t *stop;
};

/* Exit status: 0 done, 1 runtime error (reported on ERR). */
int replay_run(const struct replay_opts *o, FILE *out, FILE *err);

#endif
