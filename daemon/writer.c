#include "writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	struct second s;
	struct cpu_row *cpus;
	struct sample_row *samples;
	struct dom_row *doms;
	size_t cpus_cap, samples_cap, doms_cap;
};

struct writer {
	struct store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct slot *ring;
	unsigned depth, head, count;
	bool done, failed;
	uint64_t written, skipped;
};

static void *run(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->count == 0 && !w->done)
			pthread_cond_wait(&w->changed, &w->lock);
		if (w->count == 0)
			break;
		struct slot *sl = &w->ring[w->head];
		pthread_mutex_unlock(&w->lock);
		int rc = w->failed ? -1 : store_second(w->store, &sl->s);
		pthread_mutex_lock(&w->lock);
		if (rc < 0)
			w->failed = true;
		else if (rc == 1)
			w->skipped++;
		else
			w->written++;
		w->head = (w->head + 1) % w->depth;
		w->count--;
		pthread_cond_broadcast(&w->changed);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct writer *writer_start(struct store *store, unsigned depth)
{
	struct writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->store = store;
	w->depth = depth;
	w->ring = calloc(depth, sizeof *w->ring);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->changed, NULL);
	if (!w->ring || pthread_create(&w->thread, NULL, run, w) != 0) {
		free(w->ring);
		free(w);
		return NULL;
	}
	return w;
}

static int copy_into(void **dst, size_t *cap, const void *src, size_t n, size_t elem)
{
	if (n > *cap) {
		void *p = realloc(*dst, n * elem);
		if (!p)
			return -1;
		*dst = p;
		*cap = n;
	}
	if (n)
		memcpy(*dst, src, n * elem);
	return 0;
}

int writer_put(struct writer *w, const struct second *s)
{
	pthread_mutex_lock(&w->lock);
	while (w->count == w->depth && !w->failed)
		pthread_cond_wait(&w->changed, &w->lock);
	bool failed = w->failed;
	unsigned tail = (w->head + w->count) % w->depth;
	pthread_mutex_unlock(&w->lock);
	if (failed)
		return -1;

	/* Only this thread touches the tail slot until count covers it. */
	struct slot *sl = &w->ring[tail];
	if (copy_into((void **)&sl->cpus, &sl->cpus_cap, s->cpus, s->ncpus,
		      sizeof *s->cpus) < 0 ||
	    copy_into((void **)&sl->samples, &sl->samples_cap, s->samples,
		      s->nsamples, sizeof *s->samples) < 0 ||
	    copy_into((void **)&sl->doms, &sl->doms_cap, s->doms, s->ndoms,
		      sizeof *s->doms) < 0)
		return -1;
	sl->s = *s;
	sl->s.cpus = sl->cpus;
	sl->s.samples = sl->samples;
	sl->s.doms = sl->doms;

	pthread_mutex_lock(&w->lock);
	w->count++;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int writer_finish(struct writer *w, uint64_t *written, uint64_t *skipped)
{
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	int rc = w->failed ? -1 : 0;
	*written = w->written;
	*skipped = w->skipped;
	for (unsigned i = 0; i < w->depth; i++) {
		free(w->ring[i].cpus);
		free(w->ring[i].samples);
		free(w->ring[i].doms);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->changed);
	free(w->ring);
	free(w);
	return rc;
}
