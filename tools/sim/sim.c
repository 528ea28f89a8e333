/*
 * xenmon-sim: the model of a Xen host and its event loop.
 *
 * Objects: P physical CPUs, each with an idle vCPU (domain 32767, vcpu id =
 * CPU number) and a run queue with three priorities (BOOST > UNDER > OVER,
 * as Xen's credit scheduler); dom0 (back-end for I/O, plus some load of its
 * own) and D guests of V vCPUs, each running a workload (cpu-bound, periodic,
 * io, idle-ish).
 *
 * Time advances through a binary heap of timed events (ties broken by
 * insertion order, so that a seed gives the same bytes every time).  A rule
 * keeps the trace and the truth consistent: a vCPU's runstate only changes in
 * the handler of an event whose time is the ns of the runstate record that
 * announces it.  Records that change no state (INFPREV, INFNEXT, SWITCH, ...)
 * may be written a few hundred ns ahead of the event; the CPU is then
 * "reserved" up to that ns, and any ordinary event that would write on it
 * before is deferred.  Follow-up events of such a sequence (the two runstate
 * records of a switch, the runstate record of a wake, the block after an I/O
 * submission, ...) are "owned": they are exempt from deferral because they
 * are the ones the reservation was made for.
 *
 * A context switch on CPU c at t writes INFPREV, INFNEXT, SWITCH at t + a
 * few tens of ns each, then prev's runstate record at t + g1 (PREV_OUT
 * event) and next's at t + g2 (NEXT_IN event); g2 - g1 (200-2000 ns) is time
 * no vCPU runs on c.  A wake writes WAKE then, ~100 ns later, the
 * blocked -> runnable runstate record, on the CPU of the waker.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <xen/trace.h>

/* The patched Xen's I/O records (docs/trace-format.md), not in Debian's
 * header; spelt here from the contract, not taken from the daemon. */
#define SIM_TRC_MEM_GRANT_COPY 0x00108e01u
#define SIM_TRC_MEM_EVTCHN_NOTIFY 0x00108e02u

enum { PRIO_OVER = 0, PRIO_UNDER = 1, PRIO_BOOST = 2, NPRIO = 3 };
enum { T_NONE, T_WAKING, T_OUT, T_IN, T_BLOCKING, T_OFFLINING, T_KILL };
enum { R_SLICE, R_TICKLE, R_BLOCK, R_KILL };
#define WAKE_IO 0x80000000u /* EV_WAKE: I/O completion, no timer generation */

enum evtype {
    EV_SCHED, EV_PREV_OUT, EV_NEXT_IN, EV_ACTION, EV_BLOCKNOW, EV_WAKE, EV_WAKE_RS,
    EV_KILL, EV_OFFLINE, EV_DOMREM, EV_CREATE, EV_DESTROY, EV_ONLINE, EV_DOM0_TICK,
    EV_ACCOUNT, EV_FLUSH, EV_LOST
};

struct event {
    uint64_t t, seq;
    uint32_t a, b, gen;
    uint8_t type, owned;
};

struct cpu {
    int id;
    struct vcpu *cur, *idle;
    struct vcpu *sw_prev, *sw_next;
    uint8_t switching, sw_fate, tickle_pending;
    uint64_t sw_t, sw_slice_int, slice_end;
    uint64_t busy_until;
    uint64_t timer_at;  /* the live slice timer event, 0 = none */
    struct vcpu *qh[NPRIO], *qt[NPRIO];
    int qn;
};

struct domain {
    uint16_t domid;
    uint8_t alive, dying, wl;
    int nv;
    struct vcpu *v;
};

struct req {
    uint32_t vidx, vgen, cost;
    uint8_t ngrants, pseudo;
};

struct reqq {
    struct req *r;
    uint32_t cap, head, n;
};

#define CSCHED_STOLEN_VCPU ((uint32_t)TRC_SCHED_CLASS_EVT(CSCHED, 4))
#define CSCHED_TICKLE ((uint32_t)TRC_SCHED_CLASS_EVT(CSCHED, 6))
#define CSCHED_ACCOUNT_START ((uint32_t)TRC_SCHED_CLASS_EVT(CSCHED, 2))

static struct sim_opts O;
static struct rng R;
static struct cpu *cpus;
static int P;
static struct vcpu **vt; /* all vCPUs ever, by idx */
static size_t nvt, vt_cap;
static struct domain **doms;
static size_t ndoms, doms_cap;
static struct domain *dom0;
static int queued_total;
static uint64_t idlemap[SIM_MAX_CPUS / 64];
static uint64_t now;
static uint32_t next_domid;
static uint16_t *free_domids;
static size_t nfree_domids;
static volatile sig_atomic_t stop_flag;

static struct event *heap;
static size_t hn, hcap, hmax;
static uint64_t seqno;

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s);
    if (!p) {
        fprintf(stderr, "xenmon-sim: out of memory\n");
        exit(1);
    }
    return p;
}

static void bug(const char *what)
{
    fprintf(stderr, "xenmon-sim: internal error at ns %llu: %s\n", (unsigned long long)now, what);
    abort();
}

void sim_request_stop(void)
{
    stop_flag = 1;
}

size_t sim_heap_max(void)
{
    return hmax;
}

/* ------------------------------------------------------------------ heap */

static inline bool ev_less(const struct event *x, const struct event *y)
{
    return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void push(uint64_t t, int type, int owned, uint32_t a, uint32_t b, uint32_t gen)
{
    if (hn == hcap) {
        hcap = hcap ? hcap * 2 : 1024;
        heap = realloc(heap, sizeof(*heap) * hcap);
        if (!heap)
            bug("out of memory");
    }
    if (hn + 1 > hmax)
        hmax = hn + 1;
    struct event e = {.t = t, .seq = seqno++, .a = a, .b = b, .gen = gen,
                      .type = (uint8_t)type, .owned = (uint8_t)owned};
    size_t i = hn++;
    while (i) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&e, &heap[p]))
            break;
        heap[i] = heap[p];
        i = p;
    }
    heap[i] = e;
}

static struct event pop(void)
{
    struct event top = heap[0];
    struct event last = heap[--hn];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= hn)
            break;
        size_t m = l;
        if (l + 1 < hn && ev_less(&heap[l + 1], &heap[l]))
            m = l + 1;
        if (!ev_less(&heap[m], &last))
            break;
        heap[i] = heap[m];
        i = m;
    }
    if (hn)
        heap[i] = last;
    return top;
}

static void defer(const struct event *e, uint64_t t)
{
    push(t, e->type, e->owned, e->a, e->b, e->gen);
}

/* ------------------------------------------------------------- helpers */

static inline uint64_t step(void)
{
    return rng_range(&R, 20, 121);
}

static inline uint64_t umax(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static uint64_t sc(double ns)
{
    double r = O.rate;
    if (now >= O.burst_from_ns && now < O.burst_to_ns)
        r *= O.burst_factor;
    double x = ns / r;
    return x < 1000.0 ? 1000 : (uint64_t)x;
}

static double uni(double lo, double hi)
{
    return lo + (hi - lo) * rng_unit(&R);
}

static inline uint64_t reserved(const struct cpu *c)
{
    return umax(c->busy_until, tr_last_ns(c->id));
}

static inline void reserve(struct cpu *c, uint64_t t)
{
    if (t > c->busy_until)
        c->busy_until = t;
}

/* The slice ends at T.  One live timer event per CPU: a new one is only
 * pushed when it must fire earlier than the live one; a timer that fires
 * before the slice end re-arms itself (see h_sched). */
static void arm_slice(struct cpu *c, uint64_t T)
{
    c->slice_end = T;
    if (!c->timer_at || T < c->timer_at) {
        push(T, EV_SCHED, 0, (uint32_t)c->id, R_SLICE, 0);
        c->timer_at = T;
    }
}

static inline uint32_t vword(const struct vcpu *v)
{
    return ((uint32_t)v->domid << 16) | v->vid;
}

/* ------------------------------------------------------------- records */

static void rec_v1(int c, uint64_t ns, uint32_t ev, struct vcpu *v)
{
    truth_name(v, c, ns);
    uint32_t w = vword(v);
    tr_emit(c, ns, ev, 1, &w, 1);
}

static void rec_v2(int c, uint64_t ns, uint32_t ev, struct vcpu *v)
{
    truth_name(v, c, ns);
    uint32_t w[2] = {v->domid, v->vid};
    tr_emit(c, ns, ev, 2, w, 1);
}

static void rec_dom(int c, uint64_t ns, uint32_t ev, uint16_t domid)
{
    uint32_t w = domid;
    tr_emit(c, ns, ev, 1, &w, 1);
}

static void runstate(int c, struct vcpu *v, int newstate)
{
    uint32_t ev = TRC_SCHED_RUNSTATE_CHANGE | ((uint32_t)v->state << 8) | ((uint32_t)newstate << 4);
    rec_v1(c, now, ev, v);
    truth_state(v, newstate, now, c);
    v->state = (uint8_t)newstate;
}

static void noise_irq(int c, uint64_t ns)
{
    if (!O.no_tsc_records || rng_unit(&R) >= 0.3)
        return;
    uint32_t w[2] = {(uint32_t)rng_range(&R, 16, 200), (uint32_t)rng_range(&R, 0x20, 0xf0)};
    tr_emit(c, ns, TRC_HW_IRQ_CLEAR_VECTOR, (int)rng_range(&R, 1, 3), w, 0);
}

/* ----------------------------------------------------------- run queues */

static void rq_insert(struct cpu *c, struct vcpu *v, int prio)
{
    if (v->queued)
        bug("vcpu queued twice");
    v->prio = (uint8_t)prio;
    v->queued = 1;
    v->qcpu = c->id;
    v->qnext = NULL;
    v->qprev = c->qt[prio];
    if (c->qt[prio])
        c->qt[prio]->qnext = v;
    else
        c->qh[prio] = v;
    c->qt[prio] = v;
    c->qn++;
    queued_total++;
}

static void rq_remove(struct vcpu *v)
{
    struct cpu *c = &cpus[v->qcpu];
    int p = v->prio;
    if (v->qprev)
        v->qprev->qnext = v->qnext;
    else
        c->qh[p] = v->qnext;
    if (v->qnext)
        v->qnext->qprev = v->qprev;
    else
        c->qt[p] = v->qprev;
    v->queued = 0;
    v->qprev = v->qnext = NULL;
    c->qn--;
    queued_total--;
}

static struct vcpu *rq_peek(struct cpu *c)
{
    for (int p = NPRIO - 1; p >= 0; p--)
        if (c->qh[p])
            return c->qh[p];
    return NULL;
}

static struct vcpu *steal(struct cpu *c, int *from)
{
    if (queued_total - c->qn <= 0)
        return NULL;
    for (int i = 1; i < P; i++) {
        struct cpu *o = &cpus[(c->id + i) % P];
        if (o->qn) {
            *from = o->id;
            return rq_peek(o);
        }
    }
    return NULL;
}

static int cur_prio(const struct vcpu *v)
{
    if (v->is_idle)
        return -1;
    if (v->boosted)
        return PRIO_BOOST;
    return v->credit > 0 ? PRIO_UNDER : PRIO_OVER;
}

static int eff_prio(const struct cpu *c)
{
    if (c->switching)
        return c->sw_next->is_idle ? -1 : c->sw_next->run_prio;
    return cur_prio(c->cur);
}

static void idle_update(struct cpu *c)
{
    bool idle = !c->switching && c->cur->is_idle && !c->tickle_pending;
    if (idle)
        idlemap[c->id / 64] |= 1ULL << (c->id % 64);
    else
        idlemap[c->id / 64] &= ~(1ULL << (c->id % 64));
}

static int find_idle(int exclude)
{
    int nw = (P + 63) / 64;
    int start = (int)rng_range(&R, 0, (uint64_t)nw);
    for (int k = 0; k < nw; k++) {
        int wi = (start + k) % nw;
        uint64_t m = idlemap[wi];
        if (exclude / 64 == wi)
            m &= ~(1ULL << (exclude % 64));
        if (m)
            return wi * 64 + __builtin_ctzll(m);
    }
    return -1;
}

/* Ask CPU t to reschedule (an IPI); the TICKLE record goes on the waker
 * (none when waker is NULL). */
static void tickle(struct cpu *t, struct cpu *waker, uint64_t ns)
{
    if (t->tickle_pending)
        return;
    t->tickle_pending = 1;
    idle_update(t);
    push(ns + rng_range(&R, 500, 3001), EV_SCHED, 0, (uint32_t)t->id, R_TICKLE, 0);
    if (O.noise && waker) {
        uint32_t w = (uint32_t)t->id;
        tr_emit(waker->id, ns, CSCHED_TICKLE, 1, &w, 1);
    }
}

/* v was just queued on cpus[v->qcpu]: preempt there, or get an idle CPU to
 * come and steal it. */
static void tickle_for(struct vcpu *v, struct cpu *waker, uint64_t ns)
{
    struct cpu *h = &cpus[v->qcpu];
    int ep = eff_prio(h);
    if ((ep < 0 || (int)v->prio > ep) && !h->tickle_pending) {
        tickle(h, waker, ns);
        return;
    }
    int i = find_idle(h->id);
    if (i >= 0)
        tickle(&cpus[i], waker, ns);
}

/* ------------------------------------------------------------ scheduler */

static uint32_t pick_slice(struct vcpu *v, uint64_t *internal)
{
    if (v->is_idle) {
        *internal = 0;
        return 0xFFFFFFFFu;
    }
    double r = rng_unit(&R);
    if (r < 0.03) {
        *internal = O.slice_ns;
        return 0;
    }
    if (r < 0.25 && v->credit >= (int64_t)NS_PER_MS && v->credit < (int64_t)O.slice_ns) {
        *internal = (uint64_t)v->credit;
        return (uint32_t)v->credit;
    }
    *internal = O.slice_ns;
    return (uint32_t)O.slice_ns;
}

/*
 * Run the scheduler on c at t.  fate: what happens to the current vCPU if
 * it is switched out (RS_RUNNABLE: it competes and may continue).
 */
static void do_schedule(struct cpu *c, uint64_t t, int fate, int reason)
{
    struct vcpu *prev = c->cur, *next = NULL;
    int from = -1;
    if (c->switching)
        bug("schedule during a switch");
    c->tickle_pending = 0;
    if (fate == RS_RUNNABLE && !prev->is_idle) {
        struct vcpu *best = rq_peek(c);
        int pp = cur_prio(prev);
        if (best && (reason == R_SLICE ? (int)best->prio >= pp : (int)best->prio > pp))
            next = best;
    } else {
        next = rq_peek(c);
        if (!next)
            next = steal(c, &from);
        if (!next && !prev->is_idle)
            next = c->idle;
    }

    uint64_t cur = t;
    if (!next) {
        /* the scheduler keeps prev */
        uint64_t internal = 0;
        uint32_t slice;
        if (prev->is_idle)
            slice = 0xFFFFFFFFu;
        else if (reason == R_SLICE)
            slice = pick_slice(prev, &internal);
        else
            slice = (uint32_t)(c->slice_end > t ? c->slice_end - t : 1);
        if (!O.old_layout) {
            uint32_t w[4] = {prev->domid, prev->vid, (uint32_t)(t - prev->run_start), slice};
            truth_name(prev, c->id, cur);
            tr_emit(c->id, cur, TRC_SCHED_SWITCH_INFCONT, 4, w, 1);
            cur += step();
        }
        rec_v1(c->id, cur, TRC_SCHED_CONTINUE_RUNNING, prev);
        reserve(c, cur);
        if (!prev->is_idle && reason == R_SLICE)
            arm_slice(c, t + internal);
        idle_update(c);
        return;
    }

    if (next->queued)
        rq_remove(next);
    if (!prev->is_idle)
        prev->run_gen++;
    if (from >= 0 && O.noise) {
        uint32_t w[3] = {(uint32_t)from, next->domid, next->vid};
        tr_emit(c->id, cur, CSCHED_STOLEN_VCPU, 3, w, 1);
        cur += step();
    }
    uint32_t ran = (uint32_t)(cur - prev->run_start);
    truth_name(prev, c->id, cur);
    if (O.old_layout) {
        uint32_t w[2] = {prev->domid, ran};
        tr_emit(c->id, cur, TRC_SCHED_SWITCH_INFPREV, 2, w, 1);
    } else {
        uint32_t w[3] = {prev->domid, prev->vid, ran};
        tr_emit(c->id, cur, TRC_SCHED_SWITCH_INFPREV, 3, w, 1);
    }
    cur += step();
    uint64_t internal;
    uint32_t slice = pick_slice(next, &internal);
    truth_name(next, c->id, cur);
    if (O.old_layout) {
        uint32_t w[3] = {next->domid, (uint32_t)(cur - next->runnable_since), slice};
        tr_emit(c->id, cur, TRC_SCHED_SWITCH_INFNEXT, 3, w, 1);
    } else {
        uint32_t w[4] = {next->domid, next->vid, (uint32_t)(cur - next->last_desched), slice};
        tr_emit(c->id, cur, TRC_SCHED_SWITCH_INFNEXT, 4, w, 1);
    }
    truth_exec(c->id, next->domid, cur, slice);
    cur += step();
    {
        uint32_t w[4] = {prev->domid, prev->vid, next->domid, next->vid};
        tr_emit(c->id, cur, TRC_SCHED_SWITCH, 4, w, 1);
    }
    uint64_t g1 = cur + step();
    uint64_t g2 = g1 + rng_range(&R, 200, 2001);
    c->switching = 1;
    c->sw_prev = prev;
    c->sw_next = next;
    c->sw_fate = (uint8_t)fate;
    c->sw_t = t;
    c->sw_slice_int = internal;
    prev->trans = T_OUT;
    next->trans = T_IN;
    next->run_prio = next->is_idle ? 0 : next->prio;
    push(g1, EV_PREV_OUT, 1, (uint32_t)c->id, 0, 0);
    push(g2, EV_NEXT_IN, 1, (uint32_t)c->id, 0, 0);
    reserve(c, g2);
    idle_update(c);
}

/* ------------------------------------------------------------ workloads */

static uint64_t pick_waker(const struct vcpu *v)
{
    if (rng_unit(&R) < 0.85)
        return (uint64_t)v->cpu;
    return rng_range(&R, 0, (uint64_t)P);
}

static void set_burst(struct vcpu *v)
{
    switch (v->wl) {
    case WL_PERIODIC:
        v->need = (int64_t)sc(20e6 * uni(0.5, 1.5));
        v->block_for = sc(50e6 * uni(0.5, 1.5));
        break;
    case WL_IDLEISH:
        v->need = (int64_t)sc(uni(0.2e6, 2e6));
        v->block_for = O.workload == WL_IDLEISH ? sc(uni(1e9, 8e9)) : sc(uni(0.5e9, 3e9));
        break;
    case WL_IO:
        v->need = (int64_t)sc(uni(50e3, 500e3));
        v->block_for = 0;
        break;
    case WL_CPU:
        v->need = -1;
        v->block_for = 0;
        break;
    default:
        break;
    }
}

static void reqq_push(struct reqq *q, struct req r)
{
    if (q->n == q->cap) {
        uint32_t ncap = q->cap ? q->cap * 2 : 64;
        struct req *nr = xcalloc(ncap, sizeof(*nr));
        for (uint32_t i = 0; i < q->n; i++)
            nr[i] = q->r[(q->head + i) % q->cap];
        free(q->r);
        q->r = nr;
        q->cap = ncap;
        q->head = 0;
    }
    q->r[(q->head + q->n) % q->cap] = r;
    q->n++;
}

static struct req reqq_pop(struct reqq *q)
{
    struct req r = q->r[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    return r;
}

static void dom0_enqueue(struct vcpu *d0, struct req r)
{
    reqq_push(d0->rq, r);
    if (d0->need < 0) {
        d0->need = r.cost;
        d0->need_from = now;
    }
}

/* Wake g from CPU c at ns cursor: WAKE now, the runstate record in an owned
 * event right after.  Must be the last record written by the caller before
 * its own owned follow-ups.  Returns the next free ns on c. */
static uint64_t wake_inline(struct vcpu *g, struct cpu *c, uint64_t cursor)
{
    if (g->dead || (g->dom && g->dom->dying))
        return cursor;
    if (g->state == RS_BLOCKED && g->trans == T_NONE) {
        rec_v2(c->id, cursor, TRC_SCHED_WAKE, g);
        uint64_t trs = cursor + step();
        g->trans = T_WAKING;
        push(trs, EV_WAKE_RS, 1, g->idx, (uint32_t)c->id, 0);
        reserve(c, trs + 50);
        return trs + 51;
    }
    if (g->trans == T_BLOCKING ||
        (g->trans == T_OUT && cpus[g->cpu].sw_fate == RS_BLOCKED))
        g->wake_pending = 1;
    return cursor;
}

static void start_block(struct vcpu *v, struct cpu *c, uint64_t t)
{
    v->trans = T_BLOCKING;
    push(t, EV_BLOCKNOW, 1, v->idx, 0, v->run_gen);
    reserve(c, t);
}

/*
 * The patched Xen's I/O records (--io-records patched; daemon/trace.h).
 * A notification record counts 1-3 coalesced notifications, with ages
 * within one 10 ms window; the guest it is booked to is the one that is
 * not dom0 or, between two guests, the higher domid.
 */
static uint64_t rec_notify(int c, uint64_t cur, uint16_t from, uint16_t to)
{
    uint32_t n = (uint32_t)rng_range(&R, 1, 4);
    uint32_t first = (uint32_t)rng_range(&R, 0, 10000000);
    uint32_t w[4] = {(uint32_t)from << 16 | to, n, first,
                     (uint32_t)rng_range(&R, 0, (uint64_t)first + 1)};
    tr_emit(c, cur, SIM_TRC_MEM_EVTCHN_NOTIFY, 4, w, 1);
    uint16_t guest = from == 0 || to == 0 ? (uint16_t)(from | to) : from > to ? from : to;
    truth_io(c, guest, cur, n, 0);
    return cur + step();
}

/* A guest's requests notify dom0; one time in eight it also notifies
 * another live guest (a vchan), which exercises the guest-to-guest rule. */
static uint64_t notify_submit(struct vcpu *v, struct cpu *c, uint64_t cur)
{
    cur = rec_notify(c->id, cur, v->domid, 0);
    if (rng_unit(&R) < 0.125) {
        struct vcpu *p = vt[rng_range(&R, 0, nvt)];
        if (p->domid != 0 && p->domid != v->domid && p->domid < 0x7ff0 && !p->dead &&
            p->dom && !p->dom->dying)
            cur = rec_notify(c->id, cur, v->domid, p->domid);
    }
    return cur;
}

/* dom0 served request R of guest G by grant copies (one per grant, 64 B to
 * a page each, read from or written to the guest) and notifies it. */
static uint64_t copy_complete(struct vcpu *g, const struct req *r, struct cpu *c,
                              uint64_t cur)
{
    uint32_t bytes = 0;
    for (int i = 0; i < r->ngrants; i++)
        bytes += (uint32_t)rng_range(&R, 64, 4097);
    uint32_t w[4] = {g->domid, (uint32_t)rng_range(&R, 0, 2), r->ngrants, bytes};
    tr_emit(c->id, cur, SIM_TRC_MEM_GRANT_COPY, 4, w, 1);
    truth_io(c->id, g->domid, cur, r->ngrants, bytes);
    return rec_notify(c->id, cur + step(), 0, g->domid);
}

static void io_submit(struct vcpu *v, struct cpu *c)
{
    uint64_t cur = now;
    int k = (int)rng_range(&R, 1, 5);
    struct vcpu *d0 = &dom0->v[(v->domid * 7u + v->vid) % (unsigned)dom0->nv];
    for (int i = 0; i < k; i++) {
        struct req r = {.vidx = v->idx, .vgen = v->gen, .cost = (uint32_t)sc(uni(20e3, 60e3)),
                        .ngrants = (uint8_t)rng_range(&R, 1, 4), .pseudo = 0};
        dom0_enqueue(d0, r);
    }
    v->outstanding += (uint32_t)k;
    if (rng_unit(&R) < 0.1) {
        rec_dom(c->id, cur, TRC_MEM_PAGE_GRANT_TRANSFER, v->domid);
        truth_io(c->id, v->domid, cur, 1, 0);
        cur += step();
    }
    if (O.patched_io)
        cur = notify_submit(v, c, cur);
    cur = wake_inline(d0, c, cur);
    set_burst(v);
    start_block(v, c, cur);
}

static void dom0_complete(struct vcpu *v, struct cpu *c)
{
    uint64_t cur = now;
    if (!v->rq->n)
        bug("dom0 action with an empty queue");
    struct req r = reqq_pop(v->rq);
    struct vcpu *g = r.pseudo ? NULL : vt[r.vidx];
    if (g && !g->dead && g->gen == r.vgen && !g->dom->dying) {
        for (int i = 0; i < r.ngrants; i++) {
            rec_dom(c->id, cur, TRC_MEM_PAGE_GRANT_MAP, g->domid);
            truth_io(c->id, g->domid, cur, 1, 0);
            cur += step();
        }
        if (O.patched_io)
            cur = copy_complete(g, &r, c, cur);
        noise_irq(c->id, cur);
        if (g->outstanding)
            g->outstanding--;
        if (!g->outstanding) {
            /* completion: either right away from the back-end, or after
             * the device's latency, as an event on the back-end's CPU */
            if (rng_unit(&R) < 0.3)
                cur = wake_inline(g, c, cur);
            else
                push(cur + sc(uni(50e3, 1e6)), EV_WAKE, 0, g->idx,
                     (uint32_t)c->id | WAKE_IO, 0);
        }
    }
    if (v->rq->n) {
        v->need = v->rq->r[v->rq->head].cost;
        v->need_from = cur;
        reserve(c, cur);
        push(cur + (uint64_t)v->need, EV_ACTION, 0, v->idx, 0, v->run_gen);
    } else {
        v->need = -1;
        v->block_for = 0;
        start_block(v, c, cur);
    }
}

/* -------------------------------------------------------------- domains */

static struct vcpu *new_vcpu(struct domain *d, int vid)
{
    struct vcpu *v = &d->v[vid];
    memset(v, 0, sizeof(*v));
    v->domid = d->domid;
    v->vid = (uint16_t)vid;
    v->dom = d;
    v->wl = d->wl;
    v->qcpu = -1;
    v->credit = (int64_t)(O.slice_ns / 2);
    v->need = -1;
    if (nvt == vt_cap) {
        vt_cap = vt_cap ? vt_cap * 2 : 1024;
        vt = realloc(vt, sizeof(*vt) * vt_cap);
        if (!vt)
            bug("out of memory");
    }
    v->idx = (uint32_t)nvt;
    vt[nvt++] = v;
    return v;
}

static struct domain *new_domain(uint16_t domid, int wl, int nv)
{
    struct domain *d = xcalloc(1, sizeof(*d));
    d->domid = domid;
    d->wl = (uint8_t)wl;
    d->nv = nv;
    d->alive = 1;
    d->v = xcalloc((size_t)nv, sizeof(struct vcpu));
    if (ndoms == doms_cap) {
        doms_cap = doms_cap ? doms_cap * 2 : 64;
        doms = realloc(doms, sizeof(*doms) * doms_cap);
        if (!doms)
            bug("out of memory");
    }
    doms[ndoms++] = d;
    for (int i = 0; i < nv; i++)
        new_vcpu(d, i);
    return d;
}

static int pick_wl(void)
{
    if (O.workload != WL_MIX)
        return O.workload;
    double r = rng_unit(&R);
    if (r < 0.25)
        return WL_CPU;
    if (r < 0.55)
        return WL_PERIODIC;
    if (r < 0.85)
        return WL_IO;
    return WL_IDLEISH;
}

static uint16_t alloc_domid(void)
{
    if (O.reuse_domids && nfree_domids) {
        size_t m = 0;
        for (size_t i = 1; i < nfree_domids; i++)
            if (free_domids[i] < free_domids[m])
                m = i;
        uint16_t d = free_domids[m];
        free_domids[m] = free_domids[--nfree_domids];
        return d;
    }
    if (next_domid >= 0x7FF0)
        return 0;
    return (uint16_t)next_domid++;
}

static struct cpu *toolstack_cpu(void)
{
    return &cpus[dom0->v[0].cpu];
}

/* ------------------------------------------------------------- handlers */

static void h_sched(const struct event *e)
{
    struct cpu *c = &cpus[e->a];
    if (e->b == R_SLICE) {
        if (now != c->timer_at)
            return; /* superseded by an earlier timer */
        c->timer_at = 0;
        if (c->switching || now <= reserved(c)) {
            c->timer_at = reserved(c) + 1;
            defer(e, c->timer_at);
            return;
        }
        if (c->cur->is_idle)
            return;
        if (now < c->slice_end) {
            arm_slice(c, c->slice_end);
            return;
        }
    } else if (c->switching || now <= reserved(c)) {
        defer(e, reserved(c) + 1);
        return;
    }
    do_schedule(c, now, RS_RUNNABLE, (int)e->b);
}

static void h_prev_out(const struct event *e)
{
    struct cpu *c = &cpus[e->a];
    struct vcpu *p = c->sw_prev;
    int fate = c->sw_fate;
    runstate(c->id, p, fate);
    p->last_desched = now;
    p->runnable_since = now;
    p->trans = T_NONE;
    if (p->is_idle)
        return;
    p->boosted = 0;
    p->credit -= (int64_t)(now - p->burn_from);
    if (p->need >= 0) {
        p->need -= (int64_t)(now - umax(p->need_from, p->run_start));
        if (p->need < 1000)
            p->need = 1000;
    }
    if (fate == RS_RUNNABLE) {
        rq_insert(c, p, p->credit > 0 ? PRIO_UNDER : PRIO_OVER);
        /* no record here: the switch's records stay contiguous */
        int i = find_idle(c->id);
        if (i >= 0)
            tickle(&cpus[i], NULL, now);
    } else if (fate == RS_BLOCKED) {
        p->block_gen++;
        if (p->wake_pending) {
            p->wake_pending = 0;
            push(now + rng_range(&R, 500, 3001), EV_WAKE, 0, p->idx, (uint32_t)c->id,
                 p->block_gen);
        } else if (p->block_for) {
            push(now + p->block_for, EV_WAKE, 0, p->idx, (uint32_t)pick_waker(p), p->block_gen);
        }
    }
}

static void h_next_in(const struct event *e)
{
    struct cpu *c = &cpus[e->a];
    struct vcpu *n = c->sw_next;
    runstate(c->id, n, RS_RUNNING);
    c->cur = n;
    c->switching = 0;
    n->trans = T_NONE;
    n->cpu = c->id;
    n->run_start = n->need_from = n->burn_from = now;
    tr_set_running(c->id, ((uint32_t)n->vid << 16) | n->domid);
    if (!n->is_idle) {
        n->boosted = n->run_prio == PRIO_BOOST;
        uint64_t end = c->sw_t + c->sw_slice_int;
        arm_slice(c, end > now ? end : now + 1000);
        if (n->need >= 0)
            push(now + (uint64_t)n->need, EV_ACTION, 0, n->idx, 0, n->run_gen);
    }
    idle_update(c);
}

static void h_action(const struct event *e)
{
    struct vcpu *v = vt[e->a];
    if (v->dead || e->gen != v->run_gen || v->state != RS_RUNNING || v->trans != T_NONE)
        return;
    struct cpu *c = &cpus[v->cpu];
    if (c->cur != v)
        return;
    if (now <= reserved(c)) {
        defer(e, reserved(c) + 1);
        return;
    }
    switch (v->wl) {
    case WL_PERIODIC:
    case WL_IDLEISH:
        set_burst(v);
        start_block(v, c, now);
        break;
    case WL_IO:
        io_submit(v, c);
        break;
    case WL_DOM0:
        dom0_complete(v, c);
        break;
    default:
        break;
    }
}

static void h_blocknow(const struct event *e)
{
    struct vcpu *v = vt[e->a];
    struct cpu *c = &cpus[v->cpu];
    if (v->trans != T_BLOCKING || c->cur != v || c->switching)
        bug("block of a vCPU not about to block");
    rec_v2(c->id, now, TRC_SCHED_BLOCK, v);
    do_schedule(c, now + step(), RS_BLOCKED, R_BLOCK);
}

static void h_wake(const struct event *e)
{
    struct vcpu *g = vt[e->a];
    bool io = e->b & WAKE_IO;
    if (g->dead || g->dom->dying)
        return;
    if (!io && (e->gen != g->block_gen || g->state != RS_BLOCKED || g->trans != T_NONE))
        return;
    struct cpu *w = &cpus[e->b & ~WAKE_IO];
    if (now <= reserved(w)) {
        defer(e, reserved(w) + 1);
        return;
    }
    wake_inline(g, w, now);
}

static void h_wake_rs(const struct event *e)
{
    struct vcpu *g = vt[e->a];
    struct cpu *w = &cpus[e->b];
    if (g->trans != T_WAKING)
        bug("wake runstate without a wake");
    runstate(w->id, g, RS_RUNNABLE);
    g->trans = T_NONE;
    g->runnable_since = now;
    rq_insert(&cpus[g->cpu], g, g->credit > 0 ? PRIO_BOOST : PRIO_OVER);
    tickle_for(g, w, now + 1);
}

static void h_kill(const struct event *e)
{
    struct cpu *c = &cpus[e->a];
    struct vcpu *v = vt[e->b];
    if (c->cur != v || v->trans != T_KILL || c->switching)
        bug("kill of a vCPU not running");
    v->trans = T_NONE;
    do_schedule(c, now, RS_OFFLINE, R_KILL);
}

static void h_offline(const struct event *e)
{
    struct vcpu *v = vt[e->a];
    if (v->trans != T_OFFLINING)
        bug("offline without a destroy");
    runstate((int)e->b, v, RS_OFFLINE);
    v->trans = T_NONE;
}

static void h_destroy(const struct event *e)
{
    struct domain *d = NULL;
    if (e->a) {
        d = doms[e->a - 1];
    } else {
        size_t n = 0;
        for (size_t i = 1; i < ndoms; i++)
            if (doms[i]->alive && !doms[i]->dying)
                n++;
        if (!n)
            return;
        size_t k = rng_range(&R, 0, n);
        for (size_t i = 1; i < ndoms; i++)
            if (doms[i]->alive && !doms[i]->dying && k-- == 0) {
                d = doms[i];
                struct event e2 = *e;
                e2.a = (uint32_t)i + 1;
                h_destroy(&e2);
                return;
            }
        return;
    }
    if (!d->alive || d->dying)
        return;
    struct cpu *w = toolstack_cpu();
    if (now <= reserved(w)) {
        defer(e, reserved(w) + 1);
        return;
    }
    for (int i = 0; i < d->nv; i++) {
        struct vcpu *v = &d->v[i];
        if (v->trans != T_NONE) {
            defer(e, now + 2000);
            return;
        }
        if (v->state == RS_RUNNING) {
            struct cpu *c = &cpus[v->cpu];
            if (c->switching || now <= reserved(c)) {
                defer(e, umax(now + 2000, reserved(c) + 1));
                return;
            }
        }
    }
    d->dying = 1;
    uint64_t cur = now;
    for (int i = 0; i < d->nv; i++) {
        struct vcpu *v = &d->v[i];
        if (v->state == RS_RUNNABLE || v->state == RS_BLOCKED) {
            if (v->queued)
                rq_remove(v);
            v->block_gen++;
            v->trans = T_OFFLINING;
            push(cur, EV_OFFLINE, 1, v->idx, (uint32_t)w->id, 0);
            cur += step();
        }
    }
    for (int i = 0; i < d->nv; i++) {
        struct vcpu *v = &d->v[i];
        if (v->state != RS_RUNNING)
            continue;
        struct cpu *c = &cpus[v->cpu];
        uint64_t tk = c == w ? cur++ : now + 1;
        v->trans = T_KILL;
        push(tk, EV_KILL, 1, (uint32_t)c->id, v->idx, 0);
        reserve(c, tk);
    }
    reserve(w, cur);
    for (size_t i = 0; i < ndoms; i++)
        if (doms[i] == d)
            push(cur + 20000, EV_DOMREM, 0, (uint32_t)i, 0, 0);
}

static void h_domrem(const struct event *e)
{
    struct domain *d = doms[e->a];
    for (int i = 0; i < d->nv; i++)
        if (d->v[i].state != RS_OFFLINE || d->v[i].trans != T_NONE) {
            defer(e, now + 2000);
            return;
        }
    struct cpu *w = toolstack_cpu();
    if (now <= reserved(w)) {
        defer(e, reserved(w) + 1);
        return;
    }
    rec_dom(w->id, now, TRC_SCHED_DOM_REM, d->domid);
    for (int i = 0; i < d->nv; i++) {
        truth_vcpu_destroy(&d->v[i], now);
        d->v[i].dead = 1;
        d->v[i].gen++;
    }
    d->alive = 0;
    if (O.reuse_domids)
        free_domids[nfree_domids++] = d->domid;
}

static void h_create(const struct event *e)
{
    struct cpu *w = toolstack_cpu();
    if (now <= reserved(w)) {
        defer(e, reserved(w) + 1);
        return;
    }
    uint16_t domid = alloc_domid();
    if (!domid)
        return;
    struct domain *d = new_domain(domid, pick_wl(), O.nvcpus);
    rec_dom(w->id, now, TRC_SCHED_DOM_ADD, domid);
    for (int i = 0; i < d->nv; i++) {
        struct vcpu *v = &d->v[i];
        v->state = RS_OFFLINE;
        v->cpu = (int32_t)rng_range(&R, 0, (uint64_t)P);
        v->last_desched = now;
        truth_vcpu_new(v, now, RS_OFFLINE, -1);
        push(now + rng_range(&R, 20000, 2000000), EV_ONLINE, 0, v->idx, 0, 0);
    }
}

static void h_online(const struct event *e)
{
    struct vcpu *v = vt[e->a];
    if (v->dead || v->dom->dying || v->state != RS_OFFLINE)
        return;
    struct cpu *h = &cpus[v->cpu];
    if (now <= reserved(h)) {
        defer(e, reserved(h) + 1);
        return;
    }
    runstate(h->id, v, RS_RUNNABLE);
    v->runnable_since = now;
    set_burst(v);
    rq_insert(h, v, PRIO_UNDER);
    reserve(h, now + 1);
    tickle_for(v, h, now + 1);
}

static void h_dom0_tick(const struct event *e)
{
    struct vcpu *d0 = &dom0->v[e->a];
    struct cpu *w = &cpus[d0->cpu];
    if (now <= reserved(w)) {
        defer(e, reserved(w) + 1);
        return;
    }
    struct req r = {.cost = (uint32_t)sc(uni(0.2e6, 3e6)), .pseudo = 1};
    dom0_enqueue(d0, r);
    wake_inline(d0, w, now);
    push(now + sc(uni(50e6, 150e6)), EV_DOM0_TICK, 0, e->a, 0, 0);
}

static void h_account(void)
{
    size_t active = 0;
    for (size_t i = 0; i < nvt; i++) {
        struct vcpu *v = vt[i];
        if (!v->dead && !v->is_idle && (v->state == RS_RUNNING || v->state == RS_RUNNABLE))
            active++;
    }
    int64_t share = (int64_t)((uint64_t)P * 30 * NS_PER_MS / (active ? active : 1));
    int64_t cap = 30 * (int64_t)NS_PER_MS;
    for (size_t i = 0; i < nvt; i++) {
        struct vcpu *v = vt[i];
        if (v->dead || v->is_idle || !(v->state == RS_RUNNING || v->state == RS_RUNNABLE))
            continue;
        if (v->state == RS_RUNNING && v->trans == T_NONE) {
            v->credit -= (int64_t)(now - v->burn_from);
            v->burn_from = now;
            v->boosted = 0;
        }
        v->credit += share;
        if (v->credit > cap)
            v->credit = cap;
        if (v->credit < -cap)
            v->credit = -cap;
    }
    if (O.noise && now > reserved(&cpus[0]) && !cpus[0].switching) {
        struct vcpu *c0 = cpus[0].cur;
        uint32_t w[3] = {c0->domid, c0->vid, (uint32_t)active};
        tr_emit(0, now, CSCHED_ACCOUNT_START, 3, w, 1);
    }
    push(now + 30 * NS_PER_MS, EV_ACCOUNT, 0, 0, 0, 0);
}

/* ----------------------------------------------------------------- run */

static void setup(void)
{
    P = O.ncpus;
    rng_seed(&R, O.seed);
    cpus = xcalloc((size_t)P, sizeof(*cpus));
    next_domid = (uint32_t)O.ndomains + 1;
    free_domids = xcalloc((size_t)O.churn + 1, sizeof(*free_domids));

    /* idle vCPUs: running at ns 0 */
    struct domain *idled = xcalloc(1, sizeof(*idled));
    idled->domid = IDLE_DOMID;
    idled->nv = P;
    idled->alive = 1;
    idled->wl = WL_IDLEVCPU;
    idled->v = xcalloc((size_t)P, sizeof(struct vcpu));
    for (int c = 0; c < P; c++) {
        struct vcpu *v = new_vcpu(idled, c);
        v->is_idle = 1;
        v->state = RS_RUNNING;
        v->cpu = c;
        cpus[c].id = c;
        cpus[c].cur = cpus[c].idle = v;
        truth_vcpu_new(v, 0, RS_RUNNING, c);
    }

    /* dom0 and the guests: blocked at ns 0, woken during the first
     * second so that every vCPU is named early */
    dom0 = new_domain(0, WL_DOM0, O.dom0_vcpus);
    int home = 0;
    for (int i = 0; i < dom0->nv; i++) {
        struct vcpu *v = &dom0->v[i];
        v->cpu = home++ % P;
        v->state = RS_BLOCKED;
        v->rq = xcalloc(1, sizeof(struct reqq));
        truth_vcpu_new(v, 0, RS_BLOCKED, -1);
        push(rng_range(&R, 0, 20 * NS_PER_MS), EV_DOM0_TICK, 0, (uint32_t)i, 0, 0);
    }
    for (int k = 0; k < O.ndomains; k++) {
        struct domain *d = new_domain((uint16_t)(k + 1), pick_wl(), O.nvcpus);
        for (int i = 0; i < d->nv; i++) {
            struct vcpu *v = &d->v[i];
            v->cpu = home++ % P;
            v->state = RS_BLOCKED;
            truth_vcpu_new(v, 0, RS_BLOCKED, -1);
            set_burst(v);
            uint64_t first;
            switch (v->wl) {
            case WL_CPU:
            case WL_PERIODIC:
                first = rng_range(&R, 0, 50 * NS_PER_MS);
                break;
            case WL_IO:
                first = rng_range(&R, 0, 100 * NS_PER_MS);
                break;
            default:
                first = rng_range(&R, 0, 1500 * NS_PER_MS);
                break;
            }
            uint64_t waker = rng_unit(&R) < 0.75 ? (uint64_t)v->cpu : rng_range(&R, 0, (uint64_t)P);
            push(first, EV_WAKE, 0, v->idx, (uint32_t)waker, 0);
        }
    }

    /* the first records: at ns 0 every CPU says what it runs */
    for (int c = 0; c < P; c++) {
        rec_v1(c, 0, TRC_SCHED_CONTINUE_RUNNING, cpus[c].idle);
        tr_set_running(c, ((uint32_t)c << 16) | IDLE_DOMID);
        idle_update(&cpus[c]);
    }

    push(O.flush_ns, EV_FLUSH, 0, 0, 0, 0);
    push(30 * NS_PER_MS, EV_ACCOUNT, 0, 0, 0, 0);

    /* lost-record bursts and domain churn, spread over the run */
    uint64_t span_lo, span_hi;
    if (O.end_ns) {
        span_lo = O.end_ns / 20;
        span_hi = O.end_ns / 10 * 9;
    } else {
        span_lo = NS_PER_SEC;
        span_hi = 60 * NS_PER_SEC;
    }
    if (span_hi <= span_lo)
        span_hi = span_lo + 1;
    for (int i = 0; i < O.lost_bursts; i++) {
        uint64_t t = rng_range(&R, span_lo, span_hi);
        uint64_t dur = rng_range(&R, NS_PER_MS, 50 * NS_PER_MS + 1);
        if (O.end_ns && t + dur + 10 * NS_PER_MS > O.end_ns)
            dur = NS_PER_MS;
        push(t, EV_LOST, 0, (uint32_t)rng_range(&R, 0, (uint64_t)P), 0, (uint32_t)dur);
    }
    for (int i = 0; i < O.churn; i++) {
        push(rng_range(&R, span_lo, span_hi), EV_CREATE, 0, 0, 0, 0);
        uint64_t lo = O.end_ns ? O.end_ns / 10 : 2 * NS_PER_SEC;
        uint64_t hi = O.end_ns ? O.end_ns / 20 * 19 : 60 * NS_PER_SEC;
        push(rng_range(&R, lo, hi > lo ? hi : lo + 1), EV_DESTROY, 0, 0, 0, 0);
    }
}

#define END_MARGIN (100 * NS_PER_US)

uint64_t sim_run(const struct sim_opts *o)
{
    O = *o;
    setup();
    uint64_t E = O.end_ns ? O.end_ns - 1 : UINT64_MAX;
    uint64_t cutoff = O.end_ns ? (E > END_MARGIN ? E - END_MARGIN : 0) : UINT64_MAX;
    bool stopping = false;

    while (hn && heap[0].t < E) {
        struct event e = pop();
        if (stop_flag && !stopping) {
            stopping = true;
            cutoff = umax(now, 1);
            E = cutoff + END_MARGIN;
            if (E % NS_PER_SEC == 0)
                E++;
        }
        if (e.t >= E)
            break;
        if (e.t >= cutoff && !e.owned)
            continue;
        now = e.t;
        truth_advance(now);
        switch (e.type) {
        case EV_SCHED: h_sched(&e); break;
        case EV_PREV_OUT: h_prev_out(&e); break;
        case EV_NEXT_IN: h_next_in(&e); break;
        case EV_ACTION: h_action(&e); break;
        case EV_BLOCKNOW: h_blocknow(&e); break;
        case EV_WAKE: h_wake(&e); break;
        case EV_WAKE_RS: h_wake_rs(&e); break;
        case EV_KILL: h_kill(&e); break;
        case EV_OFFLINE: h_offline(&e); break;
        case EV_DOMREM: h_domrem(&e); break;
        case EV_CREATE: h_create(&e); break;
        case EV_DESTROY: h_destroy(&e); break;
        case EV_ONLINE: h_online(&e); break;
        case EV_DOM0_TICK: h_dom0_tick(&e); break;
        case EV_ACCOUNT: h_account(); break;
        case EV_FLUSH:
            tr_pass(now);
            push(now + O.flush_ns, EV_FLUSH, 0, 0, 0, 0);
            break;
        case EV_LOST:
            tr_lost_burst((int)e.a, now, now + e.gen);
            break;
        default:
            bug("unknown event");
        }
    }

    /* the last records: at E every CPU says what it runs */
    now = E;
    truth_advance(E);
    for (int c = 0; c < P; c++) {
        if (cpus[c].switching || reserved(&cpus[c]) >= E)
            bug("CPU still busy at the end of the trace");
        rec_v1(c, E, TRC_SCHED_CONTINUE_RUNNING, cpus[c].cur);
    }
    truth_finish(E);
    tr_finish(E);
    return E;
}
