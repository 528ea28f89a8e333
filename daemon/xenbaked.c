/*
 * xenbaked: the xenmon daemon's command line.
 *
 * Without --input it records the host live (live.c, or live_stub.c in a
 * build without Xen's control libraries); with it, it replays (replay.c).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "files.h"
#include "http.h"
#include "textfile.h"
#include "live.h"
#include "log.h"
#include "replay.h"
#include "retention.h"
#include "schema.h"
#include "store.h"
#include "test_hook.h"
#include "timearg.h"
#include "writer.h"

#define DEFAULT_DB SCHEMA_DEFAULT_DB

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	/* the ages metrics_tiers[] gives, never written twice */
	struct retention_policy p;
	char age[RETENTION_SETS][16];
	retention_defaults(&p);
	for (int i = 0; i < RETENTION_SETS; i++)
		retention_format(p.keep_s[i], age[i], sizeof age[i]);
	_Static_assert(RETENTION_SETS == 10, "the text below has ten ages");
	fprintf(f,
"Usage: xenbaked [--db PATH] [--input FILE|-] [options]\n"
"\n"
"Record what Xen's scheduler does, per physical CPU and domain, one row per\n"
"second, into a SQLite database that xenmon, xenmon-export and the sqlite3\n"
"shell read.\n"
"\n"
"  --db PATH           database to write (default " DEFAULT_DB ");\n"
"                      created if missing, WAL mode\n"
"  --input FILE        replay a trace written by xentrace instead of\n"
"                      recording live; FILE may be - for a stream, e.g.\n"
"                      xentrace -e all /dev/stdout | xenbaked --input -\n"
"  --cpu-mhz MHZ       TSC frequency; by default calibrated from the\n"
"                      trace's own scheduler records (replay) or taken\n"
"                      from Xen (live)\n"
"  --start-time SECS   Unix time (may be fractional, 1970 to 3000) of the\n"
"                      trace's first record; by default the file's\n"
"                      modification time minus the trace's span, or for a\n"
"                      stream the time its first bytes arrive less the\n"
"                      span of the records in them\n"
"  --realtime          replay paced by trace time (one second per second)\n"
"  --tbuf-pages N      live: trace-buffer pages per CPU that Xen allocates\n"
"                      (default %u; Xen keeps the first size until reboot)\n"
"  --tee FILE          live: also write the raw trace to FILE, in\n"
"                      xentrace's format, for replay or xenalyze\n"
"  --retain-1s AGE     keep one-second rows for AGE (default %s), one-minute\n"
"  --retain-1m AGE     roll-ups (%s), one-hour roll-ups (%s), one-day (%s)\n"
"  --retain-1h AGE     and one-week roll-ups (%s): AGE like 36h, 90d, 2w,\n"
"  --retain-1d AGE     5y or forever; counted back from the newest second\n"
"  --retain-1w AGE     stored\n"
"  --retain-1s-cpu AGE the per-CPU split of each: one-second rows (default\n"
"  --retain-1m-cpu AGE %s), one-minute (%s), one-hour (%s), one-day (%s)\n"
"  --retain-1h-cpu AGE and one-week roll-ups (%s); never longer than the\n"
"  --retain-1d-cpu AGE tier's own, per-domain rows\n"
"  --retain-1w-cpu AGE\n"
"  --max-size SIZE     most the database (file and WAL) may take: like\n"
"                      500M, 2G or 10%% (of its file system), or off;\n"
"                      by default 10%% of its file system, at most 4 GiB,\n"
"                      and never more than is free less 15%% of the file\n"
"                      system (at most 4 GiB).  Over it, the oldest\n"
"                      seconds go first, then minutes, hours, days last\n"
"  --backlog AGE       live or a stream: how much to keep in memory while\n"
"                      the disk is full (default 10m, at most 1d): seconds\n"
"                      beyond it are dropped and recorded in table gap\n"
"  --metrics-listen ADDR:PORT\n"
"                      serve the figures stored, as counters, at\n"
"                      http://ADDR:PORT/metrics for Prometheus (Prometheus\n"
"                      text format, or OpenMetrics if asked for); :PORT\n"
"                      or PORT alone listens on 127.0.0.1 only\n"
"  --metrics-textfile PATH\n"
"                      write the same counters to PATH (a .prom file for\n"
"                      node_exporter's textfile collector), replaced whole\n"
"  --metrics-interval AGE  every AGE (default 15s, 1s to 1h)\n"
"  --config PATH       retention and size settings (default " RETENTION_DEFAULT_CONFIG ",\n"
"                      if present); flags win over it\n"
"  --quiet             no summary, no progress\n"
"  -h, --help          this text\n"
"  -V, --version       program and schema version\n"
"\n"
"A replay ends with a summary of what was read and written.  Seconds already\n"
"in the database are left exactly as they are, so replaying a trace twice\n"
"writes nothing new; only a second stored in part (where two trace files\n"
"join) is completed by the part another trace observed beside it.\n"
"SIGINT, SIGTERM and SIGHUP stop it, the complete seconds written.  Exit\n"
"status: 0 done or stopped, 1 runtime error (the message names the file\n"
"and, for a trace, the byte offset), 2 usage error.\n",
	LIVE_DEFAULT_TBUF_PAGES, age[0], age[1], age[2], age[3], age[4], age[5],
	age[6], age[7], age[8], age[9]);
}

static int usage_error(const char *fmt, const char *arg)
{
	char msg[1024];
	snprintf(msg, sizeof msg, fmt, arg);
	log_msg(stderr, LOG_LEVEL_ERR, "%s\nTry 'xenbaked --help'.", msg);
	return 2;
}

static int parse_number(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* The counters' readers: the endpoint, the textfile, or neither. */
struct serving {
	const char *listen, *textfile;  /* the flags', then the config's */
	int64_t every_s;
	struct exporter *exporter;
	struct http_server *http;
	struct textfile *tf;
};

static void serving_stop(struct serving *sv)
{
	http_stop(sv->http);
	textfile_stop(sv->tf);
	exporter_free(sv->exporter);
}

/* -1: reported. */
static int serving_start(struct serving *sv, const struct retention_policy *p)
{
	char err[512] = "out of memory";
	if (!sv->listen && p->metrics_listen[0])
		sv->listen = p->metrics_listen;
	if (!sv->textfile && p->metrics_textfile[0])
		sv->textfile = p->metrics_textfile;
	if (!sv->every_s)
		sv->every_s = p->metrics_interval_s;
	if (!sv->listen && !sv->textfile)
		return 0;
	if (!(sv->exporter = exporter_new(XENMON_VERSION)) ||
	    (sv->listen && !(sv->http = http_serve(sv->exporter, sv->listen, err,
						     sizeof err))) ||
	    (sv->textfile && !(sv->tf = textfile_start(sv->exporter,
				sv->textfile, (unsigned)sv->every_s, err,
				sizeof err)))) {
		log_msg(stderr, LOG_LEVEL_ERR, "%s", err);
		serving_stop(sv);
		return -1;
	}
	return 0;
}

/* Live or replay, as O says. */
static int record(struct replay_opts *o, struct live_opts *lo)
{
	char err[512];
	if (!o->input) {
		lo->db = o->db;
		lo->cpu_mhz = o->cpu_mhz;
		lo->quiet = o->quiet;
		lo->backlog = o->backlog;
		lo->full_report_s = o->full_report_s;
		lo->exporter = o->exporter;
		return live_run(lo, stdout, stderr);
	}
	if (files_prepare_db(o->db, err, sizeof err) < 0) {
		log_msg(stderr, LOG_LEVEL_ERR, "%s", err);
		return 1;
	}
	o->progress = !o->quiet && isatty(2);
	return replay_run(o, stdout, stderr);
}

int main(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_INPUT, OPT_MHZ, OPT_START, OPT_REALTIME,
	       OPT_QUIET, OPT_HELP, OPT_VERSION, OPT_TBUF_PAGES, OPT_TEE,
	       OPT_BACKLOG, OPT_METRICS_LISTEN, OPT_TEXTFILE, OPT_INTERVAL,
	       OPT_MAX_SIZE,
	       OPT_RETAIN, OPT_CONFIG = OPT_RETAIN + RETENTION_SETS };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "input", required_argument, NULL, OPT_INPUT },
		{ "cpu-mhz", required_argument, NULL, OPT_MHZ },
		{ "start-time", required_argument, NULL, OPT_START },
		{ "realtime", no_argument, NULL, OPT_REALTIME },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "tbuf-pages", required_argument, NULL, OPT_TBUF_PAGES },
		{ "tee", required_argument, NULL, OPT_TEE },
		{ "retain-1s", required_argument, NULL, OPT_RETAIN + METRICS_1S },
		{ "retain-1m", required_argument, NULL, OPT_RETAIN + METRICS_1M },
		{ "retain-1h", required_argument, NULL, OPT_RETAIN + METRICS_1H },
		{ "retain-1d", required_argument, NULL, OPT_RETAIN + METRICS_1D },
		{ "retain-1w", required_argument, NULL, OPT_RETAIN + METRICS_1W },
		{ "retain-1s-cpu", required_argument, NULL,
		  OPT_RETAIN + METRICS_TIERS + METRICS_1S },
		{ "retain-1m-cpu", required_argument, NULL,
		  OPT_RETAIN + METRICS_TIERS + METRICS_1M },
		{ "retain-1h-cpu", required_argument, NULL,
		  OPT_RETAIN + METRICS_TIERS + METRICS_1H },
		{ "retain-1d-cpu", required_argument, NULL,
		  OPT_RETAIN + METRICS_TIERS + METRICS_1D },
		{ "retain-1w-cpu", required_argument, NULL,
		  OPT_RETAIN + METRICS_TIERS + METRICS_1W },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "backlog", required_argument, NULL, OPT_BACKLOG },
		{ "metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN },
		{ "metrics-textfile", required_argument, NULL, OPT_TEXTFILE },
		{ "metrics-interval", required_argument, NULL, OPT_INTERVAL },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_opts o = { .db = DEFAULT_DB, .stop = &stop,
				 .backlog = WRITER_DEFAULT_BACKLOG };
	struct live_opts lo = { .stop = &stop };
	int64_t backlog;
	double pages;
	int c;
	const char *config = NULL;
	struct serving sv = { 0 };
	bool retain_set[RETENTION_SETS] = { 0 };
	int64_t retain[RETENTION_SETS] = { 0 };
	struct retention_policy policy;
	struct budget_spec max_size;
	bool max_size_set = false;
	char err[512];

	/* Nothing we create is for others: SQLite makes what files.c did not
	 * (a journal, say) 0644 less this, and --tee's copy of the trace
	 * stays root's and the readers'. */
	umask(027);
	/* SQLite's allocation statistics take a global mutex per malloc;
	 * nothing here reads them. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			if (!*optarg)
				return usage_error("--db needs a path%s", "");
			o.db = optarg;
			break;
		case OPT_INPUT:
			if (!*optarg)
				return usage_error("--input needs a file or -%s", "");
			o.input = optarg;
			break;
		case OPT_MHZ:
			if (parse_number(optarg, &o.cpu_mhz) < 0 ||
			    o.cpu_mhz < 1 || o.cpu_mhz > 100000)
				return usage_error("--cpu-mhz: '%s' is not a frequency "
						   "in MHz (1 to 100000)", optarg);
			break;
		case OPT_START:
			/* The readers' bound on times (timearg.h). */
			if (parse_number(optarg, &o.start_time) < 0 ||
			    o.start_time < 0 ||
			    o.start_time > (double)TIMEARG_MAX)
				return usage_error("--start-time: '%s' is not a Unix "
						   "time in seconds from 1970 to "
						   "3000", optarg);
			o.have_start = true;
			break;
		case OPT_TBUF_PAGES:
			if (parse_number(optarg, &pages) < 0 || pages < 1 ||
			    pages > LIVE_MAX_TBUF_PAGES || pages != floor(pages))
				return usage_error("--tbuf-pages: '%s' is not a number "
						   "of pages (1 to 65535)", optarg);
			lo.tbuf_pages = (unsigned)pages;
			break;
		case OPT_TEE:
			if (!*optarg)
				return usage_error("--tee needs a file%s", "");
			lo.tee = optarg;
			break;
		case OPT_RETAIN + METRICS_1S:
		case OPT_RETAIN + METRICS_1M:
		case OPT_RETAIN + METRICS_1H:
		case OPT_RETAIN + METRICS_1D:
		case OPT_RETAIN + METRICS_1W:
		case OPT_RETAIN + METRICS_TIERS + METRICS_1S:
		case OPT_RETAIN + METRICS_TIERS + METRICS_1M:
		case OPT_RETAIN + METRICS_TIERS + METRICS_1H:
		case OPT_RETAIN + METRICS_TIERS + METRICS_1D:
		case OPT_RETAIN + METRICS_TIERS + METRICS_1W:
			if (retention_parse(optarg, &retain[c - OPT_RETAIN]) < 0) {
				snprintf(err, sizeof err, "--%s: '%%s' is not an age "
					 "(like 7d, 36h, 90m, 5y or forever)",
					 retention_key(c - OPT_RETAIN));
				return usage_error(err, optarg);
			}
			retain_set[c - OPT_RETAIN] = true;
			break;
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_BACKLOG:
			if (retention_parse(optarg, &backlog) < 0 || backlog < 1 ||
			    backlog > 86400)
				return usage_error("--backlog: '%s' is not an age "
						   "from 1s to 1d (like 90s, 10m, 2h)",
						   optarg);
			o.backlog = (unsigned)backlog;
			break;
		case OPT_METRICS_LISTEN:
			sv.listen = optarg;
			break;
		case OPT_TEXTFILE:
			if (!*optarg)
				return usage_error("--metrics-textfile needs a "
						   "path%s", "");
			sv.textfile = optarg;
			break;
		case OPT_INTERVAL:
			if (retention_parse(optarg, &sv.every_s) < 0 ||
			    sv.every_s < 1 || sv.every_s > 3600)
				return usage_error("--metrics-interval: '%s' is not "
						   "an age from 1s to 1h", optarg);
			break;
		case OPT_MAX_SIZE:
			if (budget_parse(optarg, &max_size) < 0)
				return usage_error("--max-size: '%s' is not a size "
						   "(like 500M, 2G, 10%% or off; at "
						   "least 1M)", optarg);
			max_size_set = true;
			break;
		case OPT_REALTIME:
			o.realtime = true;
			break;
		case OPT_QUIET:
			o.quiet = true;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case 'V':
		case OPT_VERSION:
			printf("xenbaked %s (database schema %d)\n", XENMON_VERSION,
			       schema_version);
			return 0;
		default:
			if (optopt)
				return usage_error("unknown or incomplete option '%s'",
						   argv[optind - 1]);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o.input && (lo.tbuf_pages || lo.tee))
		return usage_error("--tbuf-pages and --tee are for live capture, "
				   "not with --input%s", "");
	if (!o.input && (o.have_start || o.realtime))
		return usage_error("--start-time and --realtime need --input%s", "");
	if (retention_configure(&policy, config, retain_set, retain, err,
				sizeof err) < 0)
		return usage_error("%s", err);
	if (max_size_set)
		policy.budget = max_size;
	store_set_default_retention(&policy);
	budget_set_log(o.quiet ? NULL : stderr);
	/* Tests shorten the minute between reports of a full disk. */
	const char *every = test_hook("XENBAKED_FULL_REPORT_S");
	o.full_report_s = every ? atof(every) : 60;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A terminal that goes away (an SSH session dropped under
	 * "xentrace | xenbaked --input -") ends the run as a stop does,
	 * rather than killing it without its summary and its run row. */
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (serving_start(&sv, &policy) < 0)
		return 1;
	o.exporter = sv.exporter;
	int status = record(&o, &lo);
	serving_stop(&sv);
	return status;
}
