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
 * So the writer's connection checkpoints after a commit only while
 * checkpoints keep up; once one is left behind by a reader, a thread with a
 * connection of its own does the catching up, once a second, and hands
 * back when it is done.  The WAL is then started over and cut back to
 * journal_size_limit as usual.
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
