/*
 * Benchmark of the viewer's query layer (issue 4, point 9): the time to the
 * first screen's data and the CPU cost of one refresh, on a database of
 * SECONDS x DOMAINS x CPUS built here by direct INSERTs in one transaction
 * (every domain on every CPU every second: the worst case for a window).
 *
 *   bench_viewer [--seconds N] [--domains D] [--cpus C] [--keep] DB
 *
 * Drawing is left out: it is ncurses writing ~2 KB to a terminal.  "First
 * screen" is query_open() plus the first query_refresh() in a fresh
 * connection, with the file in the page cache (the build just wrote it).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "query.h"
#include "schema.h"

static double now_ms(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int build(const char *path, long seconds, int domains, int cpus)
{
	char err[512];
	unlink(path);
	sqlite3 *db = schema_open_rw(path, err, sizeof err);
	if (!db) {
		fprintf(stderr, "bench_viewer: %s\n", err);
		return -1;
	}
	sqlite3_stmt *c, *s;
	sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN",
		     NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO cpu_1s (t, cpu, observed_ns, sched_ns, "
			   "lost_records) VALUES (?1, ?2, 1000000000, 1000000, 0)",
			   -1, &c, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO sample_1s VALUES (?1, ?2, ?3, 10, ?4,"
			   " 1000000, 2000000, 300000000, 30000000, 30000000, 0, 3)",
			   -1, &s, NULL);
	const int64_t t0 = 1700000000;
	for (long t = 0; t < seconds; t++) {
		for (int cpu = 0; cpu < cpus; cpu++) {
			sqlite3_bind_int64(c, 1, t0 + t);
			sqlite3_bind_int(c, 2, cpu);
			sqlite3_step(c);
			sqlite3_reset(c);
			for (int d = 0; d <= domains; d++) {
				int domid = d == domains ? 32767 : d;
				sqlite3_bind_int64(s, 1, t0 + t);
				sqlite3_bind_int(s, 2, cpu);
				sqlite3_bind_int(s, 3, domid);
				sqlite3_bind_int64(s, 4, d == domains ? 499000000 :
						   10000000 + (t % 7) * 1000);
				sqlite3_step(s);
				sqlite3_reset(s);
			}
		}
	}
	char sql[128];
	snprintf(sql, sizeof sql, "INSERT INTO meta VALUES ('cpus', %d)", cpus);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_exec(db, "INSERT INTO domain (domid, name, first_t, last_t) "
		     "VALUES (0, 'Domain-0', 1700000000, "
		     "1700000000)", NULL, NULL, NULL);
	int rc = sqlite3_exec(db, "COMMIT; PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	sqlite3_finalize(c);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static double refresh_cpu_ms(struct query *q, struct model *m, int cpu,
			     int64_t t_end, int64_t long_s, int n)
{
	double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < n; i++)
		if (query_refresh(q, m, cpu, t_end, long_s, 10) < 0) {
			fprintf(stderr, "bench_viewer: %s\n", query_errmsg(q));
			exit(1);
		}
	return (now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0) / n;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "domains", required_argument, NULL, 'd' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "keep", no_argument, NULL, 'k' },
		{ "reuse", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	long seconds = 3600;
	int domains = 50, cpus = 16, o;
	bool keep = false, reuse = false;
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 's': seconds = atol(optarg); break;
		case 'd': domains = atoi(optarg); break;
		case 'c': cpus = atoi(optarg); break;
		case 'k': keep = true; break;
		case 'r': reuse = keep = true; break;
		default: return 2;
		}
	}
	if (optind != argc - 1 || seconds < 20) {
		fprintf(stderr, "usage: bench_viewer [--seconds N>=20] [--domains D] "
			"[--cpus C] [--keep] [--reuse] DB\n");
		return 2;
	}
	const char *path = argv[optind];
	double w0 = now_ms(CLOCK_MONOTONIC);
	if (!reuse && build(path, seconds, domains, cpus) < 0)
		return 1;
	double built = now_ms(CLOCK_MONOTONIC) - w0;
	printf("database: %ld s x %d domains (+ idle) x %d CPUs = %lld sample rows%s,"
	       " built in %.1f s\n", seconds, domains, cpus,
	       (long long)seconds * (domains + 1) * cpus, reuse ? " (reused)" : "",
	       built / 1e3);

	char err[512];
	struct query *q = NULL;
	struct model m = { 0 };
	double f0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	if (query_open(path, &q, err, sizeof err) < 0 ||
	    query_refresh(q, &m, -1, QUERY_LIVE, 10, 10) < 0) {
		fprintf(stderr, "bench_viewer: %s\n", q ? query_errmsg(q) : err);
		return 1;
	}
	printf("first screen (open + first refresh, all CPUs): %.2f ms wall, "
	       "%.2f ms CPU\n", now_ms(CLOCK_MONOTONIC) - f0,
	       now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0);
	printf("refresh, live, all CPUs summed:   %.3f ms CPU\n",
	       refresh_cpu_ms(q, &m, -1, QUERY_LIVE, 10, 200));
	printf("refresh, live, one CPU:           %.3f ms CPU\n",
	       refresh_cpu_ms(q, &m, 3, QUERY_LIVE, 10, 200));
	int64_t mid = m.t_oldest + (m.t_newest - m.t_oldest) / 2;
	printf("refresh, history mid-file, all:   %.3f ms CPU\n",
	       refresh_cpu_ms(q, &m, -1, mid, 10, 200));
	printf("range of 1 h, all CPUs:           %.1f ms CPU\n",
	       refresh_cpu_ms(q, &m, -1, m.t_live, seconds < 3600 ? seconds : 3600, 3));
	model_free(&m);
	query_close(q);
	if (!keep)
		unlink(path);
	return 0;
}
