/*
 * Retention and pruning.
 *
 * A tier is a pair of tables of one resolution (sample_1s + cpu_1s, and
 * the same for 1m, 1h and 1d).  With N the newest stored second, a one-second
 * row is kept when t > N - keep, a roll-up row of grain g when any of its
 * seconds is (t + g > N + 1 - keep): roll-up rows are deleted whole or not
 * at all, so a kept row is always complete.
 *
 * Deleting a week of seconds at once would hold the write lock for
 * seconds, blocking the next second's transaction.  So the oldest rows go
 * in steps: each step deletes [oldest, oldest + span) of one tier in its
 * own transaction and is timed; the span doubles while a step takes under
 * 5 ms and halves above 20 ms, which keeps every step well below the 50 ms
 * the daemon allows whatever the rows per second.  Freed pages go to
 * SQLite's freelist and are reused by the next inserts, so once retention
 * is reached the file stops growing.
 *
 * Each step also records in meta 'pruned_before_1s' (_1m, _1h, _1d) the oldest
 * time the tier still holds whole, for xenmon-export to choose a table.
 *
 * A tier's per-CPU detail (sample_1s, sample_cpu_1m/_1h/_1d) is
 * pruned the same way with an age of its own, shorter by default: every
 * whole-host figure is in the tier's own tables (sample_dom_1s for the
 * seconds, 015_domain_seconds.sql), and the per-CPU split is what a week
 * of seconds cost most.  It is never kept longer than its tier, whose
 * rows it details, and its meta key is 'pruned_before_1s_cpu' (...).
 *
 * The size budget (budget.c) prunes with the same steps
 * (retention_step_below), below a cut of its own, and has each record what
 * it dropped in table pruned within its transaction.
 */
#include "retention.h"
#include "pruned.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_S INT64_C(86400)

/* How each tier (metrics_tiers[]) and its detail are pruned: the first
 * and largest span of a step; part: a third table of the tier, pruned
 * with it (NULL: none): where the seconds' partial CPU rows lie in their
 * second. */
static const struct {
	int64_t span0_s, span_max_s;
	const char *part;
	/* the table of what its rows name (022: a second's domids), its
	 * rows pruned once no row names them: the SQL */
	const char *named;
} TIER[METRICS_TIERS] = {
	[METRICS_1S] = { 60, DAY_S, "cpu_1s_part",
			 "DELETE FROM sample_dom_1s_domids WHERE NOT EXISTS"
			 " (SELECT 1 FROM sample_dom_1s_packed p WHERE"
			 " p.domid_w < 0 AND p.domid_base = sample_dom_1s_domids.id)" },
	[METRICS_1M] = { 3600, 30 * DAY_S, NULL },
	[METRICS_1H] = { DAY_S, 365 * DAY_S, NULL },
	[METRICS_1D] = { 30 * DAY_S, 5 * 365 * DAY_S, NULL },
	[METRICS_1W] = { 210 * DAY_S, 10 * 365 * DAY_S, NULL },
};

static const struct metrics_tier *tier_of(int set)
{
	return &metrics_tiers[set % METRICS_TIERS];
}

static bool is_detail(int set)
{
	return set >= METRICS_TIERS;
}

/* Step timing targets (see the top of the file). */
#define GROW_BELOW_NS 5000000
#define SHRINK_ABOVE_NS 20000000

void retention_defaults(struct retention_policy *p)
{
	for (int i = 0; i < RETENTION_SETS; i++)
		p->keep_s[i] = is_detail(i) ? tier_of(i)->detail_keep_s :
			       tier_of(i)->keep_s;
	p->metrics_listen[0] = 0;
	p->metrics_textfile[0] = 0;
	p->metrics_interval_s = 0;
	p->budget = (struct budget_spec){ .kind = BUDGET_DEFAULT };
}

const char *retention_key(int set)
{
	return is_detail(set) ? tier_of(set)->detail_retain_key :
	       tier_of(set)->retain_key;
}

const char *retention_table(int set)
{
	return is_detail(set) ? tier_of(set)->detail : tier_of(set)->sample;
}

const char *retention_what(int set)
{
	return is_detail(set) ? tier_of(set)->detail_what : tier_of(set)->what;
}

/* An age's units, finest first; a unit is written only for whole
 * multiples of it, and weeks never (90d reads better than 12w6d). */
static const struct { char unit; int64_t s; bool written; } UNITS[] = {
	{ 's', 1, true }, { 'm', 60, true }, { 'h', 3600, true },
	{ 'd', DAY_S, true }, { 'w', 7 * DAY_S, false },
	{ 'y', 365 * DAY_S, true },
};
#define NUNITS (sizeof UNITS / sizeof UNITS[0])

void retention_format(int64_t seconds, char *out, size_t size)
{
	if (seconds <= 0) {
		snprintf(out, size, "forever");
		return;
	}
	size_t u = NUNITS;
	while (--u > 0 && (!UNITS[u].written || seconds % UNITS[u].s))
		;
	snprintf(out, size, "%lld%c", (long long)(seconds / UNITS[u].s),
		 UNITS[u].unit);
}

int retention_parse(const char *text, int64_t *seconds)
{
	char *end;

	if (strcmp(text, "forever") == 0) {
		*seconds = 0;
		return 0;
	}
	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	long long n = strtoll(text, &end, 10);
	if (errno || n <= 0)
		return -1;
	int64_t unit = 0;
	if (!*end)
		unit = 1;
	for (size_t i = 0; i < NUNITS && !unit; i++)
		if (end[0] == UNITS[i].unit && !end[1])
			unit = UNITS[i].s;
	/* past a thousand years is a typo, not a policy */
	if (!unit || n > 1000 * 365 * DAY_S / unit)
		return -1;
	*seconds = n * unit;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int config_line(char *line, struct retention_policy *p,
		       const char *path, int lineno, char *err, size_t errlen)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	char *key = trim(line);
	if (!*key)
		return 0;
	char *eq = strchr(key, '=');
	if (!eq) {
		snprintf(err, errlen, "%s:%d: expected 'key = value', got '%s'",
			 path, lineno, key);
		return -1;
	}
	*eq = 0;
	key = trim(key);
	char *value = trim(eq + 1);
	for (int i = 0; i < RETENTION_SETS; i++) {
		/* a tier without a per-CPU detail has no key for it */
		if (!retention_key(i) || strcmp(key, retention_key(i)) != 0)
			continue;
		if (retention_parse(value, &p->keep_s[i]) == 0)
			return 0;
		snprintf(err, errlen, "%s:%d: %s: '%s' is not a duration (like "
			 "7d, 36h, 90m, 5y or forever)", path, lineno, key, value);
		return -1;
	}
	if (strcmp(key, "metrics-listen") == 0 &&
	    strlen(value) < sizeof p->metrics_listen) {
		snprintf(p->metrics_listen, sizeof p->metrics_listen, "%s", value);
		return 0;
	}
	if (strcmp(key, "metrics-textfile") == 0 &&
	    strlen(value) < sizeof p->metrics_textfile) {
		snprintf(p->metrics_textfile, sizeof p->metrics_textfile, "%s",
			 value);
		return 0;
	}
	if (strcmp(key, "metrics-interval") == 0) {
		if (retention_parse(value, &p->metrics_interval_s) == 0 &&
		    p->metrics_interval_s >= 1 && p->metrics_interval_s <= 3600)
			return 0;
		snprintf(err, errlen, "%s:%d: %s: '%s' is not a duration from 1s "
			 "to 1h", path, lineno, key, value);
		return -1;
	}

	if (strcmp(key, RETENTION_BUDGET_KEY) == 0) {
		if (budget_parse(value, &p->budget) == 0)
			return 0;
		snprintf(err, errlen, "%s:%d: %s: '%s' is not a size (like 500M, "
			 "2G, 10%% or off; at least 1M)", path, lineno, key, value);
		return -1;
	}
	/* the retention keys as the tier table names them */
	char known[320] = "";
	for (int i = 0; i < RETENTION_SETS; i++) {
		size_t len = strlen(known);
		if (retention_key(i))
			snprintf(known + len, sizeof known - len, "%s, ",
				 retention_key(i));
	}
	snprintf(err, errlen, "%s:%d: unknown setting '%s' (known: %s"
		 RETENTION_BUDGET_KEY ", metrics-listen, metrics-textfile, "
		 "metrics-interval)", path, lineno, key, known);
	return -1;
}

int retention_read_config(const char *path, struct retention_policy *p,
			  char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return -2;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	char line[512];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		rc = config_line(line, p, path, lineno, err, errlen);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc;
}

int retention_configure(struct retention_policy *p, const char *config,
			const bool set[RETENTION_SETS],
			const int64_t flags[RETENTION_SETS], char *err, size_t errlen)
{
	retention_defaults(p);
	int rc = retention_read_config(config ? config : RETENTION_DEFAULT_CONFIG,
				       p, err, errlen);
	if (rc == -2 && config) {
		snprintf(err, errlen, "%s: no such config file", config);
		return -1;
	}
	if (rc == -1)
		return -1;
	for (int i = 0; i < RETENTION_SETS; i++)
		if (set[i])
			p->keep_s[i] = flags[i];
	return 0;
}

struct retention {
	sqlite3 *db;
	struct retention_policy policy;
	int64_t span_s[RETENTION_SETS];
	sqlite3_stmt *oldest[RETENTION_SETS], *del_sample[RETENTION_SETS],
		*del_cpu[RETENTION_SETS], *del_cpu_packed[RETENTION_SETS],
		*del_part[RETENTION_SETS], *del_named[RETENTION_SETS],
		*del_packed[RETENTION_SETS],
		*mark[RETENTION_SETS];
	struct retention_stats st;
};

static int prep(sqlite3 *db, sqlite3_stmt **st, const char *sql)
{
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
				  NULL) == SQLITE_OK ? 0 : -1;
}

/* The names put into the SQL are the constants of metrics_tiers[], never
 * input.  A detail is its one table. */
static int prepare_tier(struct retention *r, int i)
{
	const struct metrics_tier *t = tier_of(i);
	const char *table = retention_table(i);
	char oldest[400], del_sample[128], del_cpu[128], del_cpu_packed[128],
	     del_part[128], del_packed[128], mark[256];
	const char *packed = is_detail(i) ? NULL : t->packed;
	const char *cpu = t->cpu_plain ? t->cpu_plain : t->cpu;
	const char *cpu_packed = is_detail(i) ? NULL : t->cpu_packed;
	if (is_detail(i))
		snprintf(oldest, sizeof oldest, "SELECT min(t) FROM %s", table);
	else
		snprintf(oldest, sizeof oldest, "SELECT min(t) FROM (SELECT min(t) "
			 "AS t FROM %s UNION ALL SELECT min(t) FROM %s UNION ALL "
			 "SELECT min(t) FROM %s UNION ALL SELECT min(t) FROM %s)",
			 table, cpu, packed ? packed : cpu,
			 cpu_packed ? cpu_packed : cpu);
	snprintf(del_sample, sizeof del_sample, "DELETE FROM %s WHERE t < ?1",
		 table);
	snprintf(del_cpu, sizeof del_cpu, "DELETE FROM %s WHERE t < ?1", cpu);
	snprintf(del_cpu_packed, sizeof del_cpu_packed,
		 "DELETE FROM %s WHERE t < ?1", cpu_packed ? cpu_packed : "");
	snprintf(mark, sizeof mark, "INSERT INTO meta (key, value) VALUES "
		 "('%s', ?1) ON CONFLICT (key) DO UPDATE SET value = "
		 "max(value, excluded.value)",
		 is_detail(i) ? t->detail_pruned_key : t->pruned_key);
	const char *part = is_detail(i) ? NULL : TIER[i].part;
	snprintf(del_part, sizeof del_part, "DELETE FROM %s WHERE t < ?1",
		 part ? part : "");
	snprintf(del_packed, sizeof del_packed, "DELETE FROM %s WHERE t < ?1",
		 packed ? packed : "");
	const char *named = is_detail(i) ? NULL : TIER[i].named;
	return prep(r->db, &r->oldest[i], oldest) ||
	       prep(r->db, &r->del_sample[i], del_sample) ||
	       (!is_detail(i) && prep(r->db, &r->del_cpu[i], del_cpu)) ||
	       (cpu_packed && prep(r->db, &r->del_cpu_packed[i], del_cpu_packed)) ||
	       (part && prep(r->db, &r->del_part[i], del_part)) ||
	       (named && prep(r->db, &r->del_named[i], named)) ||
	       (packed && prep(r->db, &r->del_packed[i], del_packed)) ||
	       prep(r->db, &r->mark[i], mark) ? -1 : 0;
}

struct retention *retention_new(sqlite3 *db, const struct retention_policy *p)
{
	struct retention *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->db = db;
	r->policy = *p;
	/* The daemon's rows are no secret worth a second write of every
	 * freed page (Debian builds SQLite with secure_delete on); and a WAL
	 * that grew in a long back-fill is cut back after a checkpoint
	 * instead of staying at its largest size. */
	if (sqlite3_exec(db, "PRAGMA secure_delete=FAST;"
			 "PRAGMA journal_size_limit=67108864", NULL, NULL,
			 NULL) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < RETENTION_SETS; i++) {
		r->span_s[i] = TIER[i % METRICS_TIERS].span0_s;
		/* a database of a schema before 015 has no such detail */
		if (!retention_table(i))
			continue;
		if (prepare_tier(r, i) < 0)
			goto fail;
	}
	return r;
fail:
	retention_free(r);
	return NULL;
}

void retention_free(struct retention *r)
{
	if (!r)
		return;
	for (int i = 0; i < RETENTION_SETS; i++) {
		sqlite3_finalize(r->oldest[i]);
		sqlite3_finalize(r->del_sample[i]);
		sqlite3_finalize(r->del_cpu[i]);
		sqlite3_finalize(r->del_cpu_packed[i]);
		sqlite3_finalize(r->del_part[i]);
		sqlite3_finalize(r->del_named[i]);
		sqlite3_finalize(r->del_packed[i]);
		sqlite3_finalize(r->mark[i]);
	}
	free(r);
}

void retention_set_policy(struct retention *r, const struct retention_policy *p)
{
	r->policy = *p;
}

const struct retention_stats *retention_stats(const struct retention *r)
{
	return &r->st;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* How long set I is kept (0: forever): a detail no longer than its tier. */
static int64_t keep_of(const struct retention *r, int i)
{
	int64_t keep = r->policy.keep_s[i];
	if (!is_detail(i))
		return keep;
	int64_t tier = r->policy.keep_s[i - METRICS_TIERS];
	return tier > 0 && (keep <= 0 || keep > tier) ? tier : keep;
}

/* Rows of set I with t below this are out of retention. */
static int64_t cut_of(const struct retention *r, int i, int64_t newest_t)
{
	int64_t g = tier_of(i)->grain_s;
	return newest_t + 2 - keep_of(r, i) - g;
}

static int run(sqlite3_stmt *st, int64_t arg, int64_t *out)
{
	sqlite3_bind_int64(st, 1, arg);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && out)
		*out = sqlite3_column_type(st, 0) == SQLITE_NULL ? INT64_MAX :
		       sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Delete tier I's rows with t < END in one transaction; with REASON, the
 * seconds they covered from FIRST on are recorded in table pruned in it. */
static int delete_below(struct retention *r, int i, int64_t first, int64_t end,
			const char *reason)
{
	int64_t g = tier_of(i)->grain_s;
	/* the first row left is whole from the next multiple of the grain */
	int64_t whole = end % g ? end - end % g + g : end;

	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	int rc = run(r->del_sample[i], end, NULL);
	r->st.rows += (uint64_t)sqlite3_changes(r->db);
	if (rc == 0 && r->del_cpu[i]) {
		rc = run(r->del_cpu[i], end, NULL);
		r->st.rows += (uint64_t)sqlite3_changes(r->db);
	}
	if (rc == 0 && r->del_cpu_packed[i]) {
		rc = run(r->del_cpu_packed[i], end, NULL);
		r->st.rows += (uint64_t)sqlite3_changes(r->db);
	}
	if (rc == 0 && r->del_packed[i]) {
		rc = run(r->del_packed[i], end, NULL);
		r->st.rows += (uint64_t)sqlite3_changes(r->db);
	}
	if (rc == 0 && r->del_part[i])
		rc = run(r->del_part[i], end, NULL);
	if (rc == 0 && r->del_named[i])
		rc = run(r->del_named[i], end, NULL);
	if (rc == 0)
		rc = run(r->mark[i], whole, NULL);
	if (rc == 0 && reason)
		rc = pruned_record(r->db, retention_table(i), first,
				   whole - 1, reason);
	if (rc == 0 && sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	if (rc < 0)
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int retention_step_below(struct retention *r, int i, int64_t cut,
			 int64_t span_cap_s, const char *reason, int64_t *held_ns)
{
	int64_t oldest;
	if (!r->oldest[i])
		return 0;
	if (run(r->oldest[i], 0, &oldest) < 0)
		return -1;
	if (oldest >= cut)
		return 0;
	int64_t span = span_cap_s > 0 && span_cap_s < r->span_s[i] ? span_cap_s :
		       r->span_s[i];
	int64_t end = oldest + span < cut ? oldest + span : cut;

	int64_t t0 = mono_ns();
	if (delete_below(r, i, oldest, end, reason) < 0)
		return -1;
	int64_t held = mono_ns() - t0;

	r->st.steps++;
	if (held > r->st.max_hold_ns)
		r->st.max_hold_ns = held;
	if (held_ns)
		*held_ns = held;
	if (held < GROW_BELOW_NS && r->span_s[i] < TIER[i % METRICS_TIERS].span_max_s)
		r->span_s[i] *= 2;
	else if (held > SHRINK_ABOVE_NS && r->span_s[i] > tier_of(i)->grain_s)
		r->span_s[i] /= 2;
	return 1;
}

/* One step of tier I: 0 nothing to do, 1 deleted something, -1 error. */
static int step(struct retention *r, int i, int64_t newest_t)
{
	if (keep_of(r, i) <= 0)
		return 0;
	return retention_step_below(r, i, cut_of(r, i, newest_t), 0, NULL, NULL);
}

int retention_prune(struct retention *r, int64_t newest_t, int64_t budget_ns)
{
	int64_t t0 = mono_ns();
	for (;;) {
		int busy = 0;
		for (int i = 0; i < RETENTION_SETS; i++) {
			int rc = step(r, i, newest_t);
			if (rc < 0)
				return -1;
			busy |= rc;
		}
		if (!busy)
			return 0;
		if (mono_ns() - t0 >= budget_ns)
			return 1;
	}
}
