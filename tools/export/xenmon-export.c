/*
 * xenmon-export: per (step, domain) figures over a range of history, as CSV
 * or JSON lines, for capacity planning and scripts.
 *
 * SQLite selects the rows, with bound parameters only (times, step, the
 * domain list as a JSON array; table names come from the program), and
 * reads the dates.  The rows are added up into steps in C, from seconds
 * (seconds.c) or from roll-ups (rollups.c), because SQL's GROUP BY over a
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
 * Which domain: a row is one domain, a domid under one name (domains.c);
 * --domain selects domains, never a domid's other guests.
 *
 * Output (output.c): a regular file is written whole or not at all, by a
 * temporary file renamed over it; a device, a FIFO or an inherited
 * descriptor is written as the rows come.
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

#include "openmetrics.h"
#include "rows.h"
#include "rollups.h"
#include "metrics.h"
#include "output.h"
#include "domfilter.h"
#include "pruned.h"
#include "schema.h"
#include "seconds.h"
#include "steps.h"
#include "timearg.h"

/* The tables a step can be read from are metrics_tiers[]; the roll-ups
 * (grain over a second) give percentiles from histograms. */
static bool has_hist(int tier)
{
	return metrics_tiers[tier].grain_s > 1;
}

/* Steps, and the tables that can serve each, preferred first. */
static const struct step {
	const char *name;
	int64_t s;
	bool local;               /* from local midnight unless -u (steps.c) */
	int src[METRICS_TIERS + 1];    /* ends with -1 */
} STEPS[] = {
	{ "1s", 1, false, { METRICS_1S, -1 } },
	{ "10s", 10, false, { METRICS_1S, -1 } },
	{ "1m", METRICS_GRAIN_1M, false, { METRICS_1S, METRICS_1M, -1 } },
	{ "1h", METRICS_GRAIN_1H, false,
	  { METRICS_1H, METRICS_1M, METRICS_1S, -1 } },
	{ "1d", METRICS_GRAIN_1D, true,
	  { METRICS_1H, METRICS_1M, METRICS_1S, -1 } },
};

struct opts {
	const char *db, *from_s, *to_s, *output;
	const struct step *step;
	bool json, follow, quiet, utc, host_column, openmetrics;
	char host[256];           /* --host-column: meta hostname */
	const char **doms;        /* the --domain arguments */
	size_t ndoms;
	struct domfilter filter;  /* what they select (domfilter.c) */
	int64_t from, to;
	struct steps steps;       /* where STEP cuts time */
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

/* The exit status of an export whose range holds no data. */
#define EXPORT_NO_DATA 3

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
"Usage: xenmon-export [--db PATH] --from TIME --to TIME [--step STEP]\n"
"                     [--domain ID_OR_NAME]... [--format csv|json|openmetrics] [-o FILE]\n"
"                     [--follow] [--host-column] [--quiet]\n"
"\n"
"Write one row per (step, domain) of the history in a xenmon database: CPU%%\n"
"mean, p50, p95, p99 and max of the one-second CPU%% in the step, waiting %%,\n"
"blocked %%, executions and I/O per second, average allocation, lost records,\n"
"and the share of the step covered by data.\n"
"\n"
"  --db PATH          the database (opened read-only; default\n"
"                     " SCHEMA_DEFAULT_DB ")\n"
"  --from TIME        start of the range (inclusive), widened to a whole step\n"
"  --to TIME          end of the range (exclusive), widened to a whole step\n"
"  --step STEP        1s, 10s, 1m, 1h (default) or 1d; a 1d step runs from\n"
"                     local midnight to midnight (23 or 25 hours at a DST\n"
"                     change; UTC's with -u), the others are aligned to UTC\n"
"  --domain D         only the domains with domid D, named D, or whose name\n"
"                     matches the shell glob D ('web-*'; repeatable);\n"
"                     a domid reused by another guest is another domain\n"
"  --format F         csv (RFC 4180, one header row; default), json (one\n"
"                     object per line) or openmetrics (counters with\n"
"                     timestamps, for promtool tsdb create-blocks-from\n"
"                     openmetrics: backfill into Prometheus)\n"
"  -o, --output FILE  write to FILE instead of standard output: a regular\n"
"                     file is complete or not at all, a device, FIFO or\n"
"                     /dev/fd/N is written as rows come; links are followed\n"
"  --follow           after the range, keep adding each step as it completes\n"
"                     (until --to if given, or SIGINT/SIGTERM)\n"
"  -u, --utc          read and write times in UTC (default: local time, TZ;\n"
"                     the t column is Unix seconds either way)\n"
"  --host-column      a first column, host: the name of the host that\n"
"                     recorded (xenbaked's meta hostname), so that the\n"
"                     exports of many hosts concatenate\n"
"  -q, --quiet        no line saying which table is read (warnings and\n"
"                     errors are still said)\n"
"  -h, --help, -V, --version\n"
"\n"
"TIME: Unix seconds, any date SQLite reads ('2024-05-01 14:00', local time\n"
"unless -u or it names its zone), HH:MM (today), now,\n"
"today, yesterday, or relative to now: -2h, -30m, -90s, -1d, -1w.\n"
"The table read (one-second samples, one-minute or one-hour roll-ups) is\n"
"reported on standard error, once.  Exit status: 0 done, 1 runtime error,\n"
"2 usage error, 3 the range holds no data (the header alone is written).\n");
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
	       O_HELP, O_VERSION, O_HOST_COLUMN };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "step", required_argument, NULL, O_STEP },
		{ "domain", required_argument, NULL, O_DOMAIN },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "follow", no_argument, NULL, O_FOLLOW },
		{ "host-column", no_argument, NULL, O_HOST_COLUMN },
		{ "quiet", no_argument, NULL, 'q' },
		{ "utc", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qhVu", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB: o->db = optarg; break;
		case O_FROM: o->from_s = optarg; break;
		case O_TO: o->to_s = optarg; break;
		case 'o': o->output = optarg; break;
		case O_FOLLOW: o->follow = true; break;
		case O_HOST_COLUMN: o->host_column = true; break;
		case 'q': o->quiet = true; break;
		case 'u': o->utc = true; break;
		case O_STEP:
			if (!(o->step = find_step(optarg)))
				return usage_error("--step: '%s' is not one of 1s, 10s, "
						   "1m, 1h, 1d", optarg);
			break;
		case O_FORMAT:
			if (strcmp(optarg, "csv") && strcmp(optarg, "json") &&
			    strcmp(optarg, "openmetrics"))
				return usage_error("--format: '%s' is not csv, json or "
						   "openmetrics", optarg);
			o->json = optarg[0] == 'j';
			o->openmetrics = optarg[0] == 'o';
			break;
		case O_DOMAIN:
			/* resolved against the database once it is open */
			o->doms[o->ndoms++] = optarg;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return 0;
		case 'V':
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
	if (!o->from_s)
		return usage_error("--from TIME is required%s", "");
	/* OpenMetrics ends with "# EOF": a file, not a stream of rows. */
	if (o->openmetrics && (o->follow || o->host_column))
		return usage_error("--format openmetrics is a whole range: no "
				   "--follow, no --host-column%s", "");
	if (!o->to_s && !o->follow)
		return usage_error("--to TIME is required (or --follow)%s", "");
	if (!o->step)
		o->step = find_step("1h");

	int64_t now = (int64_t)time(NULL);
	if (timearg_parse(o->from_s, now, o->utc, &o->from) < 0)
		return usage_error("--from: cannot read '%s' as a time (try Unix "
				   "seconds, '2024-05-01 14:00', today or -2h)",
				   o->from_s);
	o->to = INT64_MAX;
	if (o->to_s && timearg_parse(o->to_s, now, o->utc, &o->to) < 0)
		return usage_error("--to: cannot read '%s' as a time (try Unix "
				   "seconds, '2024-05-01 14:00', now or -1h)", o->to_s);
	if (o->from > o->to)
		return usage_error("the range is inverted: --from is later than "
				   "--to%s", "");
	if (o->from == o->to)
		return usage_error("the range is empty: --from equals --to%s", "");
	/* whole steps: a roll-up row cannot be split; a day is the local
	 * wall clock's unless -u */
	steps_init(&o->steps, o->step->s, o->step->local && !o->utc);
	o->from = steps_start(&o->steps, o->from);
	if (o->to != INT64_MAX && steps_start(&o->steps, o->to) != o->to)
		o->to = steps_next(&o->steps, o->to);
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

/* The --domain filter, resolved against the database's domain table:
 * every argument must match at least one of its domains. */
static int domain_filter(sqlite3 *db, struct opts *o)
{
	size_t *count;
	int rc = 0;

	if (!o->ndoms)
		return 0;
	if (!(count = calloc(o->ndoms, sizeof *count)) ||
	    domfilter_set(&o->filter, o->doms, o->ndoms) < 0) {
		free(count);
		errmsg("out of memory");
		return -1;
	}
	if (domfilter_resolve(&o->filter, db) < 0 ||
	    domfilter_count(&o->filter, db, count) < 0)
		rc = sql_fail(db, o->db, "cannot read domains");
	for (size_t i = 0; i < o->ndoms && !rc; i++)
		if (!count[i]) {
			errmsg("%s: no domain matches '%s' (give a domid, a name "
			       "from the domain table or a shell glob such as "
			       "'web-*')", o->db, o->doms[i]);
			rc = -1;
		}
	free(count);
	return rc;
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

/* Issue 17: the I/O sources the traces showed (meta io_sources, metrics.h). */
static unsigned io_sources(sqlite3 *db)
{
	sqlite3_stmt *st;
	unsigned sources = metrics_io_sources_known(NULL);
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = '"
			       METRICS_IO_SOURCES_KEY "'", -1, &st, NULL) != SQLITE_OK)
		return sources;
	if (sqlite3_step(st) == SQLITE_ROW)
		sources = metrics_io_sources_known(
			(const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return sources;
}

/* --host-column: the host's name as xenbaked recorded it; "" for a
 * database made before it did. */
static void use_host_column(sqlite3 *db, struct opts *o)
{
	sqlite3_stmt *st;
	if (!o->host_column)
		return;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = "
			       "'hostname'", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(o->host, sizeof o->host, "%s",
				 (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	rows_set_host(o->host);
}

/* What a run has said on standard error, so that --follow does not say
 * it again every step (a cron job mails whatever it is told). */
struct said {
	const struct metrics_tier *reading;
	bool pruned, mixed, budget, coarse;
};

/* From which second each table holds every row (INT64_MIN: all, INT64_MAX:
 * none, a roll-up whose back-fill is pending). */
static void tables_kept(sqlite3 *db, int64_t kept[METRICS_TIERS])
{
	bool backfill = meta_int(db, "history_backfill", -1) != -1;
	for (int i = 0; i < METRICS_TIERS; i++)
		kept[i] = has_hist(i) && backfill ? INT64_MAX :
			  meta_int(db, metrics_tiers[i].pruned_key, INT64_MIN);
}

static bool say_utc;

static void say_time(char *buf, size_t len, int64_t t)
{
	timearg_iso(buf, len, t, say_utc);
}

/* Said when the days of the range are read from rows that straddle
 * their midnights (a zone half an hour off UTC, minutes pruned). */
static void warn_coarse(int tier, struct steps *sp, int64_t from,
			struct said *said)
{
	char when[40];
	if (said->coarse)
		return;
	said->coarse = true;
	say_time(when, sizeof when, steps_next(sp, from));
	errmsg("warning: local midnight (%s) is not on a boundary of the %s, "
	       "the finest table that holds the range: each of its rows is "
	       "counted in the day it starts in", when, metrics_tiers[tier].what);
}

/*
 * The first table of the step's list that still holds all of [FROM, ..):
 * nothing of it pruned after FROM, and for a roll-up no back-fill pending;
 * and whose rows the steps do not cut (SP: local midnight at :30 is no
 * hour's start).  If none is whole, the first that holds the range, with
 * a warning; if none holds it, the one that keeps the oldest rows, with
 * a warning.
 */
static int choose_source(const struct step *step, const int64_t kept[METRICS_TIERS],
			 int64_t from, int64_t to, struct steps *sp,
			 struct said *said)
{
	int best = -1, coarse = -1;
	for (const int *i = step->src; *i >= 0; i++) {
		if (kept[*i] == INT64_MAX)
			continue;
		if (from >= kept[*i]) {
			if (steps_aligned(sp, from, to, metrics_tiers[*i].grain_s))
				return *i;
			if (coarse < 0)
				coarse = *i;
			continue;
		}
		if (best < 0 || kept[*i] < kept[best])
			best = *i;
	}
	if (coarse >= 0) {
		warn_coarse(coarse, sp, from, said);
		return coarse;
	}
	if (best >= 0 && !said->pruned) {
		char when[40];
		say_time(when, sizeof when, kept[best]);
		errmsg("warning: no table holds the start of the range any more; "
		       "%s are kept from %s", metrics_tiers[best].what, when);
		said->pruned = true;
	}
	return best;
}

/* TIER's table in DB, as a reader reads it (schema_tier_table()). */
static const char *tier_table(sqlite3 *db, int tier)
{
	return schema_tier_table(db, tier);
}

/* Which table is read: once, and again only if that changes. */
static void describe(const struct metrics_tier *src, const char *table,
		     const struct opts *o, int64_t from, int64_t to,
		     struct said *said)
{
	char a[40], b[40];
	if (o->quiet || said->reading == src)
		return;
	said->reading = src;
	say_time(a, sizeof a, from);
	say_time(b, sizeof b, to);
	fprintf(stderr, "xenmon-export: reading %s (%s) for %s .. %s, %s steps\n",
		table, src->what, a, b, o->step->name);
}

static void warn_mixed(const struct rollups_note *note, struct said *said)
{
	char when[40];
	if (!note->mixed || said->mixed)
		return;
	said->mixed = true;
	say_time(when, sizeof when, note->first_t);
	errmsg("warning: %lld row%s (the first at %s, domid %lld) add up two "
	       "domains that had the same domid, named 'A + B': the tables "
	       "that could tell them apart are pruned", (long long)note->mixed,
	       note->mixed == 1 ? "" : "s", when, (long long)note->first_domid);
}

/* Rows of the table read that the size budget dropped within [FROM, TO)
 * (table pruned): said once, so that they are not taken for seconds never
 * recorded. */
static int warn_budget(sqlite3 *db, int tier, int64_t from, int64_t to,
		       struct said *said)
{
	int64_t first, last;
	char reason[64], a[32], b[32];
	if (said->budget)
		return 0;
	int rc = pruned_span(db, tier_table(db, tier), from, to - 1,
			     &first, &last, reason, sizeof reason);
	if (rc <= 0)
		return rc;
	said->budget = true;
	say_time(a, sizeof a, first < from ? from : first);
	say_time(b, sizeof b, last >= to ? to - 1 : last);
	errmsg("warning: %s from %s to %s were dropped for the %s (table "
	       "pruned): %s has no rows for them", metrics_tiers[tier].what, a, b,
	       reason, tier_table(db, tier));
	return 0;
}

static int read_range(sqlite3 *db, const struct opts *o, int64_t from,
		      int64_t to, FILE *f, struct said *said)
{
	int64_t kept[METRICS_TIERS];
	struct rollups_note note = { 0 };
	struct steps sp = o->steps;
	tables_kept(db, kept);
	rows_set_io_sources(io_sources(db));
	int i = choose_source(o->step, kept, from, to, &sp, said);
	if (i < 0) {
		errmsg("%s: no table can give %s steps", o->db, o->step->name);
		return 1;
	}
	describe(&metrics_tiers[i], tier_table(db, i), o, from, to, said);
	if (warn_budget(db, i, from, to, said) < 0)
		return -1;
	int rc = has_hist(i) ?
		 rollups_export(db, i, kept, &o->filter, from, to,
				&sp, o->json, f, &note, &stop) :
		 seconds_export(db, &o->filter, from, to, &sp,
				o->json, f, &stop);
	if (rc == 0)
		warn_mixed(&note, said);
	return rc;
}

/*
 * Does any tier hold a step of [FROM, TO)?  A range with no data is worth
 * saying (a time typed in the wrong zone, a host that was not recording):
 * a file of one header row looks like success.  An index seek per tier.
 */
static bool range_has_data(sqlite3 *db, int64_t from, int64_t to)
{
	bool found = false;
	/* not the days: they hold what the hours do, in steps too long to
	 * tell an evening without data from a morning with some */
	for (int i = 0; i <= METRICS_1H && !found; i++) {
		char sql[160];
		sqlite3_stmt *st;
		snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE t > ?1 - %lld "
			 "AND t < ?2 LIMIT 1", metrics_tiers[i].cpu,
			 metrics_tiers[i].grain_s);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;   /* an older schema without the roll-ups */
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, to);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return found;
}

/* Export [FROM, TO) to F, in one read transaction: 0, or -1 (reported). */
static int export_range(sqlite3 *db, const struct opts *o, int64_t from,
			int64_t to, FILE *f, struct said *said)
{
	int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = read_range(db, o, from, to, f, said);
	else
		rc = -1;
	/* said before COMMIT, which would clear the message */
	if (rc < 0 && !stop)
		sql_fail(db, o->db, "cannot query");
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc == 0 && !stop ? 0 : -1;
}

/* The end of the last whole step the database holds (newest second + 1,
 * down to a step boundary). */
static int64_t complete_end(sqlite3 *db, const struct opts *o)
{
	int64_t newest = INT64_MIN;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT last_t FROM cpu_1s_span", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		newest = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (newest == INT64_MIN)
		return INT64_MIN;
	struct steps sp = o->steps;
	return steps_start(&sp, newest + 1);
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
static int export_buffered(sqlite3 *db, const struct opts *o, int64_t from,
			   int64_t to, FILE *f, struct said *said)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem) {
		errmsg("out of memory");
		return -1;
	}
	int rc = export_range(db, o, from, to, mem, said);
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
static int follow(sqlite3 *db, const struct opts *o, int64_t cursor, FILE *f,
		  struct said *said)
{
	while (!stop && cursor < o->to) {
		int64_t end = complete_end(db, o);
		if (end > o->to)
			end = o->to;
		if (end > cursor) {
			if (export_buffered(db, o, cursor, end, f, said) < 0)
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

static int run(struct opts *o)
{
	sqlite3 *db = NULL;
	struct out out = { 0 };
	struct said said = { 0 };
	int status = 1;

	/* -o /dev/fd/N names a descriptor we inherited, which the
	 * database's could otherwise take */
	if (out_claim_fd(&out, o->output) < 0 || open_db(o->db, &db) < 0 ||
	    domain_filter(db, o) < 0 || out_open(&out, o->output) < 0)
		goto done;
	/* --follow writes only whole steps, the rest as they complete */
	int64_t to = o->to;
	if (o->follow) {
		int64_t end = complete_end(db, o);
		if (end < to)
			to = end < o->from ? o->from : end;
	}
	use_host_column(db, o);
	if (o->openmetrics)
		openmetrics_begin(io_sources(db));
	else if (!o->json)
		rows_csv_header(out.f);
	if (to > o->from && export_range(db, o, o->from, to, out.f, &said) < 0)
		goto done;
	if (o->openmetrics && openmetrics_finish(out.f) < 0) {
		errmsg("out of memory");
		goto done;
	}
	if (out_commit(&out) < 0)
		goto done;
	if (o->follow && follow(db, o, to, out.f, &said) < 0)
		goto done;
	status = 0;
	if (!o->follow && !range_has_data(db, o->from, to)) {
		char a[40], b[40];
		say_time(a, sizeof a, o->from);
		say_time(b, sizeof b, to);
		errmsg("%s: no data from %s to %s (only the header was written)",
		       o->db, a, b);
		status = EXPORT_NO_DATA;
	}
done:
	if (stop && status == 1 && !o->follow)
		errmsg(out.whole ? "interrupted; no output file written" :
		       "interrupted");
	out_close(&out);
	sqlite3_close(db);
	return status;
}

int main(int argc, char **argv)
{
	struct opts o = { .db = SCHEMA_DEFAULT_DB };
	o.doms = calloc((size_t)argc, sizeof *o.doms);
	if (!o.doms) {
		errmsg("out of memory");
		return 1;
	}
	int rc = parse_args(argc, argv, &o);
	say_utc = o.utc;
	rows_set_utc(o.utc);
	if (rc < 0) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
		rc = run(&o);
	}
	domfilter_clear(&o.filter);
	free(o.doms);
	return rc;
}
