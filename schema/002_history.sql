-- xenmon database, schema version 2: history.
--
-- One-minute and one-hour roll-ups beside the one-second tables, kept for
-- longer (retention is the daemon's: by default seconds 7 days, minutes 90
-- days, hours 5 years), and views with percentages for the sqlite3 shell.
--
-- Roll-ups are per domain, summed over physical CPUs.  A (minute, CPU,
-- domain) row would be up to one row per CPU a domain touched, which on a
-- 16-CPU host makes the minute table a fifth of the size of the seconds
-- table for what capacity planning never asks; per-CPU load is kept in
-- cpu_1m / cpu_1h instead (busy_ns).  Besides the sums of sample_1s's
-- columns (min of mins, max of maxes) a roll-up row keeps what sums lose:
--
--   seconds       seconds in the row with a sample_1s row of the domain
--   cpu_peak_ns   the largest one-second cpu_ns (summed over CPUs)
--   cpu_pct_hist  the one-second CPU% as a sparse histogram with bins one
--                 percentage point wide, a JSON object {"P": n}: n seconds
--                 had a CPU% in [P, P+1) (P = cpu_ns / 10000000, integer
--                 division).  Histograms add up, so the percentiles of any
--                 range are those of the sum of its rows' histograms, to
--                 within half a percentage point (a bin's middle is
--                 reported, and never more than the peak).
--
-- Both are written by the daemon in the transaction of each second: the
-- second is added to its minute, and on a minute's last second the minute
-- is added to its hour, so a reader sees a second in all tables or in none
-- of them but the hour's, which catches up at the end of the minute.  The
-- rows of the current minute and hour are partial: `seconds` says how much
-- they hold.
--
-- A database that already has seconds is rolled up by the daemon when it
-- first opens it after this migration (meta 'history_backfill' = 'pending'),
-- hour by hour from its seconds.
--
-- meta 'pruned_before_1s' / '_1m' / '_1h': rows of that table older than
-- this Unix second have been deleted by retention (absent: none ever were),
-- which is how xenmon-export knows whether a table still holds a range.

CREATE TABLE sample_1m (
    t               INTEGER NOT NULL,   -- start of the minute
    domid           INTEGER NOT NULL,
    seconds         INTEGER NOT NULL,
    exec_count      INTEGER NOT NULL,
    cpu_ns          INTEGER NOT NULL,
    wait_ns         INTEGER NOT NULL,
    blocked_ns      INTEGER NOT NULL,
    alloc_ns        INTEGER NOT NULL,
    alloc_min_ns    INTEGER,
    alloc_max_ns    INTEGER,
    alloc_unbounded INTEGER NOT NULL,
    io_count        INTEGER NOT NULL,
    cpu_peak_ns     INTEGER NOT NULL,
    cpu_pct_hist    TEXT NOT NULL,
    PRIMARY KEY (t, domid)
) WITHOUT ROWID;

CREATE TABLE sample_1h (
    t               INTEGER NOT NULL,   -- start of the hour
    domid           INTEGER NOT NULL,
    seconds         INTEGER NOT NULL,
    exec_count      INTEGER NOT NULL,
    cpu_ns          INTEGER NOT NULL,
    wait_ns         INTEGER NOT NULL,
    blocked_ns      INTEGER NOT NULL,
    alloc_ns        INTEGER NOT NULL,
    alloc_min_ns    INTEGER,
    alloc_max_ns    INTEGER,
    alloc_unbounded INTEGER NOT NULL,
    io_count        INTEGER NOT NULL,
    cpu_peak_ns     INTEGER NOT NULL,
    cpu_pct_hist    TEXT NOT NULL,
    PRIMARY KEY (t, domid)
) WITHOUT ROWID;

-- Per physical CPU: seconds with data, cpu_1s's sums, and busy_ns, the CPU
-- time of every domain but the idle one (so busy_ns / observed_ns is the
-- CPU's load).
CREATE TABLE cpu_1m (
    t            INTEGER NOT NULL,
    cpu          INTEGER NOT NULL,
    seconds      INTEGER NOT NULL,
    observed_ns  INTEGER NOT NULL,
    sched_ns     INTEGER NOT NULL,
    busy_ns      INTEGER NOT NULL,
    lost_records INTEGER NOT NULL,
    PRIMARY KEY (t, cpu)
) WITHOUT ROWID;

CREATE TABLE cpu_1h (
    t            INTEGER NOT NULL,
    cpu          INTEGER NOT NULL,
    seconds      INTEGER NOT NULL,
    observed_ns  INTEGER NOT NULL,
    sched_ns     INTEGER NOT NULL,
    busy_ns      INTEGER NOT NULL,
    lost_records INTEGER NOT NULL,
    PRIMARY KEY (t, cpu)
) WITHOUT ROWID;

INSERT INTO meta (key, value)
SELECT 'history_backfill', 'pending' WHERE EXISTS (SELECT 1 FROM cpu_1s);

-- The views: one row per (minute or hour, domain) with the domain's name and
-- percentages like domain_1s.  Means and percentiles are over the seconds
-- the host had data (host_seconds); a second in which the domain had no row
-- counts as 0% CPU.  cpu_pNN_pct is the nearest-rank percentile of the
-- one-second CPU%, within half a percentage point (see cpu_pct_hist).
CREATE VIEW domain_1m AS
SELECT r.*,
       round(r.cpu_ns / 1e7 / r.host_seconds, 2)        AS cpu_pct,
       round(r.wait_ns / 1e7 / r.host_seconds, 2)       AS wait_pct,
       round(100.0 * r.blocked_ns /
             nullif(r.cpu_ns + r.wait_ns + r.blocked_ns, 0), 2) AS blocked_pct,
       round(r.cpu_peak_ns / 1e7, 2)                    AS cpu_peak_pct,
       (SELECT CASE WHEN k <= r.host_seconds - r.seconds THEN 0.0 ELSE
               min(min(b) + 0.5, r.cpu_peak_ns / 1e7) END
          FROM (SELECT (50 * r.host_seconds + 99) / 100 AS k),
               (SELECT CAST(key AS INTEGER) AS b,
                       sum(value) OVER (ORDER BY CAST(key AS INTEGER)) AS c
                  FROM json_each(r.cpu_pct_hist))
         WHERE c >= k - (r.host_seconds - r.seconds))   AS cpu_p50_pct,
       (SELECT CASE WHEN k <= r.host_seconds - r.seconds THEN 0.0 ELSE
               min(min(b) + 0.5, r.cpu_peak_ns / 1e7) END
          FROM (SELECT (95 * r.host_seconds + 99) / 100 AS k),
               (SELECT CAST(key AS INTEGER) AS b,
                       sum(value) OVER (ORDER BY CAST(key AS INTEGER)) AS c
                  FROM json_each(r.cpu_pct_hist))
         WHERE c >= k - (r.host_seconds - r.seconds))   AS cpu_p95_pct,
       (SELECT CASE WHEN k <= r.host_seconds - r.seconds THEN 0.0 ELSE
               min(min(b) + 0.5, r.cpu_peak_ns / 1e7) END
          FROM (SELECT (99 * r.host_seconds + 99) / 100 AS k),
               (SELECT CAST(key AS INTEGER) AS b,
                       sum(value) OVER (ORDER BY CAST(key AS INTEGER)) AS c
                  FROM json_each(r.cpu_pct_hist))
         WHERE c >= k - (r.host_seconds - r.seconds))   AS cpu_p99_pct
  FROM (SELECT s.t, s.domid,
               coalesce((SELECT d.name FROM domain d
                          WHERE d.domid = s.domid AND d.first_t < s.t + 60
                          ORDER BY d.first_t DESC LIMIT 1),
                        CASE s.domid WHEN 32767 THEN 'Idle'
                                     ELSE 'dom' || s.domid END) AS name,
               max(s.seconds, coalesce((SELECT max(c.seconds) FROM cpu_1m c
                                         WHERE c.t = s.t), 0)) AS host_seconds,
               s.seconds, s.exec_count, s.cpu_ns, s.wait_ns, s.blocked_ns,
               s.alloc_ns, s.alloc_min_ns, s.alloc_max_ns, s.alloc_unbounded,
               s.io_count, s.cpu_peak_ns, s.cpu_pct_hist
          FROM sample_1m s) r;

CREATE VIEW domain_1h AS
SELECT r.*,
       round(r.cpu_ns / 1e7 / r.host_seconds, 2)        AS cpu_pct,
       round(r.wait_ns / 1e7 / r.host_seconds, 2)       AS wait_pct,
       round(100.0 * r.blocked_ns /
             nullif(r.cpu_ns + r.wait_ns + r.blocked_ns, 0), 2) AS blocked_pct,
       round(r.cpu_peak_ns / 1e7, 2)                    AS cpu_peak_pct,
       (SELECT CASE WHEN k <= r.host_seconds - r.seconds THEN 0.0 ELSE
               min(min(b) + 0.5, r.cpu_peak_ns / 1e7) END
          FROM (SELECT (50 * r.host_seconds + 99) / 100 AS k),
               (SELECT CAST(key AS INTEGER) AS b,
                       sum(value) OVER (ORDER BY CAST(key AS INTEGER)) AS c
                  FROM json_each(r.cpu_pct_hist))
         WHERE c >= k - (r.host_seconds - r.seconds))   AS cpu_p50_pct,
       (SELECT CASE WHEN k <= r.host_seconds - r.seconds THEN 0.0 ELSE
               min(min(b) + 0.5, r.cpu_peak_ns / 1e7) END
          FROM (SELECT (95 * r.host_seconds + 99) / 100 AS k),
               (SELECT CAST(key AS INTEGER) AS b,
                       sum(value) OVER (ORDER BY CAST(key AS INTEGER)) AS c
                  FROM json_each(r.cpu_pct_hist))
         WHERE c >= k - (r.host_seconds - r.seconds))   AS cpu_p95_pct,
       (SELECT CASE WHEN k <= r.host_seconds - r.seconds THEN 0.0 ELSE
               min(min(b) + 0.5, r.cpu_peak_ns / 1e7) END
          FROM (SELECT (99 * r.host_seconds + 99) / 100 AS k),
               (SELECT CAST(key AS INTEGER) AS b,
                       sum(value) OVER (ORDER BY CAST(key AS INTEGER)) AS c
                  FROM json_each(r.cpu_pct_hist))
         WHERE c >= k - (r.host_seconds - r.seconds))   AS cpu_p99_pct
  FROM (SELECT s.t, s.domid,
               coalesce((SELECT d.name FROM domain d
                          WHERE d.domid = s.domid AND d.first_t < s.t + 3600
                          ORDER BY d.first_t DESC LIMIT 1),
                        CASE s.domid WHEN 32767 THEN 'Idle'
                                     ELSE 'dom' || s.domid END) AS name,
               max(s.seconds, coalesce((SELECT max(c.seconds) FROM cpu_1h c
                                         WHERE c.t = s.t), 0)) AS host_seconds,
               s.seconds, s.exec_count, s.cpu_ns, s.wait_ns, s.blocked_ns,
               s.alloc_ns, s.alloc_min_ns, s.alloc_max_ns, s.alloc_unbounded,
               s.io_count, s.cpu_peak_ns, s.cpu_pct_hist
          FROM sample_1h s) r;

-- Per host and second: the CPUs' coverage and lost records, for "which
-- seconds are incomplete" in one short query.
CREATE VIEW host_1s AS
SELECT t,
       count(*)                       AS cpus,
       sum(observed_ns)               AS observed_ns,
       sum(sched_ns)                  AS sched_ns,
       sum(lost_records)              AS lost_records
  FROM cpu_1s
 GROUP BY t;
