/*
 * Merging the per-CPU record FIFOs into one stream in TSC order.
 *
 * A CPU whose FIFO has run dry may still have records to come that are
 * older than the others' heads, so the merge reads more input before it
 * goes on, unless the look-ahead limit is reached or the others are a
 * second past its last record (it is idle): then it proceeds without it, and anything older that
 * turns up later is accounted as happening now and counted late.  So memory
 * is bounded by the look-ahead whatever the trace.
 *
 * Each CPU's TSC is kept monotonic here: a record going backwards, or
 * leaping more than an hour ahead of its CPU, is a corrupt timestamp and is
 * given its CPU's previous TSC instead (and counted).
 *
 * The order is (TSC, CPU), exactly, for records within two days (at 3 GHz)
 * of the newest; older heads, which only a CPU days late or a corrupt first
 * timestamp can give, are taken by CPU among themselves (see merge.c).
 */
#ifndef XENMON_MERGE_H
#define XENMON_MERGE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "account.h"
#include "input.h"

struct mcpu {
	uint64_t pos;        /* FIFO position of the head record */
	uint64_t tsc;        /* its TSC */
	uint64_t last_tsc;   /* TSC of the last record taken */
	uint32_t hdr, size;
	bool known;          /* last_tsc is valid */
	bool in_tree;        /* its head is ready and takes part in the merge */
	bool starved;
};

/* A CPU's merge key: its head record's TSC, then its number. */
struct hent {
	uint64_t tsc;
	uint32_t cpu;
};

struct merge {
	struct input *in;
	struct acct *a;
	struct mcpu *c;
	unsigned ncpus;
	uint64_t *tree;          /* tournament tree of keys, see merge.c */
	uint64_t key_base;       /* the TSC keys are relative to */
	unsigned nleaf;          /* its leaves: a power of two >= ncpus */
	unsigned nready;         /* CPUs in it */
	unsigned *starved, nstarved;
	uint64_t lookahead;
	uint64_t idle_after;     /* a starved CPU this far behind is idle */
	uint64_t last_tsc;       /* of the last record taken, any CPU */
	bool have_last;
	struct tsc_guard guard;
	/* Input offset of the first malformed record (see decode.h), when
	 * malformed_seen. */
	bool malformed_seen;
	uint64_t malformed_off;
	const volatile sig_atomic_t *stop;
	void (*progress)(void *ctx);
	void *progress_ctx;
	char err[320];
};

int merge_init(struct merge *m, struct input *in, struct acct *a,
	       double cpu_mhz, uint64_t lookahead);
void merge_free(struct merge *m);

/* Feed every record to the accounting engine.  0: the input ended cleanly;
 * -1: the input is bad from some point on (m->err, or m->in->err, says
 * where) or the engine failed; everything before that point was fed.  1:
 * stopped by *stop. */
int merge_run(struct merge *m);

#endif
