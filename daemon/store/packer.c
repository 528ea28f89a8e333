/*
 * Packing and unpacking the roll-ups (packer.h).
 */
#include "packer.h"
#include "clock.h"
#include "metrics.h"
#include "packed.h"
#include "upsert.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The tiers packed, and how much of each one transaction packs. */
static const struct {
	int tier;
	int64_t chunk_s;
} TIERS[] = {
	{ METRICS_1M, METRICS_GRAIN_1H },
	{ METRICS_1H, METRICS_GRAIN_1D },
};
#define NTIERS (sizeof TIERS / sizeof *TIERS)

/* A row's packed columns: domid, seconds, the metrics, cpu_peak_ns, and
 * where its histogram ends in cpu_pct_hist. */
#define ONE(...) + 1
enum { NCOLS = 2 + 0 METRICS_SAMPLE(ONE) + 2 };
#define COLUMN(name, ...) ", " #name
#define PACKED_COLUMNS(name, ...) ", " #name ", " #name "_base, " #name "_w"
#define PARAMS(...) ", ?, ?, ?"
#define ROW_COLUMNS "domid, seconds" METRICS_SAMPLE(COLUMN) \
	", cpu_peak_ns, cpu_pct_hist"

/* A CPU row's packed columns: cpu, seconds and the CPU metrics. */
enum { NCPU = 2 + 0 METRICS_CPU(ONE) };
#define CPU_PARAMS(...) ", ?, ?, ?"

/* A pair of tables, plain and packed: its statements, and its packed
 * columns, the last a histogram's end with the histograms after it (019's
 * tables) or not (023's). */
struct table_sql {
	sqlite3_stmt *rows, *insert, *del, *unpack, *del_packed, *any;
	int ncols;
	bool hist;
};

/* A tier's statements: its domains' rows (019) and its CPUs' (023). */
struct tier_sql {
	sqlite3_stmt *oldest;
	struct table_sql dom, cpu;
};

struct packer {
	sqlite3 *db;
	struct tier_sql sql[NTIERS];
	/* per tier: no plain row but the idle domain's before this (the
	 * idle domain's rows stay plain: packed_from's scan starts here) */
	int64_t done[NTIERS];
	char err[256];            /* why the last pack failed */
	/* one minute's or hour's rows, growing */
	size_t cap, n;
	int64_t *val;           /* NCOLS per row, column-major by cap */
	bool *nul;
	unsigned char *hist, *out;
	size_t hist_len, hist_cap, out_cap;
};

/* FMT naming TABLE (up to three times: the arguments past those that FMT
 * names are ignored), or TABLE and then OTHER. */
static int prep_two(sqlite3 *db, sqlite3_stmt **st, const char *fmt,
		    const char *table, const char *other)
{
	char sql[4096];
	snprintf(sql, sizeof sql, fmt, table, other, table);
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
				  NULL) == SQLITE_OK ? 0 : -1;
}

static int prep(sqlite3 *db, sqlite3_stmt **st, const char *fmt,
		const char *table)
{
	return prep_two(db, st, fmt, table, table);
}

/* The table names are metrics_tiers[]'s constants, never input. */
static int prepare_domains(sqlite3 *db, int tier, struct table_sql *q)
{
	const char *plain = metrics_tiers[tier].sample;
	const char *packed = metrics_tiers[tier].packed;
	q->ncols = NCOLS;
	q->hist = true;
	return prep(db, &q->rows, "SELECT t, " ROW_COLUMNS " FROM %s"
		    " WHERE t >= ?1 AND t < ?2 AND domid != " METRICS_IDLE_DOMID_SQL
		    " ORDER BY t, domid", plain) ||
	       prep(db, &q->insert, "INSERT INTO %s (t, n, domid, domid_base,"
		    " domid_w, seconds, seconds_base, seconds_w"
		    METRICS_SAMPLE(PACKED_COLUMNS) PACKED_COLUMNS(cpu_peak_ns)
		    PACKED_COLUMNS(cpu_pct_hist_end) ", cpu_pct_hist) VALUES"
		    " (?, ?, ?, ?, ?, ?, ?, ?" METRICS_SAMPLE(PARAMS)
		    PARAMS() PARAMS() ", ?)", packed) ||
	       prep(db, &q->del, "DELETE FROM %s WHERE t >= ?1 AND t < ?2 AND"
		    " domid != " METRICS_IDLE_DOMID_SQL, plain) ||
	       prep(db, &q->any, "SELECT 1 FROM %s WHERE t >= ?1 AND t < ?2"
		    " LIMIT 1", packed) ||
	       /* added to a row written since, if any, as the roll-ups
		* add (never the case but for a fault: then nothing lost) */
	       prep(db, &q->unpack, "INSERT INTO %s (t, " ROW_COLUMNS ")"
		    " SELECT t, " ROW_COLUMNS " FROM temp.%s_unpacked"
		    " WHERE t >= ?1 AND t < ?2" ADD_SAMPLE " cpu_pct_hist ="
		    MERGE_HIST("%s"), plain) ||
	       prep(db, &q->del_packed, "DELETE FROM %s WHERE t >= ?1 AND"
		    " t < ?2", packed) ? -1 : 0;
}

/* The same for the tier's CPU rows: CPU_PLAIN and CPU_PACKED under the
 * view CPU, whose packed rows alone this connection reads as the
 * temporary view CPU_unpacked (schema.c). */
static int prepare_cpus(sqlite3 *db, int tier, struct table_sql *q)
{
	const struct metrics_tier *t = &metrics_tiers[tier];
	char unpacked[64];
	snprintf(unpacked, sizeof unpacked, "temp.%s_unpacked", t->cpu);
	q->ncols = NCPU;
	q->hist = false;
	return prep(db, &q->rows, "SELECT " CPU_COLUMNS " FROM %s"
		    " WHERE t >= ?1 AND t < ?2 ORDER BY t, cpu", t->cpu_plain) ||
	       prep(db, &q->insert, "INSERT INTO %s (t, n, cpu, cpu_base,"
		    " cpu_w, seconds, seconds_base, seconds_w"
		    METRICS_CPU(PACKED_COLUMNS) ") VALUES (?, ?, ?, ?, ?, ?, ?, ?"
		    METRICS_CPU(CPU_PARAMS) ")", t->cpu_packed) ||
	       prep(db, &q->del, "DELETE FROM %s WHERE t >= ?1 AND t < ?2",
		    t->cpu_plain) ||
	       prep(db, &q->any, "SELECT 1 FROM %s WHERE t >= ?1 AND t < ?2"
		    " LIMIT 1", t->cpu_packed) ||
	       prep_two(db, &q->unpack, "INSERT INTO %s (" CPU_COLUMNS ")"
			" SELECT " CPU_COLUMNS " FROM %s WHERE t >= ?1 AND t < ?2"
			ADD_CPU, t->cpu_plain, unpacked) ||
	       prep(db, &q->del_packed, "DELETE FROM %s WHERE t >= ?1 AND"
		    " t < ?2", t->cpu_packed) ? -1 : 0;
}

static int prepare_tier(sqlite3 *db, int tier, struct tier_sql *q)
{
	const struct metrics_tier *t = &metrics_tiers[tier];
	/* the oldest plain row of either, but the idle domain's */
	return prep_two(db, &q->oldest, "SELECT min(t) FROM (SELECT min(t) AS t"
			" FROM %s WHERE t >= ?1 AND domid != " METRICS_IDLE_DOMID_SQL
			" UNION ALL SELECT min(t) FROM %s WHERE t >= ?1)", t->sample,
			t->cpu_plain) ||
	       prepare_domains(db, tier, &q->dom) ||
	       prepare_cpus(db, tier, &q->cpu) ? -1 : 0;
}

struct packer *packer_new(sqlite3 *db)
{
	struct packer *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->db = db;
	for (size_t i = 0; i < NTIERS; i++) {
		if (prepare_tier(db, TIERS[i].tier, &p->sql[i]) < 0) {
			packer_free(p);
			return NULL;
		}
	}
	return p;
}

static void free_table(struct table_sql *q)
{
	sqlite3_finalize(q->rows);
	sqlite3_finalize(q->insert);
	sqlite3_finalize(q->del);
	sqlite3_finalize(q->any);
	sqlite3_finalize(q->unpack);
	sqlite3_finalize(q->del_packed);
}

void packer_free(struct packer *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < NTIERS; i++) {
		struct tier_sql *q = &p->sql[i];
		sqlite3_finalize(q->oldest);
		free_table(&q->dom);
		free_table(&q->cpu);
	}
	free(p->val);
	free(p->nul);
	free(p->hist);
	free(p->out);
	free(p);
}

static int run_range(sqlite3_stmt *st, int64_t from, int64_t to)
{
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Room for one more row and LEN more bytes of histogram. */
static int room(struct packer *p, size_t len)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		int64_t *v = malloc(cap * NCOLS * sizeof *v);
		bool *z = malloc(cap * NCOLS * sizeof *z);
		if (!v || !z) {
			free(v);
			free(z);
			return -1;
		}
		for (size_t c = 0; p->n && c < NCOLS; c++) {
			memcpy(v + c * cap, p->val + c * p->cap, p->n * sizeof *v);
			memcpy(z + c * cap, p->nul + c * p->cap, p->n * sizeof *z);
		}
		free(p->val);
		free(p->nul);
		p->val = v;
		p->nul = z;
		p->cap = cap;
	}
	if (p->hist_len + len > p->hist_cap) {
		size_t cap = 2 * (p->hist_len + len) + 1024;
		unsigned char *h = realloc(p->hist, cap);
		if (!h)
			return -1;
		p->hist = h;
		p->hist_cap = cap;
	}
	return 0;
}

/* Row ST (t, then Q's columns) added: 0, -1 out of memory, or 1 for a
 * histogram not packed (JSON text of a database before 010:
 * rollup_pack() packs those first). */
static int add_row(struct packer *p, const struct table_sql *q,
		   sqlite3_stmt *st)
{
	int nval = q->hist ? q->ncols - 1 : q->ncols;
	const void *h = NULL;
	size_t len = 0;
	if (q->hist) {
		int type = sqlite3_column_type(st, q->ncols);
		if (type != SQLITE_BLOB && type != SQLITE_NULL)
			return 1;
		h = sqlite3_column_blob(st, q->ncols);
		len = (size_t)sqlite3_column_bytes(st, q->ncols);
	}
	if (room(p, len) < 0)
		return -1;
	for (int c = 0; c < nval; c++) {
		p->nul[c * p->cap + p->n] = sqlite3_column_type(st, 1 + c) == SQLITE_NULL;
		p->val[c * p->cap + p->n] = sqlite3_column_int64(st, 1 + c);
	}
	if (q->hist) {
		if (len)
			memcpy(p->hist + p->hist_len, h, len);
		p->hist_len += len;
		p->nul[nval * p->cap + p->n] = false;
		p->val[nval * p->cap + p->n] = (int64_t)p->hist_len;
	}
	p->n++;
	return 0;
}

/* The rows gathered, of time T, as one row of Q's packed table. */
static int write_packed(struct packer *p, const struct table_sql *q,
			int64_t t)
{
	sqlite3_stmt *ins = q->insert;
	int ncols = q->ncols;
	size_t need = (size_t)ncols * PACKED_MAX_BYTES(p->n);
	if (need > p->out_cap) {
		unsigned char *o = realloc(p->out, need);
		if (!o)
			return -1;
		p->out = o;
		p->out_cap = need;
	}
	int k = 0;
	sqlite3_bind_int64(ins, ++k, t);
	sqlite3_bind_int64(ins, ++k, (int64_t)p->n);
	for (int c = 0; c < ncols; c++) {
		unsigned char *o = p->out + (size_t)c * PACKED_MAX_BYTES(p->n);
		struct packed_head h;
		long len = packed_encode(p->val + c * p->cap, p->nul + c * p->cap,
					 p->n, o, &h);
		sqlite3_bind_blob(ins, ++k, len ? o : (const void *)"", (int)len,
				  SQLITE_STATIC);
		sqlite3_bind_int64(ins, ++k, h.base);
		sqlite3_bind_int(ins, ++k, h.w);
	}
	if (q->hist)
		sqlite3_bind_blob(ins, ++k, p->hist_len ? p->hist :
				  (const void *)"", (int)p->hist_len, SQLITE_STATIC);
	int rc = sqlite3_step(ins);
	sqlite3_reset(ins);
	sqlite3_clear_bindings(ins);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Slots 0..N-1 in sample_dom_1s_slot, for the views to read N domains. */
static int ensure_slots(struct packer *p, size_t n)
{
	char sql[160];
	snprintf(sql, sizeof sql, "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL"
		 " SELECT i + 1 FROM k WHERE i + 1 < %zu) INSERT OR IGNORE INTO"
		 " sample_dom_1s_slot (i) SELECT i FROM k", n);
	return sqlite3_exec(p->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* [FROM, TO) of table Q packed, in the caller's transaction: 0, -1, or 1
 * when a histogram is not packed yet (the rows stay). */
static int pack_table(struct packer *p, const struct table_sql *q,
		      int64_t from, int64_t to)
{
	/* rows packed before and written plain again since (a minute a
	 * replay came back to) are packed again with the rest */
	if (run_range(q->unpack, from, to) < 0 ||
	    run_range(q->del_packed, from, to) < 0)
		return -1;
	sqlite3_bind_int64(q->rows, 1, from);
	sqlite3_bind_int64(q->rows, 2, to);
	int64_t cur = INT64_MIN;
	size_t widest = 0;
	int rc, err = 0;
	p->n = p->hist_len = 0;
	while (!err && (rc = sqlite3_step(q->rows)) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(q->rows, 0);
		if (t != cur && p->n) {
			widest = p->n > widest ? p->n : widest;
			err = write_packed(p, q, cur);
			p->n = p->hist_len = 0;
		}
		cur = t;
		if (!err)
			err = add_row(p, q, q->rows);
	}
	sqlite3_reset(q->rows);
	if (!err && rc != SQLITE_DONE)
		err = -1;
	if (!err && p->n) {
		widest = p->n > widest ? p->n : widest;
		err = write_packed(p, q, cur);
	}
	if (!err && widest)
		err = ensure_slots(p, widest);
	if (!err)
		err = run_range(q->del, from, to);
	return err;
}

/* [FROM, TO) of tier I packed, its domains' rows and its CPUs', in the
 * caller's transaction: 0, -1, or 1 when a histogram is not packed yet
 * (the rows stay). */
static int pack_range(struct packer *p, size_t i, int64_t from, int64_t to)
{
	int rc = pack_table(p, &p->sql[i].dom, from, to);
	return rc ? rc : pack_table(p, &p->sql[i].cpu, from, to);
}

static int64_t oldest(sqlite3_stmt *st, int64_t from)
{
	int64_t t = INT64_MAX;
	sqlite3_bind_int64(st, 1, from);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		t = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return t;
}

int packer_pack(struct packer *p, int64_t before_t, int64_t budget_ns)
{
	double until = clock_s(CLOCK_MONOTONIC) + budget_ns / 1e9;
	for (size_t i = 0; i < NTIERS; i++) {
		int64_t g = metrics_tiers[TIERS[i].tier].grain_s;
		int64_t end = before_t - before_t % g;
		for (;;) {
			if (clock_s(CLOCK_MONOTONIC) > until)
				return 0;
			int64_t from = oldest(p->sql[i].oldest, p->done[i]);
			if (from >= end) {
				p->done[i] = end > p->done[i] ? end : p->done[i];
				break;
			}
			int64_t to = from - from % TIERS[i].chunk_s + TIERS[i].chunk_s;
			to = to < end ? to : end;
			if (sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL,
					 NULL) != SQLITE_OK) {
				snprintf(p->err, sizeof p->err, "%s",
					 sqlite3_errmsg(p->db));
				return -1;
			}
			int rc = pack_range(p, i, from, to);
			if (rc != 0 || sqlite3_exec(p->db, "COMMIT", NULL, NULL,
						    NULL) != SQLITE_OK) {
				/* said before ROLLBACK clears it */
				snprintf(p->err, sizeof p->err, "%s",
					 rc < 0 || rc == 0 ? sqlite3_errmsg(p->db) :
					 "a histogram not packed yet");
				sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
				if (rc > 0)
					break;   /* JSON histograms: later */
				return -1;
			}
			p->done[i] = to;
		}
	}
	return 0;
}

/* Q's packed rows of [FROM, TO) back as plain rows, if any: 1 if there
 * were, 0 if not, or -1. */
static int unpack_table(struct table_sql *q, int64_t from, int64_t to)
{
	sqlite3_bind_int64(q->any, 1, from);
	sqlite3_bind_int64(q->any, 2, to);
	int rc = sqlite3_step(q->any);
	sqlite3_reset(q->any);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -1;
	return run_range(q->unpack, from, to) < 0 ||
	       run_range(q->del_packed, from, to) < 0 ? -1 : 1;
}

/* The same for both of tier I's tables. */
static int unpack_range(struct packer *p, size_t i, int64_t from, int64_t to)
{
	/* the second's rows, plain from now on, are packed again when old
	 * enough, unpacked or new (a rolled-back transaction only makes the
	 * next pack look further back) */
	p->done[i] = from < p->done[i] ? from : p->done[i];
	int a = unpack_table(&p->sql[i].dom, from, to);
	int b = a < 0 ? -1 : unpack_table(&p->sql[i].cpu, from, to);
	return b < 0 ? -1 : a | b;
}

const char *packer_error(const struct packer *p)
{
	return p->err;
}

int packer_unpack(struct packer *p, int64_t t)
{
	int64_t m = t - t % METRICS_GRAIN_1M, h = t - t % METRICS_GRAIN_1H;
	int a = unpack_range(p, 0, m, m + METRICS_GRAIN_1M);
	int b = a < 0 ? -1 : unpack_range(p, 1, h, h + METRICS_GRAIN_1H);
	return b < 0 ? -1 : a | b;
}
