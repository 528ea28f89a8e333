/*
 * evtchn-cost: what an interdomain event-channel notification costs the
 * hypervisor with tracing off and on, for the cost figures of
 * patches/README.md (issue 17).
 *
 * Patch 0003 adds work to every interdomain EVTCHNOP_send while tracing is
 * on: a clock read, a look-up in eight per-CPU slots and, at most once per
 * window and pair, a trace record.  dom0 can send on a channel bound to
 * itself (an interdomain channel whose two ends are both dom0's), which
 * takes exactly that path.  The first send leaves the receiving port
 * pending and masked until this program would unmask it, which it never
 * does: later sends find it pending, and the loop times the hypercall, not
 * the upcall into dom0.
 *
 * Tracing is switched off and on by this program, in alternating slices,
 * so that a slow drift of the emulator's speed (other work on the host)
 * falls on both alike; "on" is xenbaked's event mask with nobody reading
 * the buffers (they fill, and Xen then only counts what it drops).  Run
 * after xenbaked, whose buffers it reuses, on the patched and on the stock
 * hypervisor: the patch's cost is the difference between their increases.
 * The CPU time is this process's (a PV guest's time in a hypercall is its
 * own), so other processes of dom0 do not count; under QEMU's emulation
 * the figures are an emulator's: compare them with each other, never with
 * a real CPU's.
 *
 *   evtchn-cost SECONDS ROUNDS    ROUNDS slices of SECONDS each way; prints
 *                                 each slice's ns of CPU per send, then the
 *                                 medians of each way and of the rounds'
 *                                 differences (on minus the off before it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <xenctrl.h>
#include <xenevtchn.h>

/* xenbaked's mask (daemon/capture/xenhost.c, EVENT_MASK) */
#define XENBAKED_MASK 0x00129000u
#define MAX_ROUNDS 64

static double now(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Sends on PORT for SECONDS: ns of this process's CPU per send, or < 0. */
static double slice(xenevtchn_handle *xce, evtchn_port_t port, double seconds)
{
	double end = now(CLOCK_MONOTONIC) + seconds, cpu;
	unsigned long sends = 0;

	cpu = now(CLOCK_PROCESS_CPUTIME_ID);
	do {
		for (int i = 0; i < 100; i++)
			if (xenevtchn_notify(xce, port) < 0)
				return -1;
		sends += 100;
	} while (now(CLOCK_MONOTONIC) < end);
	return (now(CLOCK_PROCESS_CPUTIME_ID) - cpu) * 1e9 / sends;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof *v, by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Tracing on (xenbaked's mask) or off. */
static int tracing(xc_interface *xch, int on)
{
	unsigned long mfn, size;

	if (!on)
		return xc_tbuf_disable(xch);
	if (xc_tbuf_enable(xch, 32, &mfn, &size) < 0)
		return -1;
	return xc_tbuf_set_evt_mask(xch, XENBAKED_MASK);
}

static int measure(xc_interface *xch, xenevtchn_handle *xce,
		   evtchn_port_t port, double seconds, int rounds)
{
	double v[2][MAX_ROUNDS], d[MAX_ROUNDS];

	for (int r = 0; r < rounds; r++)
		for (int on = 0; on < 2; on++) {
			if (tracing(xch, on) < 0) {
				perror("evtchn-cost: switching tracing");
				return 1;
			}
			v[on][r] = slice(xce, port, seconds);
			if (v[on][r] < 0) {
				perror("evtchn-cost: xenevtchn_notify");
				return 1;
			}
			printf("%s %.0f\n", on ? "on" : "off", v[on][r]);
		}
	tracing(xch, 0);
	for (int r = 0; r < rounds; r++)
		d[r] = v[1][r] - v[0][r];
	printf("off %.0f on %.0f on-off %.0f ns of CPU per send (medians of %d)\n",
	       median(v[0], rounds), median(v[1], rounds), median(d, rounds),
	       rounds);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, rc = 1;
	xenevtchn_port_or_error_t far, near;
	xenevtchn_handle *xce = NULL;
	xc_interface *xch;

	if (rounds < 1 || rounds > MAX_ROUNDS || seconds <= 0) {
		fprintf(stderr, "usage: evtchn-cost SECONDS ROUNDS (1-%d)\n",
			MAX_ROUNDS);
		return 2;
	}
	xch = xc_interface_open(NULL, NULL, 0);
	if (xch)
		xce = xenevtchn_open(NULL, 0);
	if (!xce) {
		perror("evtchn-cost: opening xenctrl and xenevtchn");
		goto out;
	}
	far = xenevtchn_bind_unbound_port(xce, 0);
	near = far < 0 ? far : xenevtchn_bind_interdomain(xce, 0, far);
	if (near < 0)
		perror("evtchn-cost: binding a channel dom0 to dom0");
	else
		rc = measure(xch, xce, near, seconds, rounds);
	xenevtchn_close(xce);
out:
	if (xch)
		xc_interface_close(xch);
	return rc;
}
