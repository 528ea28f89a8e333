/*
 * The minutes and hours of the past, packed (019_packed_rollups.sql): rows
 * of sample_1m and sample_1h that no second can change any more moved
 * into one row per minute or hour (schema/packed.h), and moved back before
 * a second is stored into their minute or hour, so that the roll-ups only
 * ever write plain rows.  The readers read both through sample_1m_all and
 * sample_1h_all.  The same minute's or hour's CPU rows go with them, from
 * cpu_1m_plain into cpu_1m_packed (023_packed_cpu_rollups.sql), read
 * through the view cpu_1m; cpu_1h likewise.
 */
#ifndef XENMON_PACKER_H
#define XENMON_PACKER_H

#include <stdint.h>
#include <sqlite3.h>

struct packer;

/* On DB (migrated to 019); NULL when out of memory or its SQL fails. */
struct packer *packer_new(sqlite3 *db);
void packer_free(struct packer *p);

/*
 * The plain rows of both tiers older than BEFORE_T packed, oldest first,
 * an hour of minutes or a day of hours per transaction, until BUDGET_NS of
 * time has passed (what is left waits for the next call).  0, or -1.
 */
int packer_pack(struct packer *p, int64_t before_t, int64_t budget_ns);

/* Why the last packer_pack() failed. */
const char *packer_error(const struct packer *p);

/*
 * Before second T is stored, in its transaction: its minute and its hour
 * back as plain rows, if packed: the rows the roll-ups write for it (add
 * the second to, or drop and roll again when it changes a stored second;
 * the folds read the packed rows as they are, through the views).  1 if
 * any was packed, 0 if none, or -1.
 */
int packer_unpack(struct packer *p, int64_t t);

#endif
