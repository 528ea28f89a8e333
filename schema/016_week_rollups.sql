-- xenmon database: one-week roll-ups.
--
-- With the days, a range of five years is still some 1826 day rows per
-- domain (and per CPU and domain in the per-CPU view), merged histograms
-- included: the viewer's cost grew by about 10 ms per year of range on a
-- 16-CPU, 50-domain host.  The week tables hold the same sums per week of
-- seven UTC days aligned on the Unix epoch (t a multiple of 604800, so a
-- week starts on a Thursday at 00:00 UTC): every week is seven whole days,
-- so a week row is exactly the sum of its seven day rows, and the middle
-- of any range is at most some 260 week rows for five years, plus at most
-- 2 x 6 days, 2 x 23 hours, 2 x 59 minutes and 2 x 59 seconds at its ends
-- (viewer/plan.c).  Months (of 28 to 31 days) would need a calendar in
-- every path and tier table; fixed 30-day blocks would save little more
-- than weeks (a fifth of the rows) and cost up to 29 ragged days per end.
--
--   sample_1w       as sample_1d, per (week, domain): sums, min of the
--                   minima, max of the maxima, the peak, and the merged
--                   histogram of one-second CPU% (packed: schema/hist.h),
--                   so the percentiles of a week are exact as a day's
--   cpu_1w          as cpu_1d, per (week, physical CPU)
--   sample_cpu_1w   as sample_cpu_1d, per (week, physical CPU, domain)
--
-- The daemon keeps them with the hours and the days, behind the same
-- watermark (meta 'rollup_1h_upto') and in the same statements, and
-- prunes them with their own retention (xenbaked --retain-1w, 10 years by
-- default), after the days and last under the size budget.  Meta
-- 'pruned_before_1w' is the first week they hold whole.
--
-- Here they are made from the days already stored: a week row is the sum
-- of its day rows.  The week tables are a seventh of the days', so this
-- transaction stays small.  A week whose first days were pruned would be
-- partial: it is not made.
--
-- View domain_1w is domain_1d's, per week.

CREATE TABLE sample_1w (
    t               INTEGER NOT NULL,   -- start of the week (epoch-aligned)
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

CREATE TABLE cpu_1w (
    t                 INTEGER NOT NULL,   -- start of the week (epoch-aligned)
    cpu               INTEGER NOT NULL,
    seconds           INTEGER NOT NULL,
    observed_ns       INTEGER NOT NULL,
    sched_ns          INTEGER NOT NULL,
    busy_ns           INTEGER NOT NULL,
    lost_records      INTEGER NOT NULL,
    malformed_records INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (t, cpu)
) WITHOUT ROWID;

CREATE TABLE sample_cpu_1w (
    t               INTEGER NOT NULL,   -- start of the week (epoch-aligned)
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

-- The first whole week after days pruned (by age or for size).
INSERT INTO meta (key, value)
SELECT 'pruned_before_1w', (CAST(value AS INTEGER) + 604799) / 604800 * 604800
  FROM meta WHERE key = 'pruned_before_1d';

-- The per-CPU days may have been pruned sooner (retain-1d-cpu): the first
-- whole week after them.
INSERT INTO meta (key, value)
SELECT 'pruned_before_1w_cpu', (CAST(value AS INTEGER) + 604799) / 604800 * 604800
  FROM meta WHERE key = 'pruned_before_1d_cpu';

INSERT INTO sample_1w (t, domid, seconds, exec_count, cpu_ns, wait_ns,
                       blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns,
                       alloc_unbounded, io_count, io_bytes, cpu_peak_ns,
                       cpu_pct_hist)
SELECT t - t % 604800, domid, sum(seconds), sum(exec_count), sum(cpu_ns),
       sum(wait_ns), sum(blocked_ns), sum(alloc_ns), min(alloc_min_ns),
       max(alloc_max_ns), sum(alloc_unbounded), sum(io_count), sum(io_bytes),
       max(cpu_peak_ns), xenmon_hist_sum(cpu_pct_hist)
  FROM sample_1d
 WHERE t >= coalesce((SELECT CAST(value AS INTEGER) FROM meta
                      WHERE key = 'pruned_before_1w'), 0)
 GROUP BY 1, 2;

INSERT INTO cpu_1w (t, cpu, seconds, observed_ns, sched_ns, busy_ns,
                    lost_records, malformed_records)
SELECT t - t % 604800, cpu, sum(seconds), sum(observed_ns), sum(sched_ns),
       sum(busy_ns), sum(lost_records), sum(malformed_records)
  FROM cpu_1d
 WHERE t >= coalesce((SELECT CAST(value AS INTEGER) FROM meta
                      WHERE key = 'pruned_before_1w'), 0)
 GROUP BY 1, 2;

INSERT INTO sample_cpu_1w (t, cpu, domid, seconds, exec_count, cpu_ns, wait_ns,
                           blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns,
                           alloc_unbounded, io_count, io_bytes)
SELECT t - t % 604800, cpu, domid, sum(seconds), sum(exec_count), sum(cpu_ns),
       sum(wait_ns), sum(blocked_ns), sum(alloc_ns), min(alloc_min_ns),
       max(alloc_max_ns), sum(alloc_unbounded), sum(io_count), sum(io_bytes)
  FROM sample_cpu_1d
 WHERE t >= coalesce((SELECT CAST(value AS INTEGER) FROM meta
                      WHERE key = 'pruned_before_1w'), 0)
   AND t >= coalesce((SELECT CAST(value AS INTEGER) FROM meta
                      WHERE key = 'pruned_before_1w_cpu'), 0)
 GROUP BY 1, 2, 3;

CREATE VIEW domain_1w AS
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
                          WHERE d.domid = s.domid AND d.first_t < s.t + 604800
                          ORDER BY d.first_t DESC LIMIT 1),
                        CASE s.domid WHEN 32767 THEN 'Idle'
                                     ELSE 'dom' || s.domid END) AS name,
               max(s.seconds, coalesce((SELECT max(c.seconds) FROM cpu_1w c
                                         WHERE c.t = s.t), 0)) AS host_seconds,
               coalesce((SELECT max(c.observed_ns) FROM cpu_1w c
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
          FROM sample_1w s) r;
