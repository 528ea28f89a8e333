/*
 * The names of domains the domain table does not name: one rule for the
 * viewer, xenmon-export and the daemon (schema/metrics.h).
 */
#include "metrics.h"

#include <stdio.h>

int metrics_domain_name(char *buf, size_t n, long long domid)
{
	if (domid == METRICS_IDLE_DOMID)
		return snprintf(buf, n, "%s", METRICS_IDLE_NAME);
	return snprintf(buf, n, METRICS_UNNAMED_PREFIX "%lld", domid);
}
