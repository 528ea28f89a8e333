/*
 * This process's peak resident memory, from VmHWM in /proc/self/status.
 * Not getrusage(): its ru_maxrss keeps the peak from before exec(), which
 * for a child of a big parent (a test harness) is the parent's.
 */
#ifndef XENMON_PEAK_RSS_H
#define XENMON_PEAK_RSS_H

#include <stdio.h>

/* KiB, or -1 when /proc does not tell. */
static inline long peak_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kib = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

#endif
