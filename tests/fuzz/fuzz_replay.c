/*
 * libFuzzer target: arbitrary bytes as a xentrace stream through the whole
 * replay core: window parsing, the decoder (decode.h) as the head scan
 * (calibration and initial states), the TSC-order merge and the accounting
 * engine read records with it, with every emitted second checked against
 * the invariants that must hold whatever the input: no CPU accounts more
 * than the second it observed, no bucket runs past a second; and malformed
 * records counted exactly when the first one is placed in the input.
 * Build with clang -fsanitize=fuzzer,address,undefined.
 *
 * The input is fed in chunks whose sizes come from the data itself, so
 * that windows and records are cut at every possible place.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "input.h"
#include "merge.h"
#include "prescan.h"

struct feeder {
	const uint8_t *p;
	size_t n, off, step;
};

static int pull(struct input *in, void *ctx)
{
	struct feeder *f = ctx;
	if (f->off == f->n)
		return input_check_complete(in) < 0 ? -1 : 0;
	size_t k = f->n - f->off < f->step ? f->n - f->off : f->step;
	int rc = input_feed(in, f->p + f->off, k);
	f->off += k;
	f->step = f->step * 3 % 4093 + 1;
	return rc < 0 ? -1 : 1;
}

static int check_second(void *ctx, const struct second *s)
{
	(void)ctx;
	for (size_t i = 0; i < s->ncpus; i++) {
		uint64_t running = 0;
		for (size_t j = 0; j < s->nsamples; j++)
			if (s->samples[j].cpu == s->cpus[i].cpu)
				running += s->samples[j].cpu_ns;
		if (s->cpus[i].observed_ns > 1000000000ull ||
		    running + s->cpus[i].sched_ns > s->cpus[i].observed_ns + 1000)
			abort();
	}
	for (size_t j = 0; j < s->nsamples; j++)
		if (s->samples[j].cpu_ns > 1000000000ull)
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feeder f = { .p = data, .n = size, .step = size ? data[0] + 1u : 1u };
	struct input in;
	struct prescan pre;
	struct merge m;

	memset(&pre, 0, sizeof pre);
	input_open_pull(&in, "fuzz", pull, &f);
	/* The head: what the replay reads before accounting starts. */
	for (int i = 0; i < 4 && input_fill(&in) > 0; i++)
		;
	prescan_walk(&pre, &in);
	double mhz = 2400;
	size_t used;
	if (prescan_mhz(&pre, &mhz, &used) < 0 || !(mhz >= 1 && mhz <= 100000))
		mhz = 2400;
	struct acct_config cfg = { .cpu_mhz = mhz, .anchor_unix_ns = 1700000000ll * 1000000000ll,
				   .emit = check_second };
	struct acct *a = acct_new(&cfg);
	if (a && merge_init(&m, &in, a, mhz, 1u << 20) == 0) {
		prescan_hints(&pre, a, prescan_horizon(&pre));
		int rc = merge_run(&m);
		acct_finish(a, rc == 0);
		if ((acct_stats(a)->malformed > 0) != m.malformed_seen ||
		    (m.malformed_seen && m.malformed_off >= size))
			abort();
		merge_free(&m);
	}
	acct_free(a);
	prescan_free(&pre);
	input_close(&in);
	return 0;
}
