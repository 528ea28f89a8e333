/*
 * The trace-buffer ring consumer (see tbuf.h for the layout).
 *
 * Xen and this process share cons and prod across CPUs without a lock, so
 * each is read exactly once per drain, through a volatile access, and the
 * fences order the data against them: prod is read before the bytes it
 * covers (acquire), and the bytes are read before cons is published
 * (release), else Xen could overwrite a record we have not yet copied.
 */
#include "tbuf.h"

#include <errno.h>
#include <stdatomic.h>

static uint32_t load_once(const uint32_t *p)
{
	return *(const volatile uint32_t *)p;
}

static void store_once(uint32_t *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}

int tbuf_ring_init(struct tbuf_ring *r, void *base, unsigned pages)
{
	if (!base || pages == 0 ||
	    (uint64_t)pages * TBUF_PAGE_SIZE > UINT32_MAX / 2)
		return -EINVAL;
	r->meta = base;
	r->data = (const uint8_t *)base + sizeof(struct t_buf);
	r->data_size = pages * TBUF_PAGE_SIZE - (uint32_t)sizeof(struct t_buf);
	return 0;
}

int tbuf_cpu_mfns(const struct t_info *ti, size_t tinfo_bytes, unsigned cpu,
		  const uint32_t **mfns)
{
	size_t slot_end = offsetof(struct t_info, mfn_offset) +
			  ((size_t)cpu + 1) * sizeof ti->mfn_offset[0];
	if (slot_end > tinfo_bytes)
		return -EINVAL;
	uint16_t off = ti->mfn_offset[cpu];
	if (off == 0)
		return 1;
	/* The offset counts u32 words from the start of t_info. */
	size_t end = ((size_t)off + ti->tbuf_size) * sizeof(uint32_t);
	if (ti->tbuf_size == 0 || end > tinfo_bytes)
		return -EINVAL;
	*mfns = (const uint32_t *)ti + off;
	return 0;
}

/* Distance from cons to prod, or -EPROTO. */
static int64_t window(uint32_t cons, uint32_t prod, uint32_t size)
{
	uint64_t span = 2ull * size;
	if ((cons | prod) & 3u || cons >= span || prod >= span)
		return -EPROTO;
	uint64_t n = prod >= cons ? prod - cons : prod + span - cons;
	return n > size ? -EPROTO : (int64_t)n;
}

int64_t tbuf_pending(const struct tbuf_ring *r)
{
	return window(load_once(&r->meta->cons), load_once(&r->meta->prod),
		      r->data_size);
}

uint32_t tbuf_prod(const struct tbuf_ring *r)
{
	uint32_t prod = load_once(&r->meta->prod);
	atomic_thread_fence(memory_order_acquire);
	return prod;
}

int64_t tbuf_drain_upto(struct tbuf_ring *r, uint32_t prod, tbuf_sink_fn sink,
			void *ctx)
{
	uint32_t cons = load_once(&r->meta->cons);
	int64_t n = window(cons, prod, r->data_size);
	if (n <= 0)
		return n;
	uint32_t start = cons % r->data_size;
	uint32_t first = r->data_size - start;
	if (first > (uint64_t)n)
		first = (uint32_t)n;
	int rc = sink(ctx, r->data + start, first);
	if (rc >= 0 && (uint64_t)n > first)
		rc = sink(ctx, r->data, (size_t)n - first);
	if (rc < 0)
		return rc;

	atomic_thread_fence(memory_order_release);
	store_once(&r->meta->cons, prod);
	return n;
}

int64_t tbuf_drain(struct tbuf_ring *r, tbuf_sink_fn sink, void *ctx)
{
	return tbuf_drain_upto(r, tbuf_prod(r), sink, ctx);
}

void tbuf_discard(struct tbuf_ring *r)
{
	uint32_t prod = load_once(&r->meta->prod);
	if (window(load_once(&r->meta->cons), prod, r->data_size) >= 0)
		store_once(&r->meta->cons, prod);
}
