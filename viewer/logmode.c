/*
 * Writing the model as xenmon.py's log files.
 *
 * Each line is one window of one CPU for one domain: the time passed, the
 * CPU and the domain, then the figures of the viewer's rows that the
 * metric table names a log column for (schema/metrics.h, VIEW's log), in
 * the rows' order: xenmon.py's sixteen columns
 *   passed cpu dom cpu(tot) cpu(%) cpu/ex allocated/ex blocked(tot)
 *   blocked(%) blocked/io waited(tot) waited(%) waited/ex ex/s io(tot) io/ex
 * "tot" columns are per second of the window (ns/s, or count/s for io), as
 * xenmon.py computed them; the idle domain's id is written as -1, as
 * xenmon.py wrote it.  Files open lazily, so a domain that never runs leaves
 * no empty file behind.
 */
#include "logmode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Calls F(CTX, metric, cell) for each figure written, in order. */
static void each_column(void (*f)(void *ctx, size_t i, int cell), void *ctx)
{
	for (int order = 1; order <= METRICS_NVIEW; order++)
		for (size_t i = 0; i < METRICS_NSAMPLE; i++)
			for (int c = 0; c < 3; c++)
				if (metrics_sample[i].view.order == order &&
				    metrics_sample[i].view.log[c][0])
					f(ctx, i, c);
}

static void put_name(void *ctx, size_t i, int cell)
{
	fprintf(ctx, " %s", metrics_sample[i].view.log[cell]);
}

static int put_header(FILE *f)
{
	fputs("# passed cpu dom", f);
	each_column(put_name, f);
	return fputs("\n", f);
}

struct log_file {
	int domid;
	FILE *f;
};

struct logmode {
	char *prefix;
	struct log_file *files;
	size_t n, cap;
	int error;
};

struct logmode *logmode_new(const char *prefix)
{
	struct logmode *lm = calloc(1, sizeof *lm);
	if (lm && !(lm->prefix = strdup(prefix))) {
		free(lm);
		return NULL;
	}
	return lm;
}

int logmode_close(struct logmode *lm)
{
	if (!lm)
		return 0;
	int rc = lm->error;
	for (size_t i = 0; i < lm->n; i++)
		if (fclose(lm->files[i].f) != 0 && !rc)
			rc = -errno;
	free(lm->files);
	free(lm->prefix);
	free(lm);
	return rc;
}

static FILE *file_for(struct logmode *lm, int domid, char *err, size_t errlen)
{
	for (size_t i = 0; i < lm->n; i++)
		if (lm->files[i].domid == domid)
			return lm->files[i].f;
	if (lm->n == lm->cap) {
		size_t cap = lm->cap ? 2 * lm->cap : 16;
		struct log_file *nf = realloc(lm->files, cap * sizeof *nf);
		if (!nf) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		lm->files = nf;
		lm->cap = cap;
	}
	char path[4096];
	if (domid == METRICS_IDLE_DOMID)
		snprintf(path, sizeof path, "%s-idle.log", lm->prefix);
	else
		snprintf(path, sizeof path, "%s-dom%d.log", lm->prefix, domid);
	FILE *f = fopen(path, "w");
	if (!f || put_header(f) == EOF) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	lm->files[lm->n++] = (struct log_file){ domid, f };
	return f;
}

struct line {
	FILE *f;
	const struct win_info *w;
	const struct dom_sums *s;
};

static void put_figure(void *ctx, size_t i, int cell)
{
	const struct line *l = ctx;
	fprintf(l->f, " %.3f", model_figure(l->w, l->s, i,
					    metrics_sample[i].view.cell[cell]));
}

static int write_line(FILE *f, const struct model *m, const struct dom_row *r,
		      double passed_ms)
{
	struct line l = { f, &m->win[WIN_LONG], &r->w[WIN_LONG] };
	int dom = r->domid == METRICS_IDLE_DOMID ? -1 : r->domid;

	fprintf(f, "%.3f %d %d", passed_ms, m->cpu, dom);
	each_column(put_figure, &l);
	return fputs("\n", f) == EOF || ferror(f) ? -EIO : 0;
}

int logmode_write(struct logmode *lm, const struct model *m, double passed_ms,
		  char *err, size_t errlen)
{
	if (!model_has_data(&m->win[WIN_LONG]))
		return 0;
	for (size_t i = 0; i < m->nrows; i++) {
		const struct dom_row *r = &m->rows[i];
		if (r->w[WIN_LONG].cpu_ns <= 0 && r->domid != METRICS_IDLE_DOMID)
			continue;
		FILE *f = file_for(lm, r->domid, err, errlen);
		if (!f)
			return lm->error = -EIO;
		if (write_line(f, m, r, passed_ms) < 0 || fflush(f) == EOF) {
			snprintf(err, errlen, "%s-dom%d.log: %s", lm->prefix,
				 r->domid, strerror(errno));
			return lm->error = -EIO;
		}
	}
	return 0;
}
