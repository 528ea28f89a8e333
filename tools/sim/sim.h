/*
 * xenmon-sim: shared declarations.
 *
 * The simulator is split by concern:
 *   main.c      command line, set-up, meta file
 *   sim.c       the model: domains, vCPUs, a credit-like scheduler, the
 *               workloads, and the event loop (a binary heap of timed events)
 *   trace_out.c per-CPU trace buffers, xentrace windows, TSC conversion,
 *               lost-record bursts, realtime pacing
 *   truth.c     the ground truth: books the simulator's own true runstates,
 *               executions, I/O and lost records into one-second buckets and
 *               writes them as CSV (never looks at the bytes of the trace)
 *
 * Time inside the simulator is an unsigned 64-bit count of nanoseconds since
 * the first record of the trace (ns 0).
 */
#ifndef XENMON_SIM_H
#define XENMON_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define NS_PER_SEC ((uint64_t)1000000000)
#define NS_PER_MS ((uint64_t)1000000)
#define NS_PER_US ((uint64_t)1000)
#define IDLE_DOMID 32767u
#define SIM_MAX_CPUS 256
#define SIM_MAX_VCPUS 256

enum runstate { RS_RUNNING = 0, RS_RUNNABLE = 1, RS_BLOCKED = 2, RS_OFFLINE = 3 };

/* ------------------------------------------------------------------ */
/* Deterministic PRNG (xoshiro256**, seeded through splitmix64).       */

struct rng {
    uint64_t s[4];
};

static inline uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

static inline void rng_seed(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        r->s[i] = z ^ (z >> 31);
    }
}

/* uniform in [lo, hi) ; hi > lo */
static inline uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
    return lo + rng_next(r) % (hi - lo);
}

/* uniform in [0, 1) */
static inline double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------------------ */
/* Ground-truth state kept per vCPU (owned by truth.c).                */

struct vtruth {
    uint64_t vsince;     /* per-vCPU totals booked up to here */
    uint64_t csince;     /* per-CPU buckets booked up to here */
    uint64_t exist_from; /* ns the vCPU came into existence */
    uint64_t acc[4];     /* per-state time in the current second */
    uint64_t tot[4];     /* per-state time over the whole trace */
    int32_t res;         /* CPU of residence, -1 = not yet named */
    uint32_t live_idx;   /* position in truth's live list */
    uint64_t xa[4];      /* as xenalyze --summary books them, see truth.c */
    uint64_t xa_since;
    uint8_t xa_started;
    uint8_t state;       /* truth's own copy of the runstate */
    uint8_t counted;     /* counted in truth's "unnamed, not offline" */
};

/* ------------------------------------------------------------------ */
/* Model objects (owned by sim.c; truth.c reads domid/vid/tr).         */

struct domain;
struct reqq;

struct vcpu {
    uint16_t domid, vid;
    uint32_t idx;      /* index in the global vCPU table */
    uint32_t gen;      /* bumped when the vCPU dies */
    struct domain *dom;

    uint8_t state;     /* true runstate */
    uint8_t wl;        /* workload kind */
    uint8_t prio;      /* run-queue priority while queued */
    uint8_t run_prio;  /* priority it was picked with */
    uint8_t boosted;   /* running with BOOST priority */
    uint8_t queued;
    uint8_t trans;     /* in-flight transition, see sim.c */
    uint8_t wake_pending;
    uint8_t is_idle;
    uint8_t dead;

    int32_t cpu;       /* CPU it runs on / last ran on (Xen's v->processor) */
    int32_t qcpu;      /* run queue it is in */
    struct vcpu *qprev, *qnext;

    int64_t credit;
    int64_t need;      /* CPU time left before its next action; <0 = never */
    uint64_t need_from;
    uint64_t burn_from;
    uint64_t run_start;
    uint64_t last_desched;
    uint64_t runnable_since;
    uint64_t block_for;
    uint32_t run_gen;  /* invalidates pending actions */
    uint32_t block_gen;/* invalidates pending wake timers */
    uint32_t outstanding;
    struct reqq *rq;   /* dom0 back-end request queue */

    struct vtruth tr;
};

/* ------------------------------------------------------------------ */
/* trace_out.c                                                         */

struct trace_opts {
    int ncpus;
    uint32_t bufsize;
    uint64_t hz;
    uint64_t tsc0;
    FILE *out;
    bool shuffle;
    bool realtime;
    bool wrap_records;
    uint64_t seed;
};

void tr_init(const struct trace_opts *o);
uint64_t tr_tsc(uint64_t ns);
void tr_emit(int cpu, uint64_t ns, uint32_t event, int nwords,
             const uint32_t *words, int with_tsc);
void tr_set_running(int cpu, uint32_t vcpu_domid_word);
void tr_lost_burst(int cpu, uint64_t from, uint64_t to);
uint64_t tr_last_ns(int cpu);
void tr_pass(uint64_t now);
void tr_finish(uint64_t now);
uint64_t tr_records(void);
uint64_t tr_lost_total(void);
uint64_t tr_bytes(void);
uint64_t tr_windows(void);

/* ------------------------------------------------------------------ */
/* truth.c                                                             */

struct truth_opts {
    int ncpus;
    int64_t start_time;
    const char *prefix; /* NULL: compute and check, write nothing */
    bool flush_each;    /* fflush after every second (realtime) */
};

void truth_init(const struct truth_opts *o);
void truth_vcpu_new(struct vcpu *v, uint64_t t, int state, int cpu_if_named);
void truth_name(struct vcpu *v, int cpu, uint64_t ns);
void truth_state(struct vcpu *v, int newstate, uint64_t t, int cpu);
void truth_exec(int cpu, uint16_t domid, uint64_t ns, uint32_t slice);
void truth_io(int cpu, uint16_t domid, uint64_t ns, uint32_t ops, uint32_t bytes);
void truth_lost(int cpu, uint64_t ns, uint32_t count);
void truth_advance(uint64_t now);
void truth_vcpu_destroy(struct vcpu *v, uint64_t t);
void truth_finish(uint64_t end_ns);

/* ------------------------------------------------------------------ */
/* sim.c                                                               */

enum workload {
    WL_CPU, WL_PERIODIC, WL_IO, WL_IDLEISH, WL_DOM0, WL_IDLEVCPU, WL_MIX
};

struct sim_opts {
    int ncpus;
    int ndomains;
    int nvcpus;
    int dom0_vcpus;
    uint64_t end_ns;    /* 0 = run forever */
    int workload;       /* WL_MIX or one of WL_CPU..WL_IDLEISH */
    int churn;
    bool reuse_domids;
    int lost_bursts;
    bool old_layout;
    uint64_t slice_ns;
    uint64_t flush_ns;
    bool no_tsc_records;
    bool noise;
    bool patched_io;    /* also the patched Xen's grant-copy and notify records */
    double rate;
    double burst_from_ns, burst_to_ns;  /* rate x burst_factor in between */
    double burst_factor;
    uint64_t seed;
};

/* Runs the whole simulation; returns E, the ns of the last record. */
uint64_t sim_run(const struct sim_opts *o);
void sim_request_stop(void);
size_t sim_heap_max(void);  /* largest number of pending events seen */

#endif
