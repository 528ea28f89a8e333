/*
 * Starting xenbaked for the session.
 *
 * "Is this dom0?" is /proc/xen/capabilities saying control_d.  "Is one
 * recording?" is whether anybody holds the live lock that xenbaked takes
 * (flock on /run/xenmon/xenbaked.lock, files.h, or /run/xenbaked.lock
 * where an older xenbaked still running keeps it): a shared lock we can take means
 * nobody does; a lock we may not open (xenbaked makes it 0600) means we
 * could not start a recorder anyway, so we start none.  The lock is
 * opened as xenbaked opens it, never through a symbolic link.  Which
 * xenbaked: the installed one, else the one beside us in a build tree.
 * In a build with test hooks (test_hook.h) the environment can point all
 * three at other files (XENMON_XEN_CAPS, XENMON_LOCK, XENBAKED), so that
 * a test can play a host without Xen.
 */
#include "session.h"
#include "files.h"
#include "test_hook.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef XENBAKED_PATH
#define XENBAKED_PATH "/usr/local/sbin/xenbaked"
#endif

static const char *hook_or(const char *name, const char *dflt)
{
	const char *v = test_hook(name);
	return v ? v : dflt;
}

static bool is_dom0(void)
{
	char buf[256] = "";
	FILE *f = fopen(hook_or("XENMON_XEN_CAPS", "/proc/xen/capabilities"), "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return strstr(buf, "control_d") != NULL;
}

enum recorder { NOBODY, RECORDING, CANNOT_TELL };

/* Who holds the lock; CANNOT_TELL with the reason in MSG for a lock that
 * is not what xenbaked makes (a symbolic link, say). */
static enum recorder lock_holder(const char *path, char *msg, size_t n)
{
	int held = files_lock_held(path);
	if (held == -EACCES)
		return CANNOT_TELL;  /* root's: not ours to start one */
	if (held < 0) {
		snprintf(msg, n, "%s: %s; not starting xenbaked", path,
			 files_strerror(held));
		return CANNOT_TELL;
	}
	return held ? RECORDING : NOBODY;
}

/* The lock where xenbaked keeps it, then where an older one (running
 * since before an upgrade) kept it. */
static enum recorder someone_records(char *msg, size_t n)
{
	enum recorder r = lock_holder(files_lock_path(), msg, n);
	const char *old = files_lock_legacy_path();
	if (r == NOBODY && old)
		r = lock_holder(old, msg, n);
	return r;
}

static void find_xenbaked(char *out, size_t n)
{
	const char *e = test_hook("XENBAKED");
	if (e) {
		snprintf(out, n, "%s", e);
		return;
	}
	if (access(XENBAKED_PATH, X_OK) == 0) {
		snprintf(out, n, "%s", XENBAKED_PATH);
		return;
	}
	char self[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k > 0) {
		self[k] = 0;
		snprintf(out, n, "%s/../daemon/xenbaked", dirname(self));
		if (access(out, X_OK) == 0)
			return;
	}
	snprintf(out, n, "xenbaked");  /* from PATH */
}

int session_start(struct session *s, const char *db, char *msg, size_t n)
{
	s->pid = 0;
	msg[0] = 0;
	if (!is_dom0())
		return 0;
	switch (someone_records(msg, n)) {
	case NOBODY:
		break;
	case RECORDING:
		return 0;
	case CANNOT_TELL:
		return msg[0] ? -1 : 0;
	}
	char bin[PATH_MAX];
	find_xenbaked(bin, sizeof bin);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(msg, n, "cannot start xenbaked: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Its output would scribble over the screen. */
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp(bin, bin, "--db", db, "--quiet", (char *)NULL);
		_exit(127);
	}
	/* A recorder that dies at once (no privileges, xentrace running)
	 * should be said, not silently missed. */
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	int st;
	if (waitpid(pid, &st, WNOHANG) == pid) {
		snprintf(msg, n, "started %s for this session, but it stopped "
			 "(exit %d); run it by hand to see why", bin,
			 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return -1;
	}
	s->pid = pid;
	snprintf(msg, n, "no xenbaked was recording: started %s (pid %ld) for "
		 "this session", bin, (long)pid);
	return 1;
}

void session_stop(struct session *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 30; i++) {
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			return;
		}
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}
