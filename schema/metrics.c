/*
 * What metrics.h declares: the metric table as data, the tiers, the derived
 * figures and the names of domains the domain table does not name, one
 * definition each for the viewer, xenmon-export and the daemon.
 */
#include "metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define DAY_S ((long long)METRICS_GRAIN_1D)

#define VIEW_OF_VIEW(order_, label_, option_, shown_, rows_, total, pct, per, \
		     help_, sort_, log_) \
	{ .order = order_, .label = label_, .option = option_, .rows = rows_, \
	  .shown = shown_, .help = help_, .sort = SORT_OF_##sort_, \
	  .log = LOG_OF_##log_, \
	  .cell = { METRICS_##total, METRICS_##pct, METRICS_##per } }
#define SORT_OF_SORT(key) key
#define SORT_OF_NOSORT NULL
#define LOG_OF_LOG(total, pct, per) { total, pct, per }
#define LOG_OF_NOLOG { "", "", "" }
#define VIEW_OF_NOVIEW { .order = 0 }
#define EXPORT_OF_EXPORT(order_, column_, figure_) \
	{ .order = order_, .column = column_, .figure = METRICS_##figure_ }
#define EXPORT_OF_NOEXPORT { .order = 0 }
#define DESC(name_, ctype, rollup_, unit_, help_, view_, export_) \
	[METRICS_I_##name_] = { .name = #name_, .unit = unit_, .help = help_, \
				.rollup = METRICS_##rollup_, \
				.view = VIEW_OF_##view_, \
				.export = EXPORT_OF_##export_ },

const struct metrics_desc metrics_sample[METRICS_NSAMPLE] = {
	METRICS_SAMPLE(DESC)
};

/*
 * The default ages are what keeps a 16-CPU, 50-domain host's database
 * within 1.5 GB as the daemon appends it (bench_history append): a week
 * of per-domain seconds, 90 days of minutes, a year of hours (as long as
 * Zabbix keeps its hourly trends), five years of days.  The per-CPU split
 * of a second is the costliest row there is (a row per CPU and domain,
 * some 480 MB a day on that host) and only the per-CPU view reads it, so
 * it is kept 6 hours, and its roll-ups for less than the tiers' own.
 */
const struct metrics_tier metrics_tiers[METRICS_TIERS] = {
	[METRICS_1S] = { "sample_dom_1s", "cpu_1s", METRICS_GRAIN_1S,
			 "pruned_before_1s",
			 "retain-1s", 7 * DAY_S, "one-second samples",
			 "sample_1s", "pruned_before_1s_cpu", "retain-1s-cpu",
			 DAY_S / 4, "per-CPU one-second samples",
			 "sample_dom_1s_packed", "cpu_1s_plain", "cpu_1s_packed" },
	[METRICS_1M] = { "sample_1m", "cpu_1m", METRICS_GRAIN_1M,
			 "pruned_before_1m",
			 "retain-1m", 90 * DAY_S, "one-minute roll-ups",
			 "sample_cpu_1m", "pruned_before_1m_cpu", "retain-1m-cpu",
			 7 * DAY_S, "per-CPU one-minute roll-ups",
			 "sample_1m_packed", "cpu_1m_plain", "cpu_1m_packed" },
	[METRICS_1H] = { "sample_1h", "cpu_1h", METRICS_GRAIN_1H,
			 "pruned_before_1h",
			 "retain-1h", 365 * DAY_S, "one-hour roll-ups",
			 "sample_cpu_1h", "pruned_before_1h_cpu", "retain-1h-cpu",
			 90 * DAY_S, "per-CPU one-hour roll-ups",
			 "sample_1h_packed", "cpu_1h_plain", "cpu_1h_packed" },
	/* what makes a range of years cheap to show, at a twenty-fourth of
	 * the hours' rows, and what is left of the years after the hours'
	 * one (each year of hours of a 16-CPU, 50-domain host takes some
	 * 80 MB even packed, a year of days 4 MB) */
	[METRICS_1D] = { "sample_1d", "cpu_1d", METRICS_GRAIN_1D,
			 "pruned_before_1d",
			 "retain-1d", 5 * 365 * DAY_S, "one-day roll-ups",
			 "sample_cpu_1d", "pruned_before_1d_cpu", "retain-1d-cpu",
			 365 * DAY_S, "per-CPU one-day roll-ups" },
	/* kept longer than the days, pruned after them: a range of years
	 * reads at most a few hundred weeks in its middle, whatever its
	 * length (016_week_rollups.sql); a seventh of the days' rows */
	[METRICS_1W] = { "sample_1w", "cpu_1w", METRICS_GRAIN_1W,
			 "pruned_before_1w",
			 "retain-1w", 10 * 365 * DAY_S, "one-week roll-ups",
			 "sample_cpu_1w", "pruned_before_1w_cpu", "retain-1w-cpu",
			 2 * 365 * DAY_S, "per-CPU one-week roll-ups" },
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

static const char *const io_source_names[] = {
	"grant-map", "grant-copy", "evtchn",
};
#define IO_SOURCES (sizeof io_source_names / sizeof *io_source_names)

int metrics_io_sources_text(char *buf, size_t n, unsigned mask)
{
	int k = 0;
	if (n)
		buf[0] = '\0';
	for (unsigned i = 0; i < IO_SOURCES; i++) {
		if (!(mask & 1u << i))
			continue;
		bool room = (size_t)k < n;
		k += snprintf(room ? buf + k : NULL, room ? n - (size_t)k : 0,
			      "%s%s", k ? "," : "", io_source_names[i]);
	}
	return k;
}

unsigned metrics_io_sources_parse(const char *text)
{
	unsigned mask = 0;
	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, ",");
		for (unsigned i = 0; i < IO_SOURCES; i++)
			if (strlen(io_source_names[i]) == len &&
			    !strncmp(p, io_source_names[i], len))
				mask |= 1u << i;
		p += len + (p[len] == ',');
	}
	return mask;
}

unsigned metrics_io_sources_known(const char *io_sources)
{
	return io_sources ? metrics_io_sources_parse(io_sources) :
			    METRICS_IO_ALL;
}

bool metrics_figure_unavailable(size_t i, enum metrics_figure f,
				unsigned sources)
{
	if (f == METRICS_NONE)
		return false;
	if (i == METRICS_I_io_bytes)
		return !(sources & METRICS_IO_GRANT_COPY);
	return !sources && (i == METRICS_I_io_count || f == METRICS_PER_IO);
}

bool metrics_pct(int64_t ns, int64_t observed_ns, double *v)
{
	if (observed_ns <= 0)
		return false;
	*v = 100.0 * (double)ns / (double)observed_ns;
	return true;
}

bool metrics_per_s(int64_t x, int64_t observed_ns, double *v)
{
	if (observed_ns <= 0)
		return false;
	*v = (double)x * 1e9 / (double)observed_ns;
	return true;
}

bool metrics_blocked_pct(int64_t cpu_ns, int64_t wait_ns, int64_t blocked_ns,
			 double *v)
{
	int64_t online = cpu_ns + wait_ns + blocked_ns;
	if (!online)
		return false;
	*v = 100.0 * (double)blocked_ns / (double)online;
	return true;
}

bool metrics_per(int64_t x, int64_t n, double *v)
{
	if (!n)
		return false;
	*v = (double)x / (double)n;
	return true;
}

/* Integer division, not the double above truncated: a step's sums can pass
 * 2^53, where the double would no longer round down exactly. */
bool metrics_per_whole(int64_t x, int64_t n, int64_t *v)
{
	if (!n)
		return false;
	*v = x / n;
	return true;
}

int64_t metrics_rank(int p, int64_t n, int64_t zeros)
{
	int64_t k = (p * n + 99) / 100;
	return k <= zeros ? 0 : k - zeros;
}
