/*
 * The roll-ups' histograms of one-second CPU%, packed (schema/010).
 *
 * A minute or hour row keeps, per domain, how many of its seconds had a
 * CPU% in each bin one percentage point wide: bin P holds the seconds
 * whose CPU time per second observed, cpu_ns, satisfies
 * P = cpu_ns / METRICS_NS_PER_PCT (10000000, metrics.h).  Version 2
 * wrote it as JSON text, {"P": n}, which was most of a roll-up row (about
 * 300 of a minute row's 433 bytes); the bins are the same now, so every
 * percentile is as exact as before, but they are written as a BLOB of
 * unsigned LEB128 varints, bins ascending:
 *
 *   2n       the next bin holds n seconds (n >= 1), then the bin after it
 *   2k + 1   k empty bins skipped (k >= 1)
 *
 * starting at bin 0, never ending with a skip, with no bin written twice.
 * So a bin and its count usually take one byte, a gap one more.
 *
 * A minute's 60 seconds spread over many bins take fewer bytes in unary
 * (schema/018): a 0 byte, then bits from the most significant of each
 * byte, from bin 0: a 1 is one second in the bin, a 0 moves to the next
 * bin, the last byte padded with 0s.  That is seconds + highest bin bits:
 * 21 bytes against 87 for the history benchmark's busy minutes, while an
 * hour's 3600 seconds stay varints.  hist_encode() writes whichever is
 * shorter, varints when equal (a varint histogram never starts with a 0
 * byte, a count of none), so a histogram still has one encoding only: two
 * rows hold the same bins exactly when their BLOBs are equal.  The views
 * decode both in plain SQL (so the
 * sqlite3 shell needs nothing of ours); the daemon merges it with the SQL
 * functions hist_register() adds to its connection.
 */
#ifndef XENMON_HIST_H
#define XENMON_HIST_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

struct hist_bin {
	uint32_t bin;
	uint64_t n;
};

/* The most bytes hist_encode() writes for NBINS bins. */
#define HIST_MAX_BYTES(nbins) ((size_t)(nbins) * 2 * 10)

/* BINS (ascending, distinct, counts above 0) into OUT; its length. */
size_t hist_encode(const struct hist_bin *bins, size_t nbins,
		   unsigned char *out);

/* Calls FN for each bin of the histogram P[0..LEN) in ascending order;
 * 0, or -1 if the bytes are not a histogram (FN not called for the
 * rest), or FN's non-zero result. */
typedef int hist_fn(void *ctx, uint32_t bin, uint64_t n);
int hist_each(const unsigned char *p, size_t len, hist_fn *fn, void *ctx);

/*
 * On DB, for the daemon's writes:
 *   xenmon_hist_merge(A, B)     the sum of two histograms, packed (NULL
 *                               is empty; either may be the JSON text of
 *                               a row written before 010 and not packed
 *                               yet)
 *   xenmon_hist_pack(A)         A packed (the same for a packed one)
 *   xenmon_hist_group(BIN, N)   aggregate: the histogram of N seconds in
 *                               each BIN, the same BIN added up
 *   xenmon_hist_sum(H)          aggregate: the sum of the histograms H,
 *                               packed (either form, as for merge)
 * SQLITE_OK or an error code.
 */
int hist_register(sqlite3 *db);

#endif
