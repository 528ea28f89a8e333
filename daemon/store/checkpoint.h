/*
 * WAL checkpoints that never stall the writer for long.
 *
 * SQLite checkpoints in the commit that crosses its threshold, on the
 * writer's thread.  That is cheap while checkpoints keep up: they copy the
 * last few hundred pages, and the next transaction starts the WAL over.
 * But a reader that holds an old snapshot for minutes stops checkpoints
 * short of its frames; when it ends, the next one copies the whole grown
 * WAL in one commit and stalls the seconds behind it.
 *
 * So a thread with a connection of its own checkpoints for paced commits
 * (live: one a second, time enough to copy before the next), and once a
 * checkpoint is left behind by a reader it does the catching up, once a
 * second, until done.  Only back-to-back commits (a replay) checkpoint on
 * the writer's thread, while checkpoints keep up.  The WAL is then started
 * over and cut back to journal_size_limit as usual.
 */
#ifndef XENMON_CHECKPOINT_H
#define XENMON_CHECKPOINT_H

#include <sqlite3.h>
#include <stddef.h>

struct checkpointer;

/* Take over the checkpoints of WRITER, the connection that writes PATH. */
struct checkpointer *checkpointer_start(sqlite3 *writer, const char *path,
					char *err, size_t errlen);
void checkpointer_stop(struct checkpointer *c);

#endif
