/*
 * xenmon-export: per (step, domain) figures over a range of history, as CSV
 * or JSON lines, for capacity planning and scripts.
 *
 * SQLite selects the rows, with bound parameters only (times, step, the
 * domain list as a JSON array; table names come from the program), and
 * reads the dates.  The rows are added up into steps in C, from seconds
 * (seconds.c) or from roll-ups (merge.c), because SQL's GROUP BY over a
 * day of seconds and json_each over a month of histograms cost seconds of
 * CPU where this costs a fraction (figures in the README); rows.c derives
 * and prints the figures.  This file parses the arguments, chooses the
 * table and owns the output file.
 *
 * Which table: one-second samples for steps up to a minute (exact
 * percentiles), the step's own roll-up for 1h (and hours for 1d: the sums
 * and histograms of an hour are exactly those of its minutes, so finer
 * roll-ups would give the same figures slower); if that table has been
 * pruned past the start of the range, the next one that still holds it.
 *
 * Output to a file goes to a temporary file beside it, renamed over it only
 * when complete, and removed on any error or interruption.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rows.h"
#include "merge.h"
#include "schema.h"
#include "seconds.h"
#include "timearg.h"

enum { SRC_1S, SRC_1M, SRC_1H, SRC_COUNT };

/* The tables a step can be read from; HIST: percentiles from histograms. */
static const struct source {
	const char *sample, *cpu, *pruned_key, *what;
	int64_t grain_s;
	bool hist;
} SOURCES[SRC_COUNT] = {
	[SRC_1S] = { "sample_1s", "cpu_1s", "pruned_before_1s",
		     "one-second samples", 1, false },
	[SRC_1M] = { "sample_1m", "cpu_1m", "pruned_before_1m",
		     "one-minute roll-ups", 60, true },
	[SRC_1H] = { "sample_1h", "cpu_1h", "pruned_before_1h",
		     "one-hour roll-ups", 3600, true },
};

/* Steps, and the tables that can serve each, preferred first. */
static const struct step {
	const char *name;
	int64_t s;
	int src[SRC_COUNT + 1];    /* ends with -1 */
} STEPS[] = {
	{ "1s", 1, { SRC_1S, -1 } },
	{ "10s", 10, { SRC_1S, -1 } },
	{ "1m", 60, { SRC_1S, SRC_1M, -1 } },
	{ "1h", 3600, { SRC_1H, SRC_1M, SRC_1S, -1 } },
	{ "1d", 86400, { SRC_1H, SRC_1M, SRC_1S, -1 } },
};

struct opts {
	const char *db, *from_s, *to_s, *output;
	const struct step *step;
	bool json, follow;
	const char **doms;        /* --domain arguments, as given */
	size_t ndoms;
	int64_t from, to;
};

struct out {
	FILE *f;
	char *tmp;                /* temporary file, renamed to final */
	const char *final;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void errmsg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("xenmon-export: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("xenmon-export: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'xenmon-export --help'.\n", stderr);
	return 2;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: xenmon-export --db PATH --from TIME --to TIME [--step STEP]\n"
"                     [--domain ID_OR_NAME]... [--format csv|json] [-o FILE]\n"
"                     [--follow]\n"
"\n"
"Write one row per (step, domain) of the history in a xenmon database: CPU%%\n"
"mean, p50, p95, p99 and max of the one-second CPU%% in the step, waiting %%,\n"
"blocked %%, executions and I/O per second, average allocation, lost records,\n"
"and the share of the step covered by data.\n"
"\n"
"  --db PATH          the database (opened read-only)\n"
"  --from TIME        start of the range, widened to a whole step\n"
"  --to TIME          end of the range (exclusive), widened to a whole step\n"
"  --step STEP        1s, 10s, 1m, 1h (default) or 1d; steps are aligned\n"
"                     to UTC (a 1d step starts at midnight UTC)\n"
"  --domain D         only domain D, a domid or a name (repeatable)\n"
"  --format F         csv (RFC 4180, one header row; default) or json (one\n"
"                     object per line)\n"
"  -o, --output FILE  write to FILE (complete or not at all) instead of\n"
"                     standard output\n"
"  --follow           after the range, keep adding each step as it completes\n"
"                     (until --to if given, or SIGINT/SIGTERM)\n"
"  --help, --version\n"
"\n"
"TIME: Unix seconds, any date SQLite reads ('2024-05-01 14:00', UTC), now,\n"
"today, yesterday, or relative to now: -2h, -30m, -90s, -1d, -1w.\n"
"The table read (one-second samples, one-minute or one-hour roll-ups) is\n"
"reported on standard error.  Exit status: 0 done, 1 runtime error,\n"
"2 usage error.\n");
}

static const struct step *find_step(const char *name)
{
	for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0]; i++)
		if (strcmp(STEPS[i].name, name) == 0)
			return &STEPS[i];
	return NULL;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_DB = 256, O_FROM, O_TO, O_STEP, O_DOMAIN, O_FORMAT, O_FOLLOW,
	       O_HELP, O_VERSION };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "step", required_argument, NULL, O_STEP },
		{ "domain", required_argument, NULL, O_DOMAIN },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "follow", no_argument, NULL, O_FOLLOW },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB: o->db = optarg; break;
		case O_FROM: o->from_s = optarg; break;
		case O_TO: o->to_s = optarg; break;
		case 'o': o->output = optarg; break;
		case O_FOLLOW: o->follow = true; break;
		case O_STEP:
			if (!(o->step = find_step(optarg)))
				return usage_error("--step: '%s' is not one of 1s, 10s, "
						   "1m, 1h, 1d", optarg);
			break;
		case O_FORMAT:
			if (strcmp(optarg, "csv") && strcmp(optarg, "json"))
				return usage_error("--format: '%s' is not csv or json",
						   optarg);
			o->json = optarg[0] == 'j';
			break;
		case O_DOMAIN:
			/* resolved against the database once it is open */
			o->doms[o->ndoms++] = optarg;
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		case O_VERSION:
			printf("xenmon-export %s (database schema %d)\n",
			       XENMON_VERSION, schema_version);
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
	if (!o->db)
		return usage_error("--db PATH is required%s", "");
	if (!o->from_s)
		return usage_error("--from TIME is required%s", "");
	if (!o->to_s && !o->follow)
		return usage_error("--to TIME is required (or --follow)%s", "");
	if (!o->step)
		o->step = find_step("1h");

	int64_t now = (int64_t)time(NULL);
	if (timearg_parse(o->from_s, now, &o->from) < 0)
		return usage_error("--from: cannot read '%s' as a time (try Unix "
				   "seconds, '2024-05-01 14:00', today or -2h)",
				   o->from_s);
	o->to = INT64_MAX;
	if (o->to_s && timearg_parse(o->to_s, now, &o->to) < 0)
		return usage_error("--to: cannot read '%s' as a time (try Unix "
				   "seconds, '2024-05-01 14:00', now or -1h)", o->to_s);
	if (o->from > o->to)
		return usage_error("the range is inverted: --from is later than "
				   "--to%s", "");
	if (o->from == o->to)
		return usage_error("the range is empty: --from equals --to%s", "");
	/* whole steps: a roll-up row cannot be split */
	int64_t s = o->step->s;
	o->from -= ((o->from % s) + s) % s;
	if (o->to != INT64_MAX && ((o->to % s) + s) % s)
		o->to += s - ((o->to % s) + s) % s;
	return -1;
}

static int open_db(const char *path, sqlite3 **out)
{
	char err[512];
	sqlite3 *db = schema_open_ro(path, err, sizeof err);
	if (!db) {
		errmsg("%s", err);
		return -1;
	}
	/* Version 2 brought the roll-ups; later ones add nothing it reads. */
	int v = schema_db_version(db);
	if (v < 2) {
		errmsg("%s: schema version %d has no history tables (this program "
		       "reads version 2 or later); let xenbaked open it once, "
		       "which migrates it in place, keeping its rows", path, v);
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

static int sql_fail(sqlite3 *db, const char *path, const char *what)
{
	errmsg("%s: %s: %s", path, what, sqlite3_errmsg(db));
	return -1;
}

/* How --domain D matches a lifetime in the domain table. */
#define DOMAIN_MATCH \
	"(d.domid = CAST(a.value AS INTEGER) AND a.value NOT GLOB '*[^0-9]*'" \
	" AND a.value <> '') OR d.name = a.value" \
	" OR (d.domid = 32767 AND a.value = 'Idle')" \
	" OR (d.name IS NULL AND a.value = 'dom' || d.domid)"

/* The --domain arguments as a JSON array of strings, built by SQLite's
 * json_insert() so that no argument is ever spliced into SQL text. */
static char *args_json(sqlite3 *db, const struct opts *o)
{
	sqlite3_stmt *st;
	char *args = NULL;

	if (sqlite3_prepare_v2(db, "SELECT json_insert(coalesce(?1, '[]'), "
			       "'$[#]', ?2)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	for (size_t i = 0; i < o->ndoms; i++) {
		sqlite3_bind_text(st, 1, args, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, o->doms[i], -1, SQLITE_STATIC);
		char *next = sqlite3_step(st) == SQLITE_ROW ?
			strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
		sqlite3_reset(st);
		free(args);
		if (!(args = next))
			break;
	}
	sqlite3_finalize(st);
	return args;
}

/*
 * The --domain arguments as a JSON array of domids in *OUT (NULL: all
 * domains).  Every argument must name at least one domain of the database.
 */
static int resolve_domains(sqlite3 *db, const struct opts *o, char **out)
{
	sqlite3_stmt *st = NULL;
	char *args;
	int rc;

	*out = NULL;
	if (!o->ndoms)
		return 0;
	if (!(args = args_json(db, o)) || sqlite3_prepare_v2(db,
	    "SELECT a.value, (SELECT count(*) FROM domain d WHERE " DOMAIN_MATCH "),"
	    " (SELECT json_group_array(DISTINCT d.domid) FROM json_each(?1) a"
	    "   JOIN domain d ON " DOMAIN_MATCH ")"
	    " FROM json_each(?1) a", -1, &st, NULL) != SQLITE_OK) {
		free(args);
		return sql_fail(db, o->db, "cannot read domains");
	}
	sqlite3_bind_text(st, 1, args, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1) == 0) {
			errmsg("%s: no domain '%s' (give a domid or a name from "
			       "the domain table)", o->db, sqlite3_column_text(st, 0));
			break;
		}
		if (!*out)
			*out = strdup((const char *)sqlite3_column_text(st, 2));
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		sql_fail(db, o->db, "cannot read domains");
	sqlite3_finalize(st);
	free(args);
	if (rc != SQLITE_DONE || !*out) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* meta KEY as an integer, or DEFAULT when absent. */
static int64_t meta_int(sqlite3 *db, const char *key, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER) FROM meta "
			       "WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		return dflt;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * The first table of the step's list that still holds all of [FROM, ..):
 * nothing of it pruned after FROM, and for a roll-up no back-fill pending.
 * If none does, the one that keeps the oldest rows, with a warning.
 */
static const struct source *choose_source(sqlite3 *db, const struct step *step,
					  int64_t from)
{
	bool backfill = meta_int(db, "history_backfill", -1) != -1;
	const struct source *best = NULL;
	int64_t best_kept = INT64_MAX;

	for (const int *i = step->src; *i >= 0; i++) {
		const struct source *src = &SOURCES[*i];
		int64_t kept = meta_int(db, src->pruned_key, INT64_MIN);
		if (src->hist && backfill)
			continue;
		if (from >= kept)
			return src;
		if (kept < best_kept) {
			best_kept = kept;
			best = src;
		}
	}
	if (best) {
		char when[32];
		time_t t = (time_t)best_kept;
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		errmsg("warning: no table holds the start of the range any more; "
		       "%s are kept from %s", best->what, when);
	}
	return best;
}

static void describe(const struct source *src, const struct opts *o,
		     int64_t from, int64_t to)
{
	char a[32], b[32];
	time_t ta = (time_t)from, tb = (time_t)to;
	strftime(a, sizeof a, "%Y-%m-%dT%H:%M:%SZ", gmtime(&ta));
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", gmtime(&tb));
	fprintf(stderr, "xenmon-export: reading %s (%s) for %s .. %s, %s steps\n",
		src->sample, src->what, a, b, o->step->name);
}

/* Export [FROM, TO) to F, in one read transaction: 0, or -1 (reported). */
static int export_range(sqlite3 *db, const struct opts *o, const char *doms,
			int64_t from, int64_t to, FILE *f)
{
	const struct source *src = choose_source(db, o->step, from);
	if (!src) {
		errmsg("%s: no table can give %s steps", o->db, o->step->name);
		return -1;
	}
	describe(src, o, from, to);
	int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = src->hist ?
		     merge_export(db, src->sample, src->cpu, doms, from, to,
				  o->step->s, o->json, f, &stop) :
		     seconds_export(db, doms, from, to, o->step->s, o->json, f,
				    &stop);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != 0 && !stop)
		sql_fail(db, o->db, "cannot query");
	return rc == 0 && !stop ? 0 : -1;
}

static int out_open(struct out *out, const char *path)
{
	if (!path) {
		out->f = stdout;
		return 0;
	}
	size_t n = strlen(path) + sizeof ".tmp.XXXXXX";
	out->final = path;
	if (!(out->tmp = malloc(n))) {
		errmsg("out of memory");
		return -1;
	}
	snprintf(out->tmp, n, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(out->tmp);
	if (fd < 0 || !(out->f = fdopen(fd, "w"))) {
		errmsg("%s: cannot create: %s", out->tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(out->tmp);
		out->tmp = NULL;
		return -1;
	}
	return 0;
}

/* Make the output complete: rename the temporary file over the final one. */
static int out_commit(struct out *out)
{
	if (fflush(out->f) != 0 || ferror(out->f)) {
		errmsg("%s: cannot write: %s", out->tmp ? out->tmp : "standard "
		       "output", strerror(errno));
		return -1;
	}
	if (!out->tmp)
		return 0;
	if (fclose(out->f) != 0) {
		out->f = NULL;
		errmsg("%s: cannot write: %s", out->tmp, strerror(errno));
		return -1;
	}
	out->f = NULL;
	if (rename(out->tmp, out->final) < 0) {
		errmsg("%s: cannot rename to %s: %s", out->tmp, out->final,
		       strerror(errno));
		return -1;
	}
	free(out->tmp);
	out->tmp = NULL;
	/* --follow appends to the complete file from now on */
	if (!(out->f = fopen(out->final, "a"))) {
		errmsg("%s: cannot append: %s", out->final, strerror(errno));
		return -1;
	}
	return 0;
}

/* Nothing is left that looks like a result of a failed export. */
static void out_close(struct out *out)
{
	if (out->f && out->f != stdout)
		fclose(out->f);
	if (out->tmp) {
		unlink(out->tmp);
		free(out->tmp);
	}
}

/* The end of the last whole step the database holds (newest second + 1,
 * down to a step boundary). */
static int64_t complete_end(sqlite3 *db, int64_t step_s)
{
	int64_t newest = INT64_MIN;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT max(t) FROM cpu_1s", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		newest = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (newest == INT64_MIN)
		return INT64_MIN;
	return (newest + 1) - (newest + 1) % step_s;
}

static void sleep_1s(void)
{
	struct timespec ts = { .tv_sec = 1 };
	nanosleep(&ts, NULL);
}

/*
 * One step of --follow, read into memory and written after its read
 * transaction: a consumer that stops reading our output (a stalled pipe)
 * must not hold a snapshot, which would keep the daemon's WAL from ever
 * starting over.
 */
static int export_buffered(sqlite3 *db, const struct opts *o, const char *doms,
			   int64_t from, int64_t to, FILE *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem) {
		errmsg("out of memory");
		return -1;
	}
	int rc = export_range(db, o, doms, from, to, mem);
	if (fclose(mem) != 0 && rc == 0) {
		errmsg("out of memory");
		rc = -1;
	}
	if (rc == 0 && len && fwrite(buf, 1, len, f) != len) {
		errmsg("cannot write: %s", strerror(errno));
		rc = -1;
	}
	free(buf);
	return rc;
}

/* --follow: each step once it is whole, until --to or a signal. */
static int follow(sqlite3 *db, const struct opts *o, const char *doms,
		  int64_t cursor, FILE *f)
{
	while (!stop && cursor < o->to) {
		int64_t end = complete_end(db, o->step->s);
		if (end > o->to)
			end = o->to;
		if (end > cursor) {
			if (export_buffered(db, o, doms, cursor, end, f) < 0)
				return stop ? 0 : -1;
			if (fflush(f) != 0) {
				errmsg("cannot write: %s", strerror(errno));
				return -1;
			}
			cursor = end;
		}
		sleep_1s();
	}
	return 0;
}

static int run(const struct opts *o)
{
	sqlite3 *db = NULL;
	char *doms = NULL;
	struct out out = { 0 };
	int status = 1;

	if (open_db(o->db, &db) < 0 || resolve_domains(db, o, &doms) < 0 ||
	    out_open(&out, o->output) < 0)
		goto done;
	/* --follow writes only whole steps, the rest as they complete */
	int64_t to = o->to;
	if (o->follow) {
		int64_t end = complete_end(db, o->step->s);
		if (end < to)
			to = end < o->from ? o->from : end;
	}
	if (!o->json)
		rows_csv_header(out.f);
	if (to > o->from && export_range(db, o, doms, o->from, to, out.f) < 0)
		goto done;
	if (out_commit(&out) < 0)
		goto done;
	if (o->follow && follow(db, o, doms, to, out.f) < 0)
		goto done;
	status = 0;
done:
	if (stop && status == 1 && !o->follow)
		errmsg("interrupted; no output file written");
	out_close(&out);
	free(doms);
	sqlite3_close(db);
	return status;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	o.doms = calloc((size_t)argc, sizeof *o.doms);
	if (!o.doms) {
		errmsg("out of memory");
		return 1;
	}
	int rc = parse_args(argc, argv, &o);
	if (rc < 0) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
		rc = run(&o);
	}
	free(o.doms);
	return rc;
}
