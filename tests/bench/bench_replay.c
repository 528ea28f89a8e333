/*
 * Replay benchmark: prints figures, asserts nothing about speed.
 *
 *   bench_replay TRACE XENBAKED DB MHZ START
 *
 * Four passes over the same trace file, side by side:
 *   bare     map the file and step over every record, window headers
 *            included, in file order: the machine's practical limit
 *   walk     the same through the daemon's input layer (windows to per-CPU
 *            FIFOs), each CPU's records in turn
 *   account  decode + merge + accounting, seconds discarded (no SQLite)
 *   replay   the real xenbaked into a fresh database, as a child process,
 *            with its peak resident memory
 * then the database's size per stored row and per domain-day.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "input.h"
#include "merge.h"
#include "trace.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t bare_walk(const char *path, double *secs)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		exit(1);
	}
	double t0 = now_s();
	const uint8_t *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		perror(path);
		exit(1);
	}
	const uint8_t *p = map, *end = map + st.st_size;
	uint64_t n = 0;
	while (end - p >= 4) {
		p += trace_rec_size(trace_load32(p));
		n++;
	}
	munmap((void *)map, (size_t)st.st_size);
	close(fd);
	*secs = now_s() - t0;
	return n;
}

static uint64_t walk(const char *path, double *secs)
{
	char err[256];
	struct input in;
	uint64_t n = 0;
	double t0 = now_s();
	if (input_open(&in, path, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	int rc;
	while ((rc = input_fill(&in)) > 0) {
		for (unsigned cpu = 0; cpu < in.ncpus; cpu++) {
			if (!in.cpus[cpu].present)
				continue;
			uint64_t pos = in.cpus[cpu].head, avail;
			for (;;) {
				const uint8_t *p = input_peek(&in, cpu, pos, &avail);
				if (avail < 4)
					break;
				uint32_t size = trace_rec_size(trace_load32(p));
				if (avail < size)
					break;
				pos += size;
				n++;
			}
			input_consume(&in, cpu, pos);
		}
	}
	input_close(&in);
	*secs = now_s() - t0;
	return n;
}

static uint64_t rows_seen;

static int count_rows(void *ctx, const struct second *s)
{
	(void)ctx;
	rows_seen += s->nsamples + s->ncpus;
	return 0;
}

static uint64_t account_only(const char *path, double mhz, double *secs)
{
	char err[256];
	struct input in;
	struct merge m;
	struct acct_config cfg = { .cpu_mhz = mhz, .anchor_unix_ns = 0,
				   .emit = count_rows };
	double t0 = now_s();
	struct acct *a = acct_new(&cfg);
	if (!a || input_open(&in, path, err, sizeof err) < 0 ||
	    merge_init(&m, &in, a, mhz, 32u << 20) < 0) {
		fprintf(stderr, "bench: cannot start: %s\n", err);
		exit(1);
	}
	if (merge_run(&m) != 0) {
		fprintf(stderr, "bench: %s%s\n", m.err, in.err);
		exit(1);
	}
	acct_finish(a, true);
	uint64_t n = acct_stats(a)->records;
	*secs = now_s() - t0;
	merge_free(&m);
	input_close(&in);
	acct_free(a);
	return n;
}

static double replay(char **argv, long *maxrss_kb)
{
	double t0 = now_s();
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench: xenbaked failed\n");
		exit(1);
	}
	*maxrss_kb = ru.ru_maxrss;
	return now_s() - t0;
}

static int64_t q(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: bench_replay TRACE XENBAKED DB MHZ START\n");
		return 2;
	}
	const char *trace = argv[1], *db = argv[3];
	double mhz = atof(argv[4]);
	struct stat st;
	if (stat(trace, &st) < 0) {
		perror(trace);
		return 1;
	}
	double mb = st.st_size / 1e6;

	double t_bare, t_walk, t_acct;
	/* One untimed pass first, so that no timed one pays for the disk. */
	bare_walk(trace, &t_bare);
	uint64_t n_bare = bare_walk(trace, &t_bare);
	uint64_t n_walk = walk(trace, &t_walk);
	uint64_t n_acct = account_only(trace, mhz, &t_acct);

	unlink(db);
	char wal[4096], shm[4096];
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(shm, sizeof shm, "%s-shm", db);
	unlink(wal);
	unlink(shm);
	char *args[] = { argv[2], "--input", (char *)trace, "--db", (char *)db,
			 "--cpu-mhz", argv[4], "--start-time", argv[5], "--quiet",
			 NULL };
	long rss_kb;
	double t_replay = replay(args, &rss_kb);

	sqlite3 *h;
	if (sqlite3_open(db, &h) != SQLITE_OK)
		return 1;
	sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	int64_t samples = q(h, "SELECT count(*) FROM sample_1s");
	int64_t cpurows = q(h, "SELECT count(*) FROM cpu_1s");
	int64_t secs = q(h, "SELECT count(DISTINCT t) FROM cpu_1s");
	int64_t doms = q(h, "SELECT count(DISTINCT domid) FROM sample_1s");
	int64_t bytes = q(h, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size");
	sqlite3_close(h);

	printf("trace: %s, %.1f MB, %" PRIu64 " records\n", trace, mb, n_walk);
	printf("%-28s %10s %14s %10s\n", "pass", "seconds", "records/s", "MB/s");
	printf("%-28s %10.3f %14.0f %10.1f\n", "bare loop (mmap + step)", t_bare,
	       n_bare / t_bare, mb / t_bare);
	printf("%-28s %10.3f %14.0f %10.1f\n", "walk (input layer + step)", t_walk,
	       n_walk / t_walk, mb / t_walk);
	printf("%-28s %10.3f %14.0f %10.1f\n", "decode+merge+accounting", t_acct,
	       n_acct / t_acct, mb / t_acct);
	printf("%-28s %10.3f %14.0f %10.1f\n", "xenbaked replay (SQLite)", t_replay,
	       n_acct / t_replay, mb / t_replay);
	printf("replay speed / accounting-only speed: %.0f%%\n",
	       100.0 * t_acct / t_replay);
	printf("xenbaked peak RSS: %.1f MiB\n", rss_kb / 1024.0);
	printf("database: %" PRId64 " bytes, %" PRId64 " sample_1s + %" PRId64
	       " cpu_1s rows over %" PRId64 " seconds, %" PRId64 " domains\n",
	       bytes, samples, cpurows, secs, doms);
	printf("bytes per stored row: %.1f\n", (double)bytes / (double)(samples + cpurows));
	if (secs > 0 && doms > 0)
		printf("bytes per domain-day: %.0f (%.1f MB)\n",
		       (double)bytes / doms * 86400.0 / secs,
		       (double)bytes / doms * 86400.0 / secs / 1e6);
	return n_walk == n_acct ? 0 : 1;
}
