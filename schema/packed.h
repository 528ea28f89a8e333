/*
 * A column of a second's per-domain rows, packed (schema/017): what keeps
 * a week of per-domain seconds small.  sample_dom_1s_packed holds one row
 * per second, rowid t, with the second's n domains in domid order and,
 * per column C of sample_dom_1s, three columns:
 *
 *   C        a BLOB of n values, w bytes each, big-endian: o
 *   C_base   the least value of the second (0 if all are NULL)
 *   C_w      w + 9 * nl: w in 0..8, nl 1 if a value is NULL
 *
 * Value i is base + o, or with nl NULL for o = 0 and base + o - 1
 * otherwise.  Only as wide as the second's spread of the column, so the
 * domains' ids, a minute's constant slice bounds and idle domains' small
 * counts take a byte or none; fixed widths, not varints, so that plain
 * SQL finds value i at a computed offset: 017's views decode it with
 * substr() and instr() for the sqlite3 shell, and this process's
 * connections with xenmon_unpack() (schema.c).  Values are 0..2^62.
 * (022: a row of sample_dom_1s_packed may instead name its domids, a row
 * of sample_dom_1s_domids with the same three columns: domid_w -1 and
 * domid_base that row's id.)
 */
#ifndef XENMON_PACKED_H
#define XENMON_PACKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* The most bytes packed_encode() writes for N values. */
#define PACKED_MAX_BYTES(n) ((size_t)(n) * 8)
#define PACKED_MAX_VALUE (INT64_C(1) << 62)

struct packed_head {
	int64_t base;
	int w;          /* w + 9 * nl, as stored */
};

/* V[0..N) into OUT and *H, NUL[i] true where value i is NULL (NUL may be
 * NULL: none), a value outside 0..PACKED_MAX_VALUE kept at the nearer
 * bound; the bytes written. */
long packed_encode(const int64_t *v, const bool *nul, size_t n,
		   unsigned char *out, struct packed_head *h);

/* Value I of the column P[0..LEN) of head H: 1 and *V, 0 for NULL, -1 if
 * I is past its end or H is not a head. */
int packed_get(const unsigned char *p, size_t len, struct packed_head h,
	       size_t i, int64_t *v);

/* On DB: xenmon_unpack(C, C_base, C_w, I), value I, or NULL; and
 * xenmon_unpack_part(BYTES, END, END_base, END_w, I), the bytes of part I
 * of BYTES, which ends at value I of END (019's histograms, one after the
 * other).  SQLITE_OK or an error code. */
int packed_register(sqlite3 *db);

#endif
