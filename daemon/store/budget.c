/*
 * The size budget.
 *
 * Retention bounds the database by age, which bounds its size only for a
 * host of a known size: a 64-CPU host with 200 domains stores several
 * times what a small one does in the same week, and a dom0 root file
 * system is often 20-50 GB.  So, as journald and Prometheus do, the
 * database also has a budget in bytes: by default 10% of its file system,
 * at most 4 GiB (journald's SystemMaxUse), or what --max-size says.
 *
 * Never more than the room left: what the database takes now plus what is
 * free on its file system, less a reserve, so that xenmon never takes the
 * last of dom0's disk however the budget was set.  The reserve is
 * journald's SystemKeepFree: 15% of the file system, at most 4 GiB.  It is
 * room for the rest of dom0 (logs, package upgrades, a core dump), which
 * matters more than old seconds; what xenbaked itself needs beyond its
 * budget is only its WAL's growth within a transaction.  Free space is
 * what an unprivileged user may take (statvfs's f_bavail): the blocks a
 * file system keeps for root (5% on ext4) are left to root's emergencies
 * too, although xenbaked runs as root.  The room is measured again before
 * each check, so a disk that others fill lowers the budget as it fills.
 *
 * What counts is what SQLite uses: the pages in use (the file's pages less
 * its freelist) and the WAL file.  Deleted rows free their pages into the
 * freelist and the next inserts take them before the file grows, so the
 * file itself stops growing at about the budget: no VACUUM and no
 * auto_vacuum is needed.  Incremental vacuum would only give pages back to
 * the file system for the next seconds to take again, at the cost of a
 * pointer map in the file and of writing every moved page twice (WAL and
 * file); it cannot be switched on in an existing database without a full
 * VACUUM either.  Only a lower budget than before leaves the file larger
 * than the budget (its pages free inside it), until a VACUUM.  The WAL has
 * a sixteenth of the budget (256 KiB to 64 MiB), what a checkpoint cuts it
 * back to (journal_size_limit), and counts as that: between checkpoints
 * it may hold more for a moment, which pruning rows would not reduce.
 *
 * When the pages in use pass the budget, pruning runs until they are 5%
 * under it, so that it runs in bursts rather than every second: the oldest
 * rows of the finest tier go first (one-second samples, then minutes,
 * hours, days last; a tier's per-CPU detail before its per-domain rows),
 * each tier down to a floor that is never pruned for size (the newest hour
 * of seconds, day of minutes, 30 days of hours, year of days); a budget
 * too small for the floors is said once and left exceeded, for the disk-
 * full handling (writer.c) to take over.  The deleting is retention's
 * (retention_step_below): short transactions of an adaptive span, so that
 * the next second's write never waits long for the lock; each records the
 * range it dropped in table pruned in the same transaction, for the
 * viewer and xenmon-export to say that those rows were dropped, and why.
 */
#include "budget.h"
#include "log.h"
#include "pruned.h"
#include "retention.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

/* journald's SystemKeepFree: 15% of the file system, at most 4 GiB. */
#define RESERVE_SHARE 0.15
#define RESERVE_CAP (UINT64_C(4) << 30)
/* Pruning stops this far under the budget (per mille). */
#define LOW_WATER_PERMILLE 950

/* The newest rows of each tier (metrics_tiers[]), then of its per-CPU
 * detail (retention.h), never pruned for size: the detail's a sixth of
 * its tier's, since the tier keeps every whole-host figure. */
static const int64_t FLOOR_S[RETENTION_SETS] = {
	[METRICS_1S] = 3600,
	[METRICS_1M] = 86400,
	[METRICS_1H] = 30 * 86400,
	[METRICS_1D] = 365 * 86400,
	[METRICS_TIERS + METRICS_1S] = 600,
	[METRICS_TIERS + METRICS_1M] = 4 * 3600,
	[METRICS_TIERS + METRICS_1H] = 5 * 86400,
	[METRICS_TIERS + METRICS_1D] = 30 * 86400,
};

static FILE *log_f;

void budget_set_log(FILE *f)
{
	log_f = f;
}

struct budget {
	sqlite3 *db;
	struct retention *r;
	struct budget_spec spec;
	char *dir, *wal_path;
	uint64_t target;          /* what the spec gives on this file system */
	bool pruning;             /* between passing the budget and the low water */
	bool stuck;               /* only floors left: said once */
	int tier;                 /* the tier pruned last, for the messages */
	int64_t span_s[RETENTION_SETS]; /* of this burst's next step */
	char *why;                /* the start-up line's, until said */
	struct budget_stats st;
};

int budget_parse(const char *text, struct budget_spec *out)
{
	static const char UNITS[] = "KMGT";
	char *end;

	if (strcmp(text, "off") == 0) {
		*out = (struct budget_spec){ .kind = BUDGET_OFF };
		return 0;
	}
	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || !isfinite(v) || v <= 0)
		return -1;
	if (strcmp(end, "%") == 0) {
		if (v > 100)
			return -1;
		*out = (struct budget_spec){ .kind = BUDGET_SHARE, .share = v / 100 };
		return 0;
	}
	double unit = 1;
	const char *u = *end ? strchr(UNITS, toupper((unsigned char)*end)) : NULL;
	if (u) {
		unit = ldexp(1, 10 * (int)(u - UNITS + 1));
		end++;
	}
	if (*end && strcasecmp(end, "B") != 0 && (!u || strcasecmp(end, "iB") != 0))
		return -1;
	v *= unit;
	/* past an exbibyte is a typo, not a disk */
	if (v < (double)BUDGET_MIN || v > ldexp(1, 60))
		return -1;
	*out = (struct budget_spec){ .kind = BUDGET_BYTES, .bytes = (uint64_t)v };
	return 0;
}

/* BYTES as "2.0 GiB", "512 MiB" in BUF. */
static const char *human(char *buf, size_t n, uint64_t bytes)
{
	static const char *const U[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int i = 0;
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(buf, n, i == 0 || v >= 100 ? "%.0f %s" : "%.1f %s", v, U[i]);
	return buf;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The file system's size and what is free on it, in bytes. */
static int fs_space(const struct budget *b, uint64_t *size, uint64_t *avail)
{
	struct statvfs v;
	if (statvfs(b->dir, &v) < 0)
		return -1;
	*size = (uint64_t)v.f_blocks * v.f_frsize;
	*avail = (uint64_t)v.f_bavail * v.f_frsize;
	return 0;
}

static uint64_t file_bytes(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int64_t pragma(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The WAL's share of the budget: what a checkpoint cuts it back to. */
static uint64_t wal_share(uint64_t target)
{
	uint64_t w = target / 16;
	if (w < (UINT64_C(256) << 10))
		w = UINT64_C(256) << 10;
	return w < (UINT64_C(64) << 20) ? w : UINT64_C(64) << 20;
}

/*
 * The database's pages in use with the WAL's share of the budget (the WAL
 * counted as its share, not as its size of the moment, which swells and
 * shrinks with each checkpoint), and the file with its WAL as they lie on
 * the disk.  A WAL past twice its share (a replay at full speed outruns
 * the checkpointer thread) is checkpointed here, passively: never waiting
 * for a reader, it lets the next write start the WAL over, cut back.
 */
static void measure(struct budget *b, uint64_t *used, uint64_t *on_disk)
{
	int64_t pages = pragma(b->db, "PRAGMA page_count");
	int64_t free_pages = pragma(b->db, "PRAGMA freelist_count");
	int64_t size = pragma(b->db, "PRAGMA page_size");
	uint64_t wal = file_bytes(b->wal_path), share = wal_share(b->target);
	if (wal > 2 * share)
		sqlite3_wal_checkpoint_v2(b->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
					  NULL, NULL);
	*used = (uint64_t)(pages - free_pages) * (uint64_t)size + share;
	*on_disk = (uint64_t)pages * (uint64_t)size + wal;
}

static uint64_t reserve_of(uint64_t fs)
{
	uint64_t r = (uint64_t)((double)fs * RESERVE_SHARE);
	return r < RESERVE_CAP ? r : RESERVE_CAP;
}

/* The room left for the database: what it holds on the disk now, and
 * what is free less the reserve. */
static uint64_t room(uint64_t on_disk, uint64_t fs, uint64_t avail)
{
	uint64_t reserve = reserve_of(fs);
	return on_disk + avail > reserve ? on_disk + avail - reserve : 0;
}

/* The budget now, and whether the room (not the spec) sets it. */
static uint64_t limit(struct budget *b, uint64_t on_disk, bool *by_room)
{
	uint64_t fs, avail;
	*by_room = false;
	if (fs_space(b, &fs, &avail) < 0)
		return b->target;
	uint64_t r = room(on_disk, fs, avail);
	*by_room = r < b->target;
	return *by_room ? r : b->target;
}

/* What the spec gives on a file system of FS bytes, and why, in WHY. */
static uint64_t target_of(const struct budget_spec *spec, const char *dir,
			  uint64_t fs, char *why, size_t n)
{
	char a[32], c[32];
	uint64_t share;
	switch (spec->kind) {
	case BUDGET_BYTES:
		snprintf(why, n, "max-size");
		return spec->bytes;
	case BUDGET_SHARE:
		share = (uint64_t)((double)fs * spec->share);
		snprintf(why, n, "%g%% of %s's %s file system", spec->share * 100,
			 dir, human(a, sizeof a, fs));
		return share;
	default:
		share = (uint64_t)((double)fs * BUDGET_DEFAULT_SHARE);
		if (share <= BUDGET_CAP) {
			snprintf(why, n, "10%% of %s's %s file system", dir,
				 human(a, sizeof a, fs));
			return share;
		}
		snprintf(why, n, "the default's cap: 10%% of %s's %s file system "
			 "would be %s", dir, human(a, sizeof a, fs),
			 human(c, sizeof c, share));
		return BUDGET_CAP;
	}
}

static void say_start(struct budget *b, const char *why)
{
	char a[32], c[32], d[32], room_msg[256] = "";
	uint64_t used, on_disk, fs, avail;
	bool by_room;
	if (!log_f || fs_space(b, &fs, &avail) < 0)
		return;
	measure(b, &used, &on_disk);
	uint64_t lim = limit(b, on_disk, &by_room);
	if (by_room)
		snprintf(room_msg, sizeof room_msg, ", lowered to what the database "
			 "holds and what is free (%s) less a reserve of %s for the "
			 "rest of the system", human(c, sizeof c, avail),
			 human(d, sizeof d, reserve_of(fs)));
	log_msg(log_f, LOG_LEVEL_INFO, "size budget %s (%s)%s; the database uses %s",
		human(a, sizeof a, lim), why, room_msg,
		human(c, sizeof c, used - wal_share(b->target)));
}

struct budget *budget_new(sqlite3 *db, struct retention *r, const char *path,
			  const struct budget_spec *spec, char *err, size_t errlen)
{
	struct budget *b = calloc(1, sizeof *b);
	if (!b || !(b->dir = strdup(path)) ||
	    !(b->wal_path = malloc(strlen(path) + 5))) {
		snprintf(err, errlen, "%s: out of memory", path);
		budget_free(b);
		return NULL;
	}
	b->db = db;
	b->r = r;
	b->spec = *spec;
	b->tier = -1;
	sprintf(b->wal_path, "%s-wal", path);
	char *slash = strrchr(b->dir, '/');
	if (!slash)
		strcpy(b->dir, ".");
	else
		slash[slash == b->dir] = 0;
	if (spec->kind == BUDGET_OFF) {
		if (log_f)
			log_msg(log_f, LOG_LEVEL_INFO, "no size budget (max-size = "
				"off): only retention limits the database");
		return b;
	}
	uint64_t fs, avail;
	char why[256];
	if (fs_space(b, &fs, &avail) < 0) {
		snprintf(err, errlen, "%s: cannot measure its file system for "
			 "the size budget: %s", b->dir, strerror(errno));
		budget_free(b);
		return NULL;
	}
	b->target = target_of(spec, b->dir, fs, why, sizeof why);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA journal_size_limit=%llu",
		 (unsigned long long)wal_share(b->target));
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	/* said with the first second stored, not by a run that fails first */
	b->why = strdup(why);
	return b;
}

void budget_free(struct budget *b)
{
	if (!b)
		return;
	free(b->dir);
	free(b->wal_path);
	free(b->why);
	free(b);
}

const struct budget_stats *budget_stats(const struct budget *b)
{
	return &b->st;
}

static void say_pruning(struct budget *b, int tier, bool by_room)
{
	char a[32], c[32];
	if (!log_f)
		return;
	log_msg(log_f, LOG_LEVEL_WARNING, "the database uses %s of its %s size "
		"budget%s: pruning the oldest %s", human(a, sizeof a, b->st.used_bytes),
		human(c, sizeof c, b->st.limit_bytes),
		by_room ? " (lowered: the disk is filling)" : "",
		metrics_tiers[tier].what);
}

static void say_stuck(struct budget *b)
{
	char a[32], c[32];
	if (!log_f)
		return;
	log_msg(log_f, LOG_LEVEL_WARNING, "the database uses %s, over its %s "
		"size budget, but holds only its newest hour of seconds, day of minutes, "
		"30 days of hours and year of days, which are not pruned for size: a larger "
		"--max-size is needed", human(a, sizeof a, b->st.used_bytes),
		human(c, sizeof c, b->st.limit_bytes));
}

/* One step on the finest tier with rows older than its floor: 1 done, 0
 * none left, -1 error. */
static int prune_step(struct budget *b, int64_t newest_t, bool by_room)
{
	for (int k = 0; k < RETENTION_SETS; k++) {
		/* a tier's detail (retention.h), then the tier */
		int tier = k / 2, i = k % 2 ? tier : METRICS_TIERS + tier;
		uint64_t rows = retention_stats(b->r)->rows;
		int64_t held = 0;
		int rc = retention_step_below(b->r, i, newest_t + 1 - FLOOR_S[i],
					      b->span_s[i], PRUNED_SIZE_BUDGET,
					      &held);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		/* said per tier: its detail and rows take turns as seconds come */
		if (tier != b->tier) {
			b->tier = tier;
			say_pruning(b, tier, by_room);
		}
		b->span_s[i] *= 2;
		b->st.steps++;
		b->st.rows += retention_stats(b->r)->rows - rows;
		if (held > b->st.max_hold_ns)
			b->st.max_hold_ns = held;
		return 1;
	}
	return 0;
}

/* Over the budget: a burst of pruning begins, its steps small at first and
 * doubling, so that it stops little below the low water (retention's own
 * span, kept across bursts, would take a day of seconds at once).  Said
 * when the first begins and when a coarser tier's turn comes, not at
 * every burst. */
static void begin(struct budget *b)
{
	b->pruning = true;
	for (int i = 0; i < RETENTION_SETS; i++)
		b->span_s[i] = 60 * metrics_tiers[i % METRICS_TIERS].grain_s;
}

int budget_prune(struct budget *b, int64_t newest_t, int64_t budget_ns)
{
	if (b->spec.kind == BUDGET_OFF)
		return 0;
	if (b->why) {
		say_start(b, b->why);
		free(b->why);
		b->why = NULL;
	}
	int64_t t0 = mono_ns();
	uint64_t on_disk;
	bool by_room;
	measure(b, &b->st.used_bytes, &on_disk);
	b->st.limit_bytes = limit(b, on_disk, &by_room);
	if (!b->pruning) {
		if (b->st.used_bytes <= b->st.limit_bytes)
			return 0;
		begin(b);
	}
	uint64_t low = b->st.limit_bytes / 1000 * LOW_WATER_PERMILLE;
	while (b->st.used_bytes > low) {
		int rc = prune_step(b, newest_t, by_room);
		if (rc < 0)
			return -1;
		measure(b, &b->st.used_bytes, &on_disk);
		if (rc == 0) {
			/* only floors left: said once, pruned as they move */
			b->pruning = false;
			if (!b->stuck && b->st.used_bytes > b->st.limit_bytes)
				say_stuck(b);
			b->stuck = b->st.used_bytes > b->st.limit_bytes;
			return 0;
		}
		if (mono_ns() - t0 >= budget_ns)
			return 1;
	}
	b->pruning = false;
	b->stuck = false;
	return 0;
}
