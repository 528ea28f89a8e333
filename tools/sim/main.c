/*
 * xenmon-sim: command line.
 *
 * Parses and checks the options (usage errors exit with status 2), opens the
 * trace output, hands the run to sim.c, then writes PREFIX-meta.csv.  The
 * options only shape the simulation; everything random comes from --seed,
 * so the same options give the same bytes.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "xenmon-sim";

static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
    exit(2);
}

static void help(void)
{
    printf(
        "Usage: %s [OPTION]...\n"
        "Simulate a Xen host and write a binary trace in the format of xentrace,\n"
        "plus, with --truth, the ground truth the xenmon daemon must reproduce.\n"
        "\n"
        "Host and workload:\n"
        "  --cpus P            physical CPUs, 1-256 (default 4)\n"
        "  --domains D         guest domains at start, domids 1..D, 0-1000 (default 4)\n"
        "  --vcpus V           vCPUs per guest, 1-256 (default 2)\n"
        "  --dom0-vcpus N      vCPUs of dom0, 1-256 (default min(P, 4))\n"
        "  --workload W        mix|cpu|periodic|io|idle (default mix):\n"
        "                        cpu       always runnable\n"
        "                        periodic  runs ~20 ms, blocks ~50 ms\n"
        "                        io        short bursts, each ends with requests to\n"
        "                                  dom0 (grant maps on dom0's CPU) and blocks\n"
        "                                  until dom0 wakes it\n"
        "                        idle      runs ~1 ms, blocks for seconds\n"
        "                        mix       each guest picks one of the above\n"
        "                      dom0 always serves the I/O and runs some load of its own\n"
        "  --rate X            scale workload intensity (burst and block lengths are\n"
        "                      divided by X) to make big traces quickly (default 1)\n"
        "  --burst AT:LEN:X    from second AT for LEN seconds, scale intensity by X\n"
        "                      more (about X times the records), e.g. 60:60:10\n"
        "  --slice-ms N        credit time slice, 1-2000 ms (default 30)\n"
        "  --churn N           create N domains and destroy N domains during the run\n"
        "                      (default 0)\n"
        "  --reuse-domids      a new domain takes the lowest domid freed by a destroyed\n"
        "                      one (default: domids only grow, as Xen does)\n"
        "  --seconds S         simulated duration, fractional allowed (default 10);\n"
        "                      0 = run until SIGINT/SIGTERM\n"
        "  --seed N            random seed; same options = same bytes (default 1)\n"
        "\n"
        "Trace format:\n"
        "  --mhz F             TSC frequency in MHz, fractional allowed, 100-10000\n"
        "                      (default 2400); tsc = tsc0 + round(ns * mhz / 1000)\n"
        "  --tsc0 N            TSC at the first record, decimal or 0x hex\n"
        "                      (default 0x123456789a)\n"
        "  --layout L          new: Xen >= 4.8 INFPREV/INFNEXT (3 and 4 words, plus\n"
        "                      SWITCH_INFCONT); old: pre-4.8 forms (2 and 3 words)\n"
        "                      (default new)\n"
        "  --flush-ms N        write the per-CPU buffers every N ms of simulated time,\n"
        "                      1-60000 (default 100)\n"
        "  --buffer-kib N      per-CPU trace buffer size, 4-65536 KiB; a full buffer\n"
        "                      is written at once (default 256)\n"
        "  --shuffle-windows   write the CPUs of each pass in random order\n"
        "  --lost-bursts N     N times, drop all records of a random CPU for 1-50 ms\n"
        "                      and then emit TRC_LOST_RECORDS (default 0)\n"
        "  --no-tsc-records    also emit some records without TSC (TRC_HW_IRQ)\n"
        "  --io-records R      stock: I/O as stock Xen traces it (grant maps and\n"
        "                      transfers); patched: also the patched Xen's grant-copy\n"
        "                      and event-channel records (patches/xen-4.17), with\n"
        "                      io_bytes in the truth (default stock)\n"
        "  --no-noise          do not emit credit-scheduler class records (TICKLE,\n"
        "                      STOLEN_VCPU, ACCOUNT_START) nor wrap padding records\n"
        "\n"
        "Output:\n"
        "  -o, --output FILE   trace file, '-' = standard output (default)\n"
        "  --truth PREFIX      write PREFIX-cpu-dom.csv, PREFIX-dom.csv, PREFIX-cpu.csv,\n"
        "                      PREFIX-vcpu.csv and PREFIX-meta.csv\n"
        "  --start-time T      Unix time of the first record, labels the truth's t\n"
        "                      column (default 1700000000)\n"
        "  --realtime          write each window when its simulated time is reached\n"
        "                      in wall-clock time (to pipe into the daemon live)\n"
        "  --stats             print records, bytes and speed on standard error\n"
        "  -h, --help          show this help and exit\n"
        "\n"
        "Exit status: 0 on success, 1 on a runtime error, 2 on a usage error.\n",
        prog);
}

static long long parse_ll(const char *s, long long lo, long long hi, const char *name)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || end == s || *end || v < lo || v > hi) {
        char msg[160];
        snprintf(msg, sizeof(msg), "invalid value '%%s' for --%s (%lld-%lld)", name, lo, hi);
        usage_error(msg, s);
    }
    return v;
}

static double parse_d(const char *s, double lo, double hi, const char *name)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) {
        char msg[160];
        snprintf(msg, sizeof(msg), "invalid value '%%s' for --%s (%g-%g)", name, lo, hi);
        usage_error(msg, s);
    }
    return v;
}

/* --burst AT:LEN:X */
static void parse_burst(const char *s, struct sim_opts *so)
{
    double at, len, x;
    char tail;
    if (sscanf(s, "%lf:%lf:%lf%c", &at, &len, &x, &tail) != 3 ||
        !(at >= 0 && at <= 1e7) || !(len > 0 && len <= 1e7) ||
        !(x >= 0.001 && x <= 1000))
        usage_error("invalid value '%s' for --burst (AT:LEN:X, seconds, "
                    "seconds, factor 0.001-1000)", s);
    so->burst_from_ns = at * 1e9;
    so->burst_to_ns = (at + len) * 1e9;
    so->burst_factor = x;
}

/* decimal rendering of n / 10^digits without trailing zeros */
static void fmt_fixed(char *buf, size_t n, uint64_t v, uint64_t unit)
{
    uint64_t ip = v / unit, fp = v % unit;
    if (!fp) {
        snprintf(buf, n, "%" PRIu64, ip);
        return;
    }
    int digits = 0;
    for (uint64_t u = unit; u > 1; u /= 10)
        digits++;
    while (fp % 10 == 0) {
        fp /= 10;
        digits--;
    }
    snprintf(buf, n, "%" PRIu64 ".%0*" PRIu64, ip, digits, fp);
}

static void on_signal(int sig)
{
    (void)sig;
    sim_request_stop();
}

enum {
    OPT_CPUS = 256, OPT_DOMAINS, OPT_VCPUS, OPT_DOM0_VCPUS, OPT_SECONDS, OPT_SEED, OPT_MHZ,
    OPT_TSC0, OPT_START, OPT_WORKLOAD, OPT_CHURN, OPT_REUSE, OPT_LOST, OPT_LAYOUT,
    OPT_SLICE, OPT_FLUSH, OPT_BUFFER, OPT_SHUFFLE, OPT_NOTSC, OPT_NONOISE, OPT_TRUTH,
    OPT_REALTIME, OPT_RATE, OPT_BURST, OPT_STATS, OPT_IO_RECORDS
};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"domains", required_argument, NULL, OPT_DOMAINS},
        {"vcpus", required_argument, NULL, OPT_VCPUS},
        {"dom0-vcpus", required_argument, NULL, OPT_DOM0_VCPUS},
        {"seconds", required_argument, NULL, OPT_SECONDS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"mhz", required_argument, NULL, OPT_MHZ},
        {"tsc0", required_argument, NULL, OPT_TSC0},
        {"start-time", required_argument, NULL, OPT_START},
        {"workload", required_argument, NULL, OPT_WORKLOAD},
        {"churn", required_argument, NULL, OPT_CHURN},
        {"reuse-domids", no_argument, NULL, OPT_REUSE},
        {"lost-bursts", required_argument, NULL, OPT_LOST},
        {"layout", required_argument, NULL, OPT_LAYOUT},
        {"slice-ms", required_argument, NULL, OPT_SLICE},
        {"flush-ms", required_argument, NULL, OPT_FLUSH},
        {"buffer-kib", required_argument, NULL, OPT_BUFFER},
        {"shuffle-windows", no_argument, NULL, OPT_SHUFFLE},
        {"no-tsc-records", no_argument, NULL, OPT_NOTSC},
        {"no-noise", no_argument, NULL, OPT_NONOISE},
        {"io-records", required_argument, NULL, OPT_IO_RECORDS},
        {"output", required_argument, NULL, 'o'},
        {"truth", required_argument, NULL, OPT_TRUTH},
        {"realtime", no_argument, NULL, OPT_REALTIME},
        {"rate", required_argument, NULL, OPT_RATE},
        {"burst", required_argument, NULL, OPT_BURST},
        {"stats", no_argument, NULL, OPT_STATS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    struct sim_opts so = {
        .ncpus = 4, .ndomains = 4, .nvcpus = 2, .dom0_vcpus = 0,
        .workload = WL_MIX, .slice_ns = 30 * NS_PER_MS, .flush_ns = 100 * NS_PER_MS,
        .noise = true, .rate = 1.0, .burst_factor = 1.0, .seed = 1,
    };
    double seconds = 10.0, mhz = 2400.0;
    const char *seconds_arg = "10", *workload_arg = "mix";
    uint64_t tsc0 = 0x123456789aULL;
    int64_t start_time = 1700000000;
    uint32_t buffer_kib = 256;
    const char *outpath = "-", *truth = NULL;
    bool shuffle = false, realtime = false, stats = false;

    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_CPUS: so.ncpus = (int)parse_ll(optarg, 1, SIM_MAX_CPUS, "cpus"); break;
        case OPT_DOMAINS: so.ndomains = (int)parse_ll(optarg, 0, 1000, "domains"); break;
        case OPT_VCPUS: so.nvcpus = (int)parse_ll(optarg, 1, SIM_MAX_VCPUS, "vcpus"); break;
        case OPT_DOM0_VCPUS:
            so.dom0_vcpus = (int)parse_ll(optarg, 1, SIM_MAX_VCPUS, "dom0-vcpus");
            break;
        case OPT_SECONDS:
            seconds = parse_d(optarg, 0, 1e7, "seconds");
            seconds_arg = optarg;
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            if (*optarg == '-')
                usage_error("invalid value '%s' for --seed", optarg);
            so.seed = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end)
                usage_error("invalid value '%s' for --seed", optarg);
            break;
        }
        case OPT_MHZ: mhz = parse_d(optarg, 100, 10000, "mhz"); break;
        case OPT_TSC0: {
            char *end;
            errno = 0;
            if (*optarg == '-')
                usage_error("invalid value '%s' for --tsc0", optarg);
            tsc0 = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end || tsc0 > (1ULL << 62))
                usage_error("invalid value '%s' for --tsc0 (0 to 2^62)", optarg);
            break;
        }
        case OPT_START:
            start_time = parse_ll(optarg, 0, 4102444800LL, "start-time");
            break;
        case OPT_WORKLOAD:
            workload_arg = optarg;
            if (!strcmp(optarg, "mix")) so.workload = WL_MIX;
            else if (!strcmp(optarg, "cpu")) so.workload = WL_CPU;
            else if (!strcmp(optarg, "periodic")) so.workload = WL_PERIODIC;
            else if (!strcmp(optarg, "io")) so.workload = WL_IO;
            else if (!strcmp(optarg, "idle")) so.workload = WL_IDLEISH;
            else usage_error("invalid workload '%s' (mix, cpu, periodic, io or idle)", optarg);
            break;
        case OPT_CHURN: so.churn = (int)parse_ll(optarg, 0, 10000, "churn"); break;
        case OPT_REUSE: so.reuse_domids = true; break;
        case OPT_LOST: so.lost_bursts = (int)parse_ll(optarg, 0, 10000, "lost-bursts"); break;
        case OPT_LAYOUT:
            if (!strcmp(optarg, "new")) so.old_layout = false;
            else if (!strcmp(optarg, "old")) so.old_layout = true;
            else usage_error("invalid layout '%s' (new or old)", optarg);
            break;
        case OPT_SLICE:
            so.slice_ns = (uint64_t)parse_ll(optarg, 1, 2000, "slice-ms") * NS_PER_MS;
            break;
        case OPT_FLUSH:
            so.flush_ns = (uint64_t)parse_ll(optarg, 1, 60000, "flush-ms") * NS_PER_MS;
            break;
        case OPT_BUFFER: buffer_kib = (uint32_t)parse_ll(optarg, 4, 65536, "buffer-kib"); break;
        case OPT_SHUFFLE: shuffle = true; break;
        case OPT_NOTSC: so.no_tsc_records = true; break;
        case OPT_NONOISE: so.noise = false; break;
        case OPT_IO_RECORDS:
            if (strcmp(optarg, "stock") && strcmp(optarg, "patched"))
                usage_error("invalid io-records '%s' (stock or patched)", optarg);
            so.patched_io = !strcmp(optarg, "patched");
            break;
        case 'o':
            if (!*optarg)
                usage_error("empty file name for -o%s", "");
            outpath = optarg;
            break;
        case OPT_TRUTH:
            if (!*optarg)
                usage_error("empty prefix for --truth%s", "");
            truth = optarg;
            break;
        case OPT_REALTIME: realtime = true; break;
        case OPT_RATE: so.rate = parse_d(optarg, 0.001, 1000, "rate"); break;
        case OPT_BURST: parse_burst(optarg, &so); break;
        case OPT_STATS: stats = true; break;
        case 'h': help(); return 0;
        case ':':
            usage_error("option '%s' requires an argument", argv[optind - 1]);
            break;
        default:
            usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    if (!so.dom0_vcpus)
        so.dom0_vcpus = so.ncpus < 4 ? so.ncpus : 4;

    uint64_t hz = (uint64_t)llround(mhz * 1e6);
    so.end_ns = (uint64_t)llround(seconds * 1e9);
    if (seconds > 0 && so.end_ns < NS_PER_MS)
        usage_error("--seconds %s is too short (at least 0.001)", seconds_arg);

    FILE *out = stdout;
    if (strcmp(outpath, "-")) {
        out = fopen(outpath, "wb");
        if (!out) {
            fprintf(stderr, "%s: %s: %s\n", prog, outpath, strerror(errno));
            return 1;
        }
    } else if (isatty(STDOUT_FILENO)) {
        fprintf(stderr, "%s: refusing to write a binary trace to a terminal; use -o FILE "
                "or a pipe\n", prog);
        return 2;
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof(obuf));

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct trace_opts to = {
        .ncpus = so.ncpus, .bufsize = buffer_kib * 1024u, .hz = hz, .tsc0 = tsc0,
        .out = out, .shuffle = shuffle, .realtime = realtime, .wrap_records = so.noise,
        .seed = so.seed,
    };
    struct truth_opts tro = {
        .ncpus = so.ncpus, .start_time = start_time, .prefix = truth, .flush_each = realtime,
    };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tr_init(&to);
    truth_init(&tro);
    uint64_t E = sim_run(&so);
    if (out != stdout && fclose(out)) {
        fprintf(stderr, "%s: %s: %s\n", prog, outpath, strerror(errno));
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);

    char mhz_s[64], sec_s[64];
    fmt_fixed(mhz_s, sizeof(mhz_s), hz, 1000000);
    fmt_fixed(sec_s, sizeof(sec_s), so.end_ns ? so.end_ns : E + 1, NS_PER_SEC);
    if (truth) {
        size_t n = strlen(truth) + 16;
        char *path = malloc(n);
        if (!path)
            return 1;
        snprintf(path, n, "%s-meta.csv", truth);
        FILE *f = fopen(path, "w");
        if (!f) {
            perror(path);
            return 1;
        }
        fprintf(f, "key,value\n");
        fprintf(f, "mhz,%s\n", mhz_s);
        fprintf(f, "tsc0,%" PRIu64 "\n", tsc0);
        fprintf(f, "cpus,%d\n", so.ncpus);
        fprintf(f, "start_time,%" PRId64 "\n", start_time);
        fprintf(f, "seconds,%s\n", sec_s);
        fprintf(f, "seed,%" PRIu64 "\n", so.seed);
        fprintf(f, "records,%" PRIu64 "\n", tr_records());
        fprintf(f, "lost_records,%" PRIu64 "\n", tr_lost_total());
        fprintf(f, "end_ns,%" PRIu64 "\n", E);
        fprintf(f, "buckets,%" PRIu64 "\n", E / NS_PER_SEC + 1);
        fprintf(f, "first_tsc,%" PRIu64 "\n", tr_tsc(0));
        fprintf(f, "last_tsc,%" PRIu64 "\n", tr_tsc(E));
        fprintf(f, "bytes,%" PRIu64 "\n", tr_bytes());
        fprintf(f, "windows,%" PRIu64 "\n", tr_windows());
        fprintf(f, "layout,%s\n", so.old_layout ? "old" : "new");
        fprintf(f, "workload,%s\n", workload_arg);
        fprintf(f, "domains,%d\n", so.ndomains);
        fprintf(f, "vcpus,%d\n", so.nvcpus);
        fprintf(f, "dom0_vcpus,%d\n", so.dom0_vcpus);
        fprintf(f, "io_records,%s\n", so.patched_io ? "patched" : "stock");
        if (fclose(f)) {
            perror(path);
            return 1;
        }
        free(path);
    }
    if (stats) {
        double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        fprintf(stderr,
                "%s: %" PRIu64 " records (%" PRIu64 " lost), %" PRIu64 " bytes in %" PRIu64
                " windows, %s s simulated (E = %" PRIu64 " ns), %.2f s wall, %.0f records/s,"
                " at most %zu pending events\n",
                prog, tr_records(), tr_lost_total(), tr_bytes(), tr_windows(), sec_s, E, wall,
                wall > 0 ? (double)tr_records() / wall : 0.0, sim_heap_max());
    }
    return 0;
}
