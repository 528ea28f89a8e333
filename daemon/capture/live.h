/*
 * Live capture: recording the host xenbaked runs on, from Xen's trace
 * buffers, into the same accounting and database as a replay, through the
 * same pipeline (pipeline.h): live.c the pull loop, xenhost.c the Xen
 * side, domnames.c the domains' names.
 *
 * Built only with Xen's control libraries (libxenctrl,
 * libxenforeignmemory, libxenevtchn, libxenstore); without them live_run
 * says so and fails.
 */
#ifndef XENMON_LIVE_H
#define XENMON_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

/* Trace-buffer pages per CPU when --tbuf-pages is not given: 1 MiB per
 * CPU, about half a second of a busy CPU's scheduler records between the
 * high-water interrupt and overflow. */
#define LIVE_DEFAULT_TBUF_PAGES 256u
#define LIVE_MAX_TBUF_PAGES 65535u

struct live_opts {
	const char *db;
	unsigned tbuf_pages;      /* 0: LIVE_DEFAULT_TBUF_PAGES */
	double cpu_mhz;           /* 0: from Xen */
	const char *tee;          /* also write the raw trace here (xentrace
				     format), or NULL */
	unsigned backlog;         /* seconds kept while the disk is full */
	double full_report_s;     /* between reports of a full disk */
	bool quiet;
	const volatile sig_atomic_t *stop;
};

/* Runs until *stop; exit status 0 done, 1 runtime error (reported on ERR). */
int live_run(const struct live_opts *o, FILE *out, FILE *err);

#endif
