/*
 * xenmon-sim: trace record writer.
 *
 * Emulates what Xen and xentrace do with records:
 *  - each physical CPU has a trace buffer; a record goes into the buffer of
 *    the CPU that emits it (header u32, optional 64-bit TSC low word first,
 *    then 0-7 extra u32 words, all little-endian);
 *  - a "pass" (every flush period of simulated time, and whenever a buffer
 *    would overflow) writes one window per CPU that has data, in CPU order
 *    or shuffled: a TRC_TRACE_CPU_CHANGE record without TSC carrying the CPU
 *    and the byte count, followed by exactly those bytes;
 *  - lost-record bursts: records of a CPU whose TSC falls in a burst interval
 *    are dropped and counted; the next record the CPU emits is preceded by a
 *    TRC_LOST_RECORDS record (count, vcpu<<16|domid running then, first TSC);
 *  - TRC_TRACE_WRAP_BUFFER padding records (no TSC, 0-7 zero words) every so
 *    often, as when a ring wraps.
 * TSC = tsc0 + round(ns * hz / 1e9), computed exactly in integers.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xen/trace.h>

struct tcpu {
    uint8_t *buf;
    uint32_t len;
    uint64_t last_ns;
    uint32_t running_word;
    uint64_t lost_from, lost_to;
    uint32_t lost_n;
    uint64_t lost_first_tsc;
    uint64_t wrap_ctr, wrap_thresh;
};

static struct trace_opts T;
static struct tcpu *C;
static struct rng trng;
static uint64_t n_records, n_lost, n_bytes, n_windows;
static struct timespec wall0;
static int *order;

static void die_io(void)
{
    fprintf(stderr, "xenmon-sim: writing the trace: %s\n", strerror(errno));
    exit(1);
}

uint64_t tr_tsc(uint64_t ns)
{
    uint64_t q = ns / NS_PER_SEC, r = ns % NS_PER_SEC;
    /* r * hz < 1e9 * 1e10 < 2^64 */
    return T.tsc0 + q * T.hz + (r * T.hz + NS_PER_SEC / 2) / NS_PER_SEC;
}

void tr_init(const struct trace_opts *o)
{
    T = *o;
    C = calloc((size_t)T.ncpus, sizeof(*C));
    order = calloc((size_t)T.ncpus, sizeof(*order));
    if (!C || !order) {
        fprintf(stderr, "xenmon-sim: out of memory\n");
        exit(1);
    }
    rng_seed(&trng, T.seed ^ 0x7472616365ULL);
    for (int c = 0; c < T.ncpus; c++) {
        C[c].buf = malloc(T.bufsize);
        if (!C[c].buf) {
            fprintf(stderr, "xenmon-sim: out of memory\n");
            exit(1);
        }
        C[c].wrap_thresh = rng_range(&trng, 32 * 1024, 768 * 1024);
    }
    clock_gettime(CLOCK_MONOTONIC, &wall0);
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void pace(uint64_t now)
{
    if (!T.realtime)
        return;
    struct timespec ts = wall0;
    ts.tv_sec += (time_t)(now / NS_PER_SEC);
    ts.tv_nsec += (long)(now % NS_PER_SEC);
    if (ts.tv_nsec >= (long)NS_PER_SEC) {
        ts.tv_nsec -= (long)NS_PER_SEC;
        ts.tv_sec++;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

void tr_pass(uint64_t now)
{
    int n = 0;
    for (int c = 0; c < T.ncpus; c++)
        if (C[c].len)
            order[n++] = c;
    if (!n)
        return;
    pace(now);
    if (T.shuffle)
        for (int i = n - 1; i > 0; i--) {
            int j = (int)rng_range(&trng, 0, (uint64_t)i + 1);
            int x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
    for (int i = 0; i < n; i++) {
        struct tcpu *tc = &C[order[i]];
        uint8_t hdr[12];
        put32(hdr, TRC_TRACE_CPU_CHANGE | (2u << TRACE_EXTRA_SHIFT));
        put32(hdr + 4, (uint32_t)order[i]);
        put32(hdr + 8, tc->len);
        if (fwrite(hdr, 1, sizeof(hdr), T.out) != sizeof(hdr) ||
            fwrite(tc->buf, 1, tc->len, T.out) != tc->len)
            die_io();
        n_bytes += sizeof(hdr) + tc->len;
        n_windows++;
        tc->len = 0;
    }
    if (T.realtime && fflush(T.out) != 0)
        die_io();
}

void tr_finish(uint64_t now)
{
    tr_pass(now);
    if (fflush(T.out) != 0)
        die_io();
}

static void append(int cpu, uint64_t ns, uint32_t event, int nwords,
                   const uint32_t *words, int with_tsc)
{
    struct tcpu *tc = &C[cpu];
    uint32_t size = 4u * (1u + (with_tsc ? 2u : 0u) + (uint32_t)nwords);
    if (tc->len + size > T.bufsize)
        tr_pass(ns);
    uint8_t *p = tc->buf + tc->len;
    put32(p, (event & 0x0fffffffu) | ((uint32_t)nwords << TRACE_EXTRA_SHIFT) |
                 (with_tsc ? 0x80000000u : 0u));
    p += 4;
    if (with_tsc) {
        uint64_t tsc = tr_tsc(ns);
        put32(p, (uint32_t)tsc);
        put32(p + 4, (uint32_t)(tsc >> 32));
        p += 8;
    }
    for (int i = 0; i < nwords; i++, p += 4)
        put32(p, words[i]);
    tc->len += size;
    n_records++;
    tc->wrap_ctr += size;
}

void tr_emit(int cpu, uint64_t ns, uint32_t event, int nwords,
             const uint32_t *words, int with_tsc)
{
    struct tcpu *tc = &C[cpu];
    if (ns < tc->last_ns) {
        fprintf(stderr, "xenmon-sim: internal error: cpu %d record %#x at ns %llu "
                "before previous %llu\n", cpu, event, (unsigned long long)ns,
                (unsigned long long)tc->last_ns);
        abort();
    }
    tc->last_ns = ns;
    if (ns >= tc->lost_from && ns < tc->lost_to) {
        if (!tc->lost_n)
            tc->lost_first_tsc = tr_tsc(ns);
        tc->lost_n++;
        n_lost++;
        return;
    }
    if (tc->lost_n) {
        uint32_t w[4] = {tc->lost_n, tc->running_word, (uint32_t)tc->lost_first_tsc,
                         (uint32_t)(tc->lost_first_tsc >> 32)};
        append(cpu, ns, TRC_LOST_RECORDS, 4, w, 1);
        truth_lost(cpu, ns, tc->lost_n);
        tc->lost_n = 0;
    }
    append(cpu, ns, event, nwords, words, with_tsc);
    if (T.wrap_records && tc->wrap_ctr >= tc->wrap_thresh) {
        static const uint32_t zero[7];
        append(cpu, ns, TRC_TRACE_WRAP_BUFFER, (int)rng_range(&trng, 0, 8), zero, 0);
        tc->wrap_ctr = 0;
        tc->wrap_thresh = rng_range(&trng, 32 * 1024, 768 * 1024);
    }
}

void tr_set_running(int cpu, uint32_t word)
{
    C[cpu].running_word = word;
}

void tr_lost_burst(int cpu, uint64_t from, uint64_t to)
{
    C[cpu].lost_from = from;
    C[cpu].lost_to = to;
}

uint64_t tr_last_ns(int cpu)
{
    return C[cpu].last_ns;
}

uint64_t tr_records(void) { return n_records; }
uint64_t tr_lost_total(void) { return n_lost; }
uint64_t tr_bytes(void) { return n_bytes; }
uint64_t tr_windows(void) { return n_windows; }
