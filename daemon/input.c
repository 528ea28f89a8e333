/*
 * Window parsing and the per-CPU FIFOs.
 *
 * A FIFO is one growable buffer holding [base, tail) of its CPU's byte
 * sequence; the consumer's head moves forward, and the consumed prefix is
 * dropped (memmove) when it is worth it, so memory stays near what is
 * buffered ahead, not what was read.  Each window appended is remembered as
 * a (FIFO position, input offset) pair until it is consumed, to turn a
 * position back into a byte offset of the input for error messages.
 */
#include "input.h"
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_SIZE (1u << 20)

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
	if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		in->seekable = true;
		in->size = (uint64_t)st.st_size;
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

void input_close(struct input *in)
{
	if (in->fd > 0)
		close(in->fd);
	for (unsigned i = 0; i < in->ncpus; i++) {
		free(in->cpus[i].buf);
		free(in->cpus[i].segs);
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
	while (f->nsegs - f->seg0 > 1 && f->segs[f->seg0 + 1].pos <= f->head)
		f->seg0++;
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
	return 0;
}

void input_consume(struct input *in, unsigned cpu, uint64_t pos)
{
	struct cpu_fifo *f = &in->cpus[cpu];
	in->buffered -= pos - f->head;
	f->head = pos;
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

static int distribute(struct input *in, const uint8_t *p, size_t n)
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
		if (fifo_append(&in->cpus[in->win_cpu], p, m) < 0)
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
	return distribute(in, p, n);
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
	return distribute(in, in->chunk, (size_t)n) < 0 ? -1 : 1;
}
