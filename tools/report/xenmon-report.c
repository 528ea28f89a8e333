/*
 * xenmon-report: one self-contained HTML file of charts and a summary table
 * for a range of history, for capacity planning (see xenmon-report.1).
 *
 * The figures are xenmon-export's, by construction: this program runs
 * xenmon-export (--format json) with the same --db, --from, --to, --step
 * and --domain and embeds its rows unchanged.  Running the export rather
 * than linking its parts keeps one implementation of everything the rows
 * depend on -- which table covers the range, pruned tables, domids reused
 * by another guest, globs -- so a report and a CSV of the same range can
 * never disagree, and a fix to the export is a fix to the report.
 *
 * The page (report.html, embedded at build time) draws the charts with
 * Chart.js, read from Debian's libjs-chart.js when the report is made and
 * inlined, so the file needs no network when it is opened.  The data
 * follow it as one JSON document; the summary table, the host's figures
 * and the gaps are computed from them in the browser, so that they are
 * defined once, beside the charts that show them.
 *
 * This file finds the export (find_export()), parses the arguments, reads the two facts the rows do not
 * carry (how many physical CPUs the host has, and the range actually
 * read), and writes the file: a regular file whole or not at all (a
 * temporary file renamed over it).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "schema.h"
#include "steps.h"
#include "timearg.h"

/* report.html split at its markers (report_html.c, made by embed.py). */
extern const char report_head[], report_mid[], report_tail[];

/* The export's exit status for a range with no data. */
#define EXPORT_NO_DATA 3

static const struct step {
	const char *name;
	int64_t s;
} STEPS[] = {
	{ "1s", 1 }, { "10s", 10 }, { "1m", 60 }, { "1h", 3600 }, { "1d", 86400 },
};

/* What --sort can order the domains by (report.html knows the same). */
static const char *const SORTS[] = {
	"p95", "mean", "peak", "wait", "trend", "name", "domid",
};

struct opts {
	const char *db, *from_s, *to_s, *output, *sort, *chartjs, *export;
	const struct step *step;
	const char **doms;
	size_t ndoms;
	int64_t from, to;
	bool utc;
};

struct buf {
	char *p;
	size_t len;
};

static void errmsg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("xenmon-report: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("xenmon-report: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'xenmon-report --help'.\n", stderr);
	return 2;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: xenmon-report [--db PATH] --from TIME --to TIME [--step STEP]\n"
"                     [--domain ID_OR_NAME]... [--sort FIGURE] [-o FILE]\n"
"\n"
"Write one self-contained HTML file of charts for a range of the history\n"
"in a xenmon database: the host's CPU against its physical CPUs, and per\n"
"domain CPU%% (mean, p50-p99 band, peak), waited and blocked %%,\n"
"executions and I/O per second, with a summary table; steps with lost\n"
"records and ranges with no data are marked.  The figures are those of\n"
"xenmon-export for the same options.\n"
"\n"
"  --db PATH          the database (default " SCHEMA_DEFAULT_DB ")\n"
"  --from TIME        start of the range, widened to a whole step\n"
"  --to TIME          end of the range (exclusive), widened to a whole step\n"
"  --step STEP        1s, 10s, 1m, 1h (default) or 1d\n"
"  --domain D         only the domains with domid D, named D, or whose name\n"
"                     matches the shell glob D (repeatable)\n"
"  --sort FIGURE      order of the domains: p95 (default), mean, peak,\n"
"                     wait, trend, name or domid\n"
"  -o, --output FILE  the HTML file (default: standard output)\n"
"  -u, --utc          read times in UTC (default: local time, TZ)\n"
"  -h, --help, -V, --version\n"
"\n"
"TIME as for xenmon-export: Unix seconds, '2024-05-01 14:00' (local), now,\n"
"today, yesterday, -2h, -1d, -1w.  Exit status: 0 done, 1 runtime error,\n"
"2 usage error, 3 the range holds no data (the report says so).\n");
}

static const struct step *find_step(const char *name)
{
	for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0]; i++)
		if (strcmp(STEPS[i].name, name) == 0)
			return &STEPS[i];
	return NULL;
}

static bool valid_sort(const char *name)
{
	for (size_t i = 0; i < sizeof SORTS / sizeof SORTS[0]; i++)
		if (strcmp(SORTS[i], name) == 0)
			return true;
	return false;
}

/* FROM and TO as the export will widen them: whole steps, a day from
 * local midnight unless -u (schema/steps.c, the export's). */
static void align(struct opts *o)
{
	struct steps sp;
	steps_init(&sp, o->step->s, o->step->s == 86400 && !o->utc);
	o->from = steps_start(&sp, o->from);
	if (steps_start(&sp, o->to) != o->to)
		o->to = steps_next(&sp, o->to);
}

static int check_times(struct opts *o)
{
	int64_t now = (int64_t)time(NULL);
	if (!o->from_s)
		return usage_error("--from TIME is required%s", "");
	if (!o->to_s)
		return usage_error("--to TIME is required%s", "");
	if (timearg_parse(o->from_s, now, o->utc, &o->from) < 0)
		return usage_error("--from: cannot read '%s' as a time (try Unix "
				   "seconds, '2024-05-01 14:00', today or -2h)",
				   o->from_s);
	if (timearg_parse(o->to_s, now, o->utc, &o->to) < 0)
		return usage_error("--to: cannot read '%s' as a time (try Unix "
				   "seconds, '2024-05-01 14:00', now or -1h)", o->to_s);
	if (o->from >= o->to)
		return usage_error("the range is empty or inverted: --from is not "
				   "earlier than --to%s", "");
	align(o);
	return -1;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_DB = 256, O_FROM, O_TO, O_STEP, O_DOMAIN, O_SORT, O_HELP,
	       O_VERSION };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "step", required_argument, NULL, O_STEP },
		{ "domain", required_argument, NULL, O_DOMAIN },
		{ "sort", required_argument, NULL, O_SORT },
		{ "output", required_argument, NULL, 'o' },
		{ "utc", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:hVu", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB: o->db = optarg; break;
		case O_FROM: o->from_s = optarg; break;
		case O_TO: o->to_s = optarg; break;
		case 'o': o->output = optarg; break;
		case 'u': o->utc = true; break;
		case O_DOMAIN: o->doms[o->ndoms++] = optarg; break;
		case O_STEP:
			if (!(o->step = find_step(optarg)))
				return usage_error("--step: '%s' is not one of 1s, 10s, "
						   "1m, 1h, 1d", optarg);
			break;
		case O_SORT:
			if (!valid_sort(optarg))
				return usage_error("--sort: '%s' is not one of p95, mean, "
						   "peak, wait, trend, name, domid", optarg);
			o->sort = optarg;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return 0;
		case 'V':
		case O_VERSION:
			printf("xenmon-report %s\n", XENMON_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs an argument",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->step)
		o->step = find_step("1h");
	return check_times(o);
}

/* Append LEN bytes to B: 0, or -1 out of memory. */
static int buf_add(struct buf *b, const char *p, size_t len, size_t *cap)
{
	if (b->len + len + 1 > *cap) {
		size_t n = *cap ? *cap * 2 : 1 << 16;
		while (n < b->len + len + 1)
			n *= 2;
		char *q = realloc(b->p, n);
		if (!q)
			return -1;
		b->p = q;
		*cap = n;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

/* Everything FD gives until end of file into B. */
static int slurp(int fd, struct buf *b)
{
	char chunk[65536];
	size_t cap = 0;
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errmsg("cannot read xenmon-export's output: %s", strerror(errno));
			return -1;
		}
		if (buf_add(b, chunk, (size_t)n, &cap) < 0) {
			errmsg("out of memory");
			return -1;
		}
	}
	return 0;
}

/* The export's command line: numbers for the times, so that 'now' is the
 * same instant for both programs. */
static char **export_argv(const struct opts *o, char from[24], char to[24])
{
	char **av = calloc(13 + 2 * o->ndoms, sizeof *av);
	size_t n = 0;
	if (!av)
		return NULL;
	snprintf(from, 24, "%" PRId64, o->from);
	snprintf(to, 24, "%" PRId64, o->to);
	const char *fixed[] = { o->export, "--db", o->db, "--from", from, "--to",
				to, "--step", o->step->name, "--format", "json" };
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		av[n++] = (char *)fixed[i];
	if (o->utc)
		av[n++] = (char *)"-u";
	for (size_t i = 0; i < o->ndoms; i++) {
		av[n++] = (char *)"--domain";
		av[n++] = (char *)o->doms[i];
	}
	return av;
}

/*
 * Run xenmon-export; its rows (JSON lines) into ROWS.  Its messages go to
 * our standard error as they are (they name the table read).  The export's
 * status: 0, EXPORT_NO_DATA, or another that it has explained; -1 if it
 * could not be run.
 */
static int run_export(const struct opts *o, struct buf *rows)
{
	char from[24], to[24];
	char **av = export_argv(o, from, to);
	int fds[2], status;
	if (!av || pipe(fds) < 0) {
		errmsg("cannot run %s: %s", o->export, strerror(errno));
		free(av);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(o->export, av);
		errmsg("cannot run %s: %s", o->export, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	free(av);
	if (pid < 0) {
		errmsg("cannot run %s: %s", o->export, strerror(errno));
		close(fds[0]);
		return -1;
	}
	int rc = slurp(fds[0], rows);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * How many physical CPUs recorded [FROM, TO): the most any table shows.
 * Each table is read for a bounded number of rows, enough to see every
 * CPU, so that a month of one-second rows is not scanned.
 */
static int count_cpus(const struct opts *o)
{
	char err[512];
	int most = 0;
	sqlite3 *db = schema_open_ro(o->db, err, sizeof err);
	if (!db) {
		errmsg("%s", err);
		return -1;
	}
	for (int i = 0; i < METRICS_TIERS; i++) {
		char sql[256];
		sqlite3_stmt *st;
		snprintf(sql, sizeof sql, "SELECT count(DISTINCT cpu) FROM (SELECT "
			 "cpu FROM %s WHERE t > ?1 - %lld AND t < ?2 LIMIT 100000)",
			 metrics_tiers[i].cpu, metrics_tiers[i].grain_s);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;   /* an older schema without the roll-ups */
		sqlite3_bind_int64(st, 1, o->from);
		sqlite3_bind_int64(st, 2, o->to);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > most)
			most = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return most;
}

/* S as a JSON string; '<' escaped so that no text can close the script
 * element the data sit in. */
static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == '<')
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The export's JSON lines as the elements of an array, '<' escaped as in
 * put_json_string() (it can occur only inside a domain's name). */
static void put_rows(FILE *f, const struct buf *rows)
{
	bool first = true, line_start = true;
	for (size_t i = 0; i < rows->len; i++) {
		char c = rows->p[i];
		if (c == '\n') {
			line_start = true;
			continue;
		}
		if (line_start) {
			fputs(first ? "\n" : ",\n", f);
			first = line_start = false;
		}
		if (c == '<')
			fputs("\\u003c", f);
		else
			fputc(c, f);
	}
}

/* The data element's JSON: the range, the host, and the rows. */
static void put_data(FILE *f, const struct opts *o, int ncpus,
		     const struct buf *rows)
{
	char made[32];
	time_t now = time(NULL);
	strftime(made, sizeof made, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "{\"from\":%" PRId64 ",\"to\":%" PRId64 ",\"step\":%" PRId64
		",\"step_name\":\"%s\",\"ncpus\":%d,\"idle_domid\":%d,\"made\":\"%s\","
		"\"sort\":", o->from, o->to, o->step->s, o->step->name, ncpus,
		METRICS_IDLE_DOMID, made);
	put_json_string(f, o->sort);
	fputs(",\"db\":", f);
	put_json_string(f, o->db);
	fputs(",\"rows\":[", f);
	put_rows(f, rows);
	fputs("\n]}", f);
}

/* Copy the file at PATH (the chart library) to F. */
static int put_file(FILE *f, const char *path)
{
	char chunk[65536];
	size_t n;
	FILE *in = fopen(path, "r");
	if (!in) {
		errmsg("%s: %s (the chart library: install Debian's libjs-chart.js)",
		       path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
		fwrite(chunk, 1, n, f);
	bool bad = ferror(in);
	fclose(in);
	if (bad)
		errmsg("%s: cannot read", path);
	return bad ? -1 : 0;
}

static int write_report(FILE *f, const struct opts *o, int ncpus,
			const struct buf *rows)
{
	fputs(report_head, f);
	if (put_file(f, o->chartjs) < 0)
		return -1;
	fputs(report_mid, f);
	put_data(f, o, ncpus, rows);
	fputs(report_tail, f);
	return 0;
}

/* The report to PATH (NULL: standard output), a regular file whole or not
 * at all. */
static int output(const struct opts *o, int ncpus, const struct buf *rows)
{
	if (!o->output || strcmp(o->output, "-") == 0) {
		if (write_report(stdout, o, ncpus, rows) < 0)
			return -1;
		if (fflush(stdout) != 0) {
			errmsg("standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	size_t len = strlen(o->output) + 16;
	char *tmp = malloc(len);
	if (!tmp) {
		errmsg("out of memory");
		return -1;
	}
	snprintf(tmp, len, "%s.tmp-XXXXXX", o->output);
	int fd = mkstemp(tmp);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	int rc = -1;
	if (!f)
		errmsg("%s: %s", o->output, strerror(errno));
	else if (write_report(f, o, ncpus, rows) < 0)
		;   /* said */
	else if (fchmod(fd, 0644) == 0 && fflush(f) == 0 && !ferror(f) &&
		 rename(tmp, o->output) == 0)
		rc = 0;
	else
		errmsg("%s: cannot write: %s", o->output, strerror(errno));
	if (f && fclose(f) != 0 && rc == 0) {
		errmsg("%s: cannot write: %s", o->output, strerror(errno));
		rc = -1;
	}
	else if (!f && fd >= 0)
		close(fd);
	if (rc < 0 && fd >= 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/*
 * The xenmon-export to run: the one beside this program (installed
 * together, wherever the prefix put them), the build tree's (tools/report
 * beside tools/export), else the configured bindir's.  Never a PATH
 * search: the report must not pick up another version by accident.
 */
static const char *find_export(char *buf, size_t len)
{
	static const char *const rel[] = { "xenmon-export", "../export/xenmon-export" };
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash)
			slash[1] = '\0';
		for (size_t i = 0; slash && i < sizeof rel / sizeof rel[0]; i++) {
			snprintf(buf, len, "%s%s", self, rel[i]);
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	return REPORT_EXPORT;
}

static int run(const struct opts *o)
{
	struct buf rows = { 0 };
	int status = run_export(o, &rows);
	if (status != 0 && status != EXPORT_NO_DATA) {
		free(rows.p);
		return status == 2 ? 2 : 1;
	}
	int ncpus = count_cpus(o);
	if (ncpus < 0 || output(o, ncpus, &rows) < 0)
		status = 1;
	free(rows.p);
	return status;
}

int main(int argc, char **argv)
{
	char exe[4200];
	struct opts o = { .db = SCHEMA_DEFAULT_DB, .sort = "p95",
			  .chartjs = REPORT_CHARTJS,
			  .export = find_export(exe, sizeof exe) };
	if (!(o.doms = calloc((size_t)argc, sizeof *o.doms))) {
		errmsg("out of memory");
		return 1;
	}
	int rc = parse_args(argc, argv, &o);
	if (rc < 0)
		rc = run(&o);
	free(o.doms);
	return rc;
}
