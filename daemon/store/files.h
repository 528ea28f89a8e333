/*
 * The files xenbaked creates itself, made safe before anybody writes them:
 * the live lock (also read by the viewer, which asks whether a recorder
 * holds it) and the database's directory and file, before SQLite opens
 * them.
 *
 * Never through a symbolic link: a link planted where root writes would
 * turn the write into one on whatever it points at.  Modes: the database
 * directory 0750 and its files 0640, owned root:xenmon when that group
 * exists (its members read the history; nobody else sees it).
 */
#ifndef XENMON_FILES_H
#define XENMON_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* Held (flock LOCK_EX) by the live recorder, with its pid in it. */
#define FILES_LOCK_DEFAULT "/run/xenbaked.lock"

/* The group whose members may read the database. */
#define FILES_READER_GROUP "xenmon"

#define FILES_SYMLINK_REFUSED "is a symbolic link; refusing to follow it"

/* FILES_LOCK_DEFAULT, or in a build with test hooks $XENMON_LOCK (so that
 * a test can play a host without touching /run; test_hook.h). */
const char *files_lock_path(void);

/*
 * Opens the lock file PATH, never through a symbolic link: CREATE (the
 * recorder) read-write, created 0600 if missing, and only a regular file;
 * else read-only.  A descriptor, or -errno (-ELOOP: PATH is a link).
 */
int files_lock_open(const char *path, bool create);

/* -errno from this module as a phrase for "PATH: <phrase>". */
const char *files_strerror(int neg_errno);

/*
 * Before SQLite opens DB for writing: refuses (-1, the reason naming the
 * path in ERR) if DB, its -wal, -shm or -journal, or a directory on its
 * path is a symbolic link; creates its directory (one level, 0750) and the
 * empty database file (0640) when missing, owned root:xenmon when running
 * as root and that group exists.  What existed before is left as it was.
 * SQLite creates -wal and -shm with the database file's mode and owner.
 */
int files_prepare_db(const char *db, char *err, size_t errlen);

#endif
