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
 * nanosecond in a day of trace.  Buckets are [t, t+1) in Unix seconds; the
 * anchor puts the first record at anchor_unix_s + anchor_unix_ns.  Records
 * arrive in TSC order; one that is older than the newest seen (a CPU whose
 * buffer was drained late) is taken as happening now and counted as late.
 *
 * Malformed records (see decode.h) are counted and skipped, and mark their
 * CPU's second incomplete (malformed_records).  One that no Xen writes at
 * all is damage to the trace, so records of that CPU are missing from it
 * on: the CPU stays damaged, every second it spans marked, until one of
 * its records is well-formed and timed later than the damage.  Meanwhile
 * its records go one by one through acct_record, which sees that record.
 */
#include "account.h"
#include "metrics.h"

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
	char uuid[DOMAIN_UUID_MAX];
	uint32_t active_epoch;   /* epoch in which it was listed in doms */
	struct vcpu **v;
	uint32_t nv;
	struct bk *bk;           /* by CPU */
	uint32_t nbk;
};

struct pcpu {
	uint8_t present;
	uint8_t unordered_ok;    /* present, and not damaged */
	struct vcpu *running;
	uint64_t gap_since;
	uint64_t observed_from;
	uint64_t sched_ns;
	uint32_t lost;
	uint32_t malformed;      /* in the open second */
	uint32_t damage;         /* malformed records of the damage it is in */
	uint64_t damage_tsc;     /* TSC of the last of them */
};

/* How acct_offer takes a record, by its header (see kind_of). */
enum rec_kind {
	RK_COUNT,        /* only counted, in *counter */
	RK_INFNEXT,
	RK_GRANT,        /* counted in *counter, booked as I/O */
	RK_IO,           /* the patched Xen's I/O records: the same */
	RK_ORDERED,      /* needs the global order: acct_record */
	RK_MALFORMED,    /* needs it too, and ends the run */
};

/* What acct_record does with a record, by its header. */
enum rec_action {
	ACT_COUNT,       /* only counted, in *counter */
	ACT_RUNSTATE,
	ACT_CONTINUE,
	ACT_INFNEXT,
	ACT_GRANT,       /* counted in *counter, booked as I/O */
	ACT_IO,          /* the same, for the patched Xen's records */
	ACT_DOM,         /* domain created or destroyed */
	ACT_LOST,
	ACT_MALFORMED,
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
	bool halted;    /* emit said no later second is wanted */

	uint8_t started;
	uint64_t tsc0, max_tsc;
	uint64_t mul;            /* ns per tick, 12.52 fixed point */
	uint64_t now;            /* ns since the first record */

	int64_t sec_t;           /* Unix second of the open bucket */
	int64_t sec_start;       /* its start, ns since first record (<0 ok) */
	uint64_t sec_end;
	/* The same bounds in TSC, so that acct_offer need not convert:
	 * a TSC below tsc_sec_end is before sec_end, and one below
	 * tsc_sec_start before sec_start (see second_bounds_tsc). */
	uint64_t tsc_sec_start, tsc_sec_end;

	struct kind_memo memo[KIND_MEMO_SIZE];

	/* Who is told of the first malformed record, and where the bytes of
	 * the call taking records start (NULL: acct_record's one record). */
	acct_malformed_fn on_malformed;
	void *on_malformed_ctx;
	bool malformed_told;
	const uint8_t *run_base;

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

	/* Which domain ids, and which of their vCPU numbers, any lifetime
	 * had: what the summary counts as seen, a reused id once. */
	uint64_t dom_seen[65536 / 64];
	uint64_t **vcpu_seen;        /* by domid: a bitmap, its word count first */

	uint32_t epoch;
	struct sample_row *rows;
	uint32_t nrows, rows_cap;
	struct sample_row *sorted;   /* rows in key order, for emit */
	uint64_t *keys;              /* 2 x nrows: radix sort ping-pong */
	uint32_t keys_cap, sorted_cap;
	struct domain_row *doms;
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
	if (domid == METRICS_IDLE_DOMID)
		return METRICS_IDLE_NAME;
	return NULL;
}

/* ---- buckets ---------------------------------------------------------- */

static void note_domain_active(struct acct *a, struct domain *d)
{
	if (d->active_epoch == a->epoch)
		return;
	if (a->ndoms == a->doms_cap) {
		struct domain_row *n = grow(a->doms, &a->doms_cap,
					    a->ndoms + 1, sizeof *n);
		if (!n) {
			a->err = -1;
			return;
		}
		a->doms = n;
	}
	d->active_epoch = a->epoch;
	struct domain_row *r = &a->doms[a->ndoms++];
	r->domid = d->domid;
	r->first_t = d->first_t;
	memcpy(r->name, d->name, sizeof r->name);
	memcpy(r->uuid, d->uuid, sizeof r->uuid);
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

static bool test_and_set(uint64_t *bits, uint32_t i)
{
	uint64_t m = 1ull << (i % 64);
	bool was = bits[i / 64] & m;
	bits[i / 64] |= m;
	return was;
}

/* Count VCPU of DOMID in vcpus_seen unless a lifetime of it had it. */
static int note_vcpu_seen(struct acct *a, uint16_t domid, uint32_t vcpu)
{
	uint64_t *b = a->vcpu_seen[domid];
	uint32_t need = vcpu / 64 + 2, have = b ? (uint32_t)b[0] : 0;
	if (need > have) {
		b = realloc(b, need * sizeof *b);
		if (!b)
			return -1;
		memset(b + (have ? have : 1), 0,
		       (need - (have ? have : 1)) * sizeof *b);
		b[0] = need;
		a->vcpu_seen[domid] = b;
	}
	if (!test_and_set(b + 1, vcpu))
		a->st.vcpus_seen++;
	return 0;
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
	if (!test_and_set(a->dom_seen, domid))
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

/* NULL also for a vCPU number no Xen has: the record naming it is
 * malformed (see vcpu_of). */
static struct vcpu *vcpu_get_slow(struct acct *a, uint16_t domid, uint32_t id)
{
	if (id >= TRACE_MAX_VCPUS)
		return NULL;
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
		if (note_vcpu_seen(a, domid, id) < 0) {
			a->err = -1;
			return NULL;
		}
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
	c->unordered_ok = 1;
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
 * is left at 0: acct_offer then converts every TSC as before.  Below
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
	const struct domain_row *p = x, *q = y;
	return (p->domid > q->domid) - (p->domid < q->domid);
}

/* The I/O sources the records so far showed (METRICS_IO_*). */
static unsigned io_sources(const struct acct_stats *st)
{
	return (st->grant_map || st->grant_transfer ? METRICS_IO_GRANT_MAP : 0) |
	       (st->grant_copy ? METRICS_IO_GRANT_COPY : 0) |
	       (st->evtchn_notify ? METRICS_IO_EVTCHN : 0);
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
		if (from > end)
			from = end;
		a->cpu_rows[i] = (struct cpu_row){
			.cpu = a->cpu_list[i],
			.lost_records = c->lost,
			.malformed_records = c->malformed > c->damage ?
					     c->malformed : c->damage,
			.observed_ns = end - from,
			.sched_ns = c->sched_ns,
			.from_ns = (uint64_t)((int64_t)from - a->sec_start),
		};
		c->sched_ns = 0;
		c->lost = 0;
		c->malformed = 0;
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
		.io_sources = io_sources(&a->st),
	};
	if (!a->err && a->cfg.emit) {
		int r = a->cfg.emit(a->cfg.ctx, &s);
		if (r < 0)
			a->err = -1;
		else if (r > 0)
			a->halted = true;
	}
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
	int64_t ns = a->cfg.anchor_unix_ns;
	int64_t t = ns / (int64_t)NS_PER_S;
	if (ns % (int64_t)NS_PER_S < 0)
		t--;
	int64_t frac = ns - t * (int64_t)NS_PER_S;
	a->sec_t = a->cfg.anchor_unix_s + t;
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
	while (ns >= a->sec_end && !a->halted)
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

/* ---- malformed records ------------------------------------------------ */

static inline uint32_t saturating_inc(uint32_t x)
{
	return x + (x != UINT32_MAX);
}

/* A malformed record of CPU (header HDR, extra words W): counted, its CPU's
 * open second marked, and the first told to the caller to place. */
static __attribute__((cold)) void count_malformed(struct acct *a, unsigned cpu,
						  uint32_t hdr, const uint8_t *w)
{
	a->st.malformed++;
	if (cpu < a->ncpus_alloc && a->cpus[cpu].present)
		a->cpus[cpu].malformed = saturating_inc(a->cpus[cpu].malformed);
	if (a->malformed_told || !a->on_malformed)
		return;
	a->malformed_told = true;
	a->on_malformed(a->on_malformed_ctx, cpu, a->run_base ?
			(uint64_t)(w - a->run_base) - trace_words_at(hdr) : 0);
}

void acct_on_malformed(struct acct *a, acct_malformed_fn fn, void *ctx)
{
	a->on_malformed = fn;
	a->on_malformed_ctx = ctx;
}

/* The open second moves on to TSC if it is later.  Nothing of the record
 * is booked, so an earlier one is not counted late. */
static void reach(struct acct *a, uint64_t tsc)
{
	uint64_t ns = acct_tsc_to_ns(a, tsc);
	if (ns <= a->now)
		return;
	if (ns >= a->sec_end)
		close_seconds_until(a, ns);
	a->now = ns;
}

/* A record no Xen writes, at TSC (its CPU's last): the CPU is damaged. */
static void on_malformed(struct acct *a, unsigned cpu, uint32_t hdr,
			 const uint8_t *w, uint64_t tsc)
{
	reach(a, tsc);
	count_malformed(a, cpu, hdr, w);
	struct pcpu *c = &a->cpus[cpu];
	c->damage = saturating_inc(c->damage);
	c->unordered_ok = 0;
	c->damage_tsc = tsc;
}

/* A damaged CPU's record at TSC is well-formed and timed after the damage:
 * the damage ends, the seconds it spanned marked up to this one. */
static void damage_ends(struct acct *a, unsigned cpu, uint64_t tsc)
{
	reach(a, tsc);
	struct pcpu *c = &a->cpus[cpu];
	if (c->damage > c->malformed)
		c->malformed = c->damage;
	c->damage = 0;
	c->unordered_ok = 1;
}

/* ---- records ---------------------------------------------------------- */

/* The vCPU (DOMID, ID) a record of CPU (header HDR, words W) names, or
 * NULL: out of memory, or a vCPU number no Xen has (malformed). */
RECORD_PATH struct vcpu *vcpu_of(struct acct *a, unsigned cpu, uint32_t hdr,
				const uint8_t *w, uint16_t domid, uint32_t id)
{
	struct vcpu *v = vcpu_get(a, domid, id);
	if (!v && id >= TRACE_MAX_VCPUS)
		count_malformed(a, cpu, hdr, w);
	return v;
}

/* A vCPU's runstate changes from OLD to NEW; the header was checked by
 * classify, once. */
RECORD_PATH void on_runstate(struct acct *a, unsigned cpu, unsigned old,
			     unsigned new, uint32_t hdr, const uint8_t *w,
			     uint64_t tsc)
{
	a->st.runstate++;
	uint32_t x = trace_load32(w);
	uint64_t now = advance(a, tsc);
	/* A vCPU leaving running is, but after lost records, the one its
	 * CPU runs: found without a lookup. */
	struct vcpu *v = old == RS_RUNNING ? a->cpus[cpu].running : NULL;
	if (!v || v->dom->domid != (uint16_t)(x >> 16) || v->id != (x & 0xffff))
		v = vcpu_of(a, cpu, hdr, w, (uint16_t)(x >> 16), x & 0xffff);
	if (!v)
		return;
	if (v->state == V_NEW)
		discover(a, v, cpu, old, backfill_from(a), now);
	else if (v->state != old)
		a->st.resyncs++;
	set_state(a, v, cpu, new, now);
}

/* A record (header HDR, words W) saying (domid, vcpu) is running on CPU
 * right now. */
static void assert_running(struct acct *a, unsigned cpu, uint32_t hdr,
			   const uint8_t *w, uint32_t domid, uint32_t id,
			   uint64_t now)
{
	struct vcpu *v = vcpu_of(a, cpu, hdr, w, (uint16_t)domid, id);
	if (!v)
		return;
	if (v->state == V_NEW)
		discover(a, v, cpu, RS_RUNNING, backfill_from(a), now);
	else if (v->state != V_RUNNING || v->res != cpu)
		a->st.resyncs++;
	set_state(a, v, cpu, V_RUNNING, now);
}

static struct sample_row *dom_bucket_slow(struct acct *a, unsigned cpu,
					  uint16_t domid)
{
	struct domain *d = dom_get(a, domid);
	return d ? bucket(a, (uint16_t)cpu, d) : NULL;
}

/* The open second's bucket for (CPU, DOMID) of a record that names the
 * domain, created (and the domain too) on first use. */
static inline struct sample_row *dom_bucket(struct acct *a, unsigned cpu,
					    uint16_t domid)
{
	const struct domain *d = a->dom_by_id[domid];
	if (d && cpu < d->nbk && d->bk[cpu].epoch == a->epoch)
		return &a->rows[d->bk[cpu].idx];
	return dom_bucket_slow(a, cpu, domid);
}

/* Xen >= 4.8: domid, unit, since_ns, slice_ns; older: domid, waited_ns,
 * slice_ns (classify checked the count). */
RECORD_PATH void book_infnext(struct acct *a, unsigned cpu, uint32_t hdr,
			      const uint8_t *w)
{
	uint32_t domid = trace_load32(w);
	if (domid > 0xffff) {
		count_malformed(a, cpu, hdr, w);
		return;
	}
	a->st.infnext++;
	struct sample_row *r = dom_bucket(a, cpu, (uint16_t)domid);
	if (!r)
		return;
	int32_t slice = (int32_t)trace_load32(w + 4 * (TRACE_HDR_NWORDS(hdr) - 1));
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

RECORD_PATH void book_grant(struct acct *a, unsigned cpu, uint32_t hdr,
			    const uint8_t *w, uint64_t *counter)
{
	uint32_t domid = trace_load32(w);
	if (domid > 0xffff) {
		count_malformed(a, cpu, hdr, w);
		return;
	}
	(*counter)++;
	struct sample_row *r = dom_bucket(a, cpu, (uint16_t)domid);
	if (r)
		r->io_count++;
}

/*
 * The guest of an event-channel notification between SEND and RECV.  The
 * record does not say which side is the back-end: dom0 is taken to be
 * one, so the guest is the other side.  Between two other domains (a
 * driver domain and its guest, or two guests over vchan) it is the higher
 * domid: a driver domain is started before the guests it serves, and
 * domids are given in increasing order.  A domain notifying itself is its
 * own guest.
 */
static inline uint16_t notify_guest(uint32_t pair)
{
	uint16_t recv = (uint16_t)pair, send = (uint16_t)(pair >> 16);
	if (recv == 0 || send == 0)
		return recv | send;
	return recv > send ? recv : send;
}

/*
 * The I/O records of the patched Xen (trace.h, docs/trace-format.md):
 * io_count gains a grant copy's operations or the notifications counted,
 * io_bytes the bytes copied, booked to the guest the I/O is for, on the
 * CPU that wrote the record and in the record's second.  The guest of a
 * grant copy is its foreign domain (word 0's low half): the caller, in
 * the high half, is the back-end that copies.  Notifications are booked
 * when the coalesced record is written, not when each was sent (at most
 * one coalescing window, 10 ms by default, later, or more for a pair that
 * fell silent): spreading them by the record's ages would book into
 * seconds already closed.
 */
RECORD_PATH void book_io(struct acct *a, unsigned cpu, uint32_t hdr,
			 const uint8_t *w, uint64_t *counter)
{
	uint32_t pair = trace_load32(w), n = trace_load32(w + 4);
	uint32_t bytes = 0;
	uint16_t guest = notify_guest(pair);
	(*counter)++;
	if (TRACE_HDR_EVENT(hdr) == TRC_MEM_GRANT_COPY) {
		guest = (uint16_t)pair;
		n = trace_load32(w + 8);
		bytes = trace_load32(w + 12);
	}
	if (n == 0 && bytes == 0)
		return;
	struct sample_row *r = dom_bucket(a, cpu, guest);
	if (!r)
		return;
	r->io_count = r->io_count + n < r->io_count ? UINT32_MAX :
		      r->io_count + n;
	r->io_bytes += bytes;
}

static void on_dom(struct acct *a, unsigned cpu, uint32_t hdr,
		   const uint8_t *w, uint64_t tsc)
{
	uint64_t now = advance(a, tsc);
	if (trace_load32(w) > 0xffff) {
		count_malformed(a, cpu, hdr, w);
		return;
	}
	uint16_t domid = (uint16_t)trace_load32(w);
	struct domain *d = a->dom_by_id[domid];
	if (TRACE_HDR_EVENT(hdr) == TRC_SCHED_DOM_ADD) {
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

static void on_lost(struct acct *a, unsigned cpu, uint32_t hdr,
		    const uint8_t *w, uint64_t tsc)
{
	uint32_t count = trace_load32(w), who = trace_load32(w + 4);
	a->st.lost_record_records++;
	a->st.lost_records += count;
	uint64_t now = advance(a, tsc);
	struct pcpu *c = &a->cpus[cpu];
	c->lost = c->lost + count < c->lost ? UINT32_MAX : c->lost + count;
	/* The vCPU running when the buffer had room again: resynchronise. */
	assert_running(a, cpu, hdr, w, who & 0xffff, who >> 16, now);
}

static void on_continue(struct acct *a, unsigned cpu, uint32_t hdr,
			const uint8_t *w, uint64_t tsc)
{
	a->st.continue_running++;
	uint32_t x = trace_load32(w);
	assert_running(a, cpu, hdr, w, x >> 16, x & 0xffff, advance(a, tsc));
}

/*
 * How a record with header HDR is taken: by acct_offer (kind) and by
 * acct_record (action), and which counter counts it.  The kinds that need
 * no order are the records only counted, INFNEXT, grants and the
 * patched Xen's I/O records; the other
 * records of the classes used are ordered, and so are malformed ones.
 */
static struct kind_memo classify(struct acct *a, uint32_t hdr)
{
	struct kind_memo k = { .hdr = hdr, .kind = RK_COUNT, .action = ACT_COUNT };
	enum trace_type type = trace_type(hdr);

	switch (type) {
	case TT_UNUSED:
		k.counter = &a->st.unused_class;
		break;
	case TT_SWITCH:
		k.counter = &a->st.sched_switch;
		break;
	case TT_INFPREV:
		k.counter = &a->st.infprev;
		break;
	case TT_WAKE_SLEEP_BLOCK:
		k.counter = &a->st.wake_sleep_block;
		break;
	case TT_WRAP:
		k.counter = &a->st.wrap;
		break;
	case TT_INFNEXT:
		k.kind = RK_INFNEXT;
		k.action = ACT_INFNEXT;
		break;
	case TT_GRANT_MAP:
	case TT_GRANT_TRANSFER:
		k.kind = RK_GRANT;
		k.action = ACT_GRANT;
		k.counter = type == TT_GRANT_MAP ? &a->st.grant_map :
			    &a->st.grant_transfer;
		break;
	case TT_GRANT_COPY:
	case TT_EVTCHN_NOTIFY:
		k.kind = RK_IO;
		k.action = ACT_IO;
		k.counter = type == TT_GRANT_COPY ? &a->st.grant_copy :
			    &a->st.evtchn_notify;
		break;
	case TT_OTHER:
		k.kind = RK_ORDERED;
		k.counter = &a->st.other_known;
		break;
	case TT_RUNSTATE:
		k.kind = RK_ORDERED;
		k.action = ACT_RUNSTATE;
		k.old = (uint8_t)TRACE_RS_OLD(TRACE_HDR_EVENT(hdr));
		k.new = (uint8_t)TRACE_RS_NEW(TRACE_HDR_EVENT(hdr));
		break;
	case TT_CONTINUE:
		k.kind = RK_ORDERED;
		k.action = ACT_CONTINUE;
		break;
	case TT_DOM_ADD:
	case TT_DOM_REM:
		k.kind = RK_ORDERED;
		k.action = ACT_DOM;
		break;
	case TT_LOST:
		k.kind = RK_ORDERED;
		k.action = ACT_LOST;
		break;
	case TT_MALFORMED:
		k.kind = RK_MALFORMED;
		k.action = ACT_MALFORMED;
		break;
	}
	return k;
}

/* A header not remembered in slot M: remembered there now.  Out of line,
 * so that the loops over records keep nothing live for it. */
static __attribute__((noinline)) void remember(struct acct *a,
					       struct kind_memo *m, uint32_t hdr)
{
	*m = classify(a, hdr);
}

/* classify, remembered: one lookup and one jump per record instead of a
 * cascade of comparisons, since a trace repeats a few dozen headers. */
static inline const struct kind_memo *kind_of(struct acct *a, uint32_t hdr)
{
	struct kind_memo *m = &a->memo[(hdr * 0xc2b2ae35u) >> (32 - KIND_MEMO_BITS)];
	if (m->hdr != hdr)
		remember(a, m, hdr);
	return m;
}

/* What acct_record does once the engine runs and CPU is known. */
RECORD_PATH void take_ordered(struct acct *a, unsigned cpu, uint64_t tsc,
			      uint32_t hdr, const uint8_t *w,
			      const struct kind_memo *k)
{
	switch (k->action) {
	case ACT_COUNT:
		(*k->counter)++;
		break;
	case ACT_RUNSTATE:
		on_runstate(a, cpu, k->old, k->new, hdr, w, tsc);
		break;
	case ACT_CONTINUE:
		on_continue(a, cpu, hdr, w, tsc);
		break;
	case ACT_INFNEXT:
		advance(a, tsc);
		book_infnext(a, cpu, hdr, w);
		break;
	case ACT_GRANT:
		advance(a, tsc);
		book_grant(a, cpu, hdr, w, k->counter);
		break;
	case ACT_IO:
		advance(a, tsc);
		book_io(a, cpu, hdr, w, k->counter);
		break;
	case ACT_DOM:
		on_dom(a, cpu, hdr, w, tsc);
		break;
	case ACT_LOST:
		on_lost(a, cpu, hdr, w, tsc);
		break;
	case ACT_MALFORMED:
		on_malformed(a, cpu, hdr, w, tsc);
		break;
	}
}

void acct_record(struct acct *a, unsigned cpu, uint64_t tsc, uint32_t hdr,
		 const uint8_t *w)
{
	a->st.records++;
	a->run_base = NULL;
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
		count_malformed(a, cpu, hdr, w);
		return;
	}
	const struct kind_memo *k = kind_of(a, hdr);
	const struct pcpu *c = &a->cpus[cpu];
	if (c->damage && k->kind != RK_MALFORMED && TRACE_HDR_HAS_TSC(hdr) &&
	    tsc > c->damage_tsc)
		damage_ends(a, cpu, tsc);
	take_ordered(a, cpu, tsc, hdr, w, k);
}

/*
 * Records that change no vCPU's state need no global order: most are only
 * counted, and INFNEXT, grant and I/O records only add into their own CPU's
 * bucket for their second.  The merge offers each CPU's records here first
 * and only merges those refused, so the tree sees a fraction of the trace.  A
 * record is refused before accounting starts (it may be the trace's first)
 * and when its second is not open yet; all are, from a damaged CPU.
 */
bool acct_unordered_ok(const struct acct *a, unsigned cpu)
{
	return a->started && !a->err && cpu < a->ncpus_alloc &&
	       a->cpus[cpu].unordered_ok;
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

/*
 * The merge's loop over one CPU's records (decode/merge.c) drives the
 * engine through the four functions below, record by record.  LTO
 * inlines them into that loop; acct_offer, called for nearly every
 * record, only when forced: left a call, a replay of the bench trace ran
 * 11% more instructions.
 */
void acct_run_begin(struct acct *a, const uint8_t *base)
{
	a->run_base = base;
}

__attribute__((always_inline)) inline bool
acct_offer(struct acct *a, unsigned cpu, const struct trace_rec *r,
	   const uint8_t *p)
{
	const struct kind_memo *k = kind_of(a, r->hdr);
	if (k->kind == RK_COUNT) {
		(*k->counter)++;
		return true;
	}
	if (k->kind >= RK_ORDERED || !in_open_second(a, r->tsc))
		return false;
	const uint8_t *w = trace_words(p, r->hdr);
	if (k->kind == RK_INFNEXT)
		book_infnext(a, cpu, r->hdr, w);
	else if (k->kind == RK_GRANT)
		book_grant(a, cpu, r->hdr, w, k->counter);
	else
		book_io(a, cpu, r->hdr, w, k->counter);
	return true;
}

bool acct_take(struct acct *a, unsigned cpu, const struct trace_rec *r,
	       const uint8_t *p)
{
	const struct kind_memo *k = kind_of(a, r->hdr);
	take_ordered(a, cpu, r->tsc, r->hdr, trace_words(p, r->hdr), k);
	return k->kind != RK_MALFORMED && !a->err;
}

void acct_run_end(struct acct *a, uint64_t records, uint64_t last_tsc)
{
	a->st.records += records;
	if (last_tsc > a->max_tsc)
		a->max_tsc = last_tsc;
}

int acct_finish(struct acct *a, bool partial_last)
{
	if (!a->started || a->err)
		return a->err;
	uint64_t end = acct_tsc_to_ns(a, a->max_tsc);
	if (end < a->now)
		end = a->now;
	while (end >= a->sec_end && !a->halted)
		close_second(a, a->sec_end, true);
	if (partial_last && !a->halted && (int64_t)end > a->sec_start)
		close_second(a, end, false);
	return a->err;
}

/* D's row in the open second, if already listed: it gets a name or UUID
 * given now too. */
static struct domain_row *listed_row(struct acct *a, const struct domain *d)
{
	for (uint32_t i = 0; i < a->ndoms; i++)
		if (a->doms[i].domid == d->domid && a->doms[i].first_t == d->first_t)
			return &a->doms[i];
	return NULL;
}

int acct_set_domain_name(struct acct *a, uint16_t domid, const char *name)
{
	struct domain *d = dom_get(a, domid);
	if (!d)
		return -1;
	snprintf(d->name, sizeof d->name, "%s", name);
	struct domain_row *r = listed_row(a, d);
	if (r)
		snprintf(r->name, sizeof r->name, "%s", name);
	return 0;
}

int acct_set_domain_uuid(struct acct *a, uint16_t domid, const char *uuid)
{
	struct domain *d = dom_get(a, domid);
	if (!d)
		return -1;
	snprintf(d->uuid, sizeof d->uuid, "%s", uuid);
	struct domain_row *r = listed_row(a, d);
	if (r)
		snprintf(r->uuid, sizeof r->uuid, "%s", uuid);
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
	a->vcpu_seen = calloc(65536, sizeof *a->vcpu_seen);
	if (!a->dom_by_id || !a->ended || !a->vcpu_seen || !(cfg->cpu_mhz > 0)) {
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
	/* A domain has a vCPU bitmap only if its id is marked seen. */
	for (uint32_t w = 0; a->vcpu_seen && w < 65536 / 64; w++)
		for (uint64_t m = a->dom_seen[w]; m; m &= m - 1)
			free(a->vcpu_seen[w * 64 + (uint32_t)__builtin_ctzll(m)]);
	free(a->vcpu_seen);
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
