#include "checkpoint.h"
#include "clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* SQLite's own threshold: checkpoint once the WAL holds this many frames. */
#define CKPT_FRAMES 1000
#define INTERVAL_S 1
/* Commits further apart than this are paced (live, --realtime): the thread
 * has the time to checkpoint before the next one starts the WAL over. */
#define PACED_S 0.2

struct checkpointer {
	sqlite3 *writer, *db;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, kicked;
	atomic_bool behind;       /* the last checkpoint left a backlog */
	double last_commit;       /* the writer's, monotonic seconds */
};

/* One passive checkpoint on DB; afterwards, whether it left a backlog. */
static void checkpoint(struct checkpointer *c, sqlite3 *db)
{
	int log = 0, copied = 0;
	if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
				      &copied) == SQLITE_OK)
		atomic_store(&c->behind, log - copied >= CKPT_FRAMES);
}

static void kick(struct checkpointer *c)
{
	pthread_mutex_lock(&c->lock);
	c->kicked = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

/* The writer's wal hook, after each commit.  Paced commits leave the
 * checkpoint, and its fsyncs, to the thread; back-to-back ones (a replay)
 * do it here, or the WAL would never be found copied at a transaction's
 * start, never start over, and grow with the whole replay. */
static int after_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct checkpointer *c = arg;
	double now = clock_s(CLOCK_MONOTONIC);
	bool paced = now - c->last_commit > PACED_S;
	(void)name;
	c->last_commit = now;
	if (frames < CKPT_FRAMES || atomic_load(&c->behind))
		return SQLITE_OK;
	if (paced)
		kick(c);
	else
		checkpoint(c, db);
	return SQLITE_OK;
}

static void *run(void *arg)
{
	struct checkpointer *c = arg;
	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += INTERVAL_S;
		if (!c->kicked)
			pthread_cond_timedwait(&c->wake, &c->lock, &ts);
		if (c->stop || !(c->kicked || atomic_load(&c->behind)))
			continue;
		c->kicked = false;
		pthread_mutex_unlock(&c->lock);
		checkpoint(c, c->db);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct checkpointer *checkpointer_start(sqlite3 *writer, const char *path,
					char *err, size_t errlen)
{
	struct checkpointer *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	c->writer = writer;
	int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
				 SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open for checkpoints: %s", path,
			 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto fail;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (pthread_create(&c->thread, NULL, run, c) != 0) {
		snprintf(err, errlen, "%s: cannot start the checkpoint thread",
			 path);
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->wake);
		goto fail;
	}
	/* Replaces SQLite's automatic checkpoints on this connection. */
	sqlite3_wal_hook(writer, after_commit, c);
	return c;
fail:
	sqlite3_close(c->db);
	free(c);
	return NULL;
}

void checkpointer_stop(struct checkpointer *c)
{
	if (!c)
		return;
	sqlite3_wal_hook(c->writer, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	sqlite3_close(c->db);
	free(c);
}
