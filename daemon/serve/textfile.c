#include "textfile.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct textfile {
	struct exporter *e;
	char *path, *tmp;
	unsigned every_s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	int last_errno;           /* of the last failed write, reported once */
};

/* 0, or -1 with errno. */
static int write_once(struct textfile *t)
{
	char *buf;
	size_t len;
	if (exporter_render(t->e, false, &buf, &len) < 0)
		return -1;
	FILE *f = fopen(t->tmp, "w");
	int rc = -1;
	if (f) {
		/* The collector runs as another user: the figures are no
		 * secret (the endpoint serves them too). */
		fchmod(fileno(f), 0644);
		bool ok = fwrite(buf, 1, len, f) == len;
		ok = fclose(f) == 0 && ok;
		rc = ok ? rename(t->tmp, t->path) : -1;
		if (rc < 0)
			unlink(t->tmp);
	}
	free(buf);
	return rc;
}

static void write_reporting(struct textfile *t)
{
	if (write_once(t) == 0) {
		t->last_errno = 0;
		return;
	}
	if (errno != t->last_errno)
		fprintf(stderr, "xenbaked: --metrics-textfile %s: %s\n", t->path,
			strerror(errno));
	t->last_errno = errno;
}

static void *run(void *arg)
{
	struct textfile *t = arg;
	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += t->every_s;
		while (!t->stop &&
		       pthread_cond_timedwait(&t->wake, &t->lock, &ts) == 0)
			;
		pthread_mutex_unlock(&t->lock);
		write_reporting(t);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static void free_textfile(struct textfile *t)
{
	free(t->path);
	free(t->tmp);
	free(t);
}

struct textfile *textfile_start(struct exporter *e, const char *path,
				unsigned every_s, char *err, size_t errlen)
{
	struct textfile *t = calloc(1, sizeof *t);
	size_t n = strlen(path) + 16;
	if (!t || !(t->path = strdup(path)) || !(t->tmp = malloc(n))) {
		snprintf(err, errlen, "out of memory");
		if (t)
			free_textfile(t);
		return NULL;
	}
	/* Beside PATH, so that the rename stays on one file system; a name
	 * the collector skips (it reads *.prom only). */
	snprintf(t->tmp, n, "%s.%ld.tmp", path, (long)getpid());
	t->e = e;
	t->every_s = every_s ? every_s : TEXTFILE_DEFAULT_EVERY_S;
	if (write_once(t) < 0) {
		snprintf(err, errlen, "--metrics-textfile: cannot write %s: %s",
			 path, strerror(errno));
		free_textfile(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		snprintf(err, errlen, "cannot start the textfile thread");
		free_textfile(t);
		return NULL;
	}
	return t;
}

void textfile_stop(struct textfile *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	write_reporting(t);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->wake);
	free_textfile(t);
}
