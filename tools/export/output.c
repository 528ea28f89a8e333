/*
 * The output file.
 *
 * What -o FILE names decides how it is written:
 *
 *  - A regular file, or a name that does not exist yet: the rows go to a
 *    temporary file in the same directory, renamed over FILE only once
 *    complete and removed on any error, so FILE is never a partial result.
 *    The temporary file is given what the rename would otherwise change:
 *    an existing file's mode and owner, or for a new one the mode open()
 *    would give it (0666 less the umask); mkstemp() makes it 0600.
 *
 *  - A symbolic link is followed, and these rules apply to what it points
 *    to: the link itself stays, and its target gets the rows.
 *
 *  - Anything else (a character device such as /dev/null, a FIFO) is
 *    opened for writing, never created or truncated, and written as the
 *    rows come: there is nothing to rename over, and renaming a regular
 *    file over /dev/null would break the host.
 *
 *  - /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N name a
 *    descriptor this process inherited (a shell's >(command) is /dev/fd/N
 *    of a pipe): it is written through a duplicate, so that a pipe, or a
 *    file the shell opened for appending, is written as the shell opened
 *    it.  Taken before the database is opened, whose descriptors could
 *    otherwise take a free N (out_claim_fd); the rest is opened once the
 *    database has been found good, so that an export that fails at once
 *    leaves no file and opens no FIFO.
 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINKS 40              /* as the kernel's ELOOP */

static void errmsg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("xenmon-export: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* N of /dev/fd/N and its aliases, or -1. */
static int fd_named(const char *p)
{
	static const char *const dirs[] = { "/dev/fd/", "/proc/self/fd/",
					    "/proc/thread-self/fd/" };
	char own[64];
	if (strcmp(p, "/dev/stdout") == 0)
		return 1;
	if (strcmp(p, "/dev/stderr") == 0)
		return 2;
	snprintf(own, sizeof own, "/proc/%ld/fd/", (long)getpid());
	for (size_t i = 0; i <= sizeof dirs / sizeof dirs[0]; i++) {
		const char *d = i < sizeof dirs / sizeof dirs[0] ? dirs[i] : own;
		size_t n = strlen(d);
		if (strncmp(p, d, n) != 0 || !p[n] ||
		    strspn(p + n, "0123456789") != strlen(p + n))
			continue;
		errno = 0;
		long fd = strtol(p + n, NULL, 10);
		return errno || fd > INT_MAX ? -1 : (int)fd;
	}
	return -1;
}

/* LINK's target, relative to LINK's directory if it is relative. */
static char *follow(const char *link)
{
	char target[PATH_MAX];
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n < 0)
		return NULL;
	target[n] = 0;
	const char *slash = strrchr(link, '/');
	size_t dir = target[0] == '/' || !slash ? 0 : (size_t)(slash - link) + 1;
	char *p = malloc(dir + (size_t)n + 1);
	if (!p)
		return NULL;
	memcpy(p, link, dir);
	memcpy(p + dir, target, (size_t)n + 1);
	return p;
}

/*
 * What PATH names, links followed: *FD for a descriptor (else -1), or the
 * final name in *FINAL with its lstat() in *ST (*EXISTS false if there is
 * nothing there yet).  0, or -1 with errno.
 */
static int resolve(const char *path, int *fd, char **final, struct stat *st,
		   bool *exists)
{
	char *cur = strdup(path);
	*fd = -1;
	for (int hops = 0; cur; hops++) {
		if ((*fd = fd_named(cur)) >= 0) {
			free(cur);
			return 0;
		}
		if (lstat(cur, st) < 0) {
			if (errno != ENOENT)
				break;
			*exists = false;
			*final = cur;
			return 0;
		}
		if (!S_ISLNK(st->st_mode)) {
			*exists = true;
			*final = cur;
			return 0;
		}
		if (hops == MAX_LINKS) {
			errno = ELOOP;
			break;
		}
		char *next = follow(cur);
		free(cur);
		cur = next;
	}
	int e = errno;
	free(cur);
	errno = e;
	return -1;
}

static int open_fd(struct out *out, int fd)
{
	int flags = fcntl(fd, F_GETFL);
	int dup_fd = -1;
	if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
		errmsg("%s: descriptor %d is not open for writing", out->path, fd);
		return -1;
	}
	if ((dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    !(out->f = fdopen(dup_fd, "w"))) {
		errmsg("%s: %s", out->path, strerror(errno));
		if (dup_fd >= 0)
			close(dup_fd);
		return -1;
	}
	return 0;
}

/* A device or FIFO: written in place. */
static int open_direct(struct out *out, const struct stat *st)
{
	if (S_ISSOCK(st->st_mode)) {
		errmsg("%s: is a socket; give a file, a FIFO or a device", out->path);
		return -1;
	}
	int fd = open(out->final, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || !(out->f = fdopen(fd, "w"))) {
		errmsg("%s: cannot open: %s", out->final, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

/* A regular file, or none yet: a temporary file beside it. */
static int open_whole(struct out *out, const struct stat *st, bool exists)
{
	size_t n = strlen(out->final) + sizeof ".tmp.XXXXXX";
	mode_t mode;
	if (exists) {
		mode = st->st_mode & 0777;
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	if (!(out->tmp = malloc(n))) {
		errmsg("out of memory");
		return -1;
	}
	snprintf(out->tmp, n, "%s.tmp.XXXXXX", out->final);
	int fd = mkstemp(out->tmp);
	if (fd < 0) {
		errmsg("%s: cannot create a temporary file beside it: %s",
		       out->final, strerror(errno));
		free(out->tmp);
		out->tmp = NULL;
		return -1;
	}
	/* only root may give the file away, and then it should: an export
	 * run by root must not take a user's file from them */
	if (exists && (st->st_uid != geteuid() || st->st_gid != getegid()) &&
	    fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM) {
		errmsg("%s: cannot set the owner: %s", out->tmp, strerror(errno));
		goto fail;
	}
	if (fchmod(fd, mode) < 0 || !(out->f = fdopen(fd, "w"))) {
		errmsg("%s: cannot create: %s", out->tmp, strerror(errno));
		goto fail;
	}
	out->whole = true;
	return 0;
fail:
	close(fd);
	unlink(out->tmp);
	free(out->tmp);
	out->tmp = NULL;
	return -1;
}

int out_claim_fd(struct out *out, const char *path)
{
	char *final = NULL;
	struct stat st;
	bool exists;
	int fd;

	if (!path || !*path || resolve(path, &fd, &final, &st, &exists) < 0)
		return 0;               /* out_open() says what is wrong */
	free(final);
	out->path = path;
	return fd >= 0 ? open_fd(out, fd) : 0;
}

int out_open(struct out *out, const char *path)
{
	struct stat st;
	bool exists = false;
	int fd;

	out->path = path;
	if (out->f)                     /* out_claim_fd() took it */
		return 0;
	if (!path) {
		out->f = stdout;
		return 0;
	}
	if (!*path) {
		errmsg("-o: the file name is empty");
		return -1;
	}
	if (resolve(path, &fd, &out->final, &st, &exists) < 0) {
		errmsg("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fd >= 0)
		return open_fd(out, fd);
	if (exists && S_ISDIR(st.st_mode)) {
		errmsg("%s: is a directory", path);
		return -1;
	}
	if (exists && !S_ISREG(st.st_mode))
		return open_direct(out, &st);
	return open_whole(out, &st, exists);
}

int out_commit(struct out *out)
{
	const char *name = out->tmp ? out->tmp : out->path ? out->path :
			   "standard output";
	if (fflush(out->f) != 0 || ferror(out->f)) {
		errmsg("%s: cannot write: %s", name, strerror(errno));
		return -1;
	}
	if (!out->tmp)
		return 0;
	int rc = fclose(out->f);
	out->f = NULL;
	if (rc != 0) {
		errmsg("%s: cannot write: %s", out->tmp, strerror(errno));
		return -1;
	}
	if (rename(out->tmp, out->final) < 0) {
		errmsg("%s: cannot rename to %s: %s", out->tmp, out->final,
		       strerror(errno));
		return -1;
	}
	free(out->tmp);
	out->tmp = NULL;
	/* --follow appends to the complete file from now on */
	if (!(out->f = fopen(out->final, "a"))) {
		errmsg("%s: cannot append: %s", out->final, strerror(errno));
		return -1;
	}
	return 0;
}

void out_close(struct out *out)
{
	if (out->f && out->f != stdout)
		fclose(out->f);
	out->f = NULL;
	if (out->tmp) {
		unlink(out->tmp);
		free(out->tmp);
		out->tmp = NULL;
	}
	free(out->final);
	out->final = NULL;
}
