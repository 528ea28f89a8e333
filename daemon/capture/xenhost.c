/*
 * The Xen side of live capture (xenhost.h).
 *
 * Nothing in Xen is touched before every check that can refuse has
 * passed: is this dom0 of a Xen host with the privcmd driver (live.c asks
 * first whether we are root and hold the lock); is another consumer
 * draining the buffers (a xentrace process, a holder of VIRQ_TBUF, or
 * cons moving while we watch).  Then the buffers are allocated (Xen
 * allocates them once per boot and never resizes them), the event mask
 * narrowed to the classes the accounting reads (scheduler and memory; Xen
 * writes lost-record and wrap records whatever the mask), t_info and each
 * CPU's buffer mapped, stale bytes discarded, and tracing enabled.
 *
 * Time: the TSC is read in dom0 next to the wall clock right after
 * tracing starts.  A PV dom0's rdtsc is never emulated (Xen's
 * tsc_set_info leaves the hardware domain native), so it is the same
 * counter the records carry; where it is not (a PVH dom0, an odd host),
 * the first record is anchored at the moment tracing was enabled, and the
 * meta table says which was used.  The frequency is Xen's (cpu_khz).
 */
#include "xenhost.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

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
#define WATCH_MS 300            /* how long cons is watched for a consumer */
#define ANCHOR_TRIES 16
#define ANCHOR_SANITY_S 5.0     /* dom0 TSC this far from the records: not Xen's */

#define fail(h, ...) pipeline_fail((h)->err, __VA_ARGS__)

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

int xenhost_check(struct xenhost *h)
{
	char buf[128];
	if (read_small("/sys/hypervisor/type", buf, sizeof buf) < 0 ||
	    strncmp(buf, "xen", 3) != 0)
		return fail(h, "live capture needs a Xen host, and this system "
			    "is not running on Xen (/sys/hypervisor/type %s); "
			    "replay a recording with --input FILE instead",
			    access("/sys/hypervisor/type", F_OK) ? "is missing" :
			    "does not say xen");
	if (read_small("/proc/xen/capabilities", buf, sizeof buf) == 0 &&
	    !strstr(buf, "control_d"))
		return fail(h, "this is a Xen guest, not dom0 (/proc/xen/"
			    "capabilities has no control_d): live capture runs "
			    "in dom0");
	if (access("/dev/xen/privcmd", F_OK) < 0)
		return fail(h, "/dev/xen/privcmd is missing: load Xen's privcmd "
			    "driver (modprobe xen-privcmd) and mount xenfs on "
			    "/proc/xen");
	int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(h, "cannot open /dev/xen/privcmd: %s%s", strerror(errno),
			    errno == EACCES || errno == EPERM ?
			    " (live capture needs root in dom0)" : "");
	close(fd);
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

static int open_handles(struct xenhost *h)
{
	/* The libraries' own messages would repeat ours: we report errno. */
	h->log = xtl_createlogger_stdiostream(h->err, XTL_NUM_LEVELS, 0);
	xentoollog_logger *lg = (xentoollog_logger *)h->log;
	h->xch = xc_interface_open(lg, lg, 0);
	if (!h->xch)
		return fail(h, "cannot open Xen's control interface (libxenctrl): "
			    "%s", strerror(errno));
	h->fmem = xenforeignmemory_open(lg, 0);
	if (!h->fmem)
		return fail(h, "cannot open Xen's foreign-memory interface "
			    "(/dev/xen/privcmd): %s", strerror(errno));
	h->virq_port = -1;
	h->xce = xenevtchn_open(lg, 0);
	if (h->xce) {
		h->virq_port = xenevtchn_bind_virq(h->xce, VIRQ_TBUF);
		/* dom0 can bind a VIRQ once: whoever holds it consumes. */
		if (h->virq_port < 0 && errno == EEXIST)
			return fail(h, "another program holds Xen's trace-buffer "
				    "interrupt (VIRQ_TBUF) in dom0, so it is "
				    "consuming the trace buffers: stop it first; "
				    "only one trace consumer can run at a time");
		if (h->virq_port < 0) {
			xenevtchn_close(h->xce);
			h->xce = NULL;
		}
	}
	if (!h->xce && !h->quiet)
		log_msg(h->err, LOG_LEVEL_WARNING, "no trace-buffer interrupt "
			"(/dev/xen/evtchn: %s): polling every %d ms instead",
			strerror(errno), XENHOST_POLL_MS);
	return 0;
}

/* ---- handles and facts ---------------------------------------------- */

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

static int read_facts(struct xenhost *h)
{
	if (xc_physinfo(h->xch, &h->phys) < 0)
		return fail(h, "cannot read Xen's physical information "
			    "(xc_physinfo): %s", strerror(errno));
	int v = xc_version(h->xch, XENVER_version, NULL);
	xen_extraversion_t extra = { 0 };
	xc_version(h->xch, XENVER_extraversion, &extra);
	extra[sizeof extra - 1] = 0;
	snprintf(h->facts.xen_version, sizeof h->facts.xen_version, "%d.%d%s",
		 v >> 16, v & 0xffff, extra);

	/* The scheduler of the pool dom0 lives in (pool 0). */
	xc_cpupoolinfo_t *pool = xc_cpupool_getinfo(h->xch, 0);
	int id = pool ? (int)pool->sched_id : 0;
	if (pool)
		xc_cpupool_infofree(h->xch, pool);
	else if (xc_sched_id(h->xch, &id) < 0)
		id = 0;
	const char *name = sched_name(id);
	if (name)
		snprintf(h->facts.scheduler, sizeof h->facts.scheduler, "%s", name);
	else
		snprintf(h->facts.scheduler, sizeof h->facts.scheduler, "scheduler %d", id);

	if (h->cpu_mhz_given > 0) {
		h->mhz = h->cpu_mhz_given;
		snprintf(h->mhz_source, sizeof h->mhz_source, "given with --cpu-mhz");
	} else if (h->phys.cpu_khz) {
		h->mhz = h->phys.cpu_khz / 1000.0;
		snprintf(h->mhz_source, sizeof h->mhz_source,
			 "from Xen (xc_physinfo cpu_khz %" PRIu32 ")",
			 h->phys.cpu_khz);
	} else {
		return fail(h, "Xen reports no CPU frequency (cpu_khz 0); give it "
			    "with --cpu-mhz");
	}
	h->ncpus = h->phys.max_cpu_id + 1;
	h->facts.cpus = h->phys.nr_cpus;
	h->facts.cpu_khz = h->phys.cpu_khz;
	return 0;
}

/* ---- the trace buffers ---------------------------------------------- */

static int tbuf_info(struct xenhost *h, uint64_t *mfn, uint32_t *bytes)
{
	struct xen_sysctl sc = {
		.cmd = XEN_SYSCTL_tbuf_op,
		.interface_version = XEN_SYSCTL_INTERFACE_VERSION,
	};
	sc.u.tbuf_op.cmd = XEN_SYSCTL_TBUFOP_get_info;
	if (xc_sysctl(h->xch, &sc) < 0)
		return -errno;
	*mfn = sc.u.tbuf_op.buffer_mfn;
	*bytes = sc.u.tbuf_op.size;
	return 0;
}

/* Do Xen's trace buffers exist (this boot, made by anyone)? */
static bool buffers_exist(struct xenhost *h)
{
	uint64_t mfn = 0;
	uint32_t bytes = 0;
	return tbuf_info(h, &mfn, &bytes) == 0 && mfn && bytes;
}

/*
 * Xen allocates the buffers once per boot and refuses (EBUSY) to make them
 * again: ask for ours, or use those a previous run, xentrace or the boot
 * line made.  Their real size is read from their index (map_buffers).
 * Not xc_tbuf_get_size(): on Debian's Xen 4.17 it does not report buffers
 * that exist (seen in tests/live), so every restart in a boot failed.
 */
static int allocate(struct xenhost *h)
{
	if (buffers_exist(h))
		return 0;
	if (xc_tbuf_set_size(h->xch, h->pages) < 0) {
		int e = errno;
		/* EBUSY: someone allocated them since we looked; use them. */
		if (e != EBUSY || !buffers_exist(h))
			return fail(h, "Xen refused to allocate trace buffers of "
				    "%u pages per CPU: %s; try a smaller "
				    "--tbuf-pages, or boot Xen with "
				    "tbuf_size=PAGES", h->pages, strerror(e));
	}
	return 0;
}

/* The size Xen's buffers really have, once their index is mapped. */
static void note_size(struct xenhost *h)
{
	unsigned have = h->tinfo->tbuf_size;
	if (have == h->pages)
		return;
	if (h->pages_given && !h->quiet)
		log_msg(h->err, LOG_LEVEL_WARNING, "Xen's trace buffers have %u "
			"pages per CPU, not the %u asked for, and cannot be "
			"resized before a reboot; using them", have, h->pages);
	h->pages = have;
}

static void *map_frames(struct xenhost *h, const xen_pfn_t *pfns, size_t n,
			int prot)
{
	int *errs = calloc(n, sizeof *errs);
	void *p = errs ? xenforeignmemory_map(h->fmem, DOMID_XEN, prot, n,
					      pfns, errs) : NULL;
	for (size_t i = 0; p && i < n; i++)
		if (errs[i]) {
			xenforeignmemory_unmap(h->fmem, p, n);
			errno = -errs[i];
			p = NULL;
		}
	free(errs);
	return p;
}

static int map_cpu(struct xenhost *h, unsigned cpu)
{
	const uint32_t *mfns;
	int rc = tbuf_cpu_mfns(h->tinfo, h->tinfo_pages * XC_PAGE_SIZE, cpu, &mfns);
	if (rc == 1)
		return 0;  /* offline when the buffers were made: no buffer */
	if (rc < 0)
		return fail(h, "Xen's trace-buffer index (t_info) is inconsistent "
			    "for CPU %u", cpu);
	unsigned pages = h->tinfo->tbuf_size;
	xen_pfn_t *pfns = calloc(pages, sizeof *pfns);
	if (!pfns)
		return fail(h, "out of memory");
	for (unsigned i = 0; i < pages; i++)
		pfns[i] = mfns[i];
	struct xenhost_cpu *c = &h->cpus[cpu];
	c->map = map_frames(h, pfns, pages, PROT_READ | PROT_WRITE);
	free(pfns);
	if (!c->map)
		return fail(h, "cannot map CPU %u's trace buffer: %s", cpu,
			    strerror(errno));
	c->pages = pages;
	tbuf_ring_init(&c->ring, c->map, pages);
	h->nbufs++;
	return 0;
}

static int map_buffers(struct xenhost *h)
{
	uint64_t mfn = 0;
	uint32_t bytes = 0;
	int rc = tbuf_info(h, &mfn, &bytes);
	if (rc < 0)
		return fail(h, "cannot query Xen's trace buffers: %s", strerror(-rc));
	if (!mfn || !bytes)
		return fail(h, "Xen has no trace buffers after allocating them");
	h->tinfo_pages = (bytes + XC_PAGE_SIZE - 1) / XC_PAGE_SIZE;
	xen_pfn_t *pfns = calloc(h->tinfo_pages, sizeof *pfns);
	if (!pfns)
		return fail(h, "out of memory");
	for (size_t i = 0; i < h->tinfo_pages; i++)
		pfns[i] = (xen_pfn_t)(mfn + i);
	h->tinfo = map_frames(h, pfns, h->tinfo_pages, PROT_READ);
	free(pfns);
	if (!h->tinfo)
		return fail(h, "cannot map Xen's trace-buffer index: %s",
			    strerror(errno));
	note_size(h);
	h->cpus = calloc(h->ncpus, sizeof *h->cpus);
	h->snap = calloc(h->ncpus, sizeof *h->snap);
	if (!h->cpus || !h->snap)
		return fail(h, "out of memory");
	for (unsigned c = 0; c < h->ncpus; c++)
		if (map_cpu(h, c) < 0)
			return -1;
	if (!h->nbufs)
		return fail(h, "Xen's trace buffers have no CPU in them");
	return 0;
}

/* Someone else draining the buffers moves cons; we have not touched it. */
static int watch_for_consumer(struct xenhost *h)
{
	for (unsigned c = 0; c < h->ncpus; c++)
		if (h->cpus[c].map)
			h->snap[c] = h->cpus[c].ring.meta->cons;
	struct timespec ts = { 0, WATCH_MS * 1000000L };
	nanosleep(&ts, NULL);
	for (unsigned c = 0; c < h->ncpus; c++)
		if (h->cpus[c].map &&
		    *(volatile uint32_t *)&h->cpus[c].ring.meta->cons != h->snap[c])
			return fail(h, "another program is consuming Xen's trace "
				    "buffers (CPU %u's consumer offset moves): "
				    "stop it first; only one trace consumer can "
				    "run at a time", c);
	return 0;
}

static int setup_buffers(struct xenhost *h)
{
	if (allocate(h) < 0 || map_buffers(h) < 0 || watch_for_consumer(h) < 0)
		return -1;
	if (xc_tbuf_set_evt_mask(h->xch, EVENT_MASK) < 0)
		return fail(h, "cannot set the trace event mask: %s", strerror(errno));
	xc_cpumap_t all = xc_cpumap_alloc(h->xch);
	if (!all)
		return fail(h, "out of memory");
	memset(all, 0xff, (size_t)xc_get_cpumap_size(h->xch));
	int rc = xc_tbuf_set_cpu_mask(h->xch, all);
	free(all);
	if (rc < 0)
		return fail(h, "cannot set the trace CPU mask: %s", strerror(errno));
	h->facts.tbuf_pages = h->pages;
	/* Bytes from an earlier session would predate our time anchor. */
	for (unsigned c = 0; c < h->ncpus; c++)
		if (h->cpus[c].map)
			tbuf_discard(&h->cpus[c].ring);
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
static void take_anchor(struct xenhost *h)
{
	double best = INFINITY;
	for (int i = 0; i < ANCHOR_TRIES; i++) {
		double a = clock_s(CLOCK_REALTIME);
		uint64_t tsc = read_tsc();
		double b = clock_s(CLOCK_REALTIME);
		if (tsc && b - a < best) {
			best = b - a;
			h->anchor_tsc = tsc;
			h->anchor_wall = (a + b) / 2;
			h->anchor_err = (b - a) / 2;
			h->have_anchor = true;
		}
	}
}

int xenhost_enable(struct xenhost *h)
{
	unsigned long mfn, size;
	h->enable_wall = clock_s(CLOCK_REALTIME);
	if (xc_tbuf_enable(h->xch, h->pages, &mfn, &size) < 0)
		return fail(h, "Xen refused to enable tracing: %s", strerror(errno));
	h->tracing = true;
	take_anchor(h);
	return 0;
}

void xenhost_disable(struct xenhost *h)
{
	if (h->tracing && xc_tbuf_disable(h->xch) < 0)
		log_msg(h->err, LOG_LEVEL_ERR, "cannot disable Xen's tracing: %s",
			strerror(errno));
	h->tracing = false;
}

/* ---- draining and time ----------------------------------------------- */

/* tbuf's sink names no CPU: this one does. */
struct cpu_sink {
	xenhost_sink_fn fn;
	void *ctx;
	unsigned cpu;
};

static int cpu_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct cpu_sink *s = ctx;
	return s->fn(s->ctx, s->cpu, p, n);
}

int64_t xenhost_drain(struct xenhost *h, xenhost_sink_fn sink, void *ctx,
		      char *err, size_t errlen)
{
	int64_t total = 0;
	for (unsigned c = 0; c < h->ncpus; c++)
		if (h->cpus[c].map)
			h->snap[c] = tbuf_prod(&h->cpus[c].ring);
	for (unsigned c = 0; c < h->ncpus; c++) {
		if (!h->cpus[c].map)
			continue;
		struct cpu_sink s = { sink, ctx, c };
		int64_t n = tbuf_drain_upto(&h->cpus[c].ring, h->snap[c],
					    cpu_sink, &s);
		if (n == -EPROTO) {
			snprintf(err, errlen, "Xen's trace buffer of CPU %u has "
				 "impossible offsets (cons %" PRIu32 ", prod %"
				 PRIu32 ", data size %" PRIu32 ")", c,
				 h->cpus[c].ring.meta->cons, h->snap[c],
				 h->cpus[c].ring.data_size);
			return -1;
		}
		if (n < 0) {
			if (!err[0])
				snprintf(err, errlen, "out of memory");
			return -1;
		}
		total += n;
	}
	return total;
}

double xenhost_time_of(const struct xenhost *h, uint64_t first_tsc,
		       char *source, size_t n)
{
	if (h->have_anchor) {
		double d = ((double)first_tsc - (double)h->anchor_tsc) /
			   (h->mhz * 1e6);
		double start = h->anchor_wall + d;
		if (fabs(start - h->enable_wall) < ANCHOR_SANITY_S) {
			snprintf(source, n, "dom0's TSC read against the wall "
				 "clock when tracing started (within %.1f us)",
				 h->anchor_err * 1e6);
			return start;
		}
	}
	snprintf(source, n, "the moment tracing was enabled (dom0's TSC %s)",
		 h->have_anchor ? "does not match the records'" : "is not readable");
	return h->enable_wall;
}

int xenhost_event_fd(const struct xenhost *h)
{
	return h->xce ? xenevtchn_fd(h->xce) : -1;
}

void xenhost_event_ack(struct xenhost *h)
{
	xenevtchn_port_or_error_t port = xenevtchn_pending(h->xce);
	if (port >= 0)
		xenevtchn_unmask(h->xce, (evtchn_port_t)port);
}

int xenhost_open(struct xenhost *h)
{
	pid_t pid = find_process("xentrace");
	if (pid)
		return fail(h, "xentrace (pid %ld) is consuming "
			    "Xen's trace buffers: stop it first; only "
			    "one trace consumer can run at a time",
			    (long)pid);
	if (open_handles(h) < 0 || read_facts(h) < 0 || setup_buffers(h) < 0)
		return -1;
	return 0;
}

void xenhost_close(struct xenhost *h)
{
	xenhost_disable(h);
	for (unsigned c = 0; h->cpus && c < h->ncpus; c++)
		if (h->cpus[c].map)
			xenforeignmemory_unmap(h->fmem, h->cpus[c].map,
					       h->cpus[c].pages);
	if (h->tinfo)
		xenforeignmemory_unmap(h->fmem, h->tinfo, h->tinfo_pages);
	free(h->cpus);
	free(h->snap);
	if (h->xce)
		xenevtchn_close(h->xce);
	if (h->fmem)
		xenforeignmemory_close(h->fmem);
	if (h->xch)
		xc_interface_close(h->xch);
	if (h->log)
		xtl_logger_destroy((xentoollog_logger *)h->log);
}
