/*
 * Live capture from Xen's trace buffers.
 *
 * Set-up, in this order, so that nothing is touched in Xen before every
 * check that can refuse has passed: are we root (the lock lives in /run,
 * the buffers are mapped through /dev/xen/privcmd; asked first, so that
 * the answer is the same on any machine); is another xenbaked running (it
 * holds the lock, files.h) or another consumer draining the buffers (a
 * xentrace process, or cons moving while we watch); is this dom0 of a Xen
 * host with the privcmd driver; can the database be made and opened (never
 * through a symbolic link, files.c).  Then the buffers
 * are allocated (Xen allocates them once per boot and never resizes
 * them), the event mask narrowed to the classes the accounting reads
 * (scheduler and memory; Xen writes lost-record and wrap records
 * whatever the mask), t_info and each CPU's buffer mapped, stale bytes
 * discarded, and tracing enabled.
 *
 * Time: the TSC is read in dom0 next to the wall clock right after
 * tracing starts.  A PV dom0's rdtsc is never emulated (Xen's
 * tsc_set_info leaves the hardware domain native), so it is the same
 * counter the records carry; where it is not (a PVH dom0, an odd host),
 * the first record is anchored at the moment tracing was enabled, and the
 * meta table says which was used.  The frequency is Xen's (cpu_khz).
 *
 * Data flow: the merge pulls (input_open_pull).  Each pull reads every
 * CPU's prod first and then copies each ring up to it: a snapshot of all
 * CPUs at one instant, so whatever a CPU writes later is younger than all
 * that was taken, and the merge (run with no look-ahead) never waits for
 * an idle CPU.  Snapshots are 100 ms apart unless Xen raises VIRQ_TBUF
 * (a buffer is half full) sooner: the pull sleeps in poll() on that event
 * channel, xenstore's watch and the rest of the interval.  The interrupt
 * alone would leave a quiet host's seconds unwritten; draining whenever
 * the merge runs dry would chase every record as Xen writes it.  Domain
 * names come from xenstore, reread when domains come or go and every few
 * seconds for renames.
 *
 * SIGINT/SIGTERM: the next pull disables tracing, takes the last snapshot
 * and ends the input, so every complete second is written.
 */
#include "live.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "account.h"
#include "clock.h"
#include "peak_rss.h"
#include "files.h"
#include "input.h"
#include "merge.h"
#include "prescan.h"
#include "store.h"
#include "tbuf.h"
#include "writer.h"

/*
 * Xen matches an event's class bits and its subclass bits separately.
 * Classes: scheduler and memory.  Subclasses: the scheduler's generic
 * records (MIN: runstates) and VERBOSE (switches, wake/block, domains),
 * not the per-scheduler CLASS records (credit2 alone writes more of those
 * than of all the others); memory records carry subclass 0xf, so they pass
 * with any subclass bit.
 */
#define SUBCLASS_BITS (0xfu << TRC_SUBCLS_SHIFT)
#define EVENT_MASK (((TRC_SCHED | TRC_MEM) & ~SUBCLASS_BITS) | \
		    ((TRC_SCHED_MIN | TRC_SCHED_VERBOSE) & SUBCLASS_BITS))
#define POLL_MS 100
#define WATCH_MS 300            /* how long cons is watched for a consumer */
#define PREFIX_SECONDS 0.5      /* trace read before accounting starts */
#define NAMES_EVERY_S 5.0       /* xenstore reread, for renames */
#define ANCHOR_TRIES 16
#define ANCHOR_SANITY_S 5.0     /* dom0 TSC this far from the records: not Xen's */

struct lcpu {
	void *map;
	unsigned pages;
	struct tbuf_ring ring;
	uint64_t bytes;
};

struct dom_name {
	uint16_t domid;
	char name[DOMAIN_NAME_MAX];
};

struct live {
	const struct live_opts *o;
	FILE *err;
	unsigned pages;

	xentoollog_logger_stdiostream *log;
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *xce;
	int virq_port;
	struct xs_handle *xs;
	int lock_fd;

	/* Host facts. */
	xc_physinfo_t phys;
	char xen_version[64];
	char sched[32];
	double mhz;
	char mhz_source[96];

	/* The buffers. */
	struct t_info *tinfo;
	size_t tinfo_pages;
	struct lcpu *cpus;
	unsigned ncpus;          /* slots: max_cpu_id + 1 */
	unsigned nbufs;          /* CPUs that have a buffer */
	uint32_t *snap;
	bool tracing;            /* we enabled it and have not disabled it */

	/* Time. */
	double enable_wall;
	double anchor_wall, anchor_err;
	uint64_t anchor_tsc;
	bool have_anchor;
	double start;
	char start_source[160];

	/* The pipeline, as in replay.c. */
	struct input in;
	struct prescan pre;
	struct store *store;
	struct acct *acct;
	struct merge merge;
	struct writer *writer;
	uint64_t written, skipped, bytes;
	struct writer_stats ws;
	FILE *tee;
	bool ended;
	double last_drain;       /* monotonic seconds */

	/* Names. */
	struct dom_name *names;
	size_t nnames;
	bool names_dirty;
	double names_due;
};

static bool stopping(const struct live *l)
{
	return l->o->stop && *l->o->stop;
}

static int fail(struct live *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The one place a set-up error is reported. */
static int fail(struct live *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(l->err, "xenbaked: ");
	vfprintf(l->err, fmt, ap);
	fprintf(l->err, "\n");
	va_end(ap);
	return -1;
}

/* ---- is this dom0 of a Xen host, and may we use it ------------------ */

static int read_small(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	size_t k = fread(buf, 1, n - 1, f);
	buf[k] = 0;
	fclose(f);
	return 0;
}

static int preflight(struct live *l)
{
	char buf[128];
	if (read_small("/sys/hypervisor/type", buf, sizeof buf) < 0 ||
	    strncmp(buf, "xen", 3) != 0)
		return fail(l, "live capture needs a Xen host, and this system "
			    "is not running on Xen (/sys/hypervisor/type %s); "
			    "replay a recording with --input FILE instead",
			    access("/sys/hypervisor/type", F_OK) ? "is missing" :
			    "does not say xen");
	if (read_small("/proc/xen/capabilities", buf, sizeof buf) == 0 &&
	    !strstr(buf, "control_d"))
		return fail(l, "this is a Xen guest, not dom0 (/proc/xen/"
			    "capabilities has no control_d): live capture runs "
			    "in dom0");
	if (access("/dev/xen/privcmd", F_OK) < 0)
		return fail(l, "/dev/xen/privcmd is missing: load Xen's privcmd "
			    "driver (modprobe xen-privcmd) and mount xenfs on "
			    "/proc/xen");
	int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(l, "cannot open /dev/xen/privcmd: %s%s", strerror(errno),
			    errno == EACCES || errno == EPERM ?
			    " (live capture needs root in dom0)" : "");
	close(fd);
	return 0;
}

/* Root, not a capability: xenbaked does not drop privileges, and
 * everything it touches (privcmd, /run) is root's. */
static int need_root(struct live *l)
{
	if (geteuid() == 0)
		return 0;
	return fail(l, "live capture needs root (it maps Xen's trace buffers "
		    "through /dev/xen/privcmd and holds %s); run it as root in "
		    "dom0, or replay a recording with --input FILE",
		    files_lock_path());
}

static int take_lock(struct live *l)
{
	const char *path = files_lock_path();
	l->lock_fd = files_lock_open(path, true);
	if (l->lock_fd < 0)
		return fail(l, "%s: cannot open the lock file: %s", path,
			    files_strerror(l->lock_fd));
	if (flock(l->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return fail(l, "another xenbaked is already recording this host "
			    "(it holds %s)", path);
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(l->lock_fd, 0) < 0 || write(l->lock_fd, pid, (size_t)n) < 0)
		return fail(l, "%s: cannot write the lock file: %s", path,
			    strerror(errno));
	return 0;
}

/* A xentrace process drains the same buffers; two consumers would each
 * see a random half of the records. */
static pid_t find_process(const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;
	while (d && !found && (e = readdir(d))) {
		char path[300], buf[64];
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%ld/comm", pid);
		if (read_small(path, buf, sizeof buf) == 0) {
			buf[strcspn(buf, "\n")] = 0;
			if (!strcmp(buf, comm))
				found = (pid_t)pid;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* ---- Xen handles and facts ------------------------------------------- */

static int open_handles(struct live *l)
{
	/* The libraries' own messages would repeat ours: we report errno. */
	l->log = xtl_createlogger_stdiostream(l->err, XTL_NUM_LEVELS, 0);
	xentoollog_logger *lg = (xentoollog_logger *)l->log;
	l->xch = xc_interface_open(lg, lg, 0);
	if (!l->xch)
		return fail(l, "cannot open Xen's control interface (libxenctrl): "
			    "%s", strerror(errno));
	l->fmem = xenforeignmemory_open(lg, 0);
	if (!l->fmem)
		return fail(l, "cannot open Xen's foreign-memory interface "
			    "(/dev/xen/privcmd): %s", strerror(errno));
	l->virq_port = -1;
	l->xce = xenevtchn_open(lg, 0);
	if (l->xce) {
		l->virq_port = xenevtchn_bind_virq(l->xce, VIRQ_TBUF);
		/* dom0 can bind a VIRQ once: whoever holds it consumes. */
		if (l->virq_port < 0 && errno == EEXIST)
			return fail(l, "another program holds Xen's trace-buffer "
				    "interrupt (VIRQ_TBUF) in dom0, so it is "
				    "consuming the trace buffers: stop it first; "
				    "only one trace consumer can run at a time");
		if (l->virq_port < 0) {
			xenevtchn_close(l->xce);
			l->xce = NULL;
		}
	}
	if (!l->xce && !l->o->quiet)
		fprintf(l->err, "xenbaked: no trace-buffer interrupt (/dev/xen/"
			"evtchn: %s): polling every %d ms instead\n",
			strerror(errno), POLL_MS);
	l->xs = xs_open(0);
	if (l->xs) {
		if (!xs_watch(l->xs, "@introduceDomain", "names") ||
		    !xs_watch(l->xs, "@releaseDomain", "names")) {
			xs_close(l->xs);
			l->xs = NULL;
		}
	}
	if (!l->xs && !l->o->quiet)
		fprintf(l->err, "xenbaked: xenstore is not reachable: domains "
			"other than dom0 stay unnamed\n");
	return 0;
}

static const char *sched_name(int id)
{
	switch (id) {
	case XEN_SCHEDULER_CREDIT: return "credit";
	case XEN_SCHEDULER_CREDIT2: return "credit2";
	case XEN_SCHEDULER_ARINC653: return "arinc653";
	case XEN_SCHEDULER_RTDS: return "rtds";
	case XEN_SCHEDULER_NULL: return "null";
	default: return NULL;
	}
}

static int read_facts(struct live *l)
{
	if (xc_physinfo(l->xch, &l->phys) < 0)
		return fail(l, "cannot read Xen's physical information "
			    "(xc_physinfo): %s", strerror(errno));
	int v = xc_version(l->xch, XENVER_version, NULL);
	xen_extraversion_t extra = { 0 };
	xc_version(l->xch, XENVER_extraversion, &extra);
	extra[sizeof extra - 1] = 0;
	snprintf(l->xen_version, sizeof l->xen_version, "%d.%d%s",
		 v >> 16, v & 0xffff, extra);

	/* The scheduler of the pool dom0 lives in (pool 0). */
	xc_cpupoolinfo_t *pool = xc_cpupool_getinfo(l->xch, 0);
	int id = pool ? (int)pool->sched_id : 0;
	if (pool)
		xc_cpupool_infofree(l->xch, pool);
	else if (xc_sched_id(l->xch, &id) < 0)
		id = 0;
	const char *name = sched_name(id);
	if (name)
		snprintf(l->sched, sizeof l->sched, "%s", name);
	else
		snprintf(l->sched, sizeof l->sched, "scheduler %d", id);

	if (l->o->cpu_mhz > 0) {
		l->mhz = l->o->cpu_mhz;
		snprintf(l->mhz_source, sizeof l->mhz_source, "given with --cpu-mhz");
	} else if (l->phys.cpu_khz) {
		l->mhz = l->phys.cpu_khz / 1000.0;
		snprintf(l->mhz_source, sizeof l->mhz_source,
			 "from Xen (xc_physinfo cpu_khz %" PRIu32 ")",
			 l->phys.cpu_khz);
	} else {
		return fail(l, "Xen reports no CPU frequency (cpu_khz 0); give it "
			    "with --cpu-mhz");
	}
	l->ncpus = l->phys.max_cpu_id + 1;
	return 0;
}

/* ---- the trace buffers --------------------------------------------- */

static int tbuf_info(struct live *l, uint64_t *mfn, uint32_t *bytes)
{
	struct xen_sysctl sc = {
		.cmd = XEN_SYSCTL_tbuf_op,
		.interface_version = XEN_SYSCTL_INTERFACE_VERSION,
	};
	sc.u.tbuf_op.cmd = XEN_SYSCTL_TBUFOP_get_info;
	if (xc_sysctl(l->xch, &sc) < 0)
		return -errno;
	*mfn = sc.u.tbuf_op.buffer_mfn;
	*bytes = sc.u.tbuf_op.size;
	return 0;
}

/* Do Xen's trace buffers exist (this boot, made by anyone)? */
static bool buffers_exist(struct live *l)
{
	uint64_t mfn = 0;
	uint32_t bytes = 0;
	return tbuf_info(l, &mfn, &bytes) == 0 && mfn && bytes;
}

/*
 * Xen allocates the buffers once per boot and refuses (EBUSY) to make them
 * again: ask for ours, or use those a previous run, xentrace or the boot
 * line made.  Their real size is read from their index (map_buffers).
 * Not xc_tbuf_get_size(): on Debian's Xen 4.17 it does not report buffers
 * that exist (seen in tests/live), so every restart in a boot failed.
 */
static int allocate(struct live *l)
{
	if (buffers_exist(l))
		return 0;
	if (xc_tbuf_set_size(l->xch, l->pages) < 0) {
		int e = errno;
		/* EBUSY: someone allocated them since we looked; use them. */
		if (e != EBUSY || !buffers_exist(l))
			return fail(l, "Xen refused to allocate trace buffers of "
				    "%u pages per CPU: %s; try a smaller "
				    "--tbuf-pages, or boot Xen with "
				    "tbuf_size=PAGES", l->pages, strerror(e));
	}
	return 0;
}

/* The size Xen's buffers really have, once their index is mapped. */
static void note_size(struct live *l)
{
	unsigned have = l->tinfo->tbuf_size;
	if (have == l->pages)
		return;
	if (l->o->tbuf_pages && !l->o->quiet)
		fprintf(l->err, "xenbaked: Xen's trace buffers have %u pages per "
			"CPU, not the %u asked for, and cannot be resized before "
			"a reboot; using them\n", have, l->pages);
	l->pages = have;
}

static void *map_frames(struct live *l, const xen_pfn_t *pfns, size_t n,
			int prot)
{
	int *errs = calloc(n, sizeof *errs);
	void *p = errs ? xenforeignmemory_map(l->fmem, DOMID_XEN, prot, n,
					      pfns, errs) : NULL;
	for (size_t i = 0; p && i < n; i++)
		if (errs[i]) {
			xenforeignmemory_unmap(l->fmem, p, n);
			errno = -errs[i];
			p = NULL;
		}
	free(errs);
	return p;
}

static int map_cpu(struct live *l, unsigned cpu)
{
	const uint32_t *mfns;
	int rc = tbuf_cpu_mfns(l->tinfo, l->tinfo_pages * XC_PAGE_SIZE, cpu, &mfns);
	if (rc == 1)
		return 0;  /* offline when the buffers were made: no buffer */
	if (rc < 0)
		return fail(l, "Xen's trace-buffer index (t_info) is inconsistent "
			    "for CPU %u", cpu);
	unsigned pages = l->tinfo->tbuf_size;
	xen_pfn_t *pfns = calloc(pages, sizeof *pfns);
	if (!pfns)
		return fail(l, "out of memory");
	for (unsigned i = 0; i < pages; i++)
		pfns[i] = mfns[i];
	struct lcpu *c = &l->cpus[cpu];
	c->map = map_frames(l, pfns, pages, PROT_READ | PROT_WRITE);
	free(pfns);
	if (!c->map)
		return fail(l, "cannot map CPU %u's trace buffer: %s", cpu,
			    strerror(errno));
	c->pages = pages;
	tbuf_ring_init(&c->ring, c->map, pages);
	l->nbufs++;
	return 0;
}

static int map_buffers(struct live *l)
{
	uint64_t mfn = 0;
	uint32_t bytes = 0;
	int rc = tbuf_info(l, &mfn, &bytes);
	if (rc < 0)
		return fail(l, "cannot query Xen's trace buffers: %s", strerror(-rc));
	if (!mfn || !bytes)
		return fail(l, "Xen has no trace buffers after allocating them");
	l->tinfo_pages = (bytes + XC_PAGE_SIZE - 1) / XC_PAGE_SIZE;
	xen_pfn_t *pfns = calloc(l->tinfo_pages, sizeof *pfns);
	if (!pfns)
		return fail(l, "out of memory");
	for (size_t i = 0; i < l->tinfo_pages; i++)
		pfns[i] = (xen_pfn_t)(mfn + i);
	l->tinfo = map_frames(l, pfns, l->tinfo_pages, PROT_READ);
	free(pfns);
	if (!l->tinfo)
		return fail(l, "cannot map Xen's trace-buffer index: %s",
			    strerror(errno));
	note_size(l);
	l->cpus = calloc(l->ncpus, sizeof *l->cpus);
	l->snap = calloc(l->ncpus, sizeof *l->snap);
	if (!l->cpus || !l->snap)
		return fail(l, "out of memory");
	for (unsigned c = 0; c < l->ncpus; c++)
		if (map_cpu(l, c) < 0)
			return -1;
	if (!l->nbufs)
		return fail(l, "Xen's trace buffers have no CPU in them");
	return 0;
}

/* Someone else draining the buffers moves cons; we have not touched it. */
static int watch_for_consumer(struct live *l)
{
	for (unsigned c = 0; c < l->ncpus; c++)
		if (l->cpus[c].map)
			l->snap[c] = l->cpus[c].ring.meta->cons;
	struct timespec ts = { 0, WATCH_MS * 1000000L };
	nanosleep(&ts, NULL);
	for (unsigned c = 0; c < l->ncpus; c++)
		if (l->cpus[c].map &&
		    *(volatile uint32_t *)&l->cpus[c].ring.meta->cons != l->snap[c])
			return fail(l, "another program is consuming Xen's trace "
				    "buffers (CPU %u's consumer offset moves): "
				    "stop it first; only one trace consumer can "
				    "run at a time", c);
	return 0;
}

static int setup_buffers(struct live *l)
{
	if (allocate(l) < 0 || map_buffers(l) < 0 || watch_for_consumer(l) < 0)
		return -1;
	if (xc_tbuf_set_evt_mask(l->xch, EVENT_MASK) < 0)
		return fail(l, "cannot set the trace event mask: %s", strerror(errno));
	xc_cpumap_t all = xc_cpumap_alloc(l->xch);
	if (!all)
		return fail(l, "out of memory");
	memset(all, 0xff, (size_t)xc_get_cpumap_size(l->xch));
	int rc = xc_tbuf_set_cpu_mask(l->xch, all);
	free(all);
	if (rc < 0)
		return fail(l, "cannot set the trace CPU mask: %s", strerror(errno));
	/* Bytes from an earlier session would predate our time anchor. */
	for (unsigned c = 0; c < l->ncpus; c++)
		if (l->cpus[c].map)
			tbuf_discard(&l->cpus[c].ring);
	return 0;
}

static uint64_t read_tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return 0;
#endif
}

/* The dom0 TSC next to the wall clock: the tightest of a few brackets. */
static void take_anchor(struct live *l)
{
	double best = INFINITY;
	for (int i = 0; i < ANCHOR_TRIES; i++) {
		double a = clock_s(CLOCK_REALTIME);
		uint64_t tsc = read_tsc();
		double b = clock_s(CLOCK_REALTIME);
		if (tsc && b - a < best) {
			best = b - a;
			l->anchor_tsc = tsc;
			l->anchor_wall = (a + b) / 2;
			l->anchor_err = (b - a) / 2;
			l->have_anchor = true;
		}
	}
}

static int enable_tracing(struct live *l)
{
	unsigned long mfn, size;
	l->enable_wall = clock_s(CLOCK_REALTIME);
	if (xc_tbuf_enable(l->xch, l->pages, &mfn, &size) < 0)
		return fail(l, "Xen refused to enable tracing: %s", strerror(errno));
	l->tracing = true;
	take_anchor(l);
	return 0;
}

static void disable_tracing(struct live *l)
{
	if (l->tracing && xc_tbuf_disable(l->xch) < 0)
		fprintf(l->err, "xenbaked: cannot disable Xen's tracing: %s\n",
			strerror(errno));
	l->tracing = false;
}

/* ---- draining -------------------------------------------------------- */

struct sink_ctx {
	struct live *l;
	unsigned cpu;
};

static int tee_window(struct live *l, unsigned cpu, const uint8_t *p, size_t n)
{
	uint32_t hdr[3] = { TRACE_WINDOW_HDR, cpu, (uint32_t)n };
	if (fwrite(hdr, sizeof hdr, 1, l->tee) != 1 ||
	    fwrite(p, 1, n, l->tee) != n)
		return -1;
	return 0;
}

static int sink(void *ctx, const uint8_t *p, size_t n)
{
	struct sink_ctx *s = ctx;
	struct live *l = s->l;
	if (input_append(&l->in, s->cpu, p, n, l->bytes) < 0)
		return -ENOMEM;
	if (l->tee && tee_window(l, s->cpu, p, n) < 0) {
		snprintf(l->in.err, sizeof l->in.err, "cannot write %s: %s",
			 l->o->tee, strerror(errno));
		return -EIO;
	}
	l->bytes += n;
	l->cpus[s->cpu].bytes += n;
	return 0;
}

/* One snapshot of every ring.  Bytes taken, or -1 with in.err set. */
static int64_t drain_all(struct live *l)
{
	int64_t total = 0;
	for (unsigned c = 0; c < l->ncpus; c++)
		if (l->cpus[c].map)
			l->snap[c] = tbuf_prod(&l->cpus[c].ring);
	for (unsigned c = 0; c < l->ncpus; c++) {
		if (!l->cpus[c].map)
			continue;
		struct sink_ctx s = { l, c };
		int64_t n = tbuf_drain_upto(&l->cpus[c].ring, l->snap[c], sink, &s);
		if (n == -EPROTO) {
			snprintf(l->in.err, sizeof l->in.err, "Xen's trace buffer "
				 "of CPU %u has impossible offsets (cons %" PRIu32
				 ", prod %" PRIu32 ", data size %" PRIu32 ")", c,
				 l->cpus[c].ring.meta->cons, l->snap[c],
				 l->cpus[c].ring.data_size);
			return -1;
		}
		if (n < 0) {
			if (!l->in.err[0])
				snprintf(l->in.err, sizeof l->in.err, "out of memory");
			return -1;
		}
		total += n;
	}
	return total;
}

/* ---- domain names ------------------------------------------------------ */

static void read_names(struct live *l)
{
	unsigned n = 0;
	char **ids = xs_directory(l->xs, XBT_NULL, "/local/domain", &n);
	struct dom_name *names = calloc(n ? n : 1, sizeof *names);
	size_t k = 0;
	for (unsigned i = 0; ids && names && i < n; i++) {
		char *end, path[96];
		unsigned long id = strtoul(ids[i], &end, 10);
		if (*end || id > 0xffff)
			continue;
		snprintf(path, sizeof path, "/local/domain/%lu/name", id);
		unsigned len = 0;
		char *name = xs_read(l->xs, XBT_NULL, path, &len);
		if (!name)
			continue;
		names[k].domid = (uint16_t)id;
		snprintf(names[k].name, sizeof names[k].name, "%.*s", (int)len, name);
		free(name);
		k++;
	}
	free(ids);
	if (names || !n) {
		free(l->names);
		l->names = names;
		l->nnames = k;
	}
	l->names_dirty = false;
	l->names_due = clock_s(CLOCK_MONOTONIC) + NAMES_EVERY_S;
}

/* Applied after every drain: a domain's DOM_ADD record, when the merge
 * reaches it, starts a new lifetime without a name. */
static int apply_names(struct live *l)
{
	for (size_t i = 0; l->acct && i < l->nnames; i++)
		if (acct_set_domain_name(l->acct, l->names[i].domid,
					 l->names[i].name) < 0)
			return -1;
	return 0;
}

static void take_watch_events(struct live *l)
{
	char **ev;
	while ((ev = xs_check_watch(l->xs))) {
		l->names_dirty = true;
		free(ev);
	}
}

/* Sleep until Xen says a buffer is half full, a domain came or went, or
 * TIMEOUT_MS passed.  A signal cuts it short. */
static void wait_for_data(struct live *l, int timeout_ms)
{
	struct pollfd fds[2];
	nfds_t n = 0;
	int evi = -1, xsi = -1;
	if (l->xce) {
		evi = (int)n;
		fds[n++] = (struct pollfd){ .fd = xenevtchn_fd(l->xce), .events = POLLIN };
	}
	if (l->xs) {
		xsi = (int)n;
		fds[n++] = (struct pollfd){ .fd = xs_fileno(l->xs), .events = POLLIN };
	}
	if (poll(fds, n, timeout_ms) <= 0)
		return;
	if (evi >= 0 && fds[evi].revents & POLLIN) {
		xenevtchn_port_or_error_t port = xenevtchn_pending(l->xce);
		if (port >= 0)
			xenevtchn_unmask(l->xce, (evtchn_port_t)port);
	}
	if (xsi >= 0 && fds[xsi].revents & POLLIN)
		take_watch_events(l);
}

static int pull(struct input *in, void *ctx)
{
	struct live *l = ctx;
	if (l->ended)
		return 0;
	if (stopping(l)) {
		/* No record can follow once tracing is off: the last snapshot
		 * holds the rest of the trace. */
		disable_tracing(l);
		l->ended = true;
		return drain_all(l) < 0 ? -1 : 1;
	}
	/* At most one drain per interval unless Xen asks for one: draining
	 * whenever the merge runs dry would chase every record as it is
	 * written, and cost dom0 a CPU's worth of wake-ups on a busy host. */
	double now = clock_s(CLOCK_MONOTONIC);
	double left = l->last_drain + POLL_MS / 1000.0 - now;
	if (left > 0)
		wait_for_data(l, (int)ceil(left * 1000));
	int64_t n = drain_all(l);
	l->last_drain = clock_s(CLOCK_MONOTONIC);
	if (n < 0)
		return -1;
	if (l->xs && (l->names_dirty || clock_s(CLOCK_MONOTONIC) >= l->names_due))
		read_names(l);
	if (apply_names(l) < 0) {
		snprintf(in->err, sizeof in->err, "out of memory");
		return -1;
	}
	return 1;
}

/* ---- start ------------------------------------------------------------ */

/* Read until the head tells every vCPU's state, or we are stopped. */
static int read_prefix(struct live *l)
{
	double until = 0;
	for (;;) {
		if (input_fill(&l->in) < 0)
			return fail(l, "%s", l->in.err);
		if (prescan_walk(&l->pre, &l->in) < 0)
			return fail(l, "out of memory");
		if (l->in.eof)
			return 0;
		uint64_t h = prescan_horizon(&l->pre);
		if (l->pre.have_tsc && h > l->pre.min_tsc &&
		    (double)(h - l->pre.min_tsc) / (l->mhz * 1e6) >= PREFIX_SECONDS)
			return 0;
		/* A host so quiet that no CPU passes the horizon: go on. */
		double now = clock_s(CLOCK_MONOTONIC);
		if (l->pre.have_tsc && !until)
			until = now + 2 * PREFIX_SECONDS;
		if (until && now > until)
			return 0;
	}
}

static void choose_start(struct live *l)
{
	uint64_t first = l->pre.min_tsc;
	if (l->have_anchor) {
		double d = ((double)first - (double)l->anchor_tsc) / (l->mhz * 1e6);
		double start = l->anchor_wall + d;
		if (fabs(start - l->enable_wall) < ANCHOR_SANITY_S) {
			l->start = start;
			snprintf(l->start_source, sizeof l->start_source,
				 "dom0's TSC read against the wall clock when "
				 "tracing started (within %.1f us)",
				 l->anchor_err * 1e6);
			return;
		}
	}
	l->start = l->enable_wall;
	snprintf(l->start_source, sizeof l->start_source,
		 "the moment tracing was enabled (dom0's TSC %s)",
		 l->have_anchor ? "does not match the records'" : "is not readable");
}

static int emit(void *ctx, const struct second *s)
{
	struct live *l = ctx;
	return writer_put(l->writer, s);
}

static void record_facts(struct live *l)
{
	char buf[64];
	store_meta(l->store, "mode", "live");
	store_meta(l->store, "input", "Xen trace buffers");
	store_meta_num(l->store, "cpu_mhz", l->mhz);
	store_meta(l->store, "cpu_mhz_source", l->mhz_source);
	snprintf(buf, sizeof buf, "%" PRIu32, l->phys.cpu_khz);
	store_meta(l->store, "cpu_khz", buf);
	store_meta_num(l->store, "start_time", l->start);
	store_meta(l->store, "start_time_source", l->start_source);
	snprintf(buf, sizeof buf, "%" PRIu32, l->phys.nr_cpus);
	store_meta(l->store, "cpus", buf);
	store_meta(l->store, "xen_version", l->xen_version);
	store_meta(l->store, "scheduler", l->sched);
	snprintf(buf, sizeof buf, "%u", l->pages);
	store_meta(l->store, "tbuf_pages", buf);
}

static struct run_info run_info(struct live *l, const char *status)
{
	return (struct run_info){
		.mode = "live", .input = "Xen trace buffers",
		.cpu_mhz = l->mhz, .cpu_mhz_source = l->mhz_source,
		.start_time = l->start, .start_source = l->start_source,
		.st = l->acct ? acct_stats(l->acct) : NULL,
		.seconds_written = l->written, .seconds_skipped = l->skipped,
		.seconds_dropped = l->ws.dropped,
		.seconds_completed = l->ws.completed,
		.seconds_overlapping = l->ws.overlapping,
		.lag_measured = l->ws.lag_measured, .max_lag_s = l->ws.max_lag_s,
		.status = status,
	};
}

static int start_pipeline(struct live *l)
{
	choose_start(l);
	struct acct_config cfg = { .cpu_mhz = l->mhz, .emit = emit, .ctx = l };
	unix_split(l->start, &cfg.anchor_unix_s, &cfg.anchor_unix_ns);
	l->acct = acct_new(&cfg);
	/* No look-ahead: each pull is a snapshot of all CPUs (see above). */
	if (!l->acct || merge_init(&l->merge, &l->in, l->acct, l->mhz, 0) < 0 ||
	    prescan_hints(&l->pre, l->acct, prescan_horizon(&l->pre)) < 0)
		return fail(l, "out of memory");
	prescan_free(&l->pre);
	if (l->xs)
		read_names(l);
	if (apply_names(l) < 0)
		return fail(l, "out of memory");
	record_facts(l);
	struct run_info ri = run_info(l, "running");
	if (store_run_begin(l->store, &ri) < 0)
		return fail(l, "%s", store_error(l->store));
	struct writer_opts wo = {
		.depth = 8, .backlog = l->o->backlog, .wall_clock = true,
		.report_every = l->o->full_report_s, .stop = l->o->stop,
		.log = l->err,
	};
	l->writer = writer_start(l->store, &wo);
	if (!l->writer)
		return fail(l, "cannot start the writer thread");
	return 0;
}

static void summary(struct live *l, FILE *out, double elapsed)
{
	const struct acct_stats *s = acct_stats(l->acct);
	fprintf(out, "host       Xen %s, %s scheduler, %" PRIu32 " CPUs, trace "
		"buffers of %u pages per CPU\n", l->xen_version, l->sched,
		l->phys.nr_cpus, l->pages);
	fprintf(out, "trace      %" PRIu64 " bytes, %" PRIu64 " records (%" PRIu64
		" wrap padding), %" PRIu64 " of unused classes\n", l->bytes,
		s->records, s->wrap, s->unused_class);
	fprintf(out, "lost       %" PRIu64 " records lost by Xen\n", s->lost_records);
	fprintf(out, "anomalies  %" PRIu64 " late, %" PRIu64 " state resyncs, %"
		PRIu64 " malformed\n", s->late, s->resyncs, s->malformed);
	fprintf(out, "frequency  %.3f MHz, %s\n", l->mhz, l->mhz_source);
	fprintf(out, "start      %.6f, %s\n", l->start, l->start_source);
	fprintf(out, "seconds    %" PRIu64 " written, %" PRIu64 " already stored",
		l->written, l->skipped);
	if (l->ws.completed)
		fprintf(out, ", %" PRIu64 " completed (partly stored by an "
			"earlier run)", l->ws.completed);
	if (l->ws.overlapping)
		fprintf(out, ", %" PRIu64 " partly stored and overlapping: left "
			"as they were", l->ws.overlapping);
	fprintf(out, "\n");
	fprintf(out, "seen       %" PRIu32 " CPUs, %" PRIu32 " domains, %" PRIu32
		" vCPUs\n", s->cpus_seen, s->domains_seen, s->vcpus_seen);
	writer_print_summary(out, &l->ws, l->store);
	if (peak_rss_kib() > 0)
		fprintf(out, "memory     %.1f MiB at most (resident)\n",
			peak_rss_kib() / 1024.0);
	fprintf(out, "elapsed    %.1f s\n", elapsed);
}

static int set_up(struct live *l)
{
	char err[512];
	if (need_root(l) < 0 || take_lock(l) < 0 || preflight(l) < 0)
		return -1;
	if (files_prepare_db(l->o->db, err, sizeof err) < 0)
		return fail(l, "%s", err);
	l->store = store_open(l->o->db, err, sizeof err);
	if (!l->store)
		return fail(l, "%s", err);
	if (l->o->tee && !(l->tee = fopen(l->o->tee, "wb")))
		return fail(l, "cannot create %s: %s", l->o->tee, strerror(errno));
	pid_t pid = find_process("xentrace");
	if (pid)
		return fail(l, "xentrace (pid %ld) is consuming Xen's trace "
			    "buffers: stop it first; only one trace consumer can "
			    "run at a time", (long)pid);
	if (open_handles(l) < 0 || read_facts(l) < 0 || setup_buffers(l) < 0)
		return -1;
	input_open_pull(&l->in, "Xen trace buffers", pull, l);
	if (enable_tracing(l) < 0)
		return -1;
	if (!l->o->quiet)
		fprintf(l->err, "xenbaked: recording Xen %s (%s, %" PRIu32 " CPUs, "
			"%.3f MHz) into %s\n", l->xen_version, l->sched,
			l->phys.nr_cpus, l->mhz, l->o->db);
	return 0;
}

static int finish_writer(struct live *l)
{
	int rc = writer_finish(l->writer, &l->ws);
	l->writer = NULL;
	l->written = l->ws.written;
	l->skipped = l->ws.skipped;
	return rc;
}

/* Run the merge until stopped; the outcome is reported once, here. */
static int record(struct live *l, FILE *out, double t0)
{
	int rc = merge_run(&l->merge);
	disable_tracing(l);
	acct_finish(l->acct, false);  /* the last second is not complete */
	int wrc = finish_writer(l);
	int status = 0;
	const char *why = "ok";
	if (wrc < 0 || acct_error(l->acct)) {
		why = store_error(l->store)[0] ? store_error(l->store) : "out of memory";
		status = fail(l, "%s", why);
	} else if (rc < 0) {
		why = l->merge.err[0] ? l->merge.err : l->in.err;
		status = fail(l, "%s; every complete second before it was written",
			      why);
	} else if (l->tee && fflush(l->tee) != 0) {
		why = "cannot write the --tee file";
		status = fail(l, "cannot write %s: %s", l->o->tee, strerror(errno));
	}
	record_facts(l);
	struct run_info ri = run_info(l, why);
	store_run_end(l->store, &ri);
	if (!l->o->quiet)
		summary(l, out, clock_s(CLOCK_MONOTONIC) - t0);
	return status;
}

static int capture(struct live *l, FILE *out)
{
	double t0 = clock_s(CLOCK_MONOTONIC);
	if (set_up(l) < 0 || read_prefix(l) < 0)
		return -1;
	if (!l->pre.have_tsc)
		return 0;  /* stopped before the first record */
	if (start_pipeline(l) < 0)
		return -1;
	return record(l, out, t0);
}

static void cleanup(struct live *l)
{
	disable_tracing(l);
	if (l->writer)
		finish_writer(l);
	merge_free(&l->merge);
	acct_free(l->acct);
	prescan_free(&l->pre);
	if (l->in.pull)
		input_close(&l->in);
	store_close(l->store);
	if (l->tee)
		fclose(l->tee);
	for (unsigned c = 0; l->cpus && c < l->ncpus; c++)
		if (l->cpus[c].map)
			xenforeignmemory_unmap(l->fmem, l->cpus[c].map,
					       l->cpus[c].pages);
	if (l->tinfo)
		xenforeignmemory_unmap(l->fmem, l->tinfo, l->tinfo_pages);
	free(l->cpus);
	free(l->snap);
	free(l->names);
	if (l->xs)
		xs_close(l->xs);
	if (l->xce)
		xenevtchn_close(l->xce);
	if (l->fmem)
		xenforeignmemory_close(l->fmem);
	if (l->xch)
		xc_interface_close(l->xch);
	if (l->log)
		xtl_logger_destroy((xentoollog_logger *)l->log);
	if (l->lock_fd >= 0)
		close(l->lock_fd);
}

int live_run(const struct live_opts *o, FILE *out, FILE *err)
{
	struct live l = {
		.o = o, .err = err, .lock_fd = -1,
		.pages = o->tbuf_pages ? o->tbuf_pages : LIVE_DEFAULT_TBUF_PAGES,
	};
	l.in.fd = -1;
	int rc = capture(&l, out);
	cleanup(&l);
	return rc < 0 ? 1 : 0;
}
