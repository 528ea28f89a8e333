/*
 * Packed columns of per-domain seconds: the layout is in packed.h.
 */
#include "packed.h"

static int width(uint64_t x)
{
	int w = 0;
	for (; x; x >>= 8)
		w++;
	return w;
}

static void put_be(unsigned char *out, uint64_t x, int w)
{
	for (int k = w; k--; x >>= 8)
		out[k] = (unsigned char)(x & 0xff);
}

/* A figure past what a packed column holds is kept at its bound: no real
 * figure comes near (2^62 ns is 146 years), and a second refused would
 * stop the recording. */
static int64_t clamp(int64_t v)
{
	return v < 0 ? 0 : v > PACKED_MAX_VALUE ? PACKED_MAX_VALUE : v;
}

long packed_encode(const int64_t *v, const bool *nul, size_t n,
		   unsigned char *out, struct packed_head *h)
{
	bool nl = false, any = false;
	int64_t lo = 0, hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (nul && nul[i]) {
			nl = true;
			continue;
		}
		int64_t x = clamp(v[i]);
		if (!any || x < lo)
			lo = x;
		if (!any || x > hi)
			hi = x;
		any = true;
	}
	int w = any ? width((uint64_t)(hi - lo) + nl) : 0;
	*h = (struct packed_head){ .base = lo, .w = w + 9 * nl };
	for (size_t i = 0; i < n; i++) {
		uint64_t o = nul && nul[i] ? 0 : (uint64_t)(clamp(v[i]) - lo) + nl;
		put_be(out + i * (size_t)w, o, w);
	}
	return (long)(n * (size_t)w);
}

int packed_get(const unsigned char *p, size_t len, struct packed_head h,
	       size_t i, int64_t *v)
{
	if (h.w < 0 || h.w >= 18 || h.base < 0)
		return -1;
	size_t w = (size_t)(h.w % 9);
	int nl = h.w / 9;
	if (w && (i >= len / w))
		return -1;
	uint64_t o = 0;
	for (size_t k = 0; k < w; k++)
		o = o << 8 | p[i * w + k];
	if (nl && o == 0)
		return 0;
	*v = (int64_t)((uint64_t)h.base + o - (uint64_t)nl);
	return 1;
}

static void unpack_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct packed_head h = { sqlite3_value_int64(argv[1]),
				 sqlite3_value_int(argv[2]) };
	sqlite3_int64 i = sqlite3_value_int64(argv[3]);
	const unsigned char *p = sqlite3_value_blob(argv[0]);
	int64_t v;
	int rc = i < 0 ? -1 :
		 packed_get(p, (size_t)sqlite3_value_bytes(argv[0]), h,
			    (size_t)i, &v);
	if (rc > 0)
		sqlite3_result_int64(cx, v);
	else if (rc < 0)
		sqlite3_result_error(cx, "xenmon: not a packed column, or no "
				     "such value in it", -1);
}

/* xenmon_unpack_part(BYTES, END, END_base, END_w, I): part I of BYTES,
 * from where part I - 1 ends to END[I] (019's histograms). */
static void part_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct packed_head h = { sqlite3_value_int64(argv[2]),
				 sqlite3_value_int(argv[3]) };
	sqlite3_int64 i = sqlite3_value_int64(argv[4]);
	const unsigned char *ends = sqlite3_value_blob(argv[1]);
	size_t len = (size_t)sqlite3_value_bytes(argv[1]);
	const unsigned char *p = sqlite3_value_blob(argv[0]);
	int64_t total = sqlite3_value_bytes(argv[0]), from = 0, to = -1;
	if (i < 0 || (i > 0 && packed_get(ends, len, h, (size_t)i - 1, &from) != 1) ||
	    packed_get(ends, len, h, (size_t)i, &to) != 1 || from > to ||
	    to > total) {
		sqlite3_result_error(cx, "xenmon: not a packed column, or no "
				     "such part in it", -1);
		return;
	}
	sqlite3_result_blob64(cx, to > from ? p + from : (const void *)"",
			      (sqlite3_uint64)(to - from), SQLITE_TRANSIENT);
}

int packed_register(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int rc = sqlite3_create_function(db, "xenmon_unpack", 4, flags, NULL,
					 unpack_fn, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "xenmon_unpack_part", 5, flags,
					     NULL, part_fn, NULL, NULL);
	return rc;
}
