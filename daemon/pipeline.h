/*
 * One run of xenbaked, live or replayed: what both do once the head of
 * the trace is read.  Bring-up (accounting, merge, writer thread, the run
 * record begun), the facts about the host in the meta table, the outcome
 * (reported once, recorded in the run table) and the summary.  Replay
 * (replay.c) and live capture (live.c) differ only in where the bytes come
 * from, how the frequency and start are found, and what they know of the
 * host; everything they print and record comes from here, so the two
 * cannot drift apart.
 */
#ifndef XENMON_PIPELINE_H
#define XENMON_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "account.h"
#include "exporter.h"
#include "input.h"
#include "merge.h"
#include "prescan.h"
#include "store.h"
#include "writer.h"

/* What the run knows of the host: a replay knows none of it (empty, 0). */
struct host_facts {
	char xen_version[64];
	char scheduler[32];
	uint32_t cpus;            /* Xen's count; 0: the CPUs the trace shows */
	uint32_t cpu_khz;
	unsigned tbuf_pages;      /* per CPU */
};

struct pipeline {
	const char *mode;         /* "replay" or "live" */
	const char *input;        /* as given: the meta table records it */
	FILE *err;
	struct input in;
	struct prescan pre;
	struct store *store;
	struct acct *acct;
	struct merge merge;
	struct writer *writer;
	struct writer_stats ws;
	struct host_facts host;
	double mhz;
	char mhz_source[160];
	double start;
	char start_source[160];
	/* A pulled input counts what it took, in bytes and windows (one a
	 * CPU's drain); a file's or a stream's are in the input. */
	uint64_t pulled, pulled_windows;
	/* --realtime: false if a stop came before the second is due; it is
	 * then counted, not written. */
	bool (*due)(void *ctx, int64_t t);
	void *due_ctx;
	uint64_t not_due;
	uint64_t bytes_before, bytes_after;  /* compacted, when both > 0 */
	struct exporter *exporter; /* --metrics-listen's counters, or NULL */
};

/* The one place a set-up error is reported: "xenbaked: ..." on ERR.
 * Returns -1. */
int pipeline_fail(FILE *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void pipeline_init(struct pipeline *p, const char *mode, FILE *err);
void pipeline_free(struct pipeline *p);

/* Accounting from the start p->start at p->mhz, told what the head scan
 * (p->pre) learnt and then freed; the merge, LOOKAHEAD bytes ahead; the
 * run record begun; the writer thread.  -1: reported. */
int pipeline_start(struct pipeline *p, size_t lookahead,
		   const struct writer_opts *wo);

/* The host's facts, the frequency and the start, in the meta table. */
void pipeline_record_facts(struct pipeline *p);

/* After the merge returned RC (0 its input's end, 1 a stop, -1 an error
 * of the input or the merge, -2 a file cut while mapped): the last
 * second closed (as whole when LAST_WHOLE), the writer drained, the first
 * failure reported on err, the facts and the run's end recorded.  Returns
 * the exit status, 0 or 1. */
int pipeline_finish(struct pipeline *p, int rc, bool last_whole);

/* The summary, the same fields for live and replay. */
void pipeline_summary(const struct pipeline *p, FILE *out, double elapsed);

#endif
