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

/* Held (flock LOCK_EX) by the live recorder, with its pid in it.  In a
 * directory of its own, which xenbaked.service makes (RuntimeDirectory=)
 * and the sandbox lets it write, where all of /run is read-only to it. */
#define FILES_LOCK_DIR "/run/xenmon"
#define FILES_LOCK_DEFAULT FILES_LOCK_DIR "/xenbaked.lock"
/* Where xenbaked 0.1.0 before the package kept it: an older recorder
 * still running after an upgrade holds this one, and is looked for too. */
#define FILES_LOCK_LEGACY "/run/xenbaked.lock"

/* The group whose members may read the database. */
#define FILES_READER_GROUP "xenmon"

#define FILES_SYMLINK_REFUSED "is a symbolic link; refusing to follow it"

/* FILES_LOCK_DEFAULT, or in a build with test hooks $XENMON_LOCK (so that
 * a test can play a host without touching /run; test_hook.h). */
const char *files_lock_path(void);

/* FILES_LOCK_LEGACY; in a build with test hooks $XENMON_LOCK_LEGACY, or
 * NULL when $XENMON_LOCK moved the lock. */
const char *files_lock_legacy_path(void);

/* The lock's directory (one level, 0755, root's) when the service did not
 * make it: xenbaked run by hand.  0, or -errno. */
int files_lock_dir(const char *path);

/* Whether someone holds the lock at PATH: 1 yes, 0 no (or no file), or
 * -errno from files_lock_open() (-EACCES: not ours to read). */
int files_lock_held(const char *path);

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
