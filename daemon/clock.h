/* Seconds on a clock, as a double: the daemon's one way to read time. */
#ifndef XENMON_CLOCK_H
#define XENMON_CLOCK_H

#include <math.h>
#include <stdint.h>
#include <time.h>

static inline double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Unix seconds S as whole seconds and nanoseconds (0 <= *NS < 1e9): one
 * count of nanoseconds since 1970 would overflow in 2262. */
static inline void unix_split(double s, int64_t *sec, int64_t *ns)
{
	double whole = floor(s);
	int64_t n = llround((s - whole) * 1e9);
	*sec = (int64_t)whole + n / 1000000000;
	*ns = n % 1000000000;
}

#endif
