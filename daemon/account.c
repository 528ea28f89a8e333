/*
 * The accounting engine.
 *
 * Every vCPU is in exactly one state at a time: one of Xen's four runstates,
 * or UNKNOWN after the trace contradicted what we believed (lost records),
 * until its next record tells us again.  A vCPU carries the time its current
 * interval began; whenever its state changes, and at every second boundary,
 * the interval up to that instant is booked into the open second's bucket of
 * (CPU of residence, domain): running time to the CPU it runs on, waiting
 * and blocked time to the CPU it last ran on (or, before it is first seen
 * running, to the CPU that emitted its first record).  Offline and unknown
 * time is booked nowhere.
 *
 * Each physical CPU is either occupied by one running vCPU (the idle vCPU
 * included) or in a gap: the moment between one vCPU leaving running and
 * the next entering it, which is scheduler time (sched_ns).  A vCPU claimed
 * to start running on a CPU that we believe still occupied evicts the
 * occupant to UNKNOWN, so a CPU can never account more than its second.
 *
 * Before its first record, a vCPU's state is what that record says it was
 * changing from: if the trace is complete it cannot have changed unseen.  So
 * a vCPU first named at time T is back-filled from the start of the trace
 * (when the replay's look-ahead found it, see acct_hint) or else from the
 * start of the open second.
 *
 * Time: TSC becomes nanoseconds since the first record with a 12.52
 * fixed-point multiply, rounded to nearest: it drifts less than a
 * nanosecond in a day of trace.  Buckets are [t, t+1) in Unix seconds; the anchor
 * puts the first record at anchor_unix_ns.  Records arrive in TSC order; one
 * that is older than the newest seen (a CPU whose buffer was drained late)
 * is taken as happening now and counted as late.
 */
#include "account.h"

#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_S 1000000000ull

/* What a record goes through is forced inline into the loop that takes the
 * records: left to the compiler, these were calls, and a replay ran 9% more
 * instructions. */
#define RECORD_PATH __attribute__((always_inline)) static inline

enum vstate {
	V_RUNNING = RS_RUNNING,
	V_RUNNABLE = RS_RUNNABLE,
	V_BLOCKED = RS_BLOCKED,
	V_OFFLINE = RS_OFFLINE,
	V_UNKNOWN,
	V_NEW,      /* named, but no record has told its state yet */
};

struct domain;

struct vcpu {
	uint64_t since;          /* start of the current interval, ns */
	struct domain *dom;
	/* Its open-second bucket on CPU bk_cpu, when bk_epoch is the open
	 * second's: book() then skips the domain's bucket table. */
	uint32_t bk_epoch, bk_idx;
	uint16_t bk_cpu;
	uint32_t live_idx;
	uint16_t id;
	uint16_t res;            /* CPU of residence */
	uint8_t state;
	uint8_t hinted;
	uint8_t hint_state;
	uint16_t hint_cpu;
};

/* Where this domain's bucket for one CPU is in the open second's rows. */
struct bk {
	uint32_t epoch, idx;
};

struct domain {
	uint16_t domid;
	int64_t first_t;
	char name[DOMAIN_NAME_MAX];
	uint32_t active_epoch;   /* epoch in which it was listed in doms */
	struct vcpu **v;
	uint32_t nv;
	struct bk *bk;           /* by CPU */
	uint32_t nbk;
};

struct pcpu {
	uint8_t present;
	struct vcpu *running;
	uint64_t gap_since;
	uint64_t observed_from;
	uint64_t sched_ns;
	uint32_t lost;
};

/* How take_records takes a record, by its header (see kind_of). */
enum rec_kind {
	RK_ORDERED,      /* needs the global order: acct_record */
	RK_COUNT,        /* only counted, in *counter */
	RK_INFNEXT,
	RK_GRANT,        /* counted in *counter, booked as I/O */
};

/* What acct_record does with a record, by its header. */
enum rec_action {
	ACT_COUNT,       /* only counted, in *counter */
	ACT_RUNSTATE,
	ACT_CONTINUE,
	ACT_INFNEXT,
	ACT_GRANT,       /* counted in *counter, booked as I/O */
	ACT_DOM,         /* domain created or destroyed */
	ACT_LOST,
};

/* A trace uses a few dozen headers: a table of 512 by a multiplicative
 * hash, where two headers that collide only cost a classify each. */
#define KIND_MEMO_BITS 9u
#define KIND_MEMO_SIZE (1u << KIND_MEMO_BITS)

struct kind_memo {
	uint32_t hdr;
	uint8_t kind;            /* enum rec_kind */
	uint8_t action;          /* enum rec_action */
	uint8_t old, new;        /* ACT_RUNSTATE: the change, checked */
	uint64_t *counter;
};

struct acct {
	struct acct_config cfg;
	struct acct_stats st;
	int err;

	uint8_t started;
	uint64_t tsc0, max_tsc;
	uint64_t mul;            /* ns per tick, 12.52 fixed point */
	uint64_t now;            /* ns since the first record */

	int64_t sec_t;           /* Unix second of the open bucket */
	int64_t sec_start;       /* its start, ns since first record (<0 ok) */
	uint64_t sec_end;
	/* The same bounds in TSC, so that take_records need not convert:
	 * a TSC below tsc_sec_end is before sec_end, and one below
	 * tsc_sec_start before sec_start (see second_bounds_tsc). */
	uint64_t tsc_sec_start, tsc_sec_end;

	struct kind_memo memo[KIND_MEMO_SIZE];

	struct pcpu *cpus;
	uint32_t ncpus_alloc;
	uint16_t *cpu_list;      /* present CPUs, ascending */
	uint32_t ncpu_list;

	struct domain **dom_by_id;  /* 65536 entries: current lifetime */
	/* Bucket indexes of lifetimes ended in the open second, by domid: a
	 * domain id reused within the second must land in the same rows, the
	 * table's key being (t, cpu, domid). */
	struct domain **ended;
	uint16_t *ended_list;
	uint32_t nended, ended_cap;

	struct vcpu **live;
	uint32_t nlive, live_cap;

	uint32_t epoch;
	struct sample_row *rows;
	uint32_t nrows, rows_cap;
	struct sample_row *sorted;   /* rows in key order, for emit */
	uint64_t *keys;              /* 2 x nrows: radix sort ping-pong */
	uint32_t keys_cap, sorted_cap;
	struct dom_row *doms;
	uint32_t ndoms, doms_cap;
	struct cpu_row *cpu_rows;
};

static void *grow(void *p, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(p, (size_t)n * elem);
	if (!q)
		return NULL;
	memset((char *)q + (size_t)*cap * elem, 0, (size_t)(n - *cap) * elem);
	*cap = n;
	return q;
}

static const char *default_name(uint16_t domid)
{
	if (domid == 0)
		return "Domain-0";
	if (domid == IDLE_DOMID)
		return "Idle";
	return NULL;
}

/* ---- buckets ---------------------------------------------------------- */

static void note_domain_active(struct acct *a, struct domain *d)
{
	if (d->active_epoch == a->epoch)
		return;
	if (a->ndoms == a->doms_cap) {
		struct dom_row *n = grow(a->doms, &a->doms_cap, a->ndoms + 1,
					 sizeof *n);
		if (!n) {
			a->err = -1;
			return;
		}
		a->doms = n;
	}
	d->active_epoch = a->epoch;
	struct dom_row *r = &a->doms[a->ndoms++];
	r->domid = d->domid;
	r->first_t = d->first_t;
	memcpy(r->name, d->name, sizeof r->name);
}

/* The open second's bucket for (cpu, domain), created on first use. */
static struct sample_row *bucket(struct acct *a, uint16_t cpu, struct domain *d)
{
	if (cpu >= d->nbk) {
		struct bk *n = grow(d->bk, &d->nbk, cpu + 1u, sizeof *n);
		if (!n)
			goto oom;
		d->bk = n;
	}
	struct bk *e = &d->bk[cpu];
	if (e->epoch == a->epoch)
		return &a->rows[e->idx];
	if (a->nrows == a->rows_cap) {
		struct sample_row *n = grow(a->rows, &a->rows_cap, a->nrows + 1,
					    sizeof *n);
		if (!n)
			goto oom;
		a->rows = n;
	}
	e->epoch = a->epoch;
	e->idx = a->nrows++;
	struct sample_row *r = &a->rows[e->idx];
	memset(r, 0, sizeof *r);
	r->cpu = cpu;
	r->domid = d->domid;
	note_domain_active(a, d);
	return r;
oom:
	a->err = -1;
	return NULL;
}

static struct sample_row *vcpu_bucket_slow(struct acct *a, struct vcpu *v)
{
	struct sample_row *r = bucket(a, v->res, v->dom);
	if (r) {
		v->bk_epoch = a->epoch;
		v->bk_cpu = v->res;
		v->bk_idx = (uint32_t)(r - a->rows);
	}
	return r;
}

/* The open second's bucket for V's domain on its CPU of residence.  The
 * functions a record goes through are inline on their common path, and
 * call out only to create. */
static inline struct sample_row *vcpu_bucket(struct acct *a, struct vcpu *v)
{
	if (v->bk_epoch == a->epoch && v->bk_cpu == v->res)
		return &a->rows[v->bk_idx];
	return vcpu_bucket_slow(a, v);
}

/* Where a row keeps the time of each booked state: an index rather than
 * a branch on the state, which the processor could not predict. */
static const size_t state_column[] = {
	[V_RUNNING] = offsetof(struct sample_row, cpu_ns),
	[V_RUNNABLE] = offsetof(struct sample_row, wait_ns),
	[V_BLOCKED] = offsetof(struct sample_row, blocked_ns),
};

/* Book the vCPU's interval up to NOW in its current state. */
static inline void book(struct acct *a, struct vcpu *v, uint64_t now)
{
	uint64_t d = now - v->since;
	v->since = now;
	if (d == 0 || v->state > V_BLOCKED)
		return;
	struct sample_row *r = vcpu_bucket(a, v);
	if (r)
		*(uint64_t *)((char *)r + state_column[v->state]) += d;
}

/* ---- domains and vCPUs ------------------------------------------------ */

static int live_add(struct acct *a, struct vcpu *v)
{
	if (a->nlive == a->live_cap) {
		struct vcpu **n = grow(a->live, &a->live_cap, a->nlive + 1, sizeof *n);
		if (!n)
			return -1;
		a->live = n;
	}
	v->live_idx = a->nlive;
	a->live[a->nlive++] = v;
	return 0;
}

static void live_remove(struct acct *a, struct vcpu *v)
{
	struct vcpu *last = a->live[--a->nlive];
	a->live[v->live_idx] = last;
	last->live_idx = v->live_idx;
}

static struct domain *dom_new(struct acct *a, uint16_t domid)
{
	struct domain *d = calloc(1, sizeof *d);
	if (!d) {
		a->err = -1;
		return NULL;
	}
	d->domid = domid;
	d->first_t = a->sec_t;
	d->active_epoch = a->epoch - 1;
	if (default_name(domid))
		snprintf(d->name, sizeof d->name, "%s", default_name(domid));
	struct domain *old = a->ended[domid];
	if (old) {
		d->bk = old->bk;
		d->nbk = old->nbk;
		old->bk = NULL;
		old->nbk = 0;
	}
	a->dom_by_id[domid] = d;
	a->st.domains_seen++;
	return d;
}

static inline struct domain *dom_get(struct acct *a, uint16_t domid)
{
	struct domain *d = a->dom_by_id[domid];
	return d ? d : dom_new(a, domid);
}

static inline void stop_running(struct acct *a, struct vcpu *v, uint64_t now)
{
	struct pcpu *c = &a->cpus[v->res];
	if (c->running == v) {
		c->running = NULL;
		c->gap_since = now;
	}
}

/* End a domain lifetime: its vCPUs stop being accounted now. */
static void dom_end(struct acct *a, struct domain *d, uint64_t now)
{
	for (uint32_t i = 0; i < d->nv; i++) {
		struct vcpu *v = d->v[i];
		if (!v)
			continue;
		if (v->state != V_NEW) {
			book(a, v, now);
			if (v->state == V_RUNNING)
				stop_running(a, v, now);
			live_remove(a, v);
		}
		free(v);
	}
	if (a->dom_by_id[d->domid] == d)
		a->dom_by_id[d->domid] = NULL;
	free(d->v);
	d->v = NULL;
	d->nv = 0;
	/* Keep its bucket indexes until the second closes. */
	if (a->ended[d->domid]) {
		struct domain *prev = a->ended[d->domid];
		free(prev->bk);
		free(prev);
	} else {
		if (a->nended == a->ended_cap) {
			uint16_t *n = grow(a->ended_list, &a->ended_cap,
					   a->nended + 1, sizeof *n);
			if (!n) {
				a->err = -1;
				free(d->bk);
				free(d);
				return;
			}
			a->ended_list = n;
		}
		a->ended_list[a->nended++] = d->domid;
	}
	a->ended[d->domid] = d;
}

static struct vcpu *vcpu_get_slow(struct acct *a, uint16_t domid, uint32_t id)
{
	if (id >= TRACE_MAX_VCPUS) {
		a->st.malformed++;
		return NULL;
	}
	struct domain *d = dom_get(a, domid);
	if (!d)
		return NULL;
	if (id >= d->nv) {
		struct vcpu **n = grow(d->v, &d->nv, id + 1, sizeof *n);
		if (!n) {
			a->err = -1;
			return NULL;
		}
		d->v = n;
	}
	if (!d->v[id]) {
		struct vcpu *v = calloc(1, sizeof *v);
		if (!v) {
			a->err = -1;
			return NULL;
		}
		v->dom = d;
		v->id = (uint16_t)id;
		v->state = V_NEW;
		d->v[id] = v;
		a->st.vcpus_seen++;
	}
	return d->v[id];
}

static inline struct vcpu *vcpu_get(struct acct *a, uint16_t domid, uint32_t id)
{
	struct domain *d = a->dom_by_id[domid];
	if (d && id < d->nv && d->v[id])
		return d->v[id];
	return vcpu_get_slow(a, domid, id);
}

/* V starts running on CPU at NOW; V is booked up to NOW already. */
static void run_on(struct acct *a, unsigned cpu, struct vcpu *v, uint64_t now)
{
	struct pcpu *c = &a->cpus[cpu];
	if (c->running && c->running != v) {
		struct vcpu *o = c->running;
		book(a, o, now);
		o->state = V_UNKNOWN;
		a->st.resyncs++;
	} else if (!c->running) {
		c->sched_ns += now - c->gap_since;
	}
	c->running = v;
	v->res = (uint16_t)cpu;
	v->state = V_RUNNING;
}

static inline void set_state(struct acct *a, struct vcpu *v, unsigned cpu,
			     unsigned new, uint64_t now)
{
	book(a, v, now);
	if (v->state == V_RUNNING) {
		if (new == V_RUNNING && v->res == cpu)
			return;
		stop_running(a, v, now);
	}
	if (new == V_RUNNING)
		run_on(a, cpu, v, now);
	else
		v->state = (uint8_t)new;
}

/*
 * First record naming V, on CPU, says V was in state OLD until NOW.  Book
 * that from FROM, the earliest instant we can still book into.
 */
static void discover(struct acct *a, struct vcpu *v, unsigned cpu, unsigned old,
		     uint64_t from, uint64_t now)
{
	if (live_add(a, v) < 0) {
		a->err = -1;
		return;
	}
	v->res = (uint16_t)cpu;
	v->since = from;
	v->state = old <= V_OFFLINE ? (uint8_t)old : V_UNKNOWN;
	if (old != V_RUNNING)
		return;
	struct pcpu *c = &a->cpus[cpu];
	if (!c->running) {
		/* The CPU's gap since gap_since was this vCPU running. */
		if (c->gap_since > v->since)
			v->since = c->gap_since;
		c->running = v;
	} else {
		v->since = now;
		v->state = V_UNKNOWN;
	}
}

static uint64_t backfill_from(const struct acct *a)
{
	return a->sec_start > 0 ? (uint64_t)a->sec_start : 0;
}

static void add_cpu_at(struct acct *a, unsigned cpu, uint64_t from)
{
	struct pcpu *c = &a->cpus[cpu];
	c->present = 1;
	c->observed_from = from;
	c->gap_since = from;
	uint32_t i = a->ncpu_list++;
	while (i > 0 && a->cpu_list[i - 1] > cpu) {
		a->cpu_list[i] = a->cpu_list[i - 1];
		i--;
	}
	a->cpu_list[i] = (uint16_t)cpu;
	a->st.cpus_seen++;
}

int acct_add_cpu(struct acct *a, unsigned cpu)
{
	if (cpu >= TRACE_MAX_CPUS)
		return -1;
	if (cpu >= a->ncpus_alloc) {
		/* The three arrays indexed or bounded by CPU grow together. */
		uint32_t cap = a->ncpus_alloc, cap_list = cap, cap_rows = cap;
		struct pcpu *c = grow(a->cpus, &cap, cpu + 1, sizeof *c);
		if (c)
			a->cpus = c;
		uint16_t *l = c ? grow(a->cpu_list, &cap_list, cap, sizeof *l) : NULL;
		if (l)
			a->cpu_list = l;
		struct cpu_row *r = l ? grow(a->cpu_rows, &cap_rows, cap, sizeof *r) : NULL;
		if (!r)
			return -1;
		a->cpu_rows = r;
		a->ncpus_alloc = cap;
	}
	if (!a->cpus[cpu].present)
		add_cpu_at(a, cpu, a->started ? backfill_from(a) : 0);
	return 0;
}

int acct_hint(struct acct *a, unsigned cpu, uint16_t domid, uint16_t vcpu,
	      enum runstate state)
{
	if (a->started || acct_add_cpu(a, cpu) < 0)
		return -1;
	struct vcpu *v = vcpu_get(a, domid, vcpu);
	if (!v)
		return -1;
	v->hinted = 1;
	v->hint_state = (uint8_t)state;
	v->hint_cpu = (uint16_t)cpu;
	return 0;
}

/* ---- time ------------------------------------------------------------- */

/* Nanoseconds since the first record for a TSC. */
static inline uint64_t acct_tsc_to_ns(const struct acct *a, uint64_t tsc)
{
	if (tsc <= a->tsc0)
		return 0;
	return (uint64_t)(((unsigned __int128)(tsc - a->tsc0) * a->mul +
			   (1ull << 51)) >> 52);
}

/*
 * The first TSC at which acct_tsc_to_ns reaches NS (> 0), or 0 when no
 * 64-bit TSC does.  The conversion is monotonic, so a TSC is before NS
 * exactly when it is below this one: for x = tsc - tsc0 >= 1,
 * (x * mul + 2^51) >> 52 >= NS  <=>  x >= ceil((NS * 2^52 - 2^51) / mul).
 */
static uint64_t tsc_reaching(const struct acct *a, uint64_t ns)
{
	if (a->mul == 0)
		return 0;
	unsigned __int128 need = ((unsigned __int128)ns << 52) - (1ull << 51);
	unsigned __int128 x = (need + a->mul - 1) / a->mul;
	unsigned __int128 t = a->tsc0 + x;
	return t > UINT64_MAX ? 0 : (uint64_t)t;
}

/*
 * The open second's bounds in TSC.  Where there is no such TSC, the bound
 * is left at 0: take_records then converts every TSC as before.  Below
 * 2^62 ns the conversion cannot wrap and a time is positive as int64_t.
 */
static void second_bounds_tsc(struct acct *a)
{
	a->tsc_sec_end = a->sec_end > 0 && a->sec_end < (1ull << 62) ?
			 tsc_reaching(a, a->sec_end) : 0;
	a->tsc_sec_start = a->sec_start > 0 && a->tsc_sec_end ?
			   tsc_reaching(a, (uint64_t)a->sec_start) : 0;
}

/* ---- seconds ---------------------------------------------------------- */

/*
 * Rows in (cpu, domid) order, the table's key order, so that SQLite appends
 * to its b-tree: an LSD radix sort of (key << 32 | index), four byte-wide
 * passes over the 32-bit key, then one gather.
 */
static int sort_rows(struct acct *a)
{
	uint32_t n = a->nrows;
	if (n == 0)
		return 0;
	if (2 * n > a->keys_cap) {
		uint64_t *k = grow(a->keys, &a->keys_cap, 2 * n, sizeof *k);
		if (!k)
			return -1;
		a->keys = k;
	}
	if (n > a->sorted_cap) {
		struct sample_row *r = grow(a->sorted, &a->sorted_cap, n, sizeof *r);
		if (!r)
			return -1;
		a->sorted = r;
	}
	uint64_t *src = a->keys, *dst = a->keys + n;
	for (uint32_t i = 0; i < n; i++)
		src[i] = (uint64_t)a->rows[i].cpu << 48 |
			 (uint64_t)a->rows[i].domid << 32 | i;
	for (unsigned shift = 32; shift < 64; shift += 8) {
		uint32_t count[257] = { 0 };
		for (uint32_t i = 0; i < n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		for (unsigned b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (uint32_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	for (uint32_t i = 0; i < n; i++)
		a->sorted[i] = a->rows[(uint32_t)src[i]];
	return 0;
}

static int dom_cmp(const void *x, const void *y)
{
	const struct dom_row *p = x, *q = y;
	return (p->domid > q->domid) - (p->domid < q->domid);
}

/* Close the open second at END (its end, or the trace's end inside it). */
static void close_second(struct acct *a, uint64_t end, bool complete)
{
	for (uint32_t i = 0; i < a->nlive; i++)
		book(a, a->live[i], end);

	uint64_t start = backfill_from(a);
	for (uint32_t i = 0; i < a->ncpu_list; i++) {
		struct pcpu *c = &a->cpus[a->cpu_list[i]];
		if (!c->running) {
			c->sched_ns += end - c->gap_since;
			c->gap_since = end;
		}
		uint64_t from = c->observed_from > start ? c->observed_from : start;
		a->cpu_rows[i] = (struct cpu_row){
			.cpu = a->cpu_list[i],
			.lost_records = c->lost,
			.observed_ns = end > from ? end - from : 0,
			.sched_ns = c->sched_ns,
		};
		c->sched_ns = 0;
		c->lost = 0;
	}
	if (sort_rows(a) < 0)
		a->err = -1;
	if (a->ndoms)
		qsort(a->doms, a->ndoms, sizeof *a->doms, dom_cmp);

	struct second s = {
		.t = a->sec_t, .complete = complete,
		.cpus = a->cpu_rows, .ncpus = a->ncpu_list,
		.samples = a->sorted, .nsamples = a->nrows,
		.doms = a->doms, .ndoms = a->ndoms,
	};
	if (!a->err && a->cfg.emit && a->cfg.emit(a->cfg.ctx, &s) < 0)
		a->err = -1;
	if (a->st.seconds_emitted++ == 0)
		a->st.first_t = a->sec_t;
	a->st.last_t = a->sec_t;

	for (uint32_t i = 0; i < a->nended; i++) {
		struct domain *d = a->ended[a->ended_list[i]];
		a->ended[a->ended_list[i]] = NULL;
		free(d->bk);
		free(d);
	}
	a->nended = 0;
	a->epoch++;
	a->nrows = 0;
	a->ndoms = 0;
	a->sec_t++;
	a->sec_start = (int64_t)a->sec_end;
	a->sec_end += NS_PER_S;
	second_bounds_tsc(a);
}

static void start(struct acct *a, uint64_t tsc)
{
	a->started = 1;
	a->tsc0 = tsc;
	a->max_tsc = tsc;
	int64_t anchor = a->cfg.anchor_unix_ns;
	int64_t t = anchor / (int64_t)NS_PER_S;
	if (anchor % (int64_t)NS_PER_S < 0)
		t--;
	int64_t frac = anchor - t * (int64_t)NS_PER_S;
	a->sec_t = t;
	a->sec_start = -frac;
	a->sec_end = NS_PER_S - (uint64_t)frac;
	second_bounds_tsc(a);

	/* What the look-ahead learnt: every hinted vCPU from the start. */
	for (uint32_t id = 0; id < 65536; id++) {
		struct domain *d = a->dom_by_id[id];
		if (!d)
			continue;
		d->first_t = a->sec_t;
		for (uint32_t i = 0; i < d->nv; i++) {
			struct vcpu *v = d->v[i];
			if (v && v->hinted && v->state == V_NEW)
				discover(a, v, v->hint_cpu, v->hint_state, 0, 0);
		}
	}
}

static void close_seconds_until(struct acct *a, uint64_t ns)
{
	while (ns >= a->sec_end)
		close_second(a, a->sec_end, true);
}

/* The record's time in ns, closing every second it has passed. */
static inline uint64_t advance(struct acct *a, uint64_t tsc)
{
	uint64_t ns = acct_tsc_to_ns(a, tsc);
	if (ns < a->now) {
		a->st.late++;
		ns = a->now;
	}
	if (ns >= a->sec_end)
		close_seconds_until(a, ns);
	a->now = ns;
	return ns;
}

/* ---- records ---------------------------------------------------------- */

/* A vCPU's runstate changes from OLD to NEW; the header was checked by
 * classify, once. */
RECORD_PATH void on_runstate(struct acct *a, unsigned cpu, unsigned old,
			     unsigned new, const uint8_t *w, uint64_t tsc)
{
	a->st.runstate++;
	uint32_t x = trace_load32(w);
	uint64_t now = advance(a, tsc);
	/* A vCPU leaving running is, but after lost records, the one its
	 * CPU runs: found without a lookup. */
	struct vcpu *v = old == RS_RUNNING ? a->cpus[cpu].running : NULL;
	if (!v || v->dom->domid != (uint16_t)(x >> 16) || v->id != (x & 0xffff))
		v = vcpu_get(a, (uint16_t)(x >> 16), x & 0xffff);
	if (!v)
		return;
	if (v->state == V_NEW)
		discover(a, v, cpu, old, backfill_from(a), now);
	else if (v->state != old)
		a->st.resyncs++;
	set_state(a, v, cpu, new, now);
}

/* A record saying (domid, vcpu) is running on CPU right now. */
static void assert_running(struct acct *a, unsigned cpu, uint32_t domid,
			   uint32_t id, uint64_t now)
{
	struct vcpu *v = vcpu_get(a, (uint16_t)domid, id);
	if (!v)
		return;
	if (v->state == V_NEW)
		discover(a, v, cpu, RS_RUNNING, backfill_from(a), now);
	else if (v->state != V_RUNNING || v->res != cpu)
		a->st.resyncs++;
	set_state(a, v, cpu, V_RUNNING, now);
}

static struct sample_row *dom_bucket_slow(struct acct *a, unsigned cpu,
					  uint32_t domid)
{
	if (domid > 0xffff) {
		a->st.malformed++;
		return NULL;
	}
	struct domain *d = dom_get(a, (uint16_t)domid);
	return d ? bucket(a, (uint16_t)cpu, d) : NULL;
}

/* The open second's bucket for (CPU, DOMID) of a record that names the
 * domain, created (and the domain too) on first use. */
static inline struct sample_row *dom_bucket(struct acct *a, unsigned cpu,
					    uint32_t domid)
{
	if (domid <= 0xffff) {
		const struct domain *d = a->dom_by_id[domid];
		if (d && cpu < d->nbk && d->bk[cpu].epoch == a->epoch)
			return &a->rows[d->bk[cpu].idx];
	}
	return dom_bucket_slow(a, cpu, domid);
}

RECORD_PATH void book_infnext(struct acct *a, unsigned cpu, uint32_t n,
			      const uint8_t *w)
{
	/* Xen >= 4.8: domid, unit, since_ns, slice_ns; older: domid,
	 * waited_ns, slice_ns. */
	if (n != 4 && n != 3) {
		a->st.malformed++;
		return;
	}
	a->st.infnext++;
	struct sample_row *r = dom_bucket(a, cpu, trace_load32(w));
	if (!r)
		return;
	int32_t slice = (int32_t)trace_load32(w + 4 * (n - 1));
	r->exec_count++;
	if (slice <= 0) {
		r->alloc_unbounded++;
		return;
	}
	uint32_t s = (uint32_t)slice;
	if (r->alloc_n == 0 || s < r->alloc_min_ns)
		r->alloc_min_ns = s;
	if (s > r->alloc_max_ns)
		r->alloc_max_ns = s;
	r->alloc_n++;
	r->alloc_ns += s;
}

RECORD_PATH void book_grant(struct acct *a, unsigned cpu, uint32_t n,
			    const uint8_t *w, uint64_t *counter)
{
	if (n != 1) {
		a->st.malformed++;
		return;
	}
	(*counter)++;
	struct sample_row *r = dom_bucket(a, cpu, trace_load32(w));
	if (r)
		r->io_count++;
}

static void on_dom(struct acct *a, uint32_t ev, uint32_t n, const uint8_t *w,
		   uint64_t tsc)
{
	if (n < 1 || trace_load32(w) > 0xffff) {
		a->st.malformed++;
		return;
	}
	uint16_t domid = (uint16_t)trace_load32(w);
	uint64_t now = advance(a, tsc);
	struct domain *d = a->dom_by_id[domid];
	if (ev == TRC_SCHED_DOM_ADD) {
		a->st.dom_add++;
		if (d)
			dom_end(a, d, now);
		d = dom_new(a, domid);
		if (d)
			note_domain_active(a, d);
	} else {
		a->st.dom_rem++;
		if (d) {
			note_domain_active(a, d);
			dom_end(a, d, now);
		}
	}
}

static void on_lost(struct acct *a, unsigned cpu, uint32_t n, const uint8_t *w,
		    uint64_t tsc)
{
	if (n != 4) {
		a->st.malformed++;
		return;
	}
	uint32_t count = trace_load32(w), who = trace_load32(w + 4);
	a->st.lost_record_records++;
	a->st.lost_records += count;
	uint64_t now = advance(a, tsc);
	struct pcpu *c = &a->cpus[cpu];
	c->lost = c->lost + count < c->lost ? UINT32_MAX : c->lost + count;
	/* The vCPU running when the buffer had room again: resynchronise. */
	assert_running(a, cpu, who & 0xffff, who >> 16, now);
}

static void on_continue(struct acct *a, unsigned cpu, uint32_t n,
			const uint8_t *w, uint64_t tsc)
{
	if (n != 1) {
		a->st.malformed++;
		return;
	}
	a->st.continue_running++;
	uint32_t x = trace_load32(w);
	assert_running(a, cpu, x >> 16, x & 0xffff, advance(a, tsc));
}

/*
 * How a record with header HDR is taken: by take_records (kind) and by
 * acct_record (action), and which counter counts it.  The kinds that need
 * no order are the records only counted, INFNEXT and grants; the other
 * records of the four classes used are ordered; every other class is only
 * counted, as unused.
 */
static struct kind_memo classify(struct acct *a, uint32_t hdr)
{
	uint32_t ev = TRACE_HDR_EVENT(hdr), n = TRACE_HDR_NWORDS(hdr);
	struct kind_memo k = { .hdr = hdr, .kind = RK_COUNT, .action = ACT_COUNT };

	switch (ev) {
	case TRC_SCHED_SWITCH:
		k.counter = &a->st.sched_switch;
		return k;
	case TRC_SCHED_SWITCH_INFPREV:
		k.counter = n == 3 || n == 2 ? &a->st.infprev : &a->st.malformed;
		return k;
	case TRC_SCHED_WAKE:
	case TRC_SCHED_SLEEP:
	case TRC_SCHED_BLOCK:
		k.counter = &a->st.wake_sleep_block;
		return k;
	case TRC_TRACE_WRAP_BUFFER:
		k.counter = &a->st.wrap;
		return k;
	case TRC_SCHED_SWITCH_INFNEXT:
		k.kind = RK_INFNEXT;
		k.action = ACT_INFNEXT;
		return k;
	case TRC_MEM_PAGE_GRANT_MAP:
	case TRC_MEM_PAGE_GRANT_TRANSFER:
		k.kind = RK_GRANT;
		k.action = ACT_GRANT;
		k.counter = ev == TRC_MEM_PAGE_GRANT_MAP ? &a->st.grant_map :
			    &a->st.grant_transfer;
		return k;
	}
	k.kind = RK_ORDERED;
	switch (ev >> 12) {
	case TRC_SCHED_MIN >> 12:
		if (TRACE_IS_RUNSTATE(ev)) {
			unsigned old = TRACE_RS_OLD(ev), new = TRACE_RS_NEW(ev);
			if (n != 1 || old > RS_OFFLINE || new > RS_OFFLINE) {
				k.counter = &a->st.malformed;
			} else {
				k.action = ACT_RUNSTATE;
				k.old = (uint8_t)old;
				k.new = (uint8_t)new;
			}
		} else if (ev == TRC_SCHED_CONTINUE_RUNNING) {
			k.action = ACT_CONTINUE;
		} else {
			k.counter = &a->st.other_known;
		}
		break;
	case TRC_SCHED_VERBOSE >> 12:
		if (ev == TRC_SCHED_DOM_ADD || ev == TRC_SCHED_DOM_REM)
			k.action = ACT_DOM;
		else
			k.counter = &a->st.other_known;
		break;
	case TRC_MEM >> 12:
		k.counter = &a->st.other_known;
		break;
	case TRC_GEN >> 12:
		if (ev == TRC_LOST_RECORDS)
			k.action = ACT_LOST;
		else
			k.counter = &a->st.malformed;  /* a window header inside a window */
		break;
	default:
		k.kind = RK_COUNT;
		k.counter = &a->st.unused_class;
	}
	return k;
}

/* classify, remembered: one lookup and one jump per record instead of a
 * cascade of comparisons, since a trace repeats a few dozen headers. */
static inline const struct kind_memo *kind_of(struct acct *a, uint32_t hdr)
{
	struct kind_memo *m = &a->memo[(hdr * 0xc2b2ae35u) >> (32 - KIND_MEMO_BITS)];
	if (m->hdr != hdr)
		*m = classify(a, hdr);
	return m;
}

/* What acct_record does once the engine runs and CPU is known. */
RECORD_PATH void take_ordered(struct acct *a, unsigned cpu, uint64_t tsc,
			      uint32_t hdr, const uint8_t *w,
			      const struct kind_memo *k)
{
	uint32_t ev = TRACE_HDR_EVENT(hdr), n = TRACE_HDR_NWORDS(hdr);

	switch (k->action) {
	case ACT_COUNT:
		(*k->counter)++;
		break;
	case ACT_RUNSTATE:
		on_runstate(a, cpu, k->old, k->new, w, tsc);
		break;
	case ACT_CONTINUE:
		on_continue(a, cpu, n, w, tsc);
		break;
	case ACT_INFNEXT:
		advance(a, tsc);
		book_infnext(a, cpu, n, w);
		break;
	case ACT_GRANT:
		advance(a, tsc);
		book_grant(a, cpu, n, w, k->counter);
		break;
	case ACT_DOM:
		on_dom(a, ev, n, w, tsc);
		break;
	case ACT_LOST:
		on_lost(a, cpu, n, w, tsc);
		break;
	}
}

void acct_record(struct acct *a, unsigned cpu, uint64_t tsc, uint32_t hdr,
		 const uint8_t *w)
{
	a->st.records++;
	if (!a->started) {
		if (!TRACE_HDR_HAS_TSC(hdr)) {
			a->st.untimed++;
			return;
		}
		start(a, tsc);
	}
	if (tsc > a->max_tsc)
		a->max_tsc = tsc;
	if (a->err)
		return;
	if ((cpu >= a->ncpus_alloc || !a->cpus[cpu].present) &&
	    acct_add_cpu(a, cpu) < 0) {
		a->st.malformed++;
		return;
	}

	take_ordered(a, cpu, tsc, hdr, w, kind_of(a, hdr));
}

/*
 * Records that change no vCPU's state need no global order: most are only
 * counted, and INFNEXT and grant records only add into their own CPU's
 * bucket for their second.  The merge offers each CPU's records here first
 * and only merges those refused, so the tree sees a fraction of the trace.  A
 * record is refused before accounting starts (it may be the trace's first)
 * and when its second is not open yet.
 */
bool acct_unordered_ok(const struct acct *a, unsigned cpu)
{
	return a->started && !a->err && cpu < a->ncpus_alloc && a->cpus[cpu].present;
}

/*
 * For a record to book: is it before the open second's end?  And count it
 * late if it is before the open second's start.  (The conversion's test
 * also asks that it be before the last record's time, a->now, which
 * follows: a->now is never before the open second's start.)
 */
static inline bool in_open_second(struct acct *a, uint64_t tsc)
{
	if (tsc < a->tsc_sec_end) {
		if (tsc < a->tsc_sec_start)
			a->st.late++;
		return true;
	}
	uint64_t ns = acct_tsc_to_ns(a, tsc);
	if (ns >= a->sec_end)
		return false;
	if (ns < a->now && (int64_t)ns < a->sec_start)
		a->st.late++;
	return true;
}

/* Does CPU's record at TSC come before the run's limit?  Compared as one
 * 128-bit key (TSC, then CPU), as the merge orders them: no branch. */
static inline bool before_limit(const struct acct_run *r, unsigned cpu,
				uint64_t tsc)
{
	return ((unsigned __int128)tsc << 32 | cpu) <
	       ((unsigned __int128)r->limit_tsc << 32 | r->limit_cpu);
}

/*
 * The loop a replay spends its time in, for one CPU while its records come
 * first: each record is decoded, its TSC guarded and its kind looked up
 * once; one that needs no order is taken at once, an ordered one as
 * acct_record would take it while it comes before R's limit.  With
 * TAKE_HEAD, *HEAD (whole at *PP) is taken first; without, it stops at the
 * first ordered record.  Inline into its two callers, TAKE_HEAD constant:
 * called per span instead, it made a replay ~4% slower.
 */
RECORD_PATH int take_records(struct acct *a, unsigned cpu, const uint8_t **pp,
			     const uint8_t *end, struct tsc_guard *g,
			     struct acct_run *r, struct rec_head *head,
			     bool take_head)
{
	const uint8_t *p = *pp;
	uint64_t last = r->last, taken = 0, ordered = 0;
	uint32_t hdr = take_head ? head->hdr : 0;
	uint64_t tsc = take_head ? head->tsc : 0;
	int stopped = 0;

	for (bool have = take_head;; have = true) {
		if (have) {
			/* The ordered record (hdr, tsc), whole at p. */
			uint32_t size = trace_rec_size(hdr);
			take_ordered(a, cpu, tsc, hdr,
				     p + size - 4 * TRACE_HDR_NWORDS(hdr),
				     kind_of(a, hdr));
			ordered++;
			r->last_ordered = tsc;
			last = tsc;
			p += size;
			if (a->err)
				goto out;
		}
		/* The records up to the next ordered one. */
		for (;;) {
			if (end - p < 4)
				goto out;
			hdr = trace_load32(p);
			uint32_t size = trace_rec_size(hdr);
			if ((size_t)(end - p) < size)
				goto out;
			tsc = last;
			if (TRACE_HDR_HAS_TSC(hdr)) {
				tsc = trace_load64(p + 4);
				if (tsc - last > g->suspect)
					tsc = tsc_guard_check(g, tsc, last,
							      p + size, end);
			}
			const struct kind_memo *k = kind_of(a, hdr);
			if (k->kind == RK_COUNT) {
				(*k->counter)++;
			} else if (k->kind == RK_ORDERED || !in_open_second(a, tsc)) {
				break;
			} else {
				uint32_t n = TRACE_HDR_NWORDS(hdr);
				const uint8_t *w = p + size - 4 * n;
				if (k->kind == RK_INFNEXT)
					book_infnext(a, cpu, n, w);
				else
					book_grant(a, cpu, n, w, k->counter);
			}
			taken++;
			last = tsc;
			p += size;
		}
		if (!take_head || !before_limit(r, cpu, tsc)) {
			head->hdr = hdr;
			head->tsc = tsc;
			stopped = 1;
			goto out;
		}
	}
out:
	a->st.records += taken + ordered;
	if (last > a->max_tsc)
		a->max_tsc = last;
	r->ordered += ordered;
	r->last = last;
	*pp = p;
	return stopped;
}

int acct_take_unordered(struct acct *a, unsigned cpu, const uint8_t **pp,
			const uint8_t *end, uint64_t *last, struct tsc_guard *g,
			struct rec_head *next)
{
	struct acct_run r = { .last = *last };
	int stopped = take_records(a, cpu, pp, end, g, &r, next, false);
	*last = r.last;
	return stopped;
}

int acct_take_run(struct acct *a, unsigned cpu, const uint8_t **pp,
		  const uint8_t *end, struct tsc_guard *g, struct acct_run *r,
		  struct rec_head *head)
{
	return take_records(a, cpu, pp, end, g, r, head, true);
}

int acct_finish(struct acct *a, bool partial_last)
{
	if (!a->started || a->err)
		return a->err;
	uint64_t end = acct_tsc_to_ns(a, a->max_tsc);
	if (end < a->now)
		end = a->now;
	while (end >= a->sec_end)
		close_second(a, a->sec_end, true);
	if (partial_last && (int64_t)end > a->sec_start)
		close_second(a, end, false);
	return a->err;
}

int acct_set_domain_name(struct acct *a, uint16_t domid, const char *name)
{
	struct domain *d = dom_get(a, domid);
	if (!d)
		return -1;
	snprintf(d->name, sizeof d->name, "%s", name);
	/* The second's row, if already listed, gets the name too. */
	for (uint32_t i = 0; i < a->ndoms; i++)
		if (a->doms[i].domid == domid && a->doms[i].first_t == d->first_t)
			snprintf(a->doms[i].name, sizeof a->doms[i].name, "%s", name);
	return 0;
}

int acct_error(const struct acct *a)
{
	return a->err;
}

const struct acct_stats *acct_stats(const struct acct *a)
{
	return &a->st;
}

struct acct *acct_new(const struct acct_config *cfg)
{
	struct acct *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->cfg = *cfg;
	a->epoch = 1;
	/* Every slot holds header 0, right for the one slot 0 hashes to and
	 * never matched in the others. */
	for (unsigned i = 0; i < KIND_MEMO_SIZE; i++)
		a->memo[i] = classify(a, 0);
	a->mul = (uint64_t)(1000.0 / cfg->cpu_mhz * 4503599627370496.0 + 0.5);
	a->dom_by_id = calloc(65536, sizeof *a->dom_by_id);
	a->ended = calloc(65536, sizeof *a->ended);
	if (!a->dom_by_id || !a->ended || !(cfg->cpu_mhz > 0)) {
		acct_free(a);
		return NULL;
	}
	return a;
}

void acct_free(struct acct *a)
{
	if (!a)
		return;
	for (uint32_t id = 0; a->dom_by_id && id < 65536; id++) {
		struct domain *d = a->dom_by_id[id];
		if (!d)
			continue;
		for (uint32_t i = 0; i < d->nv; i++)
			free(d->v[i]);
		free(d->v);
		free(d->bk);
		free(d);
	}
	for (uint32_t i = 0; a->ended && i < a->nended; i++) {
		struct domain *d = a->ended[a->ended_list[i]];
		free(d->bk);
		free(d);
	}
	free(a->ended);
	free(a->ended_list);
	free(a->dom_by_id);
	free(a->sorted);
	free(a->keys);
	free(a->cpus);
	free(a->cpu_list);
	free(a->cpu_rows);
	free(a->live);
	free(a->rows);
	free(a->doms);
	free(a);
}
