/*
 * Reading a xentrace byte stream (a file or a pipe) into one FIFO of
 * records per physical CPU.
 *
 * The input is a sequence of windows (see trace.h).  Each window's bytes are
 * appended to its CPU's FIFO, so a CPU's records form one time-ordered byte
 * sequence however xentrace cut it into windows, and a record may even
 * straddle two windows.  The FIFOs are what the merge consumes.  Every byte
 * keeps its input offset, so an error names where it is in the file.
 *
 * A regular file named by its path is mapped into memory and its FIFOs
 * only point at the windows in the mapping, which saves copying every byte
 * twice (read(), then into the FIFO); a stream is read and copied.  Either
 * way input_peek gives the bytes from a position on, contiguous.
 */
#ifndef XENMON_INPUT_H
#define XENMON_INPUT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

struct seg {
	uint64_t pos;        /* FIFO position of the window's first byte */
	uint64_t off;        /* its offset in the input */
	const uint8_t *p;    /* a mapped input's FIFO: where its bytes are */
	bool owned;          /* p was allocated (a file that grew), free it */
};

struct cpu_fifo {
	uint8_t *buf;        /* copied input: bytes [base, tail) */
	uint64_t base;       /* FIFO position of buf[0] */
	uint64_t tail;       /* FIFO position one past the last byte */
	uint64_t head;       /* consumer's position */
	size_t cap;
	struct seg *segs;    /* windows not yet fully consumed, in order */
	size_t nsegs, segs_cap, seg0;
	/* What input_peek serves without searching: [span_pos, span_end)
	 * at span_p. */
	const uint8_t *span_p;
	uint64_t span_pos, span_end;
	/* A record of a mapped input split between two windows, copied
	 * whole. */
	uint8_t stitch[TRACE_MAX_RECORD];
	bool present;
};

struct input;

/*
 * A source other than a file descriptor (live trace buffers): called when
 * the merge needs more records; it appends what it has with input_append.
 * Returns 1 (maybe appended something), 0 (no more, ever) or -1 (failed,
 * with in->err set).  It may block a little while to wait for data.
 */
typedef int (*input_pull_fn)(struct input *in, void *ctx);

struct input {
	int fd;
	const char *name;
	input_pull_fn pull;
	void *pull_ctx;
	bool eof;
	bool seekable;
	uint64_t off;              /* input offset of the next byte to parse */
	uint64_t size;             /* file size, 0 for a stream */
	const uint8_t *map;        /* the file mapped, or NULL (read and copy) */
	uint64_t map_size;
	uint64_t map_released;     /* bytes of it given back to the kernel */
	uint64_t map_next_release; /* input offset of the next release */

	/* Window parser state. */
	uint8_t hdr[20];
	unsigned hdr_have, hdr_need;
	uint32_t win_cpu;
	uint64_t win_left, win_off;

	struct cpu_fifo *cpus;
	unsigned ncpus;            /* array size: highest CPU + 1 */
	unsigned new_cpus;         /* CPUs seen since the caller last looked */
	uint64_t buffered;         /* unconsumed bytes over all FIFOs */
	uint64_t windows;

	uint8_t *chunk;
	size_t chunk_size;
	char err[320];             /* set when the input is bad */
};

/* Open NAME ("-" for standard input). */
int input_open(struct input *in, const char *name, char *err, size_t errlen);

/* An input fed by PULL instead of a file; NAME names it in messages. */
int input_open_pull(struct input *in, const char *name, input_pull_fn pull,
		    void *ctx);

/* Append N bytes of CPU's records (a live source; OFF is what messages
 * call their offset).  -1 on a bad CPU number or no memory (in->err). */
int input_append(struct input *in, unsigned cpu, const void *p, size_t n,
		 uint64_t off);
void input_close(struct input *in);

/*
 * A mapped file cut shorter while it is read faults (SIGBUS) on the pages
 * past its new end.  After input_guard_begin, such a fault in IN's mapping
 * jumps to ENV (set by sigsetjmp with the signal mask saved); a fault
 * anywhere else keeps its default action.  input_guard_end puts the
 * previous handler back and, after a fault, sets in->err to say where the
 * file was cut.  For the thread that reads the input, one input at a time.
 */
void input_guard_begin(struct input *in, sigjmp_buf *env);
void input_guard_end(void);

/* Read and distribute one chunk.  1: progress, 0: end of input, -1: bad
 * input (in->err says what and where; what came before stays usable). */
int input_fill(struct input *in);

/* input_peek off its fast path: finds the window, joins a split record. */
const uint8_t *input_peek_slow(struct input *in, unsigned cpu, uint64_t pos,
			       uint64_t *avail);

/*
 * The bytes of CPU's FIFO from position POS (not before its head), and how
 * many are contiguous there: all that are buffered for a copied input; up
 * to the end of the window for a mapped one, where a record cut by the
 * window's end is given whole on its own (or cut short if the rest has not
 * arrived).  So a record that does not fit in *AVAIL bytes after the first
 * is to be peeked again from its own position; one that does not fit at
 * POS itself is incomplete.  The pointer stays valid until the next peek
 * of this CPU or the next input_fill.
 */
static inline const uint8_t *input_peek(struct input *in, unsigned cpu,
					uint64_t pos, uint64_t *avail)
{
	struct cpu_fifo *f = &in->cpus[cpu];
	/* Most peeks land well inside the span served last. */
	if (pos >= f->span_pos && pos + TRACE_MAX_RECORD <= f->span_end) {
		*avail = f->span_end - pos;
		return f->span_p + (pos - f->span_pos);
	}
	return input_peek_slow(in, cpu, pos, avail);
}

/* Mark CPU's FIFO consumed up to POS. */
void input_consume(struct input *in, unsigned cpu, uint64_t pos);

/* Input offset of FIFO position POS of CPU. */
uint64_t input_offset_of(const struct input *in, unsigned cpu, uint64_t pos);

/* Feed N bytes of a xentrace stream (windows and all), as read() would;
 * for tests and the fuzzer.  -1 when the bytes are bad (in->err). */
int input_feed(struct input *in, const void *p, size_t n);

/* The check at the end of input: a window or record cut short. */
int input_check_complete(struct input *in);

#endif
