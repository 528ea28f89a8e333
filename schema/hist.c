/*
 * Packed histograms (hist.h): the codec, and the SQL functions the daemon
 * merges them with.
 *
 * Merging in C, not in SQL: the JSON histograms were merged with
 * json_each and json_group_object, which read and rewrote an hour row's
 * text for every minute added to it; decoding two short BLOBs into
 * sorted arrays and writing the sum back is a few microseconds.
 */
#include "hist.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static size_t put_varint(unsigned char *out, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		out[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (unsigned char)v;
	return n;
}

static size_t varints(const struct hist_bin *bins, size_t nbins,
		      unsigned char *out)
{
	size_t len = 0;
	uint64_t next = 0;   /* the bin the decoder is at */
	for (size_t i = 0; i < nbins; i++) {
		if (bins[i].bin > next)
			len += put_varint(out + len,
					  (uint64_t)(bins[i].bin - next) * 2 + 1);
		len += put_varint(out + len, bins[i].n * 2);
		next = (uint64_t)bins[i].bin + 1;
	}
	return len;
}

/* The bytes BINS take in unary, or SIZE_MAX when more than LIMIT. */
static size_t unary_bytes(const struct hist_bin *bins, size_t nbins,
			  size_t limit)
{
	uint64_t bits = nbins ? bins[nbins - 1].bin : 0;
	for (size_t i = 0; i < nbins && bits / 8 < limit; i++)
		bits += bins[i].n;
	return bits / 8 >= limit ? SIZE_MAX : 1 + (size_t)((bits + 7) / 8);
}

static size_t unary(const struct hist_bin *bins, size_t nbins,
		    unsigned char *out, size_t len)
{
	memset(out, 0, len);
	uint64_t bit = 8;          /* past the leading 0 byte */
	uint32_t at = 0;           /* the bin the bits are in */
	for (size_t i = 0; i < nbins; i++) {
		bit += bins[i].bin - at;   /* 0s: on to the bin */
		at = bins[i].bin;
		for (uint64_t k = 0; k < bins[i].n; k++, bit++)
			out[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
	}
	return len;
}

size_t hist_encode(const struct hist_bin *bins, size_t nbins,
		   unsigned char *out)
{
	size_t len = varints(bins, nbins, out);
	size_t u = unary_bytes(bins, nbins, len);
	return u < len ? unary(bins, nbins, out, u) : len;
}

/* The varint at P[*I..LEN), or -1 when cut short or over 64 bits. */
static int get_varint(const unsigned char *p, size_t len, size_t *i,
		      uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; *i < len && shift < 64; shift += 7) {
		unsigned char b = p[(*i)++];
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80)
			return 0;
	}
	return -1;
}

/* A histogram in unary (hist.h): the bits after the leading 0 byte. */
static int unary_each(const unsigned char *p, size_t len, hist_fn *fn,
		      void *ctx)
{
	uint64_t bin = 0, n = 0;
	if (len < 2)
		return -1;      /* no second: not how hist_encode() writes it */
	for (uint64_t bit = 8; bit < (uint64_t)len * 8; bit++) {
		if (p[bit / 8] & (0x80 >> (bit % 8))) {
			n++;
			continue;
		}
		if (n) {
			int rc = fn(ctx, (uint32_t)bin, n);
			if (rc)
				return rc;
			n = 0;
		}
		if (++bin > UINT32_MAX)
			return -1;
	}
	return n ? fn(ctx, (uint32_t)bin, n) : 0;
}

int hist_each(const unsigned char *p, size_t len, hist_fn *fn, void *ctx)
{
	uint64_t bin = 0, v;
	if (len && p[0] == 0)
		return unary_each(p, len, fn, ctx);
	for (size_t i = 0; i < len;) {
		if (get_varint(p, len, &i, &v) < 0)
			return -1;
		if (v & 1) {
			bin += v >> 1;   /* a bin past 2^32 fails below */
			if (bin > UINT32_MAX)
				return -1;
		} else {
			if (bin > UINT32_MAX || v == 0)
				return -1;
			int rc = fn(ctx, (uint32_t)bin, v >> 1);
			if (rc)
				return rc;
			bin++;
		}
	}
	return 0;
}

/* A growing array of bins. */
struct bins {
	struct hist_bin *v;
	size_t n, cap;
};

static int push(void *ctx, uint32_t bin, uint64_t n)
{
	struct bins *b = ctx;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct hist_bin *v = realloc(b->v, cap * sizeof *v);
		if (!v)
			return SQLITE_NOMEM;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = (struct hist_bin){ bin, n };
	return 0;
}

static int by_bin(const void *x, const void *y)
{
	const struct hist_bin *a = x, *b = y;
	return (a->bin > b->bin) - (a->bin < b->bin);
}

/* Sort B and add up the counts of a bin given more than once. */
static void normalise(struct bins *b)
{
	size_t k = 0;
	if (!b->n)
		return;     /* qsort() wants an array, even of none */
	qsort(b->v, b->n, sizeof *b->v, by_bin);
	for (size_t i = 0; i < b->n; i++) {
		if (!b->v[i].n)
			continue;
		if (k && b->v[k - 1].bin == b->v[i].bin)
			b->v[k - 1].n += b->v[i].n;
		else
			b->v[k++] = b->v[i];
	}
	b->n = k;
}

/* B packed as the function's result; B freed. */
static void result(sqlite3_context *cx, struct bins *b)
{
	normalise(b);
	unsigned char *out = sqlite3_malloc64(HIST_MAX_BYTES(b->n) + 1);
	if (!out) {
		sqlite3_result_error_nomem(cx);
	} else {
		size_t len = hist_encode(b->v, b->n, out);
		sqlite3_result_blob64(cx, out, len, sqlite3_free);
	}
	free(b->v);
	*b = (struct bins){ 0 };
}

/* {"12":30,"13":25}, as version 2 wrote it: the numbers in pairs, added
 * to B.  0, SQLITE_NOMEM, or SQLITE_MISMATCH for a bin out of range. */
static int add_json(const char *h, struct bins *b)
{
	bool key = true;
	unsigned long long bin = 0;
	while (h && *h) {
		if (*h < '0' || *h > '9') {
			h++;
			continue;
		}
		char *end;
		unsigned long long v = strtoull(h, &end, 10);
		h = end;
		if (key && v > UINT32_MAX)
			return SQLITE_MISMATCH;
		if (key)
			bin = v;
		else if (push(b, (uint32_t)bin, v))
			return SQLITE_NOMEM;
		key = !key;
	}
	return 0;
}

/* A histogram argument's bins added to B: packed, or the JSON text of a
 * row not packed yet (rollup.c packs them after the migration); 0, or an
 * error set on CX. */
static int add_arg(sqlite3_context *cx, sqlite3_value *v, struct bins *b)
{
	int rc;
	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		return 0;
	case SQLITE_TEXT:
		rc = add_json((const char *)sqlite3_value_text(v), b);
		break;
	default:
		rc = hist_each(sqlite3_value_blob(v),
			       (size_t)sqlite3_value_bytes(v), push, b);
	}
	if (rc == SQLITE_NOMEM)
		sqlite3_result_error_nomem(cx);
	else if (rc)
		sqlite3_result_error(cx, "xenmon: not a histogram", -1);
	return rc;
}

static void merge_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct bins b = { 0 };
	for (int i = 0; i < argc; i++) {
		if (add_arg(cx, argv[i], &b)) {
			free(b.v);
			return;
		}
	}
	result(cx, &b);
}

static void group_step(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct bins *b = sqlite3_aggregate_context(cx, sizeof *b);
	sqlite3_int64 bin = sqlite3_value_int64(argv[0]);
	sqlite3_int64 n = sqlite3_value_int64(argv[1]);
	if (!b) {
		sqlite3_result_error_nomem(cx);
	} else if (bin < 0 || bin > UINT32_MAX || n < 0) {
		sqlite3_result_error(cx, "xenmon: histogram bin out of range", -1);
	} else if (push(b, (uint32_t)bin, (uint64_t)n)) {
		sqlite3_result_error_nomem(cx);
	}
}

/* The aggregate of histograms: each row's bins added to the context's. */
static void sum_step(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct bins *b = sqlite3_aggregate_context(cx, sizeof *b);
	if (!b)
		sqlite3_result_error_nomem(cx);
	else
		add_arg(cx, argv[0], b);
}

static void group_final(sqlite3_context *cx)
{
	struct bins *b = sqlite3_aggregate_context(cx, sizeof *b);
	if (!b)
		sqlite3_result_error_nomem(cx);
	else
		result(cx, b);
}

int hist_register(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY;
	int rc = sqlite3_create_function(db, "xenmon_hist_merge", 2, flags,
					 NULL, merge_fn, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "xenmon_hist_group", 2, flags,
					     NULL, NULL, group_step, group_final);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "xenmon_hist_pack", 1, flags,
					     NULL, merge_fn, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "xenmon_hist_sum", 1, flags,
					     NULL, NULL, sum_step, group_final);
	return rc;
}
