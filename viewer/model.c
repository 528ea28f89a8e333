/*
 * Model storage, sorting and the derived figures of docs/metrics.md.
 *
 * The derived figures live here, not in the painters, so that the screen
 * and the -n log files compute "per execution" and "%" the same way.
 */
#include "model.h"
#include "domfilter.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void model_reset(struct model *m)
{
	m->nrows = m->nhidden = 0;
	m->dropped.any = false;
	m->detail_gone.any = false;
}

bool model_notice(const struct model *m)
{
	return model_incomplete(&m->win[WIN_LONG]) || m->dropped.any ||
	       m->detail_gone.any;
}

void model_free(struct model *m)
{
	free(m->rows);
	m->rows = NULL;
	m->nrows = m->cap = m->nhidden = 0;
}

struct dom_row *model_add_row(struct model *m, int domid)
{
	if (m->nrows == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		struct dom_row *r = realloc(m->rows, cap * sizeof *r);
		if (!r)
			return NULL;
		m->rows = r;
		m->cap = cap;
	}
	struct dom_row *row = &m->rows[m->nrows++];
	memset(row, 0, sizeof *row);
	row->domid = domid;
	return row;
}

struct dom_row *model_find(struct model *m, int domid)
{
	for (size_t i = 0; i < m->nrows; i++)
		if (m->rows[i].domid == domid)
			return &m->rows[i];
	return NULL;
}

/* The metric (METRICS_I_*) of sort key KEY >= SORT_METRIC. */
static size_t sort_metric(enum sort_key key)
{
	int k = (int)key - SORT_METRIC;
	for (int order = 1; order <= METRICS_NVIEW; order++)
		for (size_t i = 0; i < METRICS_NSAMPLE; i++)
			if (metrics_sample[i].view.order == order &&
			    metrics_sample[i].view.sort && k-- == 0)
				return i;
	return METRICS_NSAMPLE;
}

#define SUM_AT(name, ...) [METRICS_I_##name] = offsetof(struct dom_sums, name),
static const size_t sum_at[METRICS_NSAMPLE] = { METRICS_SAMPLE(SUM_AT) };

int64_t model_sum(const struct dom_sums *s, size_t i)
{
	return *(const int64_t *)(const void *)((const char *)s + sum_at[i]);
}

static int64_t sort_value(const struct dom_row *r, size_t metric, int win)
{
	return metric < METRICS_NSAMPLE ? model_sum(&r->w[win], metric) :
	       r->domid;
}

/* <0, 0, >0 as A sorts before, with, after B. */
static int compare(const struct dom_row *a, const struct dom_row *b,
		   enum sort_key key, size_t metric, int win, bool desc)
{
	int ai = a->domid == METRICS_IDLE_DOMID, bi = b->domid == METRICS_IDLE_DOMID;
	if (ai != bi)
		return ai - bi;
	int c = 0;
	if (key == SORT_NAME) {
		c = strcmp(a->name, b->name);
	} else {
		int64_t va = sort_value(a, metric, win),
			vb = sort_value(b, metric, win);
		c = (va > vb) - (va < vb);
	}
	if (desc)
		c = -c;
	return c ? c : (a->domid > b->domid) - (a->domid < b->domid);
}

/* Insertion sort: a few hundred rows at most, and stable, so rows do not
 * jump between equal neighbours from one refresh to the next. */
void model_sort(struct model *m, enum sort_key key, int win, bool desc)
{
	size_t metric = key >= SORT_METRIC ? sort_metric(key) : METRICS_NSAMPLE;
	for (size_t i = 1; i < m->nrows; i++) {
		struct dom_row tmp = m->rows[i];
		size_t j = i;
		while (j > 0 && compare(&m->rows[j - 1], &tmp, key, metric, win,
					desc) > 0) {
			m->rows[j] = m->rows[j - 1];
			j--;
		}
		m->rows[j] = tmp;
	}
}

void model_filter(struct model *m, const struct domfilter *filter)
{
	m->nhidden = 0;
	if (!filter->n || !m->nrows)
		return;
	struct dom_row *hid = malloc(m->nrows * sizeof *hid);
	if (!hid)
		return;   /* shown unfiltered rather than not at all */
	size_t kept = 0;
	for (size_t i = 0; i < m->nrows; i++) {
		const struct dom_row *r = &m->rows[i];
		if (domfilter_match(filter, r->domid, r->name))
			m->rows[kept++] = *r;
		else
			hid[m->nhidden++] = *r;
	}
	memcpy(m->rows + kept, hid, m->nhidden * sizeof *hid);
	free(hid);
}

size_t model_shown(const struct model *m)
{
	return m->nrows - m->nhidden;
}

const char *model_sort_name(enum sort_key key)
{
	if (key == SORT_DOMID)
		return "id";
	if (key == SORT_NAME)
		return "name";
	size_t i = sort_metric(key);
	return i < METRICS_NSAMPLE ? metrics_sample[i].view.sort : "?";
}

bool model_incomplete(const struct win_info *w)
{
	return w->lost_records + w->malformed_records > 0;
}

bool model_has_data(const struct win_info *w)
{
	return w->seconds_with_data > 0 && w->passed_ns > 0;
}

/* The figures are metrics_*()'s (schema/metrics.h), 0 where undefined, as
 * xenmon.py showed them. */
double model_pct(const struct win_info *w, int64_t ns)
{
	double v = 0;
	if (model_has_data(w))
		metrics_pct(ns, w->passed_ns, &v);
	return v;
}

double model_per_s(const struct win_info *w, int64_t x)
{
	double v = 0;
	if (model_has_data(w))
		metrics_per_s(x, w->passed_ns, &v);
	return v;
}

double model_ratio(int64_t a, int64_t n)
{
	double v = 0;
	metrics_per(a, n, &v);
	return v;
}

double model_blocked_pct(const struct dom_sums *s)
{
	double v = 0;
	metrics_blocked_pct(s->cpu_ns, s->wait_ns, s->blocked_ns, &v);
	return v;
}

double model_figure(const struct win_info *w, const struct dom_sums *s,
		    size_t i, enum metrics_figure f)
{
	int64_t x = model_sum(s, i);
	switch (f) {
	case METRICS_PER_S:
		return model_per_s(w, x);
	case METRICS_PCT:
	case METRICS_PCT_DIST:
		return model_pct(w, x);
	case METRICS_BLOCKED_PCT:
		return model_blocked_pct(s);
	case METRICS_PER_EXEC:
		return model_ratio(x, s->exec_count);
	case METRICS_PER_IO:
		return model_ratio(x, s->io_count);
	default:
		return 0;
	}
}

double model_alloc_avg_ns(const struct dom_sums *s)
{
	return model_ratio(s->alloc_ns, s->exec_count);
}
