/*
 * SQLite writing.  Statements are prepared once; each second is
 * BEGIN IMMEDIATE, a check that it is not stored yet, its cpu_1s rows, its
 * sample_1s rows in key order (so the b-tree only ever appends), their
 * sums per domain as one row of sample_dom_1s_packed (017_packed_seconds.sql,
 * packed.h), the lifetimes of its domains, COMMIT.  The schema keeps
 * sample_dom_1s by a trigger on sample_1s for any other writer; this
 * connection switches triggers off and adds a second's rows up here
 * instead, as the trigger does (a test holds the two equal), since the
 * trigger's upsert per row doubled the writer's time per second.  Any failure rolls the whole second
 * back: a reader sees all of it or none.
 *
 * A second already stored is left as it is, with one exception: a second
 * stored in part (a trace began or ended inside it) whose other part this
 * run brings, as when xentrace wrote a long recording as several files.
 * Where in the second each CPU was observed is kept for partial rows
 * (cpu_1s_part); when the part this run observed lies outside what is
 * stored, on every CPU, the two are added together (sums add, min and max
 * widen) and the second's minute and hour are rolled up again from the
 * tables.  A part inside what is stored is what a replay of the same trace
 * brings again: skipped.  Any other overlap is left as it is and counted,
 * for the summary to say.
 */
#include "store.h"
#include "budget.h"
#include "checkpoint.h"
#include "clock.h"
#include "retention.h"
#include "rollup.h"
#include "metrics.h"
#include "packed.h"
#include "packer.h"
#include "stretches.h"
#include "log.h"
#include "test_hook.h"
#include "schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Where a CPU row was observed: within [from_ns, to_ns) of its second. */
struct part {
	uint64_t from_ns, to_ns;
};

/* The rows of one second, and where each CPU row was observed. */
struct stored {
	struct cpu_row *cpus;
	struct part *parts;
	size_t ncpus, cpus_cap;
	struct sample_row *samples;
	size_t nsamples, samples_cap;
};

struct store {
	sqlite3 *db;
	char *path;
	char *wal_path;
	sqlite3_stmt *exists, *ins_cpu, *ins_sample, *ins_domain, *meta, *gap;
	sqlite3_stmt *ins_part, *sel_cpus, *sel_samples, *del_second[6];
	sqlite3_stmt *ins_dom, *ins_idle, *add_slots, *pruned_1s;
	sqlite3_stmt *ins_domids, *sel_domids, *del_domids;
	/* A second's rows added up per domain: slot by domid (-1: none yet). */
	int32_t *dom_slot;
	struct sample_row *dom_acc;
	size_t ndom_acc;
	/* and packed: a column's values, NULLs and bytes (cap domains each) */
	int64_t *pk_val;
	bool *pk_nul;
	unsigned char *pk_buf;
	size_t pk_cap;
	size_t *cpu_order, cpu_order_cap;   /* a second's CPUs, sorted */
	/* the domids last written, packed, and their row of
	 * sample_dom_1s_domids (-1: none yet, or rolled back) */
	unsigned char *domids;
	size_t domids_len, domids_cap;
	struct packed_head domids_head;
	int64_t domids_id;
	int64_t slots;            /* rows of sample_dom_1s_slot */
	struct stored old;        /* a partial second's stored rows */
	struct stored merged;     /* and with this run's part added */
	struct checkpointer *ckpt;
	int writer_fd;            /* holds the one-writer lock */
	int64_t run_id;
	int last_rc, last_errno;  /* of the last failure */
	struct store_write_stats ws;
	struct rollup *rollup;
	struct retention *retention;
	struct budget *budget;    /* --max-size (budget.c) */
	struct packer *packer;    /* the minutes and hours of the past */
	struct stretches *stretches;   /* which seconds were stored */
	int64_t pack_age_s;       /* packed once this much older than newest_t */
	int64_t packed_until;     /* no row packed from this second on */
	int64_t pack_after_t;     /* no packing until newest_t reaches it */
	double pack_retry_s;      /* nor until then (CLOCK_MONOTONIC) */
	int64_t newest_t;         /* newest stored second: retention's clock */
	bool was_empty;           /* no second stored when opened */
	/* meta io_sources: the sources stored before this run, and as last
	 * committed by it (-1: not yet); see note_io_sources. */
	unsigned io_before;
	int io_written, io_pending;
	char err[512];
};

#define NS_PER_S 1000000000ull

/* Domain ids are 16 bits (struct sample_row). */
#define DOMID_SLOTS 65536

/* Pruning done after one second at most; the rest waits for the next. */
#define PRUNE_BUDGET_NS 100000000
/* And packing (packer.h): a database migrated with months of minutes is
 * packed an hour of them at a time as the seconds come. */
#define PACK_BUDGET_NS 50000000

/* The minutes and hours a stored second can change no more are those
 * older than the per-CPU seconds kept (retain-1s-cpu: a split second is
 * completed, its minute rolled again, only while its per-CPU rows are
 * kept) or the seconds, and an hour; a second stored past them (a replay
 * into a gap) is unpacked for (packer.h).  A retention of 0 is forever,
 * and its default age is taken. */
static int64_t kept_s(const struct retention_policy *p, int set)
{
	struct retention_policy d;
	retention_defaults(&d);
	return p->keep_s[set] ? p->keep_s[set] : d.keep_s[set];
}

int64_t store_pack_age(const struct retention_policy *p)
{
	int64_t keep = kept_s(p, METRICS_1S),
		cpu = kept_s(p, METRICS_TIERS + METRICS_1S);
	return (cpu < keep ? cpu : keep) + METRICS_GRAIN_1H;
}

static void set_pack_age(struct store *s, const struct retention_policy *p)
{
	s->pack_age_s = store_pack_age(p);
	/* a test packs a short recording's past with its seconds kept */
	const char *age = test_hook("XENMON_PACK_AGE_S");
	if (age)
		s->pack_age_s = atoll(age);
}

/* Set once by main() from flags and config, so that both the replay and
 * the live recorder open their store with it without passing it along. */
static struct retention_policy default_policy;
static bool have_default_policy;

void store_set_default_retention(const struct retention_policy *p)
{
	default_policy = *p;
	have_default_policy = true;
}

static int fail(struct store *s, const char *what)
{
	s->last_rc = sqlite3_extended_errcode(s->db);
	s->last_errno = sqlite3_system_errno(s->db);
	snprintf(s->err, sizeof s->err, "%s: %s: %s", s->path, what,
		 sqlite3_errmsg(s->db));
	return -1;
}

static int prep(struct store *s, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) != SQLITE_OK)
		return fail(s, "cannot prepare statement");
	return 0;
}

/* Roll-ups and retention (rollup.c, retention.c).  A database migrated
 * from schema 1 is rolled up here, before the first new second. */
static int open_history(struct store *s)
{
	struct retention_policy p;
	sqlite3_stmt *st;

	if (have_default_policy)
		p = default_policy;
	else
		retention_defaults(&p);
	if (!(s->rollup = rollup_new(s->db)))
		return fail(s, "cannot prepare the roll-ups");
	if (rollup_pack(s->rollup) < 0)
		return fail(s, "cannot pack the roll-ups' histograms");
	if (rollup_backfill(s->rollup) < 0 || rollup_catch_up(s->rollup) < 0)
		return fail(s, "cannot roll up the seconds already stored");
	if (!(s->retention = retention_new(s->db, &p)))
		return fail(s, "cannot prepare pruning");
	if (!(s->budget = budget_new(s->db, s->retention, s->path, &p.budget,
				     s->err, sizeof s->err)))
		return -1;
	if (!(s->packer = packer_new(s->db)))
		return fail(s, "cannot prepare packing");
	if (!(s->stretches = stretches_new(s->db)))
		return fail(s, "cannot prepare seconds_stored");
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT ?1 < CAST(value AS INTEGER) FROM meta "
		 "WHERE key = '%s'", metrics_tiers[METRICS_1S].pruned_key);
	if (prep(s, &s->pruned_1s, sql) < 0)
		return -1;
	set_pack_age(s, &p);
	/* the CPUs' too (023): an hour of no guest has no domains' row */
	if (prep(s, &st, "SELECT max(coalesce((SELECT max(t) + 60 FROM "
		 "sample_1m_packed), 0), coalesce((SELECT max(t) + 3600 FROM "
		 "sample_1h_packed), 0), coalesce((SELECT max(t) + 60 FROM "
		 "cpu_1m_packed), 0), coalesce((SELECT max(t) + 3600 FROM "
		 "cpu_1h_packed), 0))") < 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		s->packed_until = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (prep(s, &st, "SELECT last_t FROM cpu_1s_span") < 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->was_empty = sqlite3_column_type(st, 0) == SQLITE_NULL;
		s->newest_t = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return 0;
}

/*
 * One writer per database: two daemons would interleave their seconds and
 * runs.  flock() on a descriptor of our own, which SQLite's POSIX locks do
 * not see; the descriptor stays open until after sqlite3_close(), since
 * closing any descriptor of the file would drop this process's POSIX locks.
 */
static int take_writer_lock(struct store *s, char *err, size_t errlen)
{
	s->writer_fd = open(s->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (s->writer_fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", s->path,
			 strerror(errno));
		return -1;
	}
	if (flock(s->writer_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		snprintf(err, errlen, "%s: another xenbaked is writing this "
			 "database; only one writer at a time", s->path);
	else
		snprintf(err, errlen, "%s: cannot lock: %s", s->path,
			 strerror(errno));
	return -1;
}

/*
 * A run still 'running' when the writer lock is ours has no writer left: it
 * was killed (SIGKILL, out of memory) or its host stopped, before it could
 * say how it ended.
 */
static int close_stale_runs(struct store *s)
{
	if (sqlite3_exec(s->db, "UPDATE run SET status = '"
			 STORE_RUN_ABANDONED "' WHERE status = 'running'",
			 NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, "cannot close the runs left running");
	return 0;
}

/* The I/O sources earlier runs recorded: this run's are added to them,
 * since a database's hosts may have traced them only for a while. */
/* A metric's three columns in sample_dom_1s_packed (packed.h). */
#define PACKED_COLUMNS(name, ...) ", " #name ", " #name "_base, " #name "_w"
#define PACKED_PARAMS(name, ...) ", ?, ?, ?"
/* And in cpu_1s_packed (021_packed_cpu_seconds.sql). */
#define PACKED_COLUMNS_1S(name, ctype, in_1s, ...) \
	METRICS_IF_##in_1s(PACKED_COLUMNS(name))
#define PACKED_PARAMS_1S(name, ctype, in_1s, ...) \
	METRICS_IF_##in_1s(PACKED_PARAMS(name))

/* How many positions sample_dom_1s_slot has for a second's domains. */
static int count_slots(struct store *s)
{
	sqlite3_stmt *st;
	if (prep(s, &st, "SELECT coalesce(max(i) + 1, 0) FROM sample_dom_1s_slot") < 0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		s->slots = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail(s, "cannot read sample_dom_1s_slot");
}

static int read_io_sources(struct store *s)
{
	sqlite3_stmt *st;
	s->io_written = -1;
	if (prep(s, &st, "SELECT value FROM meta WHERE key = '"
		 METRICS_IO_SOURCES_KEY "'") < 0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		s->io_before = metrics_io_sources_parse(
			(const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, "cannot read meta");
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path)) ||
	    !(s->wal_path = malloc(strlen(path) + 5))) {
		snprintf(err, errlen, "%s: out of memory", path);
		if (s)
			free(s->path);
		free(s);
		return NULL;
	}
	sprintf(s->wal_path, "%s-wal", path);
	s->writer_fd = -1;
	s->domids_id = -1;
	s->db = schema_open_rw(path, err, errlen);
	if (!s->db || take_writer_lock(s, err, errlen) < 0)
		goto out;
	if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0,
			      (int *)NULL) != SQLITE_OK ||
	    !(s->dom_slot = malloc(DOMID_SLOTS * sizeof *s->dom_slot)) ||
	    !(s->dom_acc = malloc(DOMID_SLOTS * sizeof *s->dom_acc))) {
		snprintf(err, errlen, "%s: cannot set up the writer", path);
		goto out;
	}
	memset(s->dom_slot, 0xff, DOMID_SLOTS * sizeof *s->dom_slot);
	if (prep(s, &s->exists, "SELECT 1 FROM cpu_1s_packed WHERE t = ?1 "
		 "UNION ALL SELECT 1 FROM cpu_1s_plain WHERE t = ?1 LIMIT 1") ||
	    prep(s, &s->ins_cpu, "INSERT INTO cpu_1s_packed (t, n, cpu, "
		 "cpu_base, cpu_w" METRICS_CPU(PACKED_COLUMNS_1S) ") VALUES "
		 "(?1, ?2, ?, ?, ?" METRICS_CPU(PACKED_PARAMS_1S) ")") ||
	    prep(s, &s->ins_sample, "INSERT INTO sample_1s (t, cpu, domid"
		 METRICS_SAMPLE(METRICS_COLUMN) ") VALUES (?1, ?2, ?3"
		 METRICS_SAMPLE(METRICS_PARAM) ")") ||
	    prep(s, &s->ins_domain, "INSERT INTO domain (domid, name, first_t, "
		 "last_t, uuid) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (domid, "
		 "first_t) DO UPDATE SET last_t = max(last_t, excluded.last_t), "
		 "name = coalesce(excluded.name, name), "
		 "uuid = coalesce(excluded.uuid, uuid)") ||
	    prep(s, &s->meta, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
		 "ON CONFLICT (key) DO UPDATE SET value = excluded.value") ||
	    prep(s, &s->gap, "INSERT INTO gap (first_t, last_t, seconds, reason, "
		 "run_id) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (first_t) DO "
		 "UPDATE SET last_t = max(last_t, excluded.last_t), seconds = "
		 "seconds + excluded.seconds") ||
	    prep(s, &s->ins_part, "INSERT INTO cpu_1s_part (t, cpu, from_ns, "
		 "to_ns) VALUES (?1, ?2, ?3, ?4)") ||
	    /* the view's rows of the second first: one it joins is read
	     * whole */
	    prep(s, &s->sel_cpus, "SELECT p.from_ns, p.to_ns, c.cpu"
		 METRICS_CPU(METRICS_COLUMN_1S) " FROM (SELECT * FROM cpu_1s "
		 "WHERE t = ?1) c LEFT JOIN cpu_1s_part p ON p.t = ?1 AND "
		 "p.cpu = c.cpu ORDER BY c.cpu") ||
	    prep(s, &s->sel_samples, "SELECT cpu, domid"
		 METRICS_SAMPLE(METRICS_COLUMN) " FROM sample_1s WHERE t = ?1 "
		 "ORDER BY cpu, domid") ||
	    prep(s, &s->del_second[0], "DELETE FROM cpu_1s_plain WHERE t = ?1") ||
	    prep(s, &s->del_second[5], "DELETE FROM cpu_1s_packed WHERE t = ?1") ||
	    prep(s, &s->del_second[1], "DELETE FROM sample_1s WHERE t = ?1") ||
	    prep(s, &s->del_second[2], "DELETE FROM cpu_1s_part WHERE t = ?1") ||
	    prep(s, &s->del_second[3], "DELETE FROM sample_dom_1s WHERE t = ?1") ||
	    prep(s, &s->del_second[4], "DELETE FROM sample_dom_1s_packed "
		 "WHERE t = ?1") ||
	    prep(s, &s->ins_dom, "INSERT INTO sample_dom_1s_packed (t, n, "
		 "domid, domid_base, domid_w" METRICS_SAMPLE(PACKED_COLUMNS)
		 ") VALUES (?1, ?2, ?, ?, ?" METRICS_SAMPLE(PACKED_PARAMS) ")") ||
	    prep(s, &s->ins_domids, "INSERT OR IGNORE INTO sample_dom_1s_domids "
		 "(id, domid, domid_base, domid_w) VALUES (?1, ?2, ?3, ?4)") ||
	    prep(s, &s->sel_domids, "SELECT domid, domid_base, domid_w FROM "
		 "sample_dom_1s_domids WHERE id = ?1") ||
	    /* the sets a rewritten second named, if no second names them */
	    prep(s, &s->del_domids, "DELETE FROM sample_dom_1s_domids WHERE "
		 "id IN (SELECT domid_base FROM sample_dom_1s_packed WHERE "
		 "t = ?1 AND domid_w < 0) AND NOT EXISTS (SELECT 1 FROM "
		 "sample_dom_1s_packed p WHERE p.domid_w < 0 AND p.domid_base = "
		 "sample_dom_1s_domids.id AND p.t <> ?1)") ||
	    prep(s, &s->ins_idle, "INSERT INTO sample_dom_1s (t, domid"
		 METRICS_SAMPLE(METRICS_COLUMN) ") VALUES (?1, ?2"
		 METRICS_SAMPLE(METRICS_PARAM) ")") ||
	    prep(s, &s->add_slots, "WITH RECURSIVE k(i) AS (SELECT ?1 UNION ALL "
		 "SELECT i + 1 FROM k WHERE i + 1 < ?2) INSERT OR IGNORE INTO "
		 "sample_dom_1s_slot (i) SELECT i FROM k") ||
	    count_slots(s) ||

	    open_history(s) || close_stale_runs(s)) {
		snprintf(err, errlen, "%s", s->err);
		goto out;
	}
	if (read_io_sources(s) < 0) {
		snprintf(err, errlen, "%s", s->err);
		goto out;
	}
	if (!(s->ckpt = checkpointer_start(s->db, path, err, errlen)))
		goto out;
	return s;
out:
	store_close(s);
	return NULL;
}

static void stored_free(struct stored *x)
{
	free(x->cpus);
	free(x->parts);
	free(x->samples);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->exists);
	sqlite3_finalize(s->ins_cpu);
	sqlite3_finalize(s->ins_sample);
	sqlite3_finalize(s->ins_domain);
	sqlite3_finalize(s->meta);
	sqlite3_finalize(s->gap);
	sqlite3_finalize(s->ins_part);
	sqlite3_finalize(s->sel_cpus);
	sqlite3_finalize(s->sel_samples);
	for (size_t i = 0; i < sizeof s->del_second / sizeof *s->del_second; i++)
		sqlite3_finalize(s->del_second[i]);
	sqlite3_finalize(s->ins_dom);
	sqlite3_finalize(s->ins_idle);
	sqlite3_finalize(s->ins_domids);
	sqlite3_finalize(s->sel_domids);
	sqlite3_finalize(s->del_domids);
	sqlite3_finalize(s->add_slots);
	free(s->pk_val);
	free(s->cpu_order);
	free(s->domids);
	free(s->pk_nul);
	free(s->pk_buf);
	free(s->dom_slot);
	free(s->dom_acc);
	stored_free(&s->old);
	stored_free(&s->merged);
	checkpointer_stop(s->ckpt);
	/* The hours of an unfinished minute; the next open would do it too. */
	if (s->rollup)
		rollup_catch_up(s->rollup);
	rollup_free(s->rollup);
	budget_free(s->budget);
	packer_free(s->packer);
	stretches_free(s->stretches);
	sqlite3_finalize(s->pruned_1s);
	retention_free(s->retention);
	sqlite3_close(s->db);
	if (s->writer_fd >= 0)
		close(s->writer_fd);
	free(s->path);
	free(s->wal_path);
	free(s);
}

const char *store_error(const struct store *s)
{
	return s->err;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

bool store_no_space(const struct store *s)
{
	return (s->last_rc & 0xff) == SQLITE_FULL ||
	       s->last_errno == ENOSPC || s->last_errno == EDQUOT;
}

const struct store_write_stats *store_write_stats(const struct store *s)
{
	return &s->ws;
}

/* After a commit: the stall it caused and how big the WAL is. */
static void note_write(struct store *s, int64_t t, double began)
{
	struct stat st;
	double d = clock_s(CLOCK_MONOTONIC) - began;
	if (d > s->ws.max_txn_s) {
		s->ws.max_txn_s = d;
		s->ws.max_txn_t = t;
	}
	if (stat(s->wal_path, &st) == 0 &&
	    (uint64_t)st.st_size > s->ws.wal_peak_bytes)
		s->ws.wal_peak_bytes = (uint64_t)st.st_size;
}

static int step(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(s, what);
	return rc == SQLITE_ROW ? 1 : 0;
}

static int exec(struct store *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, sql);
	return 0;
}

/* A row's metrics bound from parameter K + 1 on, in the table's order (K
 * a constant: the compiler numbers them as written by hand); a MIN or MAX
 * is NULL without a bounded slice.  Read back the same way from column K
 * on. */
#define BIND_SAMPLE(name, ctype, rollup, ...) BIND_##rollup(name);
#define BIND_SUM(n) sqlite3_bind_int64(st, ++k, (sqlite3_int64)r->n)
#define BIND_MIN(n) (r->alloc_n ? sqlite3_bind_int64(st, ++k, r->n) : \
		     sqlite3_bind_null(st, ++k))
#define BIND_MAX BIND_MIN
#define READ_CPU(name, ctype, in_1s, ...) METRICS_IF_##in_1s( \
	c->name = (ctype)sqlite3_column_int64(st, k++);)
#define READ_SAMPLE(name, ctype, rollup, ...) READ_##rollup(name, ctype);
#define READ_SUM(n, ctype) r->n = (ctype)sqlite3_column_int64(st, k++)
#define READ_MIN(n, ctype) \
	(r->alloc_n = sqlite3_column_type(st, k) != SQLITE_NULL, READ_SUM(n, ctype))
#define READ_MAX READ_MIN

/* X added into M as sample_dom_1s_add (015_domain_seconds.sql) adds it:
 * sums add, a MIN or MAX keeps the extreme of the bounded slices (below,
 * with the parts of a second). */
static void add_sample(struct sample_row *m, const struct sample_row *x);

static int by_domid(const void *a, const void *b)
{
	const struct sample_row *x = a, *y = b;
	return (x->domid > y->domid) - (x->domid < y->domid);
}

/* Room for the packed columns of N domains. */
static int packed_room(struct store *s, size_t n)
{
	if (n <= s->pk_cap)
		return 0;
	size_t cap = n < 64 ? 64 : n;
	int64_t *v = realloc(s->pk_val, cap * sizeof *v);
	if (v)
		s->pk_val = v;
	bool *z = realloc(s->pk_nul, cap * sizeof *z);
	if (z)
		s->pk_nul = z;
	unsigned char *b = realloc(s->pk_buf, (METRICS_NSAMPLE + 1) *
				   PACKED_MAX_BYTES(cap));
	if (b)
		s->pk_buf = b;
	if (!v || !z || !b) {
		snprintf(s->err, sizeof s->err, "%s: out of memory", s->path);
		return -1;
	}
	s->pk_cap = cap;
	return 0;
}

/* The value of metric NAME of domain row R, and whether it is NULL (a MIN
 * or MAX without a bounded slice), as BIND_SAMPLE binds it. */
#define PACK_SAMPLE(name, ctype, rollup, ...) \
	for (size_t i = 0; i < n; i++) { \
		s->pk_val[i] = (int64_t)s->dom_acc[i].name; \
		s->pk_nul[i] = NUL_##rollup(&s->dom_acc[i]); \
	} \
	if (pack_column(s, st, &k, n) < 0) \
		return -1;
#define NUL_SUM(r) false
#define NUL_MIN(r) ((r)->alloc_n == 0)
#define NUL_MAX NUL_MIN

/* pk_val/pk_nul's N values packed into parameters *K + 1.. + 3 of ST (the
 * bytes at their place in pk_buf, kept until ST is stepped); *K moved on. */
static int pack_column(struct store *s, sqlite3_stmt *st, int *k, size_t n)
{
	size_t column = (size_t)(*k - 2) / 3;
	unsigned char *out = s->pk_buf + column * PACKED_MAX_BYTES(s->pk_cap);
	struct packed_head h;
	long len = packed_encode(s->pk_val, s->pk_nul, n, out, &h);
	/* a zero-length BLOB, not NULL, for a column of one value */
	sqlite3_bind_blob(st, ++*k, len ? out : (const void *)"", (int)len,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st, ++*k, h.base);
	sqlite3_bind_int(st, ++*k, h.w);
	return 0;
}

/* Positions 0..N-1 in sample_dom_1s_slot, for the views to read N domains
 * of a second. */
static int ensure_slots(struct store *s, size_t n)
{
	if ((int64_t)n <= s->slots)
		return 0;
	sqlite3_bind_int64(s->add_slots, 1, s->slots);
	sqlite3_bind_int64(s->add_slots, 2, (int64_t)n);
	if (step(s, s->add_slots, "cannot write sample_dom_1s_slot") < 0)
		return -1;
	s->slots = (int64_t)n;
	return 0;
}

/* A packed row of second T and N values a column into ST: room for them,
 * as many slots, and its t and n as parameters 1 and 2. */
static int packed_row(struct store *s, sqlite3_stmt *st, int64_t t, size_t n)
{
	if (packed_room(s, n) < 0 || ensure_slots(s, n) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, t);
	sqlite3_bind_int64(st, 2, (int64_t)n);
	return 0;
}

/* The idle domain's second R as a plain row of sample_dom_1s: its figures
 * (a host's idle time, no bounded slices) are far from any guest's, and
 * kept out of the packed columns they leave half as wide (18 bytes a
 * domain-second with it, 10 without, on the history benchmark's host). */
static int write_idle(struct store *s, int64_t t, const struct sample_row *r)
{
	sqlite3_stmt *st = s->ins_idle;
	int k = 2;
	sqlite3_bind_int64(st, 1, t);
	sqlite3_bind_int64(st, 2, r->domid);
	METRICS_SAMPLE(BIND_SAMPLE)
	return step(s, st, "cannot write sample_dom_1s");
}

static int grow_to(void **p, size_t *cap, size_t n, size_t elem);
static int out_of_memory(struct store *s);

/* A set of domids' id in sample_dom_1s_domids: a hash of its packed
 * column (FNV-1a), 62 bits, so that the same seconds name the same rows
 * whichever runs wrote them. */
static int64_t domids_hash(const unsigned char *b, size_t len,
			   struct packed_head h)
{
	uint64_t x = 14695981039346656037u;
	unsigned char head[12];
	for (int k = 0; k < 8; k++)
		head[k] = (unsigned char)((uint64_t)h.base >> (8 * k));
	for (int k = 0; k < 4; k++)
		head[8 + k] = (unsigned char)((uint32_t)h.w >> (8 * k));
	for (size_t k = 0; k < sizeof head + len; k++) {
		x ^= k < sizeof head ? head[k] : b[k - sizeof head];
		x *= 1099511628211u;
	}
	return (int64_t)(x >> 2);
}

/* The set in pk_buf (LEN bytes, head H) as row ID of sample_dom_1s_domids,
 * unless that row is there. */
static int put_domids(struct store *s, int64_t id, long len,
		      struct packed_head h)
{
	sqlite3_stmt *ins = s->ins_domids;
	sqlite3_bind_int64(ins, 1, id);
	sqlite3_bind_blob(ins, 2, len ? s->pk_buf : (const void *)"", (int)len,
			  SQLITE_STATIC);
	sqlite3_bind_int64(ins, 3, h.base);
	sqlite3_bind_int(ins, 4, h.w);
	return step(s, ins, "cannot write sample_dom_1s_domids");
}

/* The row of sample_dom_1s_domids for the set in pk_buf (LEN bytes, head
 * H), written if missing: its id in s->domids_id, from ID on (the next
 * one on a hash's collision with another set).  0, or -1. */
static int find_domids(struct store *s, int64_t id, long len,
		       struct packed_head h)
{
	for (;; id = (id + 1) & (INT64_MAX >> 1)) {
		sqlite3_stmt *st = s->sel_domids;
		sqlite3_bind_int64(st, 1, id);
		int rc = sqlite3_step(st);
		bool same = rc == SQLITE_ROW &&
			    sqlite3_column_int64(st, 1) == h.base &&
			    sqlite3_column_int(st, 2) == h.w &&
			    sqlite3_column_bytes(st, 0) == len &&
			    (!len || memcmp(sqlite3_column_blob(st, 0), s->pk_buf,
					    (size_t)len) == 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return fail(s, "cannot read sample_dom_1s_domids");
		if (same)
			break;
		if (rc == SQLITE_ROW)
			continue;
		if (put_domids(s, id, len, h) < 0)
			return -1;
		break;
	}
	s->domids_id = id;
	return 0;
}

/* The domids of the N domains in pk_val as parameters *K + 1.. + 3 of ST:
 * their row of sample_dom_1s_domids (022_domid_sets.sql), the last
 * second's when the same (written again if pruned since).  *K moved on. */
static int bind_domids(struct store *s, sqlite3_stmt *st, int *k, size_t n)
{
	struct packed_head h;
	long len = packed_encode(s->pk_val, s->pk_nul, n, s->pk_buf, &h);
	bool same = s->domids_id >= 0 && h.base == s->domids_head.base &&
		    h.w == s->domids_head.w && (size_t)len == s->domids_len &&
		    memcmp(s->pk_buf, s->domids, (size_t)len) == 0;
	if (same) {
		if (put_domids(s, s->domids_id, len, h) < 0)
			return -1;
	} else {
		if (grow_to((void **)&s->domids, &s->domids_cap, (size_t)len + 1,
			    1) < 0)
			return out_of_memory(s);
		if (find_domids(s, domids_hash(s->pk_buf, (size_t)len, h), len,
				h) < 0)
			return -1;
		memcpy(s->domids, s->pk_buf, (size_t)len);
		s->domids_len = (size_t)len;
		s->domids_head = h;
	}
	sqlite3_bind_blob(st, ++*k, "", 0, SQLITE_STATIC);
	sqlite3_bind_int64(st, ++*k, s->domids_id);
	sqlite3_bind_int(st, ++*k, -1);
	return 0;
}

/* SEC's rows summed over CPUs, in domid order, packed into one row of
 * sample_dom_1s_packed, but the idle domain's (write_idle). */
static int write_domains(struct store *s, const struct second *sec)
{
	s->ndom_acc = 0;
	for (size_t i = 0; i < sec->nsamples; i++) {
		const struct sample_row *r = &sec->samples[i];
		int32_t *slot = &s->dom_slot[r->domid];
		if (*slot < 0) {
			*slot = (int32_t)s->ndom_acc;
			s->dom_acc[s->ndom_acc++] = *r;
		} else {
			add_sample(&s->dom_acc[*slot], r);
		}
	}
	size_t n = s->ndom_acc;
	for (size_t i = 0; i < n; i++)
		s->dom_slot[s->dom_acc[i].domid] = -1;
	if (!n)
		return 0;
	qsort(s->dom_acc, n, sizeof *s->dom_acc, by_domid);
	/* the idle domain's id is the greatest of a real host's */
	for (size_t i = n; i-- > 0;) {
		if (s->dom_acc[i].domid != METRICS_IDLE_DOMID)
			continue;
		if (write_idle(s, sec->t, &s->dom_acc[i]) < 0)
			return -1;
		memmove(&s->dom_acc[i], &s->dom_acc[i + 1],
			(n - i - 1) * sizeof *s->dom_acc);
		n--;
		break;
	}
	if (!n)
		return 0;
	sqlite3_stmt *st = s->ins_dom;
	int k = 2;
	if (packed_row(s, st, sec->t, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		s->pk_val[i] = s->dom_acc[i].domid;
		s->pk_nul[i] = false;
	}
	if (bind_domids(s, st, &k, n) < 0)
		return -1;
	METRICS_SAMPLE(PACK_SAMPLE)
	return step(s, st, "cannot write sample_dom_1s_packed");
}

/* Column NAME of SEC's CPUs, in cpu order (s->cpu_order). */
#define PACK_CPU(name, ctype, in_1s, ...) METRICS_IF_##in_1s( \
	for (size_t i = 0; i < n; i++) { \
		s->pk_val[i] = (int64_t)sec->cpus[s->cpu_order[i]].name; \
		s->pk_nul[i] = false; \
	} \
	if (pack_column(s, st, &k, n) < 0) \
		return -1;)

/* ORDER[0..N) the places of CPUS in cpu order: an insertion sort, as a
 * second's CPUs come in order. */
static void cpu_order(size_t *order, const struct cpu_row *cpus, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		for (; j > 0 && cpus[order[j - 1]].cpu > cpus[i].cpu; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
}

/* SEC's CPUs as one row of cpu_1s_packed, in cpu order. */
static int write_cpus(struct store *s, const struct second *sec)
{
	size_t n = sec->ncpus;
	if (!n)
		return 0;
	if (grow_to((void **)&s->cpu_order, &s->cpu_order_cap, n,
		    sizeof *s->cpu_order) < 0)
		return out_of_memory(s);
	cpu_order(s->cpu_order, sec->cpus, n);
	sqlite3_stmt *st = s->ins_cpu;
	int k = 2;
	if (packed_row(s, st, sec->t, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		s->pk_val[i] = sec->cpus[s->cpu_order[i]].cpu;
		s->pk_nul[i] = false;
	}
	if (pack_column(s, st, &k, n) < 0)
		return -1;
	METRICS_CPU(PACK_CPU)
	return step(s, st, "cannot write cpu_1s_packed");
}

static int write_rows(struct store *s, const struct second *sec)
{
	if (write_cpus(s, sec) < 0)
		return -1;
	sqlite3_stmt *st = s->ins_sample;
	for (size_t i = 0; i < sec->nsamples; i++) {
		const struct sample_row *r = &sec->samples[i];
		int k = 3;
		sqlite3_bind_int64(st, 1, sec->t);
		sqlite3_bind_int64(st, 2, r->cpu);
		sqlite3_bind_int64(st, 3, r->domid);
		METRICS_SAMPLE(BIND_SAMPLE)
		if (step(s, st, "cannot write sample_1s") < 0)
			return -1;
	}
	if (write_domains(s, sec) < 0)
		return -1;
	st = s->ins_domain;
	for (size_t i = 0; i < sec->ndoms; i++) {
		const struct domain_row *d = &sec->doms[i];
		sqlite3_bind_int64(st, 1, d->domid);
		if (d->name[0])
			sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_int64(st, 3, d->first_t);
		sqlite3_bind_int64(st, 4, sec->t);
		if (d->uuid[0])
			sqlite3_bind_text(st, 5, d->uuid, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		if (step(s, st, "cannot write domain") < 0)
			return -1;
	}
	return 0;
}

/* Where SEC's partial rows were observed: PARTS, or without them the
 * rows' own from_ns and observed_ns.  How many it wrote (0: SEC is
 * whole), or -1. */
static int write_parts(struct store *s, const struct second *sec,
		       const struct part *parts)
{
	int n = 0;
	for (size_t i = 0; i < sec->ncpus; i++) {
		const struct cpu_row *c = &sec->cpus[i];
		if (c->observed_ns >= NS_PER_S)
			continue;
		struct part p = parts ? parts[i] :
			(struct part){ c->from_ns, c->from_ns + c->observed_ns };
		sqlite3_stmt *st = s->ins_part;
		sqlite3_bind_int64(st, 1, sec->t);
		sqlite3_bind_int64(st, 2, c->cpu);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)p.from_ns);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)p.to_ns);
		if (step(s, st, "cannot write cpu_1s_part") < 0)
			return -1;
		n++;
	}
	return n;
}

static int grow_to(void **p, size_t *cap, size_t n, size_t elem)
{
	if (n <= *cap)
		return 0;
	size_t c = *cap ? *cap : 16;
	while (c < n)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

static int room(struct stored *x, size_t ncpus, size_t nsamples)
{
	size_t cap = x->cpus_cap;
	if (grow_to((void **)&x->cpus, &cap, ncpus, sizeof *x->cpus) < 0)
		return -1;
	cap = x->cpus_cap;
	if (grow_to((void **)&x->parts, &cap, ncpus, sizeof *x->parts) < 0)
		return -1;
	x->cpus_cap = cap;
	return grow_to((void **)&x->samples, &x->samples_cap, nsamples,
		       sizeof *x->samples);
}

static int out_of_memory(struct store *s)
{
	snprintf(s->err, sizeof s->err, "%s: out of memory", s->path);
	return -1;
}

/* The stored rows of second T into s->old.  A partial row without its
 * place in the second (written before cpu_1s_part was) may lie anywhere:
 * it is taken to span the second. */
static int read_stored(struct store *s, int64_t t)
{
	struct stored *o = &s->old;
	sqlite3_stmt *st = s->sel_cpus;
	int rc;

	o->ncpus = o->nsamples = 0;
	sqlite3_bind_int64(st, 1, t);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (room(o, o->ncpus + 1, 0) < 0) {
			sqlite3_reset(st);
			return out_of_memory(s);
		}
		struct cpu_row *c = &o->cpus[o->ncpus];
		struct part *p = &o->parts[o->ncpus++];
		int k = 3;
		*c = (struct cpu_row){
			.cpu = (uint32_t)sqlite3_column_int64(st, 2),
		};
		METRICS_CPU(READ_CPU)
		*p = (struct part){ 0, NS_PER_S };
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			*p = (struct part){
				(uint64_t)sqlite3_column_int64(st, 0),
				(uint64_t)sqlite3_column_int64(st, 1) };
		c->from_ns = p->from_ns;
	}
	if (rc != SQLITE_DONE)
		fail(s, "cannot read cpu_1s");
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;

	st = s->sel_samples;
	sqlite3_bind_int64(st, 1, t);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (room(o, 0, o->nsamples + 1) < 0) {
			sqlite3_reset(st);
			return out_of_memory(s);
		}
		struct sample_row *r = &o->samples[o->nsamples++];
		int k = 2;
		*r = (struct sample_row){
			.cpu = (uint16_t)sqlite3_column_int(st, 0),
			.domid = (uint16_t)sqlite3_column_int(st, 1),
		};
		METRICS_SAMPLE(READ_SAMPLE)
	}
	if (rc != SQLITE_DONE)
		fail(s, "cannot read sample_1s");
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * How this run's part of second SEC lies against what is stored (s->old),
 * CPU by CPU: inside it (covered), outside it (disjoint), or across its
 * edge.  STORE_SKIPPED when every observed CPU is covered, STORE_COMPLETED
 * when every one is disjoint, STORE_OVERLAP otherwise.
 */
static int classify(const struct store *s, const struct second *sec)
{
	const struct stored *o = &s->old;
	size_t j = 0, covered = 0, disjoint = 0;

	for (size_t i = 0; i < sec->ncpus; i++) {
		const struct cpu_row *c = &sec->cpus[i];
		if (c->observed_ns == 0)
			continue;
		uint64_t from = c->from_ns, to = c->from_ns + c->observed_ns;
		while (j < o->ncpus && o->cpus[j].cpu < c->cpu)
			j++;
		if (j == o->ncpus || o->cpus[j].cpu != c->cpu ||
		    o->cpus[j].observed_ns == 0) {
			disjoint++;
			continue;
		}
		const struct part *p = &o->parts[j];
		if (from >= p->from_ns && to <= p->to_ns)
			covered++;
		else if (to <= p->from_ns || from >= p->to_ns)
			disjoint++;
		else
			return STORE_OVERLAP;
	}
	if (disjoint == 0)
		return STORE_SKIPPED;
	return covered ? STORE_OVERLAP : STORE_COMPLETED;
}

static uint32_t add_sat32(uint32_t a, uint32_t b)
{
	return a + b < a ? UINT32_MAX : a + b;
}

/* Two parts of a second's metric added: 32-bit counts saturate, 64-bit
 * times add; the min and max of the bounded slices widen. */
#define ADD_PART(a, b) _Generic((a), uint32_t: add_sat32((a), (b)), \
				default: (a) + (b))
#define MERGE(name, ctype, rollup, ...) MERGE_##rollup(name);
#define MERGE_SUM(n) m->n = ADD_PART(m->n, x->n)
#define MERGE_MIN(n) \
	if (x->alloc_n && (!m->alloc_n || x->n < m->n)) m->n = x->n
#define MERGE_MAX(n) \
	if (x->alloc_n && (!m->alloc_n || x->n > m->n)) m->n = x->n
#define MERGE_CPU(name, ctype, in_1s, ...) \
	METRICS_IF_##in_1s(c->name = ADD_PART(c->name, a->name);)

static void add_sample(struct sample_row *m, const struct sample_row *x)
{
	METRICS_SAMPLE(MERGE)
	m->alloc_n = add_sat32(m->alloc_n, x->alloc_n);
}

static int sample_cmp(const struct sample_row *a, const struct sample_row *b)
{
	if (a->cpu != b->cpu)
		return a->cpu < b->cpu ? -1 : 1;
	return (a->domid > b->domid) - (a->domid < b->domid);
}

/* s->merged = s->old + SEC, both sorted as the tables' keys are. */
static int merge_rows(struct store *s, const struct second *sec)
{
	const struct stored *o = &s->old;
	struct stored *m = &s->merged;
	size_t i = 0, j = 0;

	if (room(m, o->ncpus + sec->ncpus, o->nsamples + sec->nsamples) < 0)
		return -1;
	m->ncpus = m->nsamples = 0;
	while (i < o->ncpus || j < sec->ncpus) {
		const struct cpu_row *a = i < o->ncpus ? &o->cpus[i] : NULL;
		const struct cpu_row *b = j < sec->ncpus ? &sec->cpus[j] : NULL;
		struct cpu_row *c = &m->cpus[m->ncpus];
		struct part *p = &m->parts[m->ncpus++];
		struct part pb = { 0, 0 };
		if (b)
			pb = (struct part){ b->from_ns,
					    b->from_ns + b->observed_ns };
		if (a && (!b || a->cpu < b->cpu)) {
			*c = *a;
			*p = o->parts[i++];
			continue;
		}
		*c = *b;
		*p = pb;
		j++;
		if (!a || a->cpu != b->cpu)
			continue;
		const struct part *pa = &o->parts[i++];
		/* A part that saw nothing of the CPU has no place to join. */
		if (!b->observed_ns) {
			*p = *pa;
		} else if (a->observed_ns) {
			p->from_ns = pa->from_ns < pb.from_ns ? pa->from_ns :
				     pb.from_ns;
			p->to_ns = pa->to_ns > pb.to_ns ? pa->to_ns : pb.to_ns;
		}
		METRICS_CPU(MERGE_CPU)
		c->from_ns = p->from_ns;
	}
	i = j = 0;
	while (i < o->nsamples || j < sec->nsamples) {
		const struct sample_row *a, *b;
		a = i < o->nsamples ? &o->samples[i] : NULL;
		b = j < sec->nsamples ? &sec->samples[j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : sample_cmp(a, b);
		struct sample_row *r = &m->samples[m->nsamples++];
		*r = cmp <= 0 ? *a : *b;
		if (cmp == 0)
			add_sample(r, b);
		i += cmp <= 0;
		j += cmp >= 0;
	}
	return 0;
}

/* Replace second SEC's stored rows (s->old) with s->merged; its minute
 * and hour are rolled up again from the tables. */
/* A second written into the packed past: its minute and hour plain again
 * first (packer.h). */
static int unpack_for(struct store *s, int64_t t)
{
	if (t - t % METRICS_GRAIN_1H >= s->packed_until)
		return 0;
	int rc = packer_unpack(s->packer, t);
	if (rc < 0)
		return fail(s, "cannot unpack the roll-ups of a second");
	if (rc > 0)
		s->pack_after_t = s->newest_t + METRICS_GRAIN_1H;
	return 0;
}

static int complete_second(struct store *s, const struct second *sec)
{
	if (unpack_for(s, sec->t) < 0)
		return -1;
	if (merge_rows(s, sec) < 0)
		return out_of_memory(s);
	const struct stored *m = &s->merged;
	struct second merged = {
		.t = sec->t, .complete = sec->complete,
		.cpus = m->cpus, .ncpus = m->ncpus,
		.samples = m->samples, .nsamples = m->nsamples,
		.doms = sec->doms, .ndoms = sec->ndoms,
	};
	sqlite3_bind_int64(s->del_domids, 1, sec->t);
	if (step(s, s->del_domids, "cannot rewrite a second") < 0)
		return -1;
	for (size_t i = 0; i < sizeof s->del_second / sizeof *s->del_second; i++) {
		sqlite3_bind_int64(s->del_second[i], 1, sec->t);
		if (step(s, s->del_second[i], "cannot rewrite a second") < 0)
			return -1;
	}
	if (write_rows(s, &merged) < 0 || write_parts(s, &merged, m->parts) < 0)
		return -1;
	if (rollup_redo(s->rollup, sec->t) < 0)
		return fail(s, "cannot roll up");
	return 0;
}

/* A second not stored yet. */
static int write_second(struct store *s, const struct second *sec)
{
	int parts;
	if (unpack_for(s, sec->t) < 0 || write_rows(s, sec) < 0 ||
	    (parts = write_parts(s, sec, NULL)) < 0)
		return -1;
	if (stretches_add(s->stretches, sec->t, parts > 0) < 0)
		return fail(s, "cannot write seconds_stored");
	if (rollup_second(s->rollup, sec) < 0)
		return fail(s, "cannot roll up");
	return 0;
}

/*
 * Second SEC is not in cpu_1s.  Older than the newest second stored, below
 * what retention or the budget pruned (meta pruned_before_1s) and inside a
 * stretch of seconds_stored, it was stored and pruned since (a trace
 * replayed again): left as it is, for its roll-ups hold it already;
 * counted as overlapping where it was stored in part, since this run's
 * part cannot be told from the stored one any more.  STORE_WRITTEN when
 * it is new.
 */
static int pruned_since(struct store *s, const struct second *sec)
{
	bool part;
	if (sec->t >= s->newest_t)
		return STORE_WRITTEN;   /* the live path: no lookup */
	sqlite3_bind_int64(s->pruned_1s, 1, sec->t);
	int rc = sqlite3_step(s->pruned_1s);
	int pruned = rc == SQLITE_ROW && sqlite3_column_int(s->pruned_1s, 0);
	sqlite3_reset(s->pruned_1s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "cannot read meta");
	if (!pruned)
		return STORE_WRITTEN;
	rc = stretches_find(s->stretches, sec->t, &part);
	if (rc < 0)
		return fail(s, "cannot read seconds_stored");
	if (!rc)
		return STORE_WRITTEN;
	return part ? STORE_OVERLAP : STORE_SKIPPED;
}

/* Second SEC is stored already, in whole or in part. */
static int stored_again(struct store *s, const struct second *sec)
{
	if (read_stored(s, sec->t) < 0)
		return -1;
	int rc = classify(s, sec);
	if (rc != STORE_COMPLETED)
		return rc;
	/* Its minute and hour are rolled up again from what is stored: not
	 * once retention has begun to take them. */
	int whole = rollup_can_redo(s->rollup, sec->t);
	if (whole < 0)
		return fail(s, "cannot read meta");
	if (!whole)
		return STORE_OVERLAP;
	return complete_second(s, sec) < 0 ? -1 : STORE_COMPLETED;
}

/*
 * meta io_sources, in the transaction of the first second of the run and
 * of every second that shows a source more, so that a reader (the viewer
 * of a live daemon) knows from the first second whether I/O is traced.
 */
static int note_io_sources(struct store *s, const struct second *sec)
{
	unsigned mask = s->io_before | sec->io_sources;
	char text[64];
	s->io_pending = (int)mask;
	if (s->io_written == (int)mask)
		return 0;
	metrics_io_sources_text(text, sizeof text, mask);
	return store_meta(s, METRICS_IO_SOURCES_KEY, text);
}

static void pack_some(struct store *s);

int store_second(struct store *s, const struct second *sec)
{
	double began = clock_s(CLOCK_MONOTONIC);
	if (exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	sqlite3_bind_int64(s->exists, 1, sec->t);
	int rc = step(s, s->exists, "cannot read cpu_1s");
	if (rc == 1)
		rc = stored_again(s, sec);
	else if (rc == 0 && (rc = pruned_since(s, sec)) == STORE_WRITTEN)
		rc = write_second(s, sec);
	if (rc >= 0 && note_io_sources(s, sec) < 0)
		rc = -1;
	if (rc >= 0 && exec(s, "COMMIT") < 0)
		rc = -1;
	if (rc < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		rollup_rolled_back(s->rollup);
		/* the slots and the domids' row it added are gone with it */
		count_slots(s);
		s->domids_id = -1;
		return -1;
	}
	rollup_committed(s->rollup);
	s->io_written = s->io_pending;
	note_write(s, sec->t, began);
	if (rc == STORE_WRITTEN && sec->t > s->newest_t)
		s->newest_t = sec->t;
	/* The second is stored: a prune that finds the disk full is tried
	 * again after the next one, not reported as a failed write. */
	if (retention_prune(s->retention, s->newest_t, PRUNE_BUDGET_NS) < 0 ||
	    budget_prune(s->budget, s->newest_t, PRUNE_BUDGET_NS) < 0) {
		fail(s, "cannot prune old rows");
		if (!store_no_space(s))
			return -1;
	}
	pack_some(s);
	return rc;
}

/* Packing saves space and nothing else: a failure (a full disk, most
 * likely, as it writes before it deletes) is said and tried again a
 * minute later, never a failed second.  While seconds are written into
 * the packed past (a replay of an old trace) it waits until the newest
 * second has moved an hour on, rather than pack again, after each second,
 * the hour and day that second unpacked. */
static void pack_some(struct store *s)
{
	double now = clock_s(CLOCK_MONOTONIC);
	if (now < s->pack_retry_s || s->newest_t < s->pack_after_t)
		return;
	if (store_pack(s, s->newest_t - s->pack_age_s, PACK_BUDGET_NS) < 0) {
		log_msg(stderr, LOG_LEVEL_WARNING, "%s: cannot pack old roll-ups, "
			"trying again in a minute: %s", s->path,
			packer_error(s->packer));
		s->pack_retry_s = now + 60;
	}
}

int store_pack(struct store *s, int64_t before_t, int64_t budget_ns)
{
	/* never the hour the watermark's fold still adds minutes to (a
	 * second stored after a long gap: its hour was the newest) */
	int64_t upto = rollup_hours_upto(s->rollup);
	upto -= upto % METRICS_GRAIN_1H;
	before_t = before_t < upto ? before_t : upto;
	if (before_t <= 0)
		return 0;
	/* what may be packed, said before: a pack that fails half way has
	 * packed some */
	if (before_t > s->packed_until)
		s->packed_until = before_t;
	return packer_pack(s->packer, before_t, budget_ns);
}

bool store_was_empty(const struct store *s)
{
	return s->was_empty;
}

static uint64_t db_bytes(struct store *s)
{
	sqlite3_stmt *st;
	uint64_t n = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT page_count * page_size FROM "
			       "pragma_page_count, pragma_page_size", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * SQLite splits the last page of a WITHOUT ROWID table in two when rows
 * are appended, so a table written in key order keeps its pages about 88%
 * full; VACUUM rebuilds each table in bulk, with full pages.  It needs
 * room for a copy of the database (and its WAL grows to that size, hence
 * the checkpoint after it).
 */
int store_compact(struct store *s, uint64_t *before, uint64_t *after)
{
	if (rollup_catch_up(s->rollup) < 0)
		return fail(s, "cannot roll up the last minute");
	*before = db_bytes(s);
	if (exec(s, "VACUUM") < 0)
		return -1;
	sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
				  NULL, NULL);
	*after = db_bytes(s);
	return 0;
}

int store_gap(struct store *s, int64_t first_t, int64_t last_t,
	      uint64_t seconds, const char *reason)
{
	sqlite3_stmt *st = s->gap;
	sqlite3_bind_int64(st, 1, first_t);
	sqlite3_bind_int64(st, 2, last_t);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seconds);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	if (s->run_id)
		sqlite3_bind_int64(st, 5, s->run_id);
	else
		sqlite3_bind_null(st, 5);
	return step(s, st, "cannot write gap") < 0 ? -1 : 0;
}

void store_set_retention(struct store *s, const struct retention_policy *p)
{
	retention_set_policy(s->retention, p);
	set_pack_age(s, p);
}

const struct retention_stats *store_prune_stats(const struct store *s)
{
	return retention_stats(s->retention);
}

const struct budget_stats *store_budget_stats(const struct store *s)
{
	return budget_stats(s->budget);
}

int store_meta(struct store *s, const char *key, const char *value)
{
	sqlite3_bind_text(s->meta, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->meta, 2, value, -1, SQLITE_STATIC);
	int rc = step(s, s->meta, "cannot write meta");
	sqlite3_clear_bindings(s->meta);
	return rc;
}

int store_meta_num(struct store *s, const char *key, double value)
{
	sqlite3_bind_text(s->meta, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_double(s->meta, 2, value);
	return step(s, s->meta, "cannot write meta");
}

int store_run_begin(struct store *s, const struct run_info *r)
{
	sqlite3_stmt *st;
	if (prep(s, &st, "INSERT INTO run (started_at, mode, input, cpu_mhz, "
		 "cpu_mhz_source, start_time, start_source, status) VALUES "
		 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, 'running')") < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 2, r->mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->input, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, r->cpu_mhz);
	sqlite3_bind_text(st, 5, r->cpu_mhz_source, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, r->start_time);
	sqlite3_bind_text(st, 7, r->start_source, -1, SQLITE_STATIC);
	int rc = step(s, st, "cannot write run");
	sqlite3_finalize(st);
	s->run_id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int store_run_end(struct store *s, const struct run_info *r)
{
	sqlite3_stmt *st;
	const struct acct_stats *a = r->st;
	if (prep(s, &st, "UPDATE run SET first_t = ?2, last_t = ?3, records = ?4, "
		 "lost_records = ?5, malformed = ?6, anomalies = ?7, "
		 "seconds_written = ?8, seconds_skipped = ?9, status = ?10, "
		 "seconds_dropped = ?11, max_write_ms = ?12, wal_peak_bytes = ?13, "
		 "max_lag_ms = ?14, seconds_completed = ?15, "
		 "seconds_overlapping = ?16, first_malformed_offset = ?17 "
		 "WHERE id = ?1") < 0)
		return -1;
	sqlite3_bind_int64(st, 1, s->run_id);
	if (a->seconds_emitted) {
		sqlite3_bind_int64(st, 2, a->first_t);
		sqlite3_bind_int64(st, 3, a->last_t);
	}
	sqlite3_bind_int64(st, 4, (sqlite3_int64)a->records);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)a->lost_records);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)a->malformed);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)(a->late + a->resyncs + a->untimed +
						   r->tsc_anomalies));
	sqlite3_bind_int64(st, 8, (sqlite3_int64)r->seconds_written);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)r->seconds_skipped);
	sqlite3_bind_text(st, 10, r->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)r->seconds_dropped);
	sqlite3_bind_double(st, 12, s->ws.max_txn_s * 1e3);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)s->ws.wal_peak_bytes);
	if (r->lag_measured)
		sqlite3_bind_double(st, 14, r->max_lag_s * 1e3);
	sqlite3_bind_int64(st, 15, (sqlite3_int64)r->seconds_completed);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)r->seconds_overlapping);
	if (r->malformed_seen)
		sqlite3_bind_int64(st, 17, (sqlite3_int64)r->malformed_off);
	int rc = step(s, st, "cannot write run");
	sqlite3_finalize(st);
	return rc;
}
