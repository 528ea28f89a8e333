/*
 * Reading a xentrace byte stream (a file or a pipe) into one FIFO of
 * records per physical CPU.
 *
 * The input is a sequence of windows (see trace.h).  Each window's bytes are
 * appended to its CPU's FIFO, so a CPU's records form one contiguous,
 * time-ordered byte sequence however xentrace cut it into windows, and a
 * record may even straddle two windows.  The FIFOs are what the merge
 * consumes.  Every byte keeps its input offset, so an error names where it
 * is in the file.
 */
#ifndef XENMON_INPUT_H
#define XENMON_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct seg {
	uint64_t pos;        /* FIFO position of the window's first byte */
	uint64_t off;        /* its offset in the input */
};

struct cpu_fifo {
	uint8_t *buf;
	uint64_t base;       /* FIFO position of buf[0] */
	uint64_t tail;       /* FIFO position one past the last byte */
	uint64_t head;       /* consumer's position */
	size_t cap;
	struct seg *segs;    /* windows not yet fully consumed, in order */
	size_t nsegs, segs_cap, seg0;
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

/* Read and distribute one chunk.  1: progress, 0: end of input, -1: bad
 * input (in->err says what and where; what came before stays usable). */
int input_fill(struct input *in);

/* Bytes of CPU's FIFO from its head, and how many there are. */
static inline const uint8_t *input_peek(const struct input *in, unsigned cpu,
					uint64_t pos, uint64_t *avail)
{
	const struct cpu_fifo *f = &in->cpus[cpu];
	*avail = f->tail - pos;
	return f->buf ? f->buf + (pos - f->base) : NULL;  /* only empty windows */
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
