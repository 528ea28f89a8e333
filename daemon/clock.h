/* Seconds on a clock, as a double: the daemon's one way to read time. */
#ifndef XENMON_CLOCK_H
#define XENMON_CLOCK_H

#include <time.h>

static inline double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
