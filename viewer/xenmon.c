/*
 * xenmon: the viewer's command line and its two loops.
 *
 * The live loop is one thread: wait for a key or the next refresh (ncurses'
 * getch with a timeout; SIGWINCH arrives as KEY_RESIZE, SIGINT/SIGTERM set a
 * flag that ends the loop), refresh the model from the database, paint.
 * The -n loop refreshes the same model per CPU and hands it to logmode.c.
 * Standard output that cannot show the screen (a pipe, TERM=dumb) gets the
 * model once as a plain table (table.c) instead.
 * Nothing here reads the database or paints directly: query.c, draw.c,
 * table.c and logmode.c do, and errors come back here to be reported once.
 *
 * A range FROM..TO is half-open, [FROM, TO): FROM's second is in it, TO's
 * is not, as in xenmon-export, so "--from 08:01:00 --to 08:01:30" is 30
 * seconds.  Every loop and window below is built from that one rule.
 */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domfilter.h"
#include "draw.h"
#include "files.h"
#include "logmode.h"
#include "query.h"
#include "schema.h"
#include "session.h"
#include "table.h"
#include "test_hook.h"
#include "timearg.h"

#define DEFAULT_DB SCHEMA_DEFAULT_DB
#define LIVE_WINDOW_S 10

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	bool live;
	const char *prefix, *db, *from_s, *to_s;
	const char *notice;      /* said once on the first screen */
	long duration_s, interval_ms, cpu;
	long frames;             /* batch mode: tables to print, 0 = no end */
	bool cpu_given, no_color, batch, utc;
	bool show[M_COUNT];
	int64_t from, to;
	const char **doms;       /* --domain arguments */
	size_t ndoms;
};

/* The live view's state between refreshes. */
struct app {
	const struct opts *o;
	struct query *q;
	struct model m;
	struct draw_state ds;
	int cpu;
	int host;                 /* 1 all CPUs, 0 one CPU, -1 not decided */
	int64_t t_end;            /* QUERY_LIVE or a fixed second */
	int64_t long_s;
	bool have_model, help, resolve_to, reopened;
	struct domfilter filter;  /* --domain, or what '/' typed */
	char filter_text[256];
	bool typing;              /* '/': the filter being typed */
	char typed[256];
	char wait_msg[600], msg[160];
	int64_t msg_until_ms;
};

/* The options that show and hide the rows, as usage() lists them: from
 * the metric table. */
static const char *row_options(void)
{
	static char b[M_COUNT * 96];
	size_t n = 0;
	b[0] = 0;
	for (int i = 0; i < M_COUNT && n < sizeof b; i++) {
		const struct metrics_view *v = &text_row((enum metric)i)->view;
		char both[64];
		if (!v->option[0])
			continue;
		snprintf(both, sizeof both, "--%s, --no%s", v->option, v->option);
		n += (size_t)snprintf(b + n, sizeof b - n,
				      "  %-29s%s rows (default %s)\n", both,
				      v->rows, v->shown ? "on" : "off");
	}
	return b;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: xenmon [--db PATH] [options]\n"
"\n"
"Show, per domain, the CPU time, waiting and blocked time, time slices and\n"
"I/O of a Xen host for the last second and the last ten seconds (like\n"
"xenmon.py), live or for any range of history, from the database that\n"
"xenbaked writes.  Opens the database read-only.\n"
"\n"
"  --db PATH          database (default " DEFAULT_DB ")\n"
"  -l, --live         live screen (default)\n"
"  -n, --notlive      write log files instead: PREFIX-domN.log, PREFIX-idle.log\n"
"  -p, --prefix P     log file prefix (default log)\n"
"  -t, --time S       stop logging after S seconds, 0 = never (default 10)\n"
"  -i, --interval MS  refresh / log interval in ms (default 1000); a log\n"
"                     line covers MS rounded to whole seconds\n"
"  --cpu N            show CPU N (default: all CPUs summed on a host with\n"
"                     more than one CPU); with -n, log only CPU N\n"
"  --domain D         show only the domains with domid D, named D, or whose\n"
"                     name matches the shell glob D ('web-*'; repeatable;\n"
"                     as xenmon-export's --domain)\n"
"%s"
"  --ms_per_sample N  accepted for xenmon.py's scripts; buckets are 1 s\n"
"  --from TIME, --to TIME\n"
"                     show (or with -n, log) the seconds from FROM up to,\n"
"                     not including, TO: Unix seconds, any date SQLite\n"
"                     reads ('2024-05-01 14:00'), HH:MM (today), now,\n"
"                     today, yesterday, or relative: -2h, -30m, -90s, -1d\n"
"  -u, --utc          read and show times in UTC (default: local time, TZ)\n"
"  -b, --batch        print the figures as plain-text tables, one per\n"
"                     interval, instead of the screen (as xentop -b)\n"
"  -c, --count N      with -b: N tables, 0 = until interrupted (default 1)\n"
"  --no-color         no colours (also when NO_COLOR is set)\n"
"  -h, --help         this text\n"
"  -V, --version      program and schema version\n"
"\n"
"Keys: c/n/p cycle CPUs, a all CPUs, Left/Right < > [ ] { } move 1 s, 10 s,\n"
"1 min, 1 h, L back to live, s/S/r sort, / filter domains, h or ? help, q quit.\n"
"When standard output cannot show the screen (not a terminal, or one that\n"
"cannot move the cursor, such as TERM=dumb), batch mode is chosen: the\n"
"newest complete second (or the range) is printed as a table, -c times.\n"
"Exit status: 0 done, 1 runtime error, 2 usage error.\n", row_options());
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "xenmon: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'xenmon --help'.\n");
	return 2;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_MSPS = 256, O_CPU, O_DB, O_FROM, O_TO, O_NOCOLOR, O_DOMAIN,
	       O_SHOW, O_HIDE = O_SHOW + M_COUNT };
	static const struct option fixed[] = {
		{ "live", no_argument, NULL, 'l' },
		{ "notlive", no_argument, NULL, 'n' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "time", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "batch", no_argument, NULL, 'b' },
		{ "utc", no_argument, NULL, 'u' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "ms_per_sample", required_argument, NULL, O_MSPS },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "domain", required_argument, NULL, O_DOMAIN },
		{ "db", required_argument, NULL, O_DB },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "no-color", no_argument, NULL, O_NOCOLOR },
		{ "no-colour", no_argument, NULL, O_NOCOLOR },
		{ "version", no_argument, NULL, 'V' },
	};
	enum { NFIXED = sizeof fixed / sizeof fixed[0] };
	/* and --OPTION, --noOPTION of each row that has one (metrics.h) */
	struct option lopts[NFIXED + 2 * M_COUNT + 1];
	char hide[M_COUNT][64];
	int n = NFIXED;
	long v;
	int c;

	memcpy(lopts, fixed, sizeof fixed);
	for (int i = 0; i < M_COUNT; i++) {
		const char *opt = text_row((enum metric)i)->view.option;
		if (!opt[0])
			continue;
		snprintf(hide[i], sizeof hide[i], "no%s", opt);
		lopts[n++] = (struct option){ opt, no_argument, NULL, O_SHOW + i };
		lopts[n++] = (struct option){ hide[i], no_argument, NULL, O_HIDE + i };
	}
	lopts[n] = (struct option){ NULL, 0, NULL, 0 };

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":lnp:t:i:hVbc:u", lopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->live = true; break;
		case 'n': o->live = false; break;
		case 'p':
			if (!*optarg)
				return usage_error("--prefix needs a prefix%s", "");
			o->prefix = optarg;
			break;
		case 't':
			if (parse_long(optarg, 0, LONG_MAX / 1000, &o->duration_s) < 0)
				return usage_error("--time: '%s' is not a number of "
						   "seconds (0 = forever)", optarg);
			break;
		case 'i':
			if (parse_long(optarg, 1, 3600000, &o->interval_ms) < 0)
				return usage_error("--interval: '%s' is not a number of "
						   "milliseconds (1 to 3600000)", optarg);
			break;
		case 'b': o->batch = true; break;
		case 'u': o->utc = true; break;
		case 'c':
			if (parse_long(optarg, 0, LONG_MAX, &o->frames) < 0)
				return usage_error("--count: '%s' is not a number of "
						   "tables (0 = until interrupted)",
						   optarg);
			break;
		case 'h': usage(stdout); return 0;
		case O_MSPS:
			if (parse_long(optarg, 0, LONG_MAX, &v) < 0)
				return usage_error("--ms_per_sample: '%s' is not a "
						   "non-negative number", optarg);
			break;
		case O_CPU:
			if (parse_long(optarg, 0, 65535, &o->cpu) < 0)
				return usage_error("--cpu: '%s' is not a CPU number",
						   optarg);
			o->cpu_given = true;
			break;
		case O_DOMAIN:
			if (!*optarg)
				return usage_error("--domain needs a domid, a name "
						   "or a glob%s", "");
			o->doms[o->ndoms++] = optarg;
			break;
		case O_DB:
			if (!*optarg)
				return usage_error("--db needs a path%s", "");
			o->db = optarg;
			break;
		case O_FROM: o->from_s = optarg; break;
		case O_TO: o->to_s = optarg; break;
		case O_NOCOLOR: o->no_color = true; break;
		case 'V':
			printf("xenmon %s (database schema %d)\n", XENMON_VERSION,
			       schema_version);
			return 0;
		case ':':
			return usage_error("option '%s' needs an argument",
					   argv[optind - 1]);
		default:
			if (c >= O_SHOW && c < O_SHOW + M_COUNT)
				o->show[c - O_SHOW] = true;
			else if (c >= O_HIDE && c < O_HIDE + M_COUNT)
				o->show[c - O_HIDE] = false;
			else
				return usage_error("unknown option '%s'",
						   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	int64_t now = (int64_t)time(NULL);
	if (o->from_s && timearg_parse(o->from_s, now, o->utc, &o->from) < 0)
		return usage_error("--from: cannot read '%s' as a time (try Unix "
				   "seconds, '2024-05-01 14:00', today or -2h)",
				   o->from_s);
	if (o->to_s && timearg_parse(o->to_s, now, o->utc, &o->to) < 0)
		return usage_error("--to: cannot read '%s' as a time (try Unix "
				   "seconds, '2024-05-01 14:00', now or -1h)", o->to_s);
	if (o->from_s && o->to_s && o->from > o->to)
		return usage_error("the range is inverted: --from is later than "
				   "--to%s", "");
	if (o->from_s && o->to_s && o->from == o->to)
		return usage_error("the range is empty: --from equals --to (the "
				   "range is FROM up to, not including, TO)%s", "");
	if (o->to_s && !o->from_s)
		o->from = o->to - LIVE_WINDOW_S;
	return -1;
}

/* Opens the database if needed, again when the path names another file
 * than the one open (query_file_changed(); *REOPENED then says so); 0 when
 * open, 1 to wait, -1 fatal (ERR). */
static int ensure_open(struct query **q, const char *path, char *err, size_t n,
		       bool *reopened)
{
	if (*q && query_file_changed(*q, path)) {
		query_close(*q);
		*q = NULL;
		*reopened = true;
	}
	if (*q)
		return 0;
	int rc = query_open(path, q, err, n);
	if (rc == -ENOENT || rc == -EAGAIN) {
		size_t len = strlen(err);
		snprintf(err + len, n - len, rc == -ENOENT ?
			 " (is xenbaked running?)" : "");
		return 1;
	}
	return rc < 0 ? -1 : 0;
}

/*
 * --cpu N of a host that has no CPU N is a usage error, said before the
 * screen is taken: an empty view would look like an idle CPU.  Told only
 * when the database has a second to count its CPUs by; otherwise the
 * viewer waits for one as it would anyway.  2 when refused, else -1.
 */
static int check_cpu(const struct opts *o)
{
	struct query *q = NULL;
	struct model m = { 0 };
	char err[600];
	bool reopened = false;
	int rc = -1;

	if (!o->cpu_given || ensure_open(&q, o->db, err, sizeof err, &reopened))
		return -1;
	if (query_refresh(q, &m, 0, QUERY_LIVE, 1, 0) == 0 &&
	    m.ncpus > 0 && o->cpu >= m.ncpus) {
		char msg[96];
		if (m.ncpus == 1)
			snprintf(msg, sizeof msg, "--cpu %ld: the host has only "
				 "CPU 0 (%%s)", o->cpu);
		else
			snprintf(msg, sizeof msg, "--cpu %ld: the host has CPUs 0 "
				 "to %d (%%s)", o->cpu, m.ncpus - 1);
		rc = usage_error(msg, o->db);
	}
	query_close(q);
	model_free(&m);
	return rc;
}

static int spark_len(int64_t long_s)
{
	return long_s < MODEL_SPARK_MAX ? (int)long_s : MODEL_SPARK_MAX;
}

static void app_message(struct app *a, const char *msg)
{
	snprintf(a->msg, sizeof a->msg, "%s", msg);
	a->ds.message = a->msg;
	a->msg_until_ms = mono_ms() + 3000;
}

/*
 * A recorder stores each second a second or two after it ends; a newest
 * second older than STALE_AFTER_S means none is being stored: the header
 * then says how long ago the last one came, and whether a recorder holds
 * the lock (a stopped xenbaked, or one that stalls), instead of LIVE.
 */
#define STALE_AFTER_S 5

static void note_freshness(struct model *m)
{
	const char *hook = test_hook("XENMON_STALE_AFTER_S");
	int64_t after = hook ? strtoll(hook, NULL, 10) : STALE_AFTER_S;
	int64_t age = (int64_t)time(NULL) - (m->t_live + 1);
	m->stale_s = age > after ? age : 0;
	if (!m->stale_s)
		return;
	int held = files_lock_held(files_lock_path());
	const char *legacy = files_lock_legacy_path();
	if (held == 0 && legacy)
		held = files_lock_held(legacy);
	m->recorder = held < 0 ? -1 : held;
}

/* 0 with a fresh model, 1 waiting (wait_msg says why), -1 fatal. */
static int app_refresh(struct app *a)
{
	int rc = ensure_open(&a->q, a->o->db, a->wait_msg, sizeof a->wait_msg,
			     &a->reopened);
	if (rc)
		return rc;
	if (a->reopened) {
		a->reopened = false;
		app_message(a, "the database file changed: reopened");
	}
	for (int pass = 0; pass < 2; pass++) {
		int cpu = a->host == 1 ? -1 : a->cpu;
		rc = query_refresh(a->q, &a->m, cpu, a->resolve_to ? QUERY_LIVE :
				   a->t_end, a->long_s, spark_len(a->long_s));
		if (rc == -ENODATA) {
			snprintf(a->wait_msg, sizeof a->wait_msg, "%s: no second "
				 "recorded yet", a->o->db);
			return 1;
		}
		if (rc < 0) {
			snprintf(a->wait_msg, sizeof a->wait_msg, "%s: %s",
				 a->o->db, query_errmsg(a->q));
			query_close(a->q);
			a->q = NULL;
			return 1;
		}
		bool again = false;
		if (a->host < 0) {
			a->host = a->m.ncpus > 1 && !a->o->cpu_given;
			again = a->host == 1;
		}
		if (a->cpu >= a->m.ncpus && a->m.ncpus > 0) {
			app_message(a, "no such CPU; showing CPU 0");
			a->cpu = 0;
			again = true;
		}
		if (a->resolve_to) {
			/* --from without --to: the range ends at the last
			 * complete second. */
			a->resolve_to = false;
			a->t_end = a->m.t_live;
			a->long_s = a->t_end - a->o->from + 1;
			again = true;
		}
		if (!again)
			break;
	}
	if (a->t_end == QUERY_LIVE)
		note_freshness(&a->m);
	model_sort(&a->m, a->ds.sort, WIN_LONG, a->ds.sort_desc);
	/* names are resolved again each time: guests come and go */
	if (a->filter.n && query_filter(a->q, &a->filter, NULL) < 0) {
		snprintf(a->wait_msg, sizeof a->wait_msg, "%s: %s", a->o->db,
			 query_errmsg(a->q));
		return -1;
	}
	model_filter(&a->m, &a->filter);
	a->have_model = true;
	return 0;
}

/* The filter of ARGS (the words of TEXT when ARGS is NULL): -1 out of
 * memory, and then none. */
static int app_set_filter(struct app *a, const char *const *args, size_t n,
			  char *text)
{
	const char *words[64];
	if (!args) {
		n = 0;
		for (char *w = strtok(text, " \t"); w && n < 64; w = strtok(NULL, " \t"))
			words[n++] = w;
		args = words;
	}
	if (domfilter_set(&a->filter, args, n) < 0) {
		a->ds.filter = NULL;
		return -1;
	}
	domfilter_text(&a->filter, a->filter_text, sizeof a->filter_text);
	a->ds.filter = a->filter.n ? a->filter_text : NULL;
	a->ds.scroll = 0;
	return 0;
}

/* A key while the filter is typed: true when it is applied. */
static bool app_type(struct app *a, int ch)
{
	size_t len = strlen(a->typed);
	switch (ch) {
	case 27:                  /* Esc: no filter */
		a->typed[0] = 0;
		/* fall through */
	case '\n': case '\r': case KEY_ENTER:
		a->typing = false;
		a->ds.prompt = NULL;
		if (app_set_filter(a, NULL, 0, a->typed) < 0)
			app_message(a, "out of memory: no filter");
		return true;
	case KEY_BACKSPACE: case 127: case 8:
		if (len)
			a->typed[len - 1] = 0;
		return false;
	case 21:                  /* ^U */
		a->typed[0] = 0;
		return false;
	default:
		if (ch >= ' ' && ch < 127 && len + 1 < sizeof a->typed) {
			a->typed[len] = (char)ch;
			a->typed[len + 1] = 0;
		}
		return false;
	}
}

static void app_move(struct app *a, int64_t delta)
{
	if (!a->have_model)
		return;
	int64_t base = a->t_end == QUERY_LIVE ? a->m.win[WIN_SHORT].t_last : a->t_end;
	int64_t t = base + delta;
	if (t >= a->m.t_live) {
		t = a->m.t_live;
		if (!a->ds.range) {
			a->t_end = QUERY_LIVE;
			a->ds.live = true;
			return;
		}
	}
	if (t < a->m.t_oldest)
		t = a->m.t_oldest;
	a->t_end = t;
	a->ds.live = false;
}

static void app_live(struct app *a)
{
	a->t_end = QUERY_LIVE;
	a->long_s = LIVE_WINDOW_S;
	a->ds.live = true;
	a->ds.range = false;
}

static void app_sort(struct app *a, int step)
{
	a->ds.sort = (enum sort_key)((a->ds.sort + SORT_COUNT + step) % SORT_COUNT);
	a->ds.sort_desc = a->ds.sort != SORT_DOMID && a->ds.sort != SORT_NAME;
}

/* Returns true when the key needs fresh data. */
static bool app_key(struct app *a, int ch, bool *quit)
{
	int ncpus = a->m.ncpus > 0 ? a->m.ncpus : 1;
	int page = LINES > 8 ? LINES - 8 : 1;

	if (a->help) {
		/* The help scrolls with the main screen's keys; any other
		 * key closes it. */
		int hpage = LINES > 2 ? LINES - 2 : 1;
		switch (ch) {
		case KEY_UP: a->ds.help_scroll--; return false;
		case KEY_DOWN: a->ds.help_scroll++; return false;
		case KEY_PPAGE: a->ds.help_scroll -= hpage; return false;
		case KEY_NPAGE: case ' ': a->ds.help_scroll += hpage; return false;
		case KEY_HOME: a->ds.help_scroll = 0; return false;
		default: a->help = false; return false;
		}
	}
	if (a->typing)
		return app_type(a, ch);
	switch (ch) {
	case '/':
		a->typing = true;
		snprintf(a->typed, sizeof a->typed, "%s", a->filter_text);
		a->ds.prompt = a->typed;
		return false;
	case 'q': case 'Q': *quit = true; return false;
	case 'h': case '?': a->help = true; a->ds.help_scroll = 0; return false;
	case 'c': case 'n':
		a->cpu = a->host == 1 ? a->cpu : (a->cpu + 1) % ncpus;
		a->host = 0;
		return true;
	case 'p':
		a->cpu = a->host == 1 ? a->cpu : (a->cpu + ncpus - 1) % ncpus;
		a->host = 0;
		return true;
	case 'a': a->host = a->host != 1; return true;
	case KEY_LEFT: case ',': app_move(a, -1); return true;
	case KEY_RIGHT: case '.': app_move(a, 1); return true;
	case '<': app_move(a, -10); return true;
	case '>': app_move(a, 10); return true;
	case '[': app_move(a, -60); return true;
	case ']': app_move(a, 60); return true;
	case '{': app_move(a, -3600); return true;
	case '}': app_move(a, 3600); return true;
	case 'L': case 'l': case KEY_END: app_live(a); return true;
	case 's': app_sort(a, 1); return true;
	case 'S': app_sort(a, -1); return true;
	case 'r': a->ds.sort_desc = !a->ds.sort_desc; return true;
	case KEY_UP: a->ds.scroll--; return false;
	case KEY_DOWN: a->ds.scroll++; return false;
	case KEY_PPAGE: a->ds.scroll -= page; return false;
	case KEY_NPAGE: case ' ': a->ds.scroll += page; return false;
	case KEY_HOME: a->ds.scroll = 0; return false;
	default: return false;
	}
}

static void app_paint(struct app *a, int state)
{
	if (a->ds.message && mono_ms() > a->msg_until_ms)
		a->ds.message = NULL;
	if (a->help)
		draw_help(&a->ds);
	else if (state != 0 || !a->have_model)
		draw_waiting(a->wait_msg, a->o->notice);
	else
		draw_screen(&a->m, &a->ds);
}

/* The view the options ask for; -1 when the database will never do. */
static int app_init(struct app *a, const struct opts *o)
{
	*a = (struct app){ .o = o, .cpu = (int)o->cpu,
			   .host = o->cpu_given ? 0 : -1,
			   .t_end = QUERY_LIVE, .long_s = LIVE_WINDOW_S };
	char err[600];
	bool reopened = false;
	int rc = ensure_open(&a->q, o->db, err, sizeof err, &reopened);
	if (rc < 0) {
		fprintf(stderr, "xenmon: %s\n", err);
		return -1;
	}
	if (rc > 0)
		snprintf(a->wait_msg, sizeof a->wait_msg, "%s", err);
	memcpy(a->ds.show, o->show, sizeof a->ds.show);
	if (app_set_filter(a, o->doms, o->ndoms, NULL) < 0) {
		fprintf(stderr, "xenmon: out of memory\n");
		query_close(a->q);
		return -1;
	}
	if (o->notice)
		app_message(a, o->notice);
	a->ds.live = true;
	a->ds.unicode = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	a->ds.db_path = o->db;
	if (o->from_s || o->to_s) {
		a->ds.live = false;
		a->ds.range = true;
		a->resolve_to = !o->to_s;
		a->t_end = o->to - 1;
		a->long_s = o->to - o->from;
	}
	return 0;
}

static void app_free(struct app *a)
{
	domfilter_clear(&a->filter);
	query_close(a->q);
	model_free(&a->m);
}

/*
 * Standard output that cannot show the screen (WHY) gets the view once as
 * a table.  On a terminal that cannot draw, that is said, lest the table
 * look like the screen gone wrong; into a pipe or a file, it is the point.
 */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/*
 * Batch mode: the screen's figures as plain-text tables, one per interval,
 * o->frames of them (0: until SIGINT/SIGTERM), for logs and pipes as
 * xentop -b.  A range of history is one table.  WHY, when the screen
 * was wanted but cannot be drawn, is said on a terminal.
 */
/* Batch mode's --domain: each argument that matches no domain of the
 * database is said; when none matches any, that is an error (-1, with
 * wait_msg saying so), as an empty table would look like idle guests. */
static int batch_filter(struct app *a)
{
	size_t n = a->filter.n, *count = n ? calloc(n, sizeof *count) : NULL;
	size_t matched = 0;
	if (!n)
		return 0;
	if (!count || query_filter(a->q, &a->filter, count) < 0) {
		snprintf(a->wait_msg, sizeof a->wait_msg, "%s: %s", a->o->db,
			 count ? query_errmsg(a->q) : "out of memory");
		free(count);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (count[i])
			matched++;
		else
			fprintf(stderr, "xenmon: %s: no domain matches '%s' (give a "
				"domid, a name from the domain table or a shell "
				"glob such as 'web-*')\n", a->o->db, a->filter.arg[i]);
	}
	free(count);
	if (matched)
		return 0;
	snprintf(a->wait_msg, sizeof a->wait_msg, "%s: --domain matches no "
		 "domain", a->o->db);
	return -1;
}

static int run_batch(const struct opts *o, const char *why)
{
	struct app a;
	bool range = o->from_s || o->to_s;
	if (why && isatty(STDOUT_FILENO)) {
		const char *term = getenv("TERM");
		fprintf(stderr, "xenmon: %s (TERM=%s): printing the %s as a table "
			"instead of the live screen\n", why, term ? term : "",
			range ? "range" : "last complete second");
	}
	if (app_init(&a, o) < 0)
		return 1;
	int rc = 0;
	for (long n = 0; !rc && !stop && (o->frames == 0 || n < o->frames); n++) {
		if (n)
			sleep_ms(o->interval_ms);
		if (stop || (rc = app_refresh(&a)) != 0 ||
		    (n == 0 && (rc = batch_filter(&a)) != 0))
			break;
		if ((n && fputc('\n', stdout) == EOF) ||
		    table_write(stdout, &a.m, o->show, a.ds.live, a.ds.range,
				a.ds.filter) < 0) {
			/* A reader that has read enough (| head), or a write
			 * that SIGINT/SIGTERM interrupted, is no error. */
			bool fine = errno == EPIPE || stop;
			snprintf(a.wait_msg, sizeof a.wait_msg, "%s", fine ? "" :
				 "cannot write the table to standard output");
			rc = fine ? 0 : -1;
			break;
		}
		if (range)
			break;
	}
	if (rc != 0 && a.wait_msg[0])
		fprintf(stderr, "xenmon: %s\n", a.wait_msg);
	app_free(&a);
	return rc != 0;
}

/*
 * After getch() gave nothing: is the terminal gone?  A closed terminal
 * (its emulator killed, an ssh session cut) reads as end-of-file or EIO at
 * once, forever, and a process that setsid() took from it gets no SIGHUP:
 * without this the loop would spin, redrawing to nobody.
 */
static bool terminal_gone(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&p, 1, 0) < 0)
		return errno != EINTR;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return true;
	if (!(p.revents & POLLIN))
		return false;
	/* Readable, yet getch() read no key: end-of-file or EIO, unless a key
	 * came in between, which goes back for the next getch(). */
	unsigned char c;
	ssize_t n = read(STDIN_FILENO, &c, 1);
	if (n == 1)
		ungetch(c);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

static int run_live(const struct opts *o)
{
	struct app a;
	if (app_init(&a, o) < 0)
		return 1;

	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	const char *nc = getenv("NO_COLOR");
	a.ds.color = !o->no_color && !(nc && *nc);
	draw_init(a.ds.color);

	int64_t next = 0;
	bool quit = false, dirty = true;
	int state = 1;
	while (!quit && !stop) {
		int64_t now = mono_ms();
		if (dirty || now >= next) {
			state = app_refresh(&a);
			next = now + o->interval_ms;
			dirty = false;
			if (state < 0)
				break;
		}
		app_paint(&a, state);
		int64_t wait = next - mono_ms();
		timeout(wait < 0 ? 0 : wait > INT_MAX ? INT_MAX : (int)wait);
		int ch = getch();
		if (ch == ERR && terminal_gone())
			break;
		if (ch != ERR && ch != KEY_RESIZE)
			dirty = app_key(&a, ch, &quit);
	}
	endwin();
	if (state < 0)
		fprintf(stderr, "xenmon: %s\n", a.wait_msg);
	app_free(&a);
	return state < 0 ? 1 : 0;
}

/* Logs the windows ending at T_END of every CPU (or --cpu). */
static int log_window(const struct opts *o, struct query *q, struct model *m,
		      struct domfilter *filter, struct logmode *lm, int64_t t_end, int64_t win_s,
		      double passed_ms)
{
	char err[600];
	int ncpus = 1;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		int c = o->cpu_given ? (int)o->cpu : cpu;
		int rc = query_refresh(q, m, c, t_end, win_s, 0);
		if (rc < 0) {
			fprintf(stderr, "xenmon: %s: %s\n", o->db, rc == -ENODATA ?
				"no second recorded" : query_errmsg(q));
			return -1;
		}
		ncpus = o->cpu_given ? 1 : m->ncpus;
		model_sort(m, SORT_DOMID, WIN_LONG, false);
		/* --domain: the other domains get no log lines */
		if (filter->n && query_filter(q, filter, NULL) < 0) {
			fprintf(stderr, "xenmon: %s: %s\n", o->db, query_errmsg(q));
			return -1;
		}
		model_filter(m, filter);
		m->nrows = model_shown(m);
		m->nhidden = 0;
		if (logmode_write(lm, m, passed_ms, err, sizeof err) < 0) {
			fprintf(stderr, "xenmon: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static int run_log(const struct opts *o)
{
	struct query *q = NULL;
	struct model m = { 0 };
	char err[600];
	int64_t start = mono_ms(), win_s = (o->interval_ms + 500) / 1000;
	bool said = false, reopened = false;
	int rc;

	if (win_s < 1)
		win_s = 1;
	while ((rc = ensure_open(&q, o->db, err, sizeof err, &reopened)) > 0 &&
	       !stop) {
		/* A range of history is what the file holds now: a missing
		 * database will not grow one, so say so instead of waiting. */
		if (o->from_s || o->to_s) {
			fprintf(stderr, "xenmon: %s\n", err);
			return 1;
		}
		if (!said)
			fprintf(stderr, "xenmon: waiting: %s\n", err);
		said = true;
		if (o->duration_s && mono_ms() - start >= o->duration_s * 1000)
			return 1;
		sleep_ms(1000);
	}
	if (rc < 0 || stop) {
		if (rc < 0)
			fprintf(stderr, "xenmon: %s\n", err);
		return rc < 0 ? 1 : 0;
	}
	struct domfilter filter = { 0 };
	struct logmode *lm = logmode_new(o->prefix);
	if (!lm || domfilter_set(&filter, o->doms, o->ndoms) < 0) {
		logmode_close(lm);
		fprintf(stderr, "xenmon: out of memory\n");
		query_close(q);
		return 1;
	}
	rc = 0;
	if (o->from_s || o->to_s) {
		/* [from, to); without --to, up to the last complete second. */
		int64_t to = o->to;
		if (!o->to_s && query_refresh(q, &m, 0, QUERY_LIVE, 1, 0) == 0)
			to = m.t_live + 1;
		for (int64_t t = o->from + win_s - 1; t < to && !rc && !stop; t += win_s)
			rc = log_window(o, q, &m, &filter, lm, t, win_s,
					(double)(t - o->from + 1) * 1000);
	} else {
		int64_t last = INT64_MIN;
		while (!rc && !stop && (!o->duration_s ||
		       mono_ms() - start < o->duration_s * 1000)) {
			/* A database deleted or replaced under us is followed,
			 * as on the screen; while it is missing, nothing is
			 * logged. */
			int state = ensure_open(&q, o->db, err, sizeof err,
						&reopened);
			if (state < 0) {
				fprintf(stderr, "xenmon: %s\n", err);
				rc = -1;
				break;
			}
			if (state == 0 &&
			    query_refresh(q, &m, 0, QUERY_LIVE, 1, 0) == 0 &&
			    m.t_live != last) {
				last = m.t_live;
				rc = log_window(o, q, &m, &filter, lm, last, win_s,
						(double)(mono_ms() - start));
			}
			sleep_ms(o->interval_ms);
		}
	}
	domfilter_clear(&filter);
	if (logmode_close(lm) < 0 && !rc) {
		fprintf(stderr, "xenmon: cannot write the log files\n");
		rc = -1;
	}
	query_close(q);
	model_free(&m);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.live = true, .prefix = "log", .db = DEFAULT_DB,
		.duration_s = 10, .interval_ms = 1000, .frames = 1,
	};
	for (int i = 0; i < M_COUNT; i++)
		o.show[i] = text_row((enum metric)i)->view.shown;
	if (!(o.doms = calloc((size_t)argc, sizeof *o.doms))) {
		fprintf(stderr, "xenmon: out of memory\n");
		return 1;
	}
	int rc = parse_args(argc, argv, &o);
	text_set_utc(o.utc);
	if (rc < 0)
		rc = check_cpu(&o);
	if (rc >= 0) {
		free(o.doms);
		return rc;
	}

	setlocale(LC_ALL, "");
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);    /* its terminal closed */
	signal(SIGPIPE, SIG_IGN);
	const char *why = o.live && !o.batch ? draw_cannot() : NULL;
	if (why || (o.live && o.batch)) {
		rc = run_batch(&o, why);
		free(o.doms);
		return rc;
	}
	/* Like xenmon.py: watching live on a host nobody records, record it
	 * for the session. */
	struct session rec = { 0 };
	char notice[PATH_MAX + 160];
	if (!o.from_s && !o.to_s &&
	    session_start(&rec, o.db, notice, sizeof notice) != 0) {
		if (o.live)
			o.notice = notice;
		else
			fprintf(stderr, "xenmon: %s\n", notice);
	}
	rc = o.live ? run_live(&o) : run_log(&o);
	session_stop(&rec);
	free(o.doms);
	return rc;
}
