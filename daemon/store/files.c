/*
 * The lock file and the database's directory and file, made before use.
 *
 * Symbolic links: SQLite itself opens the database with
 * SQLITE_OPEN_NOFOLLOW (schema.c), which also refuses a link on any
 * directory of the path, and opens -wal, -shm and -journal with O_NOFOLLOW
 * whatever the flags (tried on SQLite 3.40), so a planted link is never
 * written through; but all it says is "unable to open database file".
 * The lstat() checks here come first to name the link.  They are only the
 * message: the O_NOFOLLOW opens are what protect, with no race.
 *
 * Modes: the caller's umask is not trusted for what we create (xenbaked
 * sets 027, but the modes are the contract), so they are set with
 * fchmod() on the new descriptor.
 */
#include "files.h"
#include "test_hook.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_MODE 0750
#define DB_MODE 0640
/* Not even readable by others: any user who can open it can flock() it
 * and so keep the recorder from starting. */
#define LOCK_MODE 0600

const char *files_lock_path(void)
{
	const char *v = test_hook("XENMON_LOCK");
	return v ? v : FILES_LOCK_DEFAULT;
}

const char *files_lock_legacy_path(void)
{
	const char *v = test_hook("XENMON_LOCK_LEGACY");
	if (v)
		return v;
	return test_hook("XENMON_LOCK") ? NULL : FILES_LOCK_LEGACY;
}

int files_lock_dir(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int files_lock_held(const char *path)
{
	int fd = files_lock_open(path, false);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	bool held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

int files_lock_open(const char *path, bool create)
{
	/* O_NONBLOCK: a FIFO put there must not hang us in open(). */
	int flags = O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
		    (create ? O_RDWR | O_CREAT : O_RDONLY);
	int fd = open(path, flags, LOCK_MODE);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;  /* see files_strerror() */
	}
	return fd;
}

const char *files_strerror(int neg_errno)
{
	switch (-neg_errno) {
	case ELOOP:
		return FILES_SYMLINK_REFUSED;
	case EINVAL:  /* files_lock_open() found no regular file */
		return "is not a regular file";
	default:
		return strerror(-neg_errno);
	}
}

/* Only root can give a file away, and only to a group that exists. */
static int give_to_readers(int fd)
{
	if (geteuid() != 0)
		return 0;
	const struct group *g = getgrnam(FILES_READER_GROUP);
	if (!g)
		return 0;
	return fchown(fd, 0, g->gr_gid) < 0 ? -errno : 0;
}

static int refuse_link(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, FILES_SYMLINK_REFUSED);
		return -1;
	}
	return 0;
}

/* DB, the directories on its path, and SQLite's side files. */
static int refuse_links(const char *db, char *err, size_t errlen)
{
	static const char *const side[] = { "", "-wal", "-shm", "-journal" };
	char path[PATH_MAX];

	if (strlen(db) + sizeof "-journal" > sizeof path) {
		snprintf(err, errlen, "%s: %s", db, strerror(ENAMETOOLONG));
		return -1;
	}
	snprintf(path, sizeof path, "%s", db);
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		int rc = refuse_link(path, err, errlen);
		*p = '/';
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
		snprintf(path, sizeof path, "%s%s", db, side[i]);
		if (refuse_link(path, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* The database's directory, one level, if missing; an existing one (even
 * /tmp) keeps its mode and owner. */
static int make_dir(const char *db, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", db);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;  /* the current directory, or / */
	*slash = 0;
	if (mkdir(dir, DIR_MODE) < 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(err, errlen, "%s: cannot create its directory %s: %s", db,
			 dir, strerror(errno));
		return -1;
	}
	int rc = -EIO;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		rc = -errno;
	else if (fchmod(fd, DIR_MODE) < 0)
		rc = -errno;
	else
		rc = give_to_readers(fd);
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot set the mode and group of the "
			 "new directory: %s", dir, strerror(-rc));
		return -1;
	}
	return 0;
}

/* The empty database file, if missing: SQLite initialises an empty file,
 * and gives -wal and -shm this file's mode and owner.  An existing
 * database keeps its own. */
static int make_db(const char *db, char *err, size_t errlen)
{
	int fd = open(db, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      DB_MODE);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(err, errlen, "%s: cannot create the database: %s", db,
			 strerror(errno));
		return -1;
	}
	int rc = fchmod(fd, DB_MODE) < 0 ? -errno : give_to_readers(fd);
	close(fd);
	if (rc < 0) {
		unlink(db);  /* ours, just made: a half-made one would stay */
		snprintf(err, errlen, "%s: cannot set the mode and group of the "
			 "new database: %s", db, strerror(-rc));
		return -1;
	}
	return 0;
}

int files_prepare_db(const char *db, char *err, size_t errlen)
{
	if (refuse_links(db, err, errlen) < 0 || make_dir(db, err, errlen) < 0)
		return -1;
	return make_db(db, err, errlen);
}
