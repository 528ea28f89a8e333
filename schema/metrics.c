/*
 * The names of domains the domain table does not name: one rule for the
 * viewer, xenmon-export and the daemon (schema/metrics.h).
 */
#include "metrics.h"

#include <stdio.h>

#define DAY_S 86400LL

const struct metrics_tier metrics_tiers[METRICS_TIERS] = {
	[METRICS_1S] = { "sample_1s", "cpu_1s", 1, "pruned_before_1s",
			 "retain-1s", 7 * DAY_S, "one-second samples" },
	[METRICS_1M] = { "sample_1m", "cpu_1m", 60, "pruned_before_1m",
			 "retain-1m", 90 * DAY_S, "one-minute roll-ups" },
	[METRICS_1H] = { "sample_1h", "cpu_1h", 3600, "pruned_before_1h",
			 "retain-1h", 5 * 365 * DAY_S, "one-hour roll-ups" },
};

long long metrics_per_second_ns(long long ns, long long observed_ns)
{
	const long long S = 1000000000;
	if (observed_ns <= 0 || observed_ns >= S)
		return ns;
	/* ns * S / observed_ns without overflowing: ns may be 256 CPUs' */
	return ns / observed_ns * S + ns % observed_ns * S / observed_ns;
}

int metrics_domain_name(char *buf, size_t n, long long domid)
{
	if (domid == METRICS_IDLE_DOMID)
		return snprintf(buf, n, "%s", METRICS_IDLE_NAME);
	return snprintf(buf, n, METRICS_UNNAMED_PREFIX "%lld", domid);
}
