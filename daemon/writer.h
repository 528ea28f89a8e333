/*
 * A writer thread between the accounting engine and the store, so that
 * SQLite's work overlaps the accounting of the next seconds on another core.
 * Seconds are copied into a bounded ring: when the store falls behind, the
 * engine waits, so memory stays bounded.  Seconds are written in order, each
 * in its own transaction, exactly as without the thread.
 */
#ifndef XENMON_WRITER_H
#define XENMON_WRITER_H

#include <stdint.h>

#include "account.h"
#include "store.h"

struct writer;

struct writer *writer_start(struct store *store, unsigned depth);

/* Queue a copy of S; -1 if the writer has failed (store_error says why). */
int writer_put(struct writer *w, const struct second *s);

/* Write what is queued, stop the thread, free it.  Returns -1 if any write
 * failed. */
int writer_finish(struct writer *w, uint64_t *written, uint64_t *skipped);

#endif
