/*
 * The size budget (xenbaked --max-size, max-size in xenbaked.conf): the
 * most the database (its file and its WAL) may take, and the pruning that
 * keeps it there, beside retention (budget.c says how and why).
 */
#ifndef XENMON_BUDGET_H
#define XENMON_BUDGET_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

/* What was asked for: the default share with its cap, a size, a share of
 * the database's file system, or no budget. */
enum budget_kind { BUDGET_DEFAULT, BUDGET_BYTES, BUDGET_SHARE, BUDGET_OFF };
struct budget_spec {
	enum budget_kind kind;
	uint64_t bytes;           /* BUDGET_BYTES */
	double share;             /* BUDGET_SHARE: 0 < share <= 1 */
};

/* Like journald's SystemMaxUse: 10% of the file system, at most 4 GiB. */
#define BUDGET_DEFAULT_SHARE 0.10
#define BUDGET_CAP (UINT64_C(4) << 30)
/* Smaller than this is a typo (a budget in bytes meant as megabytes). */
#define BUDGET_MIN (UINT64_C(1) << 20)

/*
 * "500M", "2G", "1.5T", "800K", "1048576" (bytes; K, M, G, T are powers of
 * 1024, an optional "B" or "iB" may follow), "10%" of the file system, or
 * "off".  0, or -1 when TEXT is none of those or below BUDGET_MIN.
 */
int budget_parse(const char *text, struct budget_spec *out);

/* Where the budget's messages go (start-up, pruning): NULL, the default,
 * for none.  Set once by main(). */
void budget_set_log(FILE *f);

struct budget;
struct retention;

/*
 * The budget SPEC of the database DB at PATH, pruning through R (which
 * the caller keeps).  NULL with the reason in ERR when PATH's file system
 * cannot be measured or memory is short.  Says the budget on the log.
 */
struct budget *budget_new(sqlite3 *db, struct retention *r, const char *path,
			  const struct budget_spec *spec, char *err, size_t errlen);
void budget_free(struct budget *b);

/*
 * When the database is over its budget, prune the oldest rows, finest
 * tier first, one short transaction at a time, for at most BUDGET_NS;
 * NEWEST_T is the newest stored second.  0 within budget (or nothing
 * more may go), 1 when the time ran out first, -1 on error
 * (sqlite3_errmsg).
 */
int budget_prune(struct budget *b, int64_t newest_t, int64_t budget_ns);

struct budget_stats {
	uint64_t limit_bytes;     /* the budget last computed */
	uint64_t used_bytes;      /* pages in use and the WAL, last measured */
	uint64_t steps, rows;     /* prune transactions, rows deleted */
	int64_t max_hold_ns;      /* the longest of them */
};
const struct budget_stats *budget_stats(const struct budget *b);

#endif
