/*
 * The merge proper: a tournament tree of CPUs keyed by (head TSC, CPU).
 * Leaf i (tree[nleaf + i]) is CPU i's key, or a sentinel greater than any
 * key when the CPU is not ready; each inner node n holds the smaller of
 * its children 2n and 2n + 1, so tree[1] is the next CPU to take.  Changing
 * a leaf recomputes its path to the root: log2(nleaf) steps whose loads do
 * not depend on the comparisons, unlike a heap's sifting.  The CPU on top
 * is drained while its records stay earlier than the runner-up's head, so
 * the tree is touched once per run of records rather than once per record:
 * a context switch emits several records back to back.
 *
 * The merge steps the records (step_run) and the engine takes them one by
 * one (acct_offer, acct_take): the accounting is the runstate machine and
 * its buckets, the order of the records is the merge's.
 */
#include "merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRESS_EVERY (1u << 22)

/*
 * A key (TSC, then CPU) as one 64-bit number, so that taking the smaller of
 * two is a comparison and a conditional move: the TSC relative to a base,
 * above the CPU's 14 bits.  The 50 bits left span 2^50 ticks (four days at
 * 3 GHz); when a TSC passes their end, the base moves up to half a span
 * behind it and the tree is rebuilt.  A TSC still behind the base, half a
 * span older than the newest (a CPU days late, or a corrupt timestamp), is
 * keyed as at the base: ordered by CPU among its like.
 */
typedef uint64_t mkey;

#define KEY_CPU_BITS 14u
#define KEY_SPAN (1ull << (64 - KEY_CPU_BITS))
_Static_assert(TRACE_MAX_CPUS <= 1u << KEY_CPU_BITS, "a CPU fits its bits");

static const mkey no_key = ~(mkey)0;  /* above any key: the span ends below */

static inline mkey key_at(const struct merge *m, uint64_t tsc, unsigned cpu)
{
	uint64_t rel = tsc > m->key_base ? tsc - m->key_base : 0;
	return rel << KEY_CPU_BITS | cpu;
}

static void tree_rebuild(struct merge *m);

static inline mkey key_of(struct merge *m, uint64_t tsc, unsigned cpu)
{
	if (tsc > m->key_base && tsc - m->key_base >= KEY_SPAN - 1) {
		m->key_base = tsc - KEY_SPAN / 2;
		tree_rebuild(m);
	}
	return key_at(m, tsc, cpu);
}

static inline mkey key_min(mkey x, mkey y)
{
	return y < x ? y : x;
}

/* The exact order, where it is not the tree's to decide. */
static inline bool key_less(const struct hent *x, const struct hent *y)
{
	return ((unsigned __int128)x->tsc << 32 | x->cpu) <
	       ((unsigned __int128)y->tsc << 32 | y->cpu);
}

/* Set CPU's leaf to K and recompute the winners above it. */
static void tree_set(struct merge *m, unsigned cpu, mkey k)
{
	mkey *t = m->tree;
	unsigned n = m->nleaf + cpu;
	t[n] = k;
	for (; n > 1; n /= 2) {
		k = key_min(k, t[n ^ 1]);
		t[n / 2] = k;
	}
}

/* The CPU to take next, and its head's TSC (only while nready > 0). */
static unsigned tree_top(const struct merge *m)
{
	return (unsigned)(m->tree[1] & ((1u << KEY_CPU_BITS) - 1));
}

static uint64_t tree_top_tsc(const struct merge *m)
{
	return m->c[tree_top(m)].tsc;
}

/* The smallest key but the winner's: the best of what lost to it, the
 * winners of the subtrees beside its path. */
static struct hent tree_runner_up(const struct merge *m)
{
	const mkey *t = m->tree;
	mkey r = no_key;
	for (unsigned n = m->nleaf + tree_top(m); n > 1; n /= 2)
		r = key_min(r, t[n ^ 1]);
	if (r == no_key)
		return (struct hent){ UINT64_MAX, UINT32_MAX };
	unsigned cpu = (unsigned)(r & ((1u << KEY_CPU_BITS) - 1));
	return (struct hent){ m->c[cpu].tsc, cpu };
}

static void tree_add(struct merge *m, unsigned cpu)
{
	m->c[cpu].in_tree = true;
	m->nready++;
	tree_set(m, cpu, key_of(m, m->c[cpu].tsc, cpu));
}

static void tree_remove(struct merge *m, unsigned cpu)
{
	m->c[cpu].in_tree = false;
	m->nready--;
	tree_set(m, cpu, no_key);
}

/* Room for N CPUs' leaves: rebuilt from the CPUs' keys when it grows. */
static int tree_fit(struct merge *m, unsigned n)
{
	if (n <= m->nleaf)
		return 0;
	unsigned leaves = m->nleaf ? m->nleaf : 1;
	while (leaves < n)
		leaves *= 2;
	mkey *t = realloc(m->tree, 2 * leaves * sizeof *t);
	if (!t)
		return -1;
	m->tree = t;
	m->nleaf = leaves;
	tree_rebuild(m);
	return 0;
}

/* Every leaf from its CPU's key (a new size, or a new base). */
static void tree_rebuild(struct merge *m)
{
	for (unsigned i = 0; i < 2 * m->nleaf; i++)
		m->tree[i] = no_key;
	for (unsigned i = 0; i < m->ncpus; i++)
		if (m->c[i].in_tree)
			tree_set(m, i, key_at(m, m->c[i].tsc, i));
}

/* The engine took the first malformed record, AT bytes after CPU's FIFO
 * position of the call (which the merge moves only after it): where it is
 * in the input, for the summary. */
static void note_malformed(void *ctx, unsigned cpu, uint64_t at)
{
	struct merge *m = ctx;
	m->malformed_seen = true;
	m->malformed_off = input_offset_of(m->in, cpu, m->c[cpu].pos + at);
}

/* A CPU's head record, decoded without taking anything: accounting has
 * not started, or no record of this CPU has been taken to guard its TSC,
 * or the CPU's records go one by one (acct_unordered_ok). */
static int decode_head(struct merge *m, struct mcpu *c, const uint8_t *p,
		       const uint8_t *end)
{
	struct trace_rec rec;
	if (!trace_next(p, end, c->known, c->known ? c->last_tsc : m->last_tsc,
			&m->guard, &rec))
		return 0;
	/* A CPU's first TSC is guarded against the others': it may not leap
	 * past the last record taken more than a CPU may. */
	if (!c->known && TRACE_HDR_HAS_TSC(rec.hdr) && m->have_last &&
	    rec.tsc > m->last_tsc && rec.tsc - m->last_tsc > m->guard.max_jump) {
		m->guard.tsc_jumps++;
		rec.tsc = m->last_tsc;
	}
	c->hdr = rec.hdr;
	c->size = rec.size;
	c->tsc = rec.tsc;
	return 1;
}

/*
 * The loop a replay spends its time in, over CPU's records from *PP on
 * while they come first: each is decoded (trace_next) and offered to the
 * engine, which takes at once those that need no global order
 * (acct_offer); an ordered one is taken (acct_take) while it comes before
 * LIMIT.  With TAKE_HEAD, the CPU's head record (whole at *PP) is taken
 * first; without, the loop stops at the first ordered record.  It stops
 * after a malformed record: the CPU's records then go one by one through
 * acct_record.  *PP is left at the first record not taken, and *ORDERED
 * counts the ordered records taken.  Returns 1 when it stopped at an
 * ordered record (not before LIMIT), decoded as the CPU's head; 0 at END
 * or a record cut by it, after a malformed record, or when the engine
 * failed.
 *
 * Forced inline into its two callers, TAKE_HEAD constant, and the
 * engine's four calls inlined into it by LTO: called per span instead,
 * it made a replay ~4% slower.
 */
static inline __attribute__((always_inline)) int
step_run(struct merge *m, unsigned cpu, const uint8_t **pp, const uint8_t *end,
	 struct hent limit, uint64_t *ordered, bool take_head)
{
	struct mcpu *c = &m->c[cpu];
	struct acct *a = m->a;
	const uint8_t *p = *pp;
	uint64_t last = c->last_tsc, last_ordered = 0, taken = 0, n = 0;
	struct trace_rec rec = { .hdr = c->hdr, .size = c->size, .tsc = c->tsc };
	int stopped = 0;

	acct_run_begin(a, p);
	for (bool have = take_head;; have = true) {
		if (have) {
			/* The ordered record REC, whole at p. */
			bool go_on = acct_take(a, cpu, &rec, p);
			n++;
			last = last_ordered = rec.tsc;
			p += rec.size;
			if (!go_on)
				goto out;
		}
		/* The records up to the next ordered one. */
		for (;;) {
			if (!trace_next(p, end, true, last, &m->guard, &rec))
				goto out;
			if (!acct_offer(a, cpu, &rec, p))
				break;
			taken++;
			last = rec.tsc;
			p += rec.size;
		}
		struct hent me = { rec.tsc, cpu };
		if (!take_head || !key_less(&me, &limit)) {
			c->hdr = rec.hdr;
			c->size = rec.size;
			c->tsc = rec.tsc;
			stopped = 1;
			goto out;
		}
	}
out:
	acct_run_end(a, taken + n, last);
	c->last_tsc = last;
	/* The merge's last record: its last ordered one. */
	if (n)
		m->last_tsc = last_ordered;
	*ordered = n;
	*pp = p;
	return stopped;
}

/* Decode CPU's next record that needs ordering, if it is all there; the
 * records before it that need none go straight to the engine. */
static bool head_ready(struct merge *m, unsigned cpu)
{
	struct mcpu *c = &m->c[cpu];
	bool unordered_ok = c->known && acct_unordered_ok(m->a, cpu);

	/* One contiguous span of the FIFO per turn (see input_peek). */
	for (;;) {
		uint64_t avail, n;
		const uint8_t *start = input_peek(m->in, cpu, c->pos, &avail);
		if (avail < 4)
			return false;
		const uint8_t *p = start;
		int ready = unordered_ok ?
			step_run(m, cpu, &p, start + avail, (struct hent){ 0, 0 },
				 &n, false) :
			decode_head(m, c, p, start + avail);
		c->pos += (uint64_t)(p - start);
		if (ready)
			return true;
		/* A record that does not fit at the start of a span is
		 * incomplete; anywhere else, it may go on in the next. */
		if (p == start)
			return false;
	}
}

/*
 * Drain CPU, the tree's top: take its head record, and the records after
 * it while its ordered ones come before NEXT (the runner-up); *N counts
 * the ordered records taken.  Returns 1 when it stopped at a head not
 * before NEXT, decoded in the CPU's state; 0 when it is for head_ready to
 * find the next head.
 */
static int drain(struct merge *m, unsigned cpu, struct hent next, uint64_t *n)
{
	struct mcpu *c = &m->c[cpu];
	uint64_t avail;
	const uint8_t *start = input_peek(m->in, cpu, c->pos, &avail);

	if (!c->known || !acct_unordered_ok(m->a, cpu)) {
		acct_record(m->a, cpu, c->tsc, c->hdr,
			    trace_words(start, c->hdr));
		c->last_tsc = c->tsc;
		c->known = true;
		m->last_tsc = c->tsc;
		m->have_last = true;
		c->pos += c->size;
		*n = 1;
		return 0;
	}
	const uint8_t *p = start;
	int stopped = step_run(m, cpu, &p, start + avail, next, n, true);
	c->pos += (uint64_t)(p - start);
	m->have_last = true;
	return stopped;
}

static int grow_cpus(struct merge *m, unsigned n)
{
	if (n <= m->ncpus)
		return 0;
	struct mcpu *c = realloc(m->c, n * sizeof *c);
	unsigned *s = c ? realloc(m->starved, n * sizeof *s) : NULL;
	if (c)
		m->c = c;
	if (!s)
		return -1;
	m->starved = s;
	memset(m->c + m->ncpus, 0, (n - m->ncpus) * sizeof *c);
	m->ncpus = n;
	return tree_fit(m, n);
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
		if (!in->cpus[i].present || c->starved || c->in_tree)
			continue;
		if (acct_add_cpu(m->a, i) < 0)
			return -1;
		c->pos = in->cpus[i].head;
		c->starved = true;
		m->starved[m->nstarved++] = i;
	}
	return 0;
}

/* Starved CPUs whose next record has arrived go back into the tree. */
static void refeed(struct merge *m)
{
	unsigned k = 0;
	for (unsigned i = 0; i < m->nstarved; i++) {
		unsigned cpu = m->starved[i];
		if (head_ready(m, cpu)) {
			m->c[cpu].starved = false;
			tree_add(m, cpu);
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
	if (m->nready == 0)
		return true;
	uint64_t next = tree_top_tsc(m);
	for (unsigned i = 0; i < m->nstarved; i++) {
		const struct mcpu *c = &m->c[m->starved[i]];
		/* Its next record is no earlier than its last: if that is
		 * ahead of the tree, the runs of the others could still pass
		 * it, since it is not in the tree to bound them. */
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
	       (m->nready == 0 || (m->nstarved && in->buffered < m->lookahead &&
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
		if (!bad && !in->eof && (m->nready == 0 || m->nstarved))
			bad = fill(m);
		if (acct_error(m->a))
			return -1;
		/* Before the end of input: a stop that finds the merge waiting
		 * for a stream has nothing cut short to report. */
		if (m->stop && *m->stop)
			return 1;
		if (m->nready == 0)
			break;

		unsigned cpu = tree_top(m);
		struct mcpu *c = &m->c[cpu];
		struct hent next = tree_runner_up(m);
		for (;;) {
			uint64_t n = 0;
			int stopped = drain(m, cpu, next, &n);
			if (n >= until_progress) {
				until_progress = PROGRESS_EVERY;
				if (m->progress)
					m->progress(m->progress_ctx);
			} else {
				until_progress -= n;
			}
			if (stopped) {
				input_consume(in, cpu, c->pos);
				tree_set(m, cpu, key_of(m, c->tsc, cpu));
				break;
			}
			if (!head_ready(m, cpu)) {
				input_consume(in, cpu, c->pos);
				tree_remove(m, cpu);
				if (!in->eof || bad) {
					c->starved = true;
					m->starved[m->nstarved++] = cpu;
				}
				break;
			}
			struct hent me = { c->tsc, cpu };
			/* A CPU alone, or far ahead, can hold the rest of a
			 * trace in its runs: look at the stop between them. */
			if (!key_less(&me, &next) || (m->stop && *m->stop)) {
				input_consume(in, cpu, c->pos);
				tree_set(m, cpu, key_of(m, me.tsc, me.cpu));
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
	acct_on_malformed(a, note_malformed, m);
	m->lookahead = lookahead;
	m->guard.max_jump = (uint64_t)(cpu_mhz * 1e6 * 3600.0);
	m->guard.suspect = (uint64_t)(cpu_mhz * 1e6);
	m->idle_after = (uint64_t)(cpu_mhz * 1e6);
	if (adopt_new_cpus(m) < 0)
		return -1;
	refeed(m);
	return 0;
}

void merge_free(struct merge *m)
{
	free(m->c);
	free(m->tree);
	free(m->starved);
	memset(m, 0, sizeof *m);
}
