/*
 * The merge proper: a binary min-heap of CPUs keyed by (head TSC, CPU).
 * The top CPU is drained while its records stay no later than the next
 * CPU's head, so the heap is touched once per run of records rather than
 * once per record: a context switch emits several records back to back.
 */
#include "merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRESS_EVERY (1u << 22)

/* Heap entries carry their key, so that sifting never leaves the array. */
static inline bool key_less(const struct hent *x, const struct hent *y)
{
	return x->tsc < y->tsc || (x->tsc == y->tsc && x->cpu < y->cpu);
}

static void sift_down(struct merge *m, unsigned i)
{
	unsigned n = m->nheap;
	struct hent *h = m->heap, e = h[i];
	for (;;) {
		unsigned l = 2 * i + 1, best;
		if (l >= n)
			break;
		best = l + 1 < n && key_less(&h[l + 1], &h[l]) ? l + 1 : l;
		if (!key_less(&h[best], &e))
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = e;
}

static void sift_up(struct merge *m, unsigned i)
{
	struct hent *h = m->heap, e = h[i];
	while (i > 0) {
		unsigned p = (i - 1) / 2;
		if (!key_less(&e, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
}

/* Decode CPU's next record that needs ordering, if it is all there; the
 * records before it that need none go straight to the engine. */
static bool head_ready(struct merge *m, unsigned cpu)
{
	struct mcpu *c = &m->c[cpu];
	uint64_t avail;
	const uint8_t *p = input_peek(m->in, cpu, c->pos, &avail);
	if (avail < 4)
		return false;
	const uint8_t *start = p, *end = p + avail;
	bool unordered_ok = c->known && acct_unordered_ok(m->a, cpu);
	uint64_t last = c->last_tsc;
	bool ready = false;

	while (end - p >= 4) {
		uint32_t hdr = trace_load32(p), size = trace_rec_size(hdr);
		if ((uint64_t)(end - p) < size)
			break;
		uint64_t tsc;
		if (!TRACE_HDR_HAS_TSC(hdr)) {
			tsc = c->known ? last : m->last_tsc;
		} else {
			tsc = trace_load64(p + 4);
			if (c->known) {
				if (tsc < last) {
					m->st.tsc_backwards++;
					tsc = last;
				} else if (tsc - last > m->max_jump) {
					m->st.tsc_jumps++;
					tsc = last;
				}
			} else if (m->have_last && tsc > m->last_tsc &&
				   tsc - m->last_tsc > m->max_jump) {
				m->st.tsc_jumps++;
				tsc = m->last_tsc;
			}
		}
		if (unordered_ok &&
		    acct_unordered(m->a, cpu, tsc, hdr,
				   p + (TRACE_HDR_HAS_TSC(hdr) ? 12 : 4))) {
			p += size;
			last = tsc;
			continue;
		}
		c->hdr = hdr;
		c->size = size;
		c->tsc = tsc;
		ready = true;
		break;
	}
	c->pos += (uint64_t)(p - start);
	c->last_tsc = last;
	return ready;
}

static int grow_cpus(struct merge *m, unsigned n)
{
	if (n <= m->ncpus)
		return 0;
	struct mcpu *c = realloc(m->c, n * sizeof *c);
	struct hent *h = c ? realloc(m->heap, n * sizeof *h) : NULL;
	unsigned *s = h ? realloc(m->starved, n * sizeof *s) : NULL;
	if (c)
		m->c = c;
	if (h)
		m->heap = h;
	if (!s)
		return -1;
	m->starved = s;
	memset(m->c + m->ncpus, 0, (n - m->ncpus) * sizeof *c);
	m->ncpus = n;
	return 0;
}

/* Bring CPUs that appeared in the input into the merge, starved. */
static int adopt_new_cpus(struct merge *m)
{
	struct input *in = m->in;
	if (!in->new_cpus)
		return 0;
	in->new_cpus = 0;
	if (grow_cpus(m, in->ncpus) < 0)
		return -1;
	for (unsigned i = 0; i < in->ncpus; i++) {
		struct mcpu *c = &m->c[i];
		if (!in->cpus[i].present || c->starved || c->in_heap)
			continue;
		if (acct_add_cpu(m->a, i) < 0)
			return -1;
		c->pos = in->cpus[i].head;
		c->starved = true;
		m->starved[m->nstarved++] = i;
	}
	return 0;
}

/* Starved CPUs whose next record has arrived go back into the heap. */
static void refeed(struct merge *m)
{
	unsigned k = 0;
	for (unsigned i = 0; i < m->nstarved; i++) {
		unsigned cpu = m->starved[i];
		if (head_ready(m, cpu)) {
			m->c[cpu].starved = false;
			m->c[cpu].in_heap = true;
			m->heap[m->nheap++] = (struct hent){ m->c[cpu].tsc, cpu };
			sift_up(m, m->nheap - 1);
		} else {
			m->starved[k++] = cpu;
		}
	}
	m->nstarved = k;
}

/*
 * Is some starved CPU worth waiting for?  Not once the others' next record
 * is more than idle_after past its last one: it is idle (a tickless CPU can
 * stay silent for seconds), and on a slow stream waiting for it would hold
 * every other CPU back.
 */
static bool worth_waiting(const struct merge *m)
{
	if (m->nheap == 0)
		return true;
	uint64_t next = m->heap[0].tsc;
	for (unsigned i = 0; i < m->nstarved; i++) {
		const struct mcpu *c = &m->c[m->starved[i]];
		/* Its next record is no earlier than its last: if that is
		 * ahead of the heap, the runs of the others could still pass
		 * it, since it is not in the heap to bound them. */
		if (c->known && (next <= c->last_tsc ||
				 next - c->last_tsc < m->idle_after))
			return true;
	}
	return false;
}

/* Read until no CPU is starved, or the look-ahead is full, or the end.
 * -1 when the input turned out bad (what was read before stays). */
static int fill(struct merge *m)
{
	struct input *in = m->in;
	int bad = 0;
	while (!in->eof && !bad && !(m->stop && *m->stop) &&
	       (m->nheap == 0 || (m->nstarved && in->buffered < m->lookahead &&
				  worth_waiting(m)))) {
		if (input_fill(in) < 0)
			bad = -1;
		if (adopt_new_cpus(m) < 0) {
			snprintf(m->err, sizeof m->err, "%s: out of memory", in->name);
			return -1;
		}
		refeed(m);
	}
	return bad;
}

static int check_cut_records(struct merge *m)
{
	for (unsigned i = 0; i < m->ncpus && i < m->in->ncpus; i++) {
		const struct cpu_fifo *f = &m->in->cpus[i];
		if (!f->present || f->tail == m->c[i].pos)
			continue;
		uint64_t off = input_offset_of(m->in, i, m->c[i].pos);
		snprintf(m->err, sizeof m->err,
			 "%s: truncated at byte %" PRIu64 ": the record of CPU %u "
			 "at byte %" PRIu64 " is cut by the end of the input "
			 "(%" PRIu64 " bytes of it present)", m->in->name,
			 m->in->off, i, off, f->tail - m->c[i].pos);
		return -1;
	}
	return 0;
}

int merge_run(struct merge *m)
{
	struct input *in = m->in;
	uint64_t until_progress = PROGRESS_EVERY;
	int bad = 0;

	for (;;) {
		if (!bad && !in->eof && (m->nheap == 0 || m->nstarved))
			bad = fill(m);
		if (m->nheap == 0)
			break;
		if (acct_error(m->a))
			return -1;
		if (m->stop && *m->stop)
			return 1;

		unsigned cpu = m->heap[0].cpu;
		struct mcpu *c = &m->c[cpu];
		struct hent next = { UINT64_MAX, UINT32_MAX };
		if (m->nheap > 1)
			next = m->heap[1];
		if (m->nheap > 2 && key_less(&m->heap[2], &next))
			next = m->heap[2];
		for (;;) {
			uint64_t avail;
			const uint8_t *p = input_peek(in, cpu, c->pos, &avail);
			(void)avail;
			acct_record(m->a, cpu, c->tsc, c->hdr,
				    p + (TRACE_HDR_HAS_TSC(c->hdr) ? 12 : 4));
			c->last_tsc = c->tsc;
			c->known = true;
			m->last_tsc = c->tsc;
			m->have_last = true;
			c->pos += c->size;
			if (--until_progress == 0) {
				until_progress = PROGRESS_EVERY;
				if (m->progress)
					m->progress(m->progress_ctx);
			}
			if (!head_ready(m, cpu)) {
				input_consume(in, cpu, c->pos);
				c->in_heap = false;
				m->heap[0] = m->heap[--m->nheap];
				sift_down(m, 0);
				if (!in->eof || bad) {
					c->starved = true;
					m->starved[m->nstarved++] = cpu;
				}
				break;
			}
			struct hent me = { c->tsc, cpu };
			if (!key_less(&me, &next)) {
				input_consume(in, cpu, c->pos);
				m->heap[0] = me;
				sift_down(m, 0);
				break;
			}
		}
	}
	if (bad)
		return -1;
	if (check_cut_records(m) < 0)
		return -1;
	return acct_error(m->a) ? -1 : 0;
}

int merge_init(struct merge *m, struct input *in, struct acct *a,
	       double cpu_mhz, uint64_t lookahead)
{
	memset(m, 0, sizeof *m);
	m->in = in;
	m->a = a;
	m->lookahead = lookahead;
	m->max_jump = (uint64_t)(cpu_mhz * 1e6 * 3600.0);
	m->idle_after = (uint64_t)(cpu_mhz * 1e6);
	if (adopt_new_cpus(m) < 0)
		return -1;
	refeed(m);
	return 0;
}

void merge_free(struct merge *m)
{
	free(m->c);
	free(m->heap);
	free(m->starved);
	memset(m, 0, sizeof *m);
}
