/*
 * Window parsing and the per-CPU FIFOs.
 *
 * A copied input's FIFO is one growable buffer holding [base, tail) of its
 * CPU's byte sequence; the consumer's head moves forward, and the consumed
 * prefix is dropped (memmove) when it is worth it, so memory stays near
 * what is buffered ahead, not what was read.  Each window appended is
 * remembered as a (FIFO position, input offset) pair until it is consumed,
 * to turn a position back into a byte offset of the input for error
 * messages.
 *
 * A mapped input's FIFO holds no bytes: the same list of windows says
 * where each one's bytes are in the mapping.  The mapping is walked 1 MiB
 * per input_fill, exactly as read() would return the file, so that the
 * merge sees the same FIFOs at the same moments either way.  Mapped pages
 * count as resident once touched, so those every FIFO is past are given
 * back now and then (MADV_DONTNEED: the file's pages stay in the page
 * cache, and would simply be mapped again if touched).  A file that grows
 * while it is replayed is read and copied past the size it had at open;
 * one cut shorter faults (SIGBUS) past its new end, as any mapped file
 * does: the reader catches that (input_guard_begin) and stops there.
 */
#include "input.h"
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_SIZE (1u << 20)
/* How often a mapped input gives back the pages every FIFO is past. */
#define RELEASE_EVERY (8u << 20)
#define PREFETCH_BYTES 8192u

/* Map a regular file named by its path (standard input keeps reading, as
 * it would from a pipe).  Without a mapping the input is read instead. */
static void map_file(struct input *in, bool named)
{
	if (!named || in->size == 0 || in->size > SIZE_MAX)
		return;
	void *p = mmap(NULL, (size_t)in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
	if (p == MAP_FAILED)
		return;
	madvise(p, (size_t)in->size, MADV_SEQUENTIAL);
	in->map = p;
	in->map_size = in->size;
	in->map_next_release = RELEASE_EVERY;
}

int input_open(struct input *in, const char *name, char *err, size_t errlen)
{
	struct stat st;

	memset(in, 0, sizeof *in);
	in->name = strcmp(name, "-") == 0 ? "standard input" : name;
	in->fd = strcmp(name, "-") == 0 ? 0 : open(name, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0) {
		snprintf(err, errlen, "%s: cannot open trace: %s", name, strerror(errno));
		return -1;
	}
	/* Standard input is a stream even when redirected from a file: the
	 * head scan reopens a seekable input by name, which for "-" would
	 * read (and consume) the same descriptor. */
	if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode) && in->fd != 0) {
		in->seekable = true;
		in->size = (uint64_t)st.st_size;
		map_file(in, true);
	} else if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a trace file", name);
		close(in->fd);
		return -1;
	}
	in->chunk_size = CHUNK_SIZE;
	in->chunk = malloc(in->chunk_size);
	if (!in->chunk) {
		snprintf(err, errlen, "%s: out of memory", name);
		input_close(in);
		return -1;
	}
	return 0;
}

int input_open_pull(struct input *in, const char *name, input_pull_fn pull,
		    void *ctx)
{
	memset(in, 0, sizeof *in);
	in->fd = -1;
	in->name = name;
	in->pull = pull;
	in->pull_ctx = ctx;
	return 0;
}

/* The mapping a fault may be caught in, where to go, and where it was. */
static struct {
	struct input *in;
	sigjmp_buf *env;
	struct sigaction old;
	volatile sig_atomic_t faulted;
	uint64_t at;
} guard;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	const struct input *in = guard.in;
	const uint8_t *p = si->si_addr;
	if (!in || p < in->map || p >= in->map + in->map_size) {
		/* Not ours: returning faults again, with the default action. */
		signal(sig, SIG_DFL);
		return;
	}
	guard.at = (uint64_t)(p - in->map);
	guard.faulted = 1;
	siglongjmp(*guard.env, 1);
}

void input_guard_begin(struct input *in, sigjmp_buf *env)
{
	if (!in->map)
		return;
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	guard.in = in;
	guard.env = env;
	guard.faulted = 0;
	if (sigaction(SIGBUS, &sa, &guard.old) < 0)
		guard.in = NULL;
}

void input_guard_end(void)
{
	struct input *in = guard.in;
	if (!in)
		return;
	sigaction(SIGBUS, &guard.old, NULL);
	if (guard.faulted) {
		struct stat st;
		long long now = fstat(in->fd, &st) == 0 ? (long long)st.st_size : -1;
		snprintf(in->err, sizeof in->err, "%s: the file was cut to %lld "
			 "bytes while it was replayed: byte %" PRIu64 " of it "
			 "is gone", in->name, now, guard.at);
	}
	guard.in = NULL;
	guard.env = NULL;
}

void input_close(struct input *in)
{
	if (in->fd > 0)
		close(in->fd);
	if (in->map)
		munmap((void *)in->map, (size_t)in->map_size);
	for (unsigned i = 0; i < in->ncpus; i++) {
		struct cpu_fifo *f = &in->cpus[i];
		for (size_t k = f->seg0; k < f->nsegs; k++)
			if (f->segs[k].owned)
				free((void *)f->segs[k].p);
		free(f->buf);
		free(f->segs);
	}
	free(in->cpus);
	free(in->chunk);
	memset(in, 0, sizeof *in);
	in->fd = -1;
}

static int bad(struct input *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct input *in, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(in->err, sizeof in->err, "%s: ", in->name);
	va_start(ap, fmt);
	vsnprintf(in->err + n, sizeof in->err - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static struct cpu_fifo *fifo_get(struct input *in, uint32_t cpu)
{
	if (cpu >= in->ncpus) {
		unsigned n = in->ncpus ? in->ncpus : 8;
		while (n <= cpu)
			n *= 2;
		struct cpu_fifo *c = realloc(in->cpus, n * sizeof *c);
		if (!c)
			return NULL;
		memset(c + in->ncpus, 0, (n - in->ncpus) * sizeof *c);
		in->cpus = c;
		in->ncpus = n;
	}
	struct cpu_fifo *f = &in->cpus[cpu];
	if (!f->present) {
		f->present = true;
		in->new_cpus++;
	}
	return f;
}

static void segs_prune(struct cpu_fifo *f)
{
	while (f->nsegs - f->seg0 > 1 && f->segs[f->seg0 + 1].pos <= f->head) {
		if (f->segs[f->seg0].owned)
			free((void *)f->segs[f->seg0].p);
		f->seg0++;
	}
	if (f->seg0 > 64 && f->seg0 * 2 > f->nsegs) {
		memmove(f->segs, f->segs + f->seg0,
			(f->nsegs - f->seg0) * sizeof *f->segs);
		f->nsegs -= f->seg0;
		f->seg0 = 0;
	}
}

static int seg_push(struct cpu_fifo *f, uint64_t off)
{
	segs_prune(f);
	if (f->nsegs == f->segs_cap) {
		size_t n = f->segs_cap ? f->segs_cap * 2 : 16;
		struct seg *s = realloc(f->segs, n * sizeof *s);
		if (!s)
			return -1;
		f->segs = s;
		f->segs_cap = n;
	}
	f->segs[f->nsegs++] = (struct seg){ .pos = f->tail, .off = off };
	return 0;
}

/* A window's bytes in the mapping: the window's segment points at them,
 * or, for the rest of a window cut by the end of a chunk, grows. */
static int fifo_borrow(struct cpu_fifo *f, const uint8_t *p, size_t n)
{
	struct seg *s = &f->segs[f->nsegs - 1];
	if (s->pos == f->tail && !s->p)
		s->p = p;
	else if (s->owned || s->p + (f->tail - s->pos) != p)
		return -1;  /* cannot happen: the window is one piece of the map */
	f->tail += n;
	return 0;
}

/* A mapped input's bytes from past the mapping (a file that grew): a copy
 * of them becomes a segment of its own. */
static int fifo_append_owned(struct cpu_fifo *f, const uint8_t *p, size_t n,
			     uint64_t off)
{
	uint8_t *q = malloc(n ? n : 1);
	if (!q)
		return -1;
	memcpy(q, p, n);
	struct seg *s = &f->segs[f->nsegs - 1];
	if (s->pos != f->tail || s->p) {
		if (seg_push(f, off) < 0) {
			free(q);
			return -1;
		}
		s = &f->segs[f->nsegs - 1];
	}
	s->p = q;
	s->owned = true;
	f->tail += n;
	return 0;
}

static int fifo_append(struct cpu_fifo *f, const uint8_t *p, size_t n)
{
	size_t used = (size_t)(f->tail - f->base);
	size_t dead = (size_t)(f->head - f->base);
	/* Drop the consumed prefix when it is in the way or half the buffer
	 * (the live part is small then: the move is cheap). */
	if (dead && (used + n > f->cap || dead >= f->cap / 2)) {
		memmove(f->buf, f->buf + dead, used - dead);
		f->base = f->head;
		used -= dead;
	}
	/* Grow to fit, or give back what a burst (the look-ahead at start)
	 * left allocated. */
	if (used + n > f->cap || (f->cap > 256 * 1024 && (used + n) * 8 < f->cap)) {
		size_t cap = 64 * 1024;
		while (cap < 2 * (used + n))
			cap *= 2;
		uint8_t *b = realloc(f->buf, cap);
		if (!b)
			return -1;
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + used, p, n);
	f->tail += n;
	f->span_p = f->buf;
	f->span_pos = f->base;
	f->span_end = f->tail;
	return 0;
}

void input_consume(struct input *in, unsigned cpu, uint64_t pos)
{
	struct cpu_fifo *f = &in->cpus[cpu];
	in->buffered -= pos - f->head;
	f->head = pos;
}

/* The segment holding FIFO position POS of a mapped input (POS < tail). */
static size_t seg_of(const struct cpu_fifo *f, uint64_t pos)
{
	size_t i = f->seg0;
	while (i + 1 < f->nsegs && f->segs[i + 1].pos <= pos)
		i++;
	return i;
}

static uint64_t seg_end(const struct cpu_fifo *f, size_t i)
{
	return i + 1 < f->nsegs ? f->segs[i + 1].pos : f->tail;
}

/* Copy up to N bytes of a mapped input's FIFO from POS on, across
 * windows; returns how many there were. */
static size_t gather(const struct cpu_fifo *f, uint64_t pos, uint8_t *out,
		     size_t n)
{
	size_t got = 0;
	for (size_t i = seg_of(f, pos); got < n && i < f->nsegs; i++) {
		uint64_t end = seg_end(f, i);
		if (pos >= end)
			continue;
		size_t k = end - pos < n - got ? (size_t)(end - pos) : n - got;
		memcpy(out + got, f->segs[i].p + (pos - f->segs[i].pos), k);
		got += k;
		pos += k;
	}
	return got;
}

/*
 * A window of a mapped input comes straight from the page cache, not from
 * a buffer just written: ask for its first few KiB (a typical window) at
 * once rather than miss the cache record after record.
 */
static void prefetch_window(const uint8_t *p, uint64_t n)
{
	for (uint64_t k = 0; k < n && k < PREFETCH_BYTES; k += 64)
		__builtin_prefetch(p + k);
}

const uint8_t *input_peek_slow(struct input *in, unsigned cpu, uint64_t pos,
			       uint64_t *avail)
{
	struct cpu_fifo *f = &in->cpus[cpu];
	if (!in->map) {
		*avail = f->tail - pos;
		return f->buf ? f->buf + (pos - f->base) : NULL;  /* only empty windows */
	}
	if (pos >= f->tail) {
		*avail = 0;
		return f->stitch;
	}
	size_t i = seg_of(f, pos);
	const struct seg *s = &f->segs[i];
	uint64_t end = seg_end(f, i);
	const uint8_t *p = s->p + (pos - s->pos);
	uint64_t left = end - pos;
	if (i + 1 == f->nsegs || left >= TRACE_MAX_RECORD ||
	    (left >= 4 && left >= trace_rec_size(trace_load32(p)))) {
		f->span_p = s->p;
		f->span_pos = s->pos;
		f->span_end = end;
		*avail = left;
		prefetch_window(p, left);
		return p;
	}
	/* The record at POS goes on in the next window: copy it whole. */
	size_t got = gather(f, pos, f->stitch, TRACE_MAX_RECORD);
	size_t size = got >= 4 ? trace_rec_size(trace_load32(f->stitch)) : 4;
	*avail = got < size ? got : size;
	return f->stitch;
}

uint64_t input_offset_of(const struct input *in, unsigned cpu, uint64_t pos)
{
	const struct cpu_fifo *f = &in->cpus[cpu];
	size_t i = f->nsegs;
	while (i > f->seg0 + 1 && f->segs[i - 1].pos > pos)
		i--;
	if (i == 0)
		return 0;
	return f->segs[i - 1].off + (pos - f->segs[i - 1].pos);
}

/* Window header complete in in->hdr: start the window. */
static int window_begin(struct input *in)
{
	unsigned extra = TRACE_HDR_HAS_TSC(trace_load32(in->hdr)) ? 8 : 0;
	uint32_t cpu = trace_load32(in->hdr + 4 + extra);
	uint32_t size = trace_load32(in->hdr + 8 + extra);

	if (cpu >= TRACE_MAX_CPUS)
		return bad(in, "byte %" PRIu64 ": window header names CPU %" PRIu32
			   ", more than any Xen host has: the trace is corrupt",
			   in->win_off, cpu);
	if (size % 4 != 0 || size > TRACE_MAX_WINDOW)
		return bad(in, "byte %" PRIu64 ": window of CPU %" PRIu32
			   " declares %" PRIu32 " bytes, which no trace buffer "
			   "holds: the trace is corrupt", in->win_off, cpu, size);
	struct cpu_fifo *f = fifo_get(in, cpu);
	if (!f || seg_push(f, in->win_off + in->hdr_need) < 0)
		return bad(in, "out of memory");
	in->win_cpu = cpu;
	in->win_left = size;
	in->windows++;
	in->hdr_have = 0;
	return 0;
}

/* Feed header bytes; returns bytes used or -1. */
static long header_feed(struct input *in, const uint8_t *p, size_t n)
{
	size_t used = 0;
	if (in->hdr_have == 0) {
		in->win_off = in->off;
		in->hdr_need = 4;
	}
	while (used < n && in->hdr_have < in->hdr_need) {
		in->hdr[in->hdr_have++] = p[used++];
		if (in->hdr_have == 4) {
			uint32_t h = trace_load32(in->hdr);
			if (TRACE_HDR_EVENT(h) != TRC_TRACE_CPU_CHANGE ||
			    TRACE_HDR_NWORDS(h) != 2)
				return bad(in, "byte %" PRIu64 ": expected a CPU "
					   "window header (TRC_TRACE_CPU_CHANGE, "
					   "0x%08x), found 0x%08" PRIx32
					   ": not a xentrace file, or corrupt here",
					   in->win_off, TRACE_WINDOW_HDR, h);
			in->hdr_need = 12 + (TRACE_HDR_HAS_TSC(h) ? 8 : 0);
		}
	}
	in->off += used;
	if (in->hdr_have == in->hdr_need && window_begin(in) < 0)
		return -1;
	return (long)used;
}

/* Give N bytes of the current window to its CPU's FIFO.  BORROWED: they
 * are in the mapping, and stay there. */
static int fifo_put(struct input *in, const uint8_t *p, size_t n, bool borrowed)
{
	struct cpu_fifo *f = &in->cpus[in->win_cpu];
	if (!in->map)
		return fifo_append(f, p, n);
	if (borrowed)
		return fifo_borrow(f, p, n);
	return fifo_append_owned(f, p, n, in->off);
}

static int distribute(struct input *in, const uint8_t *p, size_t n,
		      bool borrowed)
{
	while (n) {
		if (in->win_left == 0) {
			long used = header_feed(in, p, n);
			if (used < 0)
				return -1;
			p += used;
			n -= (size_t)used;
			continue;
		}
		size_t m = in->win_left < n ? (size_t)in->win_left : n;
		if (fifo_put(in, p, m, borrowed) < 0)
			return bad(in, "out of memory");
		in->buffered += m;
		in->win_left -= m;
		in->off += m;
		p += m;
		n -= m;
	}
	return 0;
}

int input_append(struct input *in, unsigned cpu, const void *p, size_t n,
		 uint64_t off)
{
	if (cpu >= TRACE_MAX_CPUS)
		return bad(in, "CPU %u is more than any Xen host has", cpu);
	struct cpu_fifo *f = fifo_get(in, cpu);
	if (!f || seg_push(f, off) < 0 || fifo_append(f, p, n) < 0)
		return bad(in, "out of memory");
	in->buffered += n;
	return 0;
}

int input_feed(struct input *in, const void *p, size_t n)
{
	if (in->err[0])
		return -1;
	return distribute(in, p, n, false);
}

int input_check_complete(struct input *in)
{
	if (in->win_left)
		return bad(in, "truncated at byte %" PRIu64 ": the window of CPU %"
			   PRIu32 " that starts at byte %" PRIu64 " lacks its last %"
			   PRIu64 " bytes", in->off, in->win_cpu, in->win_off,
			   in->win_left);
	if (in->hdr_have)
		return bad(in, "truncated at byte %" PRIu64 ": window header cut "
			   "after %u of its %u bytes", in->off, in->hdr_have,
			   in->hdr_need);
	return 0;
}

/* Give back the mapped pages before the first byte any FIFO still holds. */
static void map_release(struct input *in)
{
	uint64_t low = in->off;
	for (unsigned i = 0; i < in->ncpus; i++) {
		const struct cpu_fifo *f = &in->cpus[i];
		if (f->present && f->head < f->tail) {
			uint64_t o = input_offset_of(in, i, f->head);
			if (o < low)
				low = o;
		}
	}
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	low -= low % page;
	if (low > in->map_released) {
		madvise((void *)(in->map + in->map_released),
			(size_t)(low - in->map_released), MADV_DONTNEED);
		in->map_released = low;
	}
	in->map_next_release = in->off + RELEASE_EVERY;
}

/* The next chunk of the mapping, as read() would have returned it. */
static int fill_from_map(struct input *in)
{
	uint64_t n = in->map_size - in->off;
	if (n > in->chunk_size)
		n = in->chunk_size;
	if (distribute(in, in->map + in->off, (size_t)n, true) < 0)
		return -1;
	if (in->off >= in->map_next_release)
		map_release(in);
	return 1;
}

int input_fill(struct input *in)
{
	ssize_t n;

	if (in->eof || in->err[0])
		return in->err[0] ? -1 : 0;
	if (in->pull) {
		int rc = in->pull(in, in->pull_ctx);
		if (rc == 0)
			in->eof = true;
		return rc;
	}
	if (in->map && in->off < in->map_size)
		return fill_from_map(in);
	/* Past a mapping, where it ended (the file grew since). */
	if (in->map)
		n = pread(in->fd, in->chunk, in->chunk_size, (off_t)in->off);
	else
		n = read(in->fd, in->chunk, in->chunk_size);
	if (n < 0 && errno == EINTR)
		return 1;  /* let the caller look at its stop flag */
	if (n < 0)
		return bad(in, "read error at byte %" PRIu64 ": %s", in->off,
			   strerror(errno));
	if (n == 0) {
		in->eof = true;
		return input_check_complete(in) < 0 ? -1 : 0;
	}
	return distribute(in, in->chunk, (size_t)n, false) < 0 ? -1 : 1;
}
