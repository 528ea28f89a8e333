/*
 * busy: the workloads of the live test, timed by the wall clock so that
 * their share of a CPU is known whatever the CPU's speed (under QEMU's
 * emulation a CPU is slow and its speed varies).
 *
 *   busy spin               burn a CPU forever
 *   busy duty RUN_MS SLEEP_MS   every RUN_MS + SLEEP_MS, burn until RUN_MS
 *                           into the period, then sleep to the next one:
 *                           RUN / (RUN + SLEEP) of a CPU, on a fixed
 *                           schedule, so that the time the kernel takes
 *                           to block and to wake up (long under emulation)
 *                           does not stretch the period
 *
 * Static, so that it runs in the bare initramfs of dom0 and of the guests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile unsigned long sink;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Burn until the clock says MS have passed. */
static void burn(double ms)
{
	double end = now_s() + ms / 1000;
	while (now_s() < end)
		for (int i = 0; i < 1000; i++)
			sink += (unsigned long)i;
}

static void add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

/* Burn until NS after START. */
static void burn_until(const struct timespec *start, long ns)
{
	struct timespec end = *start;
	add_ns(&end, ns);
	double e = (double)end.tv_sec + end.tv_nsec / 1e9;
	while (now_s() < e)
		for (int i = 0; i < 1000; i++)
			sink += (unsigned long)i;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "spin")) {
		for (;;)
			burn(1000);
	}
	if (argc == 4 && !strcmp(argv[1], "duty")) {
		long run_ns = (long)(atof(argv[2]) * 1e6);
		long period_ns = run_ns + (long)(atof(argv[3]) * 1e6);
		struct timespec next;
		clock_gettime(CLOCK_MONOTONIC, &next);
		for (;;) {
			burn_until(&next, run_ns);
			add_ns(&next, period_ns);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
	}
	fprintf(stderr, "usage: busy spin | busy duty RUN_MS SLEEP_MS\n");
	return 2;
}
