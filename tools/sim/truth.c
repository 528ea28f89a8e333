/*
 * xenmon-sim: ground truth.
 *
 * Fed by the simulator with its own true state (never with the trace bytes):
 * every runstate change of every vCPU at the exact ns of the runstate record
 * that announces it, every switch-in with its slice, every grant record,
 * every lost-records count.  Books them as docs/metrics.md defines:
 *
 *  - running time to (second, CPU it runs on, domain); runnable and blocked
 *    time to (second, CPU of residence, domain); offline time nowhere;
 *  - CPU of residence = CPU the vCPU last ran on; before it first runs, the
 *    CPU that emitted the first record naming it.  A vCPU that exists at
 *    ns 0 is booked from ns 0: its time before its first record is booked,
 *    when that record comes, to that record's CPU;
 *  - sched_ns = time a CPU has no vCPU (idle included) in running state;
 *  - intervals are cut at every second boundary.
 *
 * PREFIX-vcpu-xenalyze.csv books the same per-vCPU totals the way
 * "xenalyze --summary" does, for an exact cross-check: a vCPU's timeline
 * starts when it first enters running (xenalyze leaves it "INIT" before),
 * and at the end only the state of the vCPU running on each CPU is closed
 * (at that CPU's last record, E); other open states are not counted.
 * (It does not model xenalyze across domid reuse or lost records.)
 *
 * Seconds are kept in a small deque of sparse tables (hash of (cpu, domid)
 * cells) and written, sorted, as soon as a second is over and no vCPU that
 * exists is still unnamed (bounded: every vCPU present at ns 0 is named
 * within its first simulated seconds).  The invariants of docs/metrics.md are
 * checked for every second; a violation aborts the simulator.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY_KEY 0xffffffffu

struct cell {
    uint32_t key; /* cpu << 16 | domid */
    uint32_t exec, alloc_n, unb, io;
    uint64_t io_bytes;
    uint64_t cpu_ns, wait_ns, blocked_ns, alloc_ns, alloc_min, alloc_max;
};

struct sectab {
    uint64_t sec;
    struct cell *cells;
    uint32_t cap, n;
    uint64_t *sched, *lost;
};

struct deadv {
    uint32_t key;
    uint64_t tot[4];
    uint64_t xa[4];
};

static struct truth_opts O;
static FILE *f_cpudom, *f_dom, *f_cpu;

static struct sectab **ring;
static size_t rcap, rhead, rcount;
static uint64_t base;          /* second of ring[rhead] */
static struct sectab **pool;
static size_t npool, pool_cap;

static struct vcpu **live;
static size_t nlive, live_cap;
static size_t unnamed;         /* unnamed vCPUs that are not offline */

static uint8_t *gap;
static uint8_t *running;
static uint64_t *gap_since;

static uint64_t next_boundary = NS_PER_SEC;
static uint64_t closed;        /* seconds < closed are over */
static uint64_t end_ns;        /* E, known at finish */
static bool finishing;

static struct deadv *dead;
static size_t ndead, dead_cap;

static struct cell *tmp;
static size_t tmp_cap;

static void fatal(const char *what)
{
    fprintf(stderr, "xenmon-sim: ground truth invariant violated: %s\n", what);
    abort();
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) {
        fprintf(stderr, "xenmon-sim: out of memory\n");
        exit(1);
    }
    return p;
}

static FILE *open_csv(const char *suffix, const char *header)
{
    size_t n = strlen(O.prefix) + strlen(suffix) + 1;
    char *path = xrealloc(NULL, n);
    snprintf(path, n, "%s%s", O.prefix, suffix);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    free(path);
    fputs(header, f);
    return f;
}

void truth_init(const struct truth_opts *o)
{
    O = *o;
    gap = calloc((size_t)O.ncpus, 1);
    running = calloc((size_t)O.ncpus, 1);
    gap_since = calloc((size_t)O.ncpus, sizeof(*gap_since));
    if (!gap || !running || !gap_since)
        fatal("out of memory");
    for (int c = 0; c < O.ncpus; c++)
        gap[c] = 1;
    if (O.prefix) {
        f_cpudom = open_csv("-cpu-dom.csv",
                            "t,cpu,domid,exec_count,cpu_ns,wait_ns,blocked_ns,alloc_ns,"
                            "alloc_min_ns,alloc_max_ns,alloc_unbounded,io_count,io_bytes\n");
        f_dom = open_csv("-dom.csv",
                         "t,domid,exec_count,cpu_ns,wait_ns,blocked_ns,alloc_ns,"
                         "alloc_min_ns,alloc_max_ns,alloc_unbounded,io_count,io_bytes\n");
        f_cpu = open_csv("-cpu.csv", "t,cpu,observed_ns,sched_ns,lost_records\n");
    }
}

/* ---------------------------------------------------------------- tables */

static void tab_reset(struct sectab *t, uint64_t sec)
{
    t->sec = sec;
    t->n = 0;
    for (uint32_t i = 0; i < t->cap; i++)
        t->cells[i].key = EMPTY_KEY;
    memset(t->sched, 0, sizeof(uint64_t) * (size_t)O.ncpus);
    memset(t->lost, 0, sizeof(uint64_t) * (size_t)O.ncpus);
}

static struct sectab *tab_new(uint64_t sec)
{
    struct sectab *t;
    if (npool) {
        t = pool[--npool];
    } else {
        t = xrealloc(NULL, sizeof(*t));
        t->cap = 256;
        t->cells = xrealloc(NULL, sizeof(struct cell) * t->cap);
        t->sched = xrealloc(NULL, sizeof(uint64_t) * (size_t)O.ncpus);
        t->lost = xrealloc(NULL, sizeof(uint64_t) * (size_t)O.ncpus);
    }
    tab_reset(t, sec);
    return t;
}

static struct sectab *get_tab(uint64_t sec)
{
    if (sec < base)
        fatal("booking into a second already written");
    while (base + rcount <= sec) {
        if (rcount == rcap) {
            size_t ncap = rcap ? rcap * 2 : 8;
            struct sectab **nr = xrealloc(NULL, sizeof(*nr) * ncap);
            for (size_t i = 0; i < rcount; i++)
                nr[i] = ring[(rhead + i) % rcap];
            free(ring);
            ring = nr;
            rcap = ncap;
            rhead = 0;
        }
        ring[(rhead + rcount) % rcap] = tab_new(base + rcount);
        rcount++;
    }
    return ring[(rhead + (sec - base)) % rcap];
}

static inline uint32_t hash32(uint32_t k)
{
    k ^= k >> 16;
    k *= 0x7feb352du;
    k ^= k >> 15;
    k *= 0x846ca68bu;
    k ^= k >> 16;
    return k;
}

static void tab_grow(struct sectab *t)
{
    uint32_t ocap = t->cap;
    struct cell *old = t->cells;
    t->cap = ocap * 2;
    t->cells = xrealloc(NULL, sizeof(struct cell) * t->cap);
    for (uint32_t i = 0; i < t->cap; i++)
        t->cells[i].key = EMPTY_KEY;
    for (uint32_t i = 0; i < ocap; i++) {
        if (old[i].key == EMPTY_KEY)
            continue;
        uint32_t h = hash32(old[i].key) & (t->cap - 1);
        while (t->cells[h].key != EMPTY_KEY)
            h = (h + 1) & (t->cap - 1);
        t->cells[h] = old[i];
    }
    free(old);
}

static struct cell *cell_get(struct sectab *t, int cpu, uint16_t domid)
{
    uint32_t key = ((uint32_t)cpu << 16) | domid;
    uint32_t h = hash32(key) & (t->cap - 1);
    for (;;) {
        struct cell *c = &t->cells[h];
        if (c->key == key)
            return c;
        if (c->key == EMPTY_KEY)
            break;
        h = (h + 1) & (t->cap - 1);
    }
    if ((t->n + 1) * 2 > t->cap) {
        tab_grow(t);
        return cell_get(t, cpu, domid);
    }
    struct cell *c = &t->cells[h];
    memset(c, 0, sizeof(*c));
    c->key = key;
    c->alloc_min = UINT64_MAX;
    t->n++;
    return c;
}

/* --------------------------------------------------------------- booking */

static void book_cpu(int cpu, uint16_t domid, int st, uint64_t a, uint64_t b)
{
    if (st == RS_OFFLINE)
        return;
    while (a < b) {
        uint64_t sec = a / NS_PER_SEC;
        uint64_t end = (sec + 1) * NS_PER_SEC;
        if (end > b)
            end = b;
        struct cell *c = cell_get(get_tab(sec), cpu, domid);
        uint64_t d = end - a;
        if (st == RS_RUNNING)
            c->cpu_ns += d;
        else if (st == RS_RUNNABLE)
            c->wait_ns += d;
        else
            c->blocked_ns += d;
        a = end;
    }
}

static void book_sched(int cpu, uint64_t a, uint64_t b)
{
    while (a < b) {
        uint64_t sec = a / NS_PER_SEC;
        uint64_t end = (sec + 1) * NS_PER_SEC;
        if (end > b)
            end = b;
        get_tab(sec)->sched[cpu] += end - a;
        a = end;
    }
}

/* per-vCPU totals; [vsince, t) never crosses a second boundary because the
 * boundary flush moves vsince to every boundary first */
static void book_v(struct vtruth *x, uint64_t t)
{
    if (t <= x->vsince)
        return;
    if (x->vsince / NS_PER_SEC != (t - 1) / NS_PER_SEC)
        fatal("per-vCPU interval crosses a second boundary");
    x->acc[x->state] += t - x->vsince;
    x->tot[x->state] += t - x->vsince;
    x->vsince = t;
}

static void cpu_enter(int cpu, uint64_t t)
{
    if (running[cpu])
        fatal("two vCPUs running on one CPU");
    running[cpu] = 1;
    if (gap[cpu]) {
        book_sched(cpu, gap_since[cpu], t);
        gap[cpu] = 0;
    }
}

static void cpu_leave(int cpu, uint64_t t)
{
    if (!running[cpu])
        fatal("vCPU leaves running on a CPU with nothing running");
    running[cpu] = 0;
    gap[cpu] = 1;
    gap_since[cpu] = t;
}

void truth_vcpu_new(struct vcpu *v, uint64_t t, int state, int cpu_if_named)
{
    struct vtruth *x = &v->tr;
    memset(x, 0, sizeof(*x));
    x->state = (uint8_t)state;
    x->vsince = x->csince = x->exist_from = x->xa_since = t;
    x->xa_started = state == RS_RUNNING;
    x->res = cpu_if_named;
    if (x->res < 0 && state != RS_OFFLINE) {
        x->counted = 1;
        unnamed++;
    }
    if (nlive == live_cap) {
        live_cap = live_cap ? live_cap * 2 : 256;
        live = xrealloc(live, sizeof(*live) * live_cap);
    }
    x->live_idx = (uint32_t)nlive;
    live[nlive++] = v;
    if (state == RS_RUNNING) {
        if (cpu_if_named < 0)
            fatal("running vCPU without a CPU");
        cpu_enter(cpu_if_named, t);
    }
}

void truth_name(struct vcpu *v, int cpu, uint64_t ns)
{
    struct vtruth *x = &v->tr;
    if (x->res >= 0)
        return;
    x->res = cpu;
    if (x->counted) {
        x->counted = 0;
        unnamed--;
    }
    /* the state has not changed since the vCPU came to be: book it all,
     * from its beginning, to the CPU of this first record */
    book_cpu(cpu, v->domid, x->state, x->csince, ns);
    x->csince = ns;
}

void truth_state(struct vcpu *v, int newstate, uint64_t t, int cpu)
{
    struct vtruth *x = &v->tr;
    if (x->res < 0)
        fatal("runstate change of a vCPU no record has named");
    book_v(x, t);
    if (x->csince < t) {
        book_cpu(x->res, v->domid, x->state, x->csince, t);
        x->csince = t;
    }
    if (x->xa_started) {
        x->xa[x->state] += t - x->xa_since;
        x->xa_since = t;
    } else if (newstate == RS_RUNNING) {
        x->xa_started = 1;
        x->xa_since = t;
    }
    if (x->state == RS_RUNNING) {
        if (x->res != cpu)
            fatal("vCPU leaves running on another CPU than its own");
        cpu_leave(cpu, t);
    }
    if (newstate == RS_RUNNING) {
        x->res = cpu;
        cpu_enter(cpu, t);
    }
    x->state = (uint8_t)newstate;
}

void truth_exec(int cpu, uint16_t domid, uint64_t ns, uint32_t slice)
{
    struct cell *c = cell_get(get_tab(ns / NS_PER_SEC), cpu, domid);
    c->exec++;
    if ((int32_t)slice <= 0) {
        c->unb++;
    } else {
        c->alloc_n++;
        c->alloc_ns += slice;
        if (slice < c->alloc_min)
            c->alloc_min = slice;
        if (slice > c->alloc_max)
            c->alloc_max = slice;
    }
}

/* I/O records: OPS operations (1 for a grant map or transfer) and BYTES
 * copied, for guest DOMID, by the CPU and second of the record. */
void truth_io(int cpu, uint16_t domid, uint64_t ns, uint32_t ops, uint32_t bytes)
{
    struct cell *c = cell_get(get_tab(ns / NS_PER_SEC), cpu, domid);
    c->io += ops;
    c->io_bytes += bytes;
}

void truth_lost(int cpu, uint64_t ns, uint32_t count)
{
    get_tab(ns / NS_PER_SEC)->lost[cpu] += count;
}

/* ---------------------------------------------------------------- output */

static int cmp_cpu_dom(const void *a, const void *b)
{
    uint32_t x = ((const struct cell *)a)->key, y = ((const struct cell *)b)->key;
    return x < y ? -1 : x > y;
}

static int cmp_dom_cpu(const void *a, const void *b)
{
    uint32_t x = ((const struct cell *)a)->key, y = ((const struct cell *)b)->key;
    uint32_t xd = x & 0xffff, yd = y & 0xffff;
    if (xd != yd)
        return xd < yd ? -1 : 1;
    return x < y ? -1 : x > y;
}

static bool cell_nonzero(const struct cell *c)
{
    return c->exec || c->cpu_ns || c->wait_ns || c->blocked_ns || c->alloc_ns ||
           c->unb || c->io || c->io_bytes;
}

static void write_row(FILE *f, int64_t t, int cpu, const struct cell *c)
{
    if (cpu >= 0)
        fprintf(f, "%" PRId64 ",%d,%u,", t, cpu, c->key & 0xffff);
    else
        fprintf(f, "%" PRId64 ",%u,", t, c->key & 0xffff);
    fprintf(f, "%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", c->exec, c->cpu_ns,
            c->wait_ns, c->blocked_ns, c->alloc_ns);
    if (c->alloc_n)
        fprintf(f, "%" PRIu64 ",%" PRIu64 ",", c->alloc_min, c->alloc_max);
    else
        fputs(",,", f);
    fprintf(f, "%u,%u,%" PRIu64 "\n", c->unb, c->io, c->io_bytes);
}

static void write_second(struct sectab *t)
{
    uint64_t k = t->sec;
    int64_t tt = O.start_time + (int64_t)k;
    uint64_t observed = NS_PER_SEC;
    if (finishing && (k + 1) * NS_PER_SEC > end_ns)
        observed = end_ns - k * NS_PER_SEC;

    if (tmp_cap < t->n) {
        tmp_cap = t->n * 2;
        tmp = xrealloc(tmp, sizeof(*tmp) * tmp_cap);
    }
    size_t n = 0;
    for (uint32_t i = 0; i < t->cap; i++)
        if (t->cells[i].key != EMPTY_KEY && cell_nonzero(&t->cells[i]))
            tmp[n++] = t->cells[i];

    /* invariant 1: per CPU, cpu_ns of all domains + sched_ns = observed */
    uint64_t *run = calloc((size_t)O.ncpus, sizeof(uint64_t));
    if (!run)
        fatal("out of memory");
    for (size_t i = 0; i < n; i++)
        run[tmp[i].key >> 16] += tmp[i].cpu_ns;
    for (int c = 0; c < O.ncpus; c++)
        if (run[c] + t->sched[c] != observed) {
            fprintf(stderr, "second %" PRIu64 " cpu %d: cpu_ns %" PRIu64 " + sched_ns %" PRIu64
                    " != %" PRIu64 "\n", k, c, run[c], t->sched[c], observed);
            fatal("per-CPU time does not add up");
        }
    free(run);

    if (!O.prefix)
        return;

    qsort(tmp, n, sizeof(*tmp), cmp_cpu_dom);
    for (size_t i = 0; i < n; i++)
        write_row(f_cpudom, tt, (int)(tmp[i].key >> 16), &tmp[i]);

    qsort(tmp, n, sizeof(*tmp), cmp_dom_cpu);
    for (size_t i = 0; i < n;) {
        struct cell s = tmp[i];
        size_t j = i + 1;
        for (; j < n && (tmp[j].key & 0xffff) == (s.key & 0xffff); j++) {
            const struct cell *c = &tmp[j];
            s.exec += c->exec;
            s.cpu_ns += c->cpu_ns;
            s.wait_ns += c->wait_ns;
            s.blocked_ns += c->blocked_ns;
            s.alloc_ns += c->alloc_ns;
            s.alloc_n += c->alloc_n;
            s.unb += c->unb;
            s.io += c->io;
            s.io_bytes += c->io_bytes;
            if (c->alloc_n && c->alloc_min < s.alloc_min)
                s.alloc_min = c->alloc_min;
            if (c->alloc_n && c->alloc_max > s.alloc_max)
                s.alloc_max = c->alloc_max;
        }
        write_row(f_dom, tt, -1, &s);
        i = j;
    }

    for (int c = 0; c < O.ncpus; c++)
        fprintf(f_cpu, "%" PRId64 ",%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", tt, c, observed,
                t->sched[c], t->lost[c]);
    if (O.flush_each) {
        fflush(f_cpudom);
        fflush(f_dom);
        fflush(f_cpu);
    }
}

static void try_finalize(void)
{
    while (base < closed && (unnamed == 0 || finishing)) {
        struct sectab *t = get_tab(base);
        write_second(t);
        if (npool == pool_cap) {
            pool_cap = pool_cap ? pool_cap * 2 : 8;
            pool = xrealloc(pool, sizeof(*pool) * pool_cap);
        }
        pool[npool++] = t;
        rhead = (rhead + 1) % rcap;
        rcount--;
        base++;
    }
}

/* Book every vCPU and CPU up to B; check the per-vCPU invariant. */
static void flush_to(uint64_t B)
{
    uint64_t sec_start = (B - 1) / NS_PER_SEC * NS_PER_SEC;
    for (size_t i = 0; i < nlive; i++) {
        struct vcpu *v = live[i];
        struct vtruth *x = &v->tr;
        book_v(x, B);
        if (x->res >= 0 && x->csince < B) {
            book_cpu(x->res, v->domid, x->state, x->csince, B);
            x->csince = B;
        }
        /* invariant 2: running + runnable + blocked + offline = the part of
         * the second the vCPU existed (1e9 when it existed all of it) */
        uint64_t from = x->exist_from > sec_start ? x->exist_from : sec_start;
        uint64_t sum = x->acc[0] + x->acc[1] + x->acc[2] + x->acc[3];
        if (sum != B - from) {
            fprintf(stderr, "d%uv%u second %" PRIu64 ": %" PRIu64 " != %" PRIu64 "\n", v->domid,
                    v->vid, sec_start / NS_PER_SEC, sum, B - from);
            fatal("per-vCPU time does not add up");
        }
        memset(x->acc, 0, sizeof(x->acc));
    }
    for (int c = 0; c < O.ncpus; c++)
        if (gap[c] && gap_since[c] < B) {
            book_sched(c, gap_since[c], B);
            gap_since[c] = B;
        }
    /* make sure the tables of all covered seconds exist */
    get_tab((B - 1) / NS_PER_SEC);
}

void truth_advance(uint64_t now)
{
    while (now >= next_boundary) {
        flush_to(next_boundary);
        closed = next_boundary / NS_PER_SEC;
        next_boundary += NS_PER_SEC;
        try_finalize();
    }
}

void truth_vcpu_destroy(struct vcpu *v, uint64_t t)
{
    struct vtruth *x = &v->tr;
    book_v(x, t);
    if (x->state != RS_OFFLINE)
        fatal("destroying a vCPU that is not offline");
    if (x->counted) {
        x->counted = 0;
        unnamed--;
    }
    size_t i = x->live_idx;
    live[i] = live[--nlive];
    live[i]->tr.live_idx = (uint32_t)i;
    if (x->res < 0)
        return; /* no record ever named it: invisible in the trace */
    if (ndead == dead_cap) {
        dead_cap = dead_cap ? dead_cap * 2 : 64;
        dead = xrealloc(dead, sizeof(*dead) * dead_cap);
    }
    dead[ndead].key = ((uint32_t)v->domid << 16) | v->vid;
    memcpy(dead[ndead].tot, x->tot, sizeof(x->tot));
    memcpy(dead[ndead].xa, x->xa, sizeof(x->xa));
    ndead++;
}

static int cmp_dead(const void *a, const void *b)
{
    uint32_t x = ((const struct deadv *)a)->key, y = ((const struct deadv *)b)->key;
    return x < y ? -1 : x > y;
}

void truth_finish(uint64_t E)
{
    truth_advance(E);
    end_ns = E;
    finishing = true;
    if (E % NS_PER_SEC) {
        flush_to(E);
        closed = E / NS_PER_SEC + 1;
    }
    try_finalize();

    for (size_t i = 0; i < nlive; i++) {
        struct vcpu *v = live[i];
        if (v->tr.res < 0)
            continue; /* no record ever named it: invisible in the trace */
        if (ndead == dead_cap) {
            dead_cap = dead_cap ? dead_cap * 2 : 64;
            dead = xrealloc(dead, sizeof(*dead) * dead_cap);
        }
        dead[ndead].key = ((uint32_t)v->domid << 16) | v->vid;
        memcpy(dead[ndead].tot, v->tr.tot, sizeof(v->tr.tot));
        memcpy(dead[ndead].xa, v->tr.xa, sizeof(v->tr.xa));
        /* xenalyze closes, at each CPU's last record, only the state of
         * the vCPU running there */
        if (v->tr.xa_started && v->tr.state == RS_RUNNING)
            dead[ndead].xa[RS_RUNNING] += E - v->tr.xa_since;
        ndead++;
    }
    if (!O.prefix)
        return;
    qsort(dead, ndead, sizeof(*dead), cmp_dead);
    static const char hdr[] = "domid,vcpu,running_ns,runnable_ns,blocked_ns,offline_ns\n";
    FILE *f = open_csv("-vcpu.csv", hdr);
    FILE *fx = open_csv("-vcpu-xenalyze.csv", hdr);
    for (size_t i = 0; i < ndead;) {
        struct deadv s = dead[i];
        size_t j = i + 1;
        for (; j < ndead && dead[j].key == s.key; j++)
            for (int k = 0; k < 4; k++) {
                s.tot[k] += dead[j].tot[k];
                s.xa[k] += dead[j].xa[k];
            }
        fprintf(f, "%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", s.key >> 16,
                s.key & 0xffff, s.tot[0], s.tot[1], s.tot[2], s.tot[3]);
        fprintf(fx, "%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", s.key >> 16,
                s.key & 0xffff, s.xa[0], s.xa[1], s.xa[2], s.xa[3]);
        i = j;
    }
    if (fclose(f) || fclose(fx) || fclose(f_cpudom) || fclose(f_dom) || fclose(f_cpu)) {
        perror("xenmon-sim: writing the ground truth");
        exit(1);
    }
}
