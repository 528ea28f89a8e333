-- xenmon database, schema version 4: percentages over the time observed.
--
-- A second can be observed in part: the trace starts or ends in it (a
-- replay's last second, a daemon started or stopped mid-second), and
-- cpu_1s.observed_ns says how much of it each CPU's trace covered.  The
-- views of versions 1 and 2 divided by whole seconds, so a guest running
-- at 200% in a half-observed second showed 100%, and a few microseconds at
-- the end of a replay counted as a whole idle second in a minute's mean.
-- Here every percentage is over the time observed, as the viewer and
-- xenmon-export compute it:
--
--   domain_1s   over the second's observed time: the mean over the host's
--               CPUs of cpu_1s.observed_ns (new column observed_ns);
--   domain_1m,  over the minute's or hour's observed time: the observed_ns
--   domain_1h   of cpu_1m / cpu_1h of the CPU with the most (new column
--               host_observed_ns).  The CPUs of one second are observed
--               for the same time, so that is the sum of the seconds'.
--
-- A whole second is 1e9 ns, so for whole seconds every figure is what it
-- was.  The new columns come last: columns are added, never moved.
--
-- Roll-ups written from now on bin a second's CPU% (cpu_pct_hist) and take
-- its peak (cpu_peak_ns) over its observed time too; rows written before
-- keep the partly observed seconds they hold at the fraction they showed.
--
-- The names are unchanged: domain_1s names a second by the domain's
-- lifetime then; a minute or hour row is one domid, and if two domains had
-- that domid in it (domain table), its name is the later one's.
-- xenmon-export splits such rows by domain where the finer tables still
-- can.

DROP VIEW domain_1s;
CREATE VIEW domain_1s AS
SELECT r.t, r.domid, r.name, r.exec_count, r.cpu_ns, r.wait_ns, r.blocked_ns,
       r.alloc_ns, r.alloc_min_ns, r.alloc_max_ns, r.alloc_unbounded,
       r.io_count,
       round(r.cpu_ns / 1e7 / (nullif(r.observed_ns, 0) / 1e9), 2)  AS cpu_pct,
       round(r.wait_ns / 1e7 / (nullif(r.observed_ns, 0) / 1e9), 2) AS wait_pct,
       round(100.0 * r.blocked_ns /
             nullif(r.cpu_ns + r.wait_ns + r.blocked_ns, 0), 2)     AS blocked_pct,
       r.observed_ns
  FROM (SELECT s.t                                   AS t,
               s.domid                               AS domid,
               coalesce((SELECT d.name FROM domain d
                          WHERE d.domid = s.domid AND d.first_t <= s.t
                          ORDER BY d.first_t DESC LIMIT 1),
                        CASE s.domid WHEN 32767 THEN 'Idle'
                                     ELSE 'dom' || s.domid END) AS name,
               sum(s.exec_count)                     AS exec_count,
               sum(s.cpu_ns)                         AS cpu_ns,
               sum(s.wait_ns)                        AS wait_ns,
               sum(s.blocked_ns)                     AS blocked_ns,
               sum(s.alloc_ns)                       AS alloc_ns,
               min(s.alloc_min_ns)                   AS alloc_min_ns,
               max(s.alloc_max_ns)                   AS alloc_max_ns,
               sum(s.alloc_unbounded)                AS alloc_unbounded,
               sum(s.io_count)                       AS io_count,
               (SELECT sum(c.observed_ns) / count(*) FROM cpu_1s c
                 WHERE c.t = s.t)                    AS observed_ns
          FROM sample_1s s
         GROUP BY s.t, s.domid) r;

DROP VIEW domain_1m;
CREATE VIEW domain_1m AS
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
       r.host_observed_ns
  FROM (SELECT s.t, s.domid,
               coalesce((SELECT d.name FROM domain d
                          WHERE d.domid = s.domid AND d.first_t < s.t + 60
                          ORDER BY d.first_t DESC LIMIT 1),
                        CASE s.domid WHEN 32767 THEN 'Idle'
                                     ELSE 'dom' || s.domid END) AS name,
               max(s.seconds, coalesce((SELECT max(c.seconds) FROM cpu_1m c
                                         WHERE c.t = s.t), 0)) AS host_seconds,
               coalesce((SELECT max(c.observed_ns) FROM cpu_1m c
                          WHERE c.t = s.t),
                        s.seconds * 1000000000) AS host_observed_ns,
               s.seconds, s.exec_count, s.cpu_ns, s.wait_ns, s.blocked_ns,
               s.alloc_ns, s.alloc_min_ns, s.alloc_max_ns, s.alloc_unbounded,
               s.io_count, s.cpu_peak_ns, s.cpu_pct_hist
          FROM sample_1m s) r;

DROP VIEW domain_1h;
CREATE VIEW domain_1h AS
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
       r.host_observed_ns
  FROM (SELECT s.t, s.domid,
               coalesce((SELECT d.name FROM domain d
                          WHERE d.domid = s.domid AND d.first_t < s.t + 3600
                          ORDER BY d.first_t DESC LIMIT 1),
                        CASE s.domid WHEN 32767 THEN 'Idle'
                                     ELSE 'dom' || s.domid END) AS name,
               max(s.seconds, coalesce((SELECT max(c.seconds) FROM cpu_1h c
                                         WHERE c.t = s.t), 0)) AS host_seconds,
               coalesce((SELECT max(c.observed_ns) FROM cpu_1h c
                          WHERE c.t = s.t),
                        s.seconds * 1000000000) AS host_observed_ns,
               s.seconds, s.exec_count, s.cpu_ns, s.wait_ns, s.blocked_ns,
               s.alloc_ns, s.alloc_min_ns, s.alloc_max_ns, s.alloc_unbounded,
               s.io_count, s.cpu_peak_ns, s.cpu_pct_hist
          FROM sample_1h s) r;
