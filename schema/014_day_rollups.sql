-- xenmon database: one-day roll-ups.
--
-- A range of a year read from the hours is 8760 hour rows per domain (and
-- per CPU and domain in the per-CPU view): about half a second for the
-- viewer on a 16-CPU, 50-domain host.  The day tables hold the same sums
-- per UTC day (t a multiple of 86400), so that a range of years costs the
-- few hundred rows of its days plus the hours, minutes and seconds of its
-- ragged ends, whatever its length (viewer/plan.c).
--
--   sample_1d       as sample_1h, per (day, domain): sums, min of the
--                   minima, max of the maxima, the peak, and the merged
--                   histogram of one-second CPU% (packed: schema/hist.h),
--                   so the percentiles of a day are exact as an hour's
--   cpu_1d          as cpu_1h, per (day, physical CPU)
--   sample_cpu_1d   as sample_cpu_1h, per (day, physical CPU, domain)
--
-- The daemon keeps them with the hours, behind the same watermark (meta
-- 'rollup_1h_upto': every stored second before it is in the hour and day
-- tables, none after it), and prunes them with their own retention
-- (xenbaked --retain-1d, 5 years by default) and last under the size
-- budget.  Meta 'pruned_before_1d' is the first day they hold whole.
--
-- Here they are made from the hours already stored: a day row is the sum
-- of its hour rows, which hold exactly its seconds before the watermark
-- (an hour back-fill still pending, 002_history.sql or
-- 009_cpu_rollups.sql, adds to both from here on).  The day tables are a
-- twenty-fourth of the hours', so this transaction stays small.  A day
-- whose first hours were pruned would be partial: it is not made.
--
-- View domain_1d is domain_1h's, per day.

CREATE TABLE sample_1d (
    t               INTEGER NOT NULL,   -- start of the UTC day
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
    io_bytes        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (t, domid)
) WITHOUT ROWID;

CREATE TABLE cpu_1d (
    t                 INTEGER NOT NULL,   -- start of the UTC day
    cpu               INTEGER NOT NULL,
    seconds           INTEGER NOT NULL,
    observed_ns       INTEGER NOT NULL,
    sched_ns          INTEGER NOT NULL,
    busy_ns           INTEGER NOT NULL,
    lost_records      INTEGER NOT NULL,
    malformed_records INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (t, cpu)
) WITHOUT ROWID;

CREATE TABLE sample_cpu_1d (
    t               INTEGER NOT NULL,   -- start of the UTC day
    cpu             INTEGER NOT NULL,
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
    io_bytes        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (t, cpu, domid)
) WITHOUT ROWID;

-- The first whole day after hours pruned (by age or for size).
INSERT INTO meta (key, value)
SELECT 'pruned_before_1d', (CAST(value AS INTEGER) + 86399) / 86400 * 86400
  FROM meta WHERE key = 'pruned_before_1h';

INSERT INTO sample_1d (t, domid, seconds, exec_count, cpu_ns, wait_ns,
                       blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns,
                       alloc_unbounded, io_count, io_bytes, cpu_peak_ns,
                       cpu_pct_hist)
SELECT t - t % 86400, domid, sum(seconds), sum(exec_count), sum(cpu_ns),
       sum(wait_ns), sum(blocked_ns), sum(alloc_ns), min(alloc_min_ns),
       max(alloc_max_ns), sum(alloc_unbounded), sum(io_count), sum(io_bytes),
       max(cpu_peak_ns), xenmon_hist_sum(cpu_pct_hist)
  FROM sample_1h
 WHERE t >= coalesce((SELECT CAST(value AS INTEGER) FROM meta
                      WHERE key = 'pruned_before_1d'), 0)
 GROUP BY 1, 2;

INSERT INTO cpu_1d (t, cpu, seconds, observed_ns, sched_ns, busy_ns,
                    lost_records, malformed_records)
SELECT t - t % 86400, cpu, sum(seconds), sum(observed_ns), sum(sched_ns),
       sum(busy_ns), sum(lost_records), sum(malformed_records)
  FROM cpu_1h
 WHERE t >= coalesce((SELECT CAST(value AS INTEGER) FROM meta
                      WHERE key = 'pruned_before_1d'), 0)
 GROUP BY 1, 2;

INSERT INTO sample_cpu_1d (t, cpu, domid, seconds, exec_count, cpu_ns, wait_ns,
                           blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns,
                           alloc_unbounded, io_count, io_bytes)
SELECT t - t % 86400, cpu, domid, sum(seconds), sum(exec_count), sum(cpu_ns),
       sum(wait_ns), sum(blocked_ns), sum(alloc_ns), min(alloc_min_ns),
       max(alloc_max_ns), sum(alloc_unbounded), sum(io_count), sum(io_bytes)
  FROM sample_cpu_1h
 WHERE t >= coalesce((SELECT CAST(value AS INTEGER) FROM meta
                      WHERE key = 'pruned_before_1d'), 0)
 GROUP BY 1, 2, 3;

CREATE VIEW domain_1d AS
SELECT r.t, r.domid, r.name, r.host_seconds, r.seconds, r.exec_count,
       r.cpu_ns, r.wait_ns, r.blocked_ns, r.alloc_ns, r.alloc_min_ns,
       r.alloc_max_ns, r.alloc_unbounded, r.io_count, r.cpu_peak_ns,
       r.cpu_pct_hist,
       round(r.cpu_ns / 1e7 / (nullif(r.host_observed_ns, 0) / 1e9), 2)  AS cpu_pct,
       round(r.wait_ns / 1e7 / (nullif(r.host_observed_ns, 0) / 1e9), 2) AS wait_pct,
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
         WHERE c >= k - (r.host_seconds - r.seconds))   AS cpu_p99_pct,
       r.host_observed_ns, r.io_bytes
  FROM (SELECT s.t, s.domid,
               coalesce((SELECT d.name FROM domain d
                          WHERE d.domid = s.domid AND d.first_t < s.t + 86400
                          ORDER BY d.first_t DESC LIMIT 1),
                        CASE s.domid WHEN 32767 THEN 'Idle'
                                     ELSE 'dom' || s.domid END) AS name,
               max(s.seconds, coalesce((SELECT max(c.seconds) FROM cpu_1d c
                                         WHERE c.t = s.t), 0)) AS host_seconds,
               coalesce((SELECT max(c.observed_ns) FROM cpu_1d c
                          WHERE c.t = s.t),
                        s.seconds * 1000000000) AS host_observed_ns,
               s.seconds, s.exec_count, s.cpu_ns, s.wait_ns, s.blocked_ns,
               s.alloc_ns, s.alloc_min_ns, s.alloc_max_ns, s.alloc_unbounded,
               s.io_count, s.io_bytes, s.cpu_peak_ns,
               CASE typeof(s.cpu_pct_hist) WHEN 'text' THEN s.cpu_pct_hist ELSE
               (WITH RECURSIVE d(x, pos, y, w, sh, nb, b, n) AS (
                 SELECT x, 1, instr('0123456789ABCDEF', substr(x, 1, 1)) * 16 +
                           instr('0123456789ABCDEF', substr(x, 2, 1)) - 17,
                        0, 1, 0, 0, 0 FROM (SELECT hex(s.cpu_pct_hist) AS x)
                 UNION ALL
                 SELECT x, pos + 1, instr('0123456789ABCDEF', substr(x, 2 * pos + 1, 1)) * 16 +
                                  instr('0123456789ABCDEF', substr(x, 2 * pos + 2, 1)) - 17,
                        CASE WHEN y >= 128 THEN w + (y - 128) * sh ELSE 0 END,
                        CASE WHEN y >= 128 THEN sh * 128 ELSE 1 END,
                        CASE WHEN y >= 128 THEN nb
                             WHEN (w + y * sh) % 2 THEN nb + (w + y * sh) / 2
                             ELSE nb + 1 END,
                        nb,
                        CASE WHEN y < 128 AND (w + y * sh) % 2 = 0
                             THEN (w + y * sh) / 2 ELSE 0 END
                   FROM d WHERE pos <= length(x) / 2)
                SELECT json_group_object(b, n) FROM d WHERE n > 0)
               END AS cpu_pct_hist
          FROM sample_1d s) r;
