-- xenmon database: the roll-ups' histograms, packed.
--
-- cpu_pct_hist of sample_1m and sample_1h was JSON text, {"P": n}, most of
-- a roll-up row: about 300 of a minute row's 433 bytes on a 16-CPU host of
-- 50 busy domains, and more of an hour row's 700.  The bins stay exactly
-- what they were (one percentage point wide: bin P holds the seconds whose
-- CPU% per second observed is in [P, P+1)), so every percentile is what it
-- was; the column now holds them as a BLOB of unsigned LEB128 varints,
-- bins ascending from bin 0:
--
--   2n       the next bin holds n seconds (n >= 1), then the bin after it
--   2k + 1   k empty bins skipped (k >= 1)
--
-- never ending with a skip, each bin written once, so one histogram has
-- one encoding (schema/hist.h; on the history benchmark's host, 16 CPUs
-- and 50 domains at 0-100% each, a minute row's histogram is about 62
-- bytes, an hour row's 78, and the rows as appended 164 and 214 bytes
-- instead of 478 and 990).  The column keeps its name and its declared
-- type (SQLite stores a BLOB in a TEXT column as it is).
--
-- The views decode it in plain SQL, for the sqlite3 shell: domain_1m and
-- domain_1h keep every column, cpu_pct_hist among them, as JSON text as
-- before, and their percentiles are computed as before.  The daemon merges
-- histograms with SQL functions of its own connection (xenmon_hist_merge(),
-- xenmon_hist_group(): schema/hist.h).
--
-- The rows written before stay JSON text here: rewriting every roll-up row
-- in this one transaction would grow the WAL by the size of the roll-ups
-- (gigabytes after months) on a disk that may be nearly full.  The daemon
-- packs them after opening, a day of rows per transaction, behind meta
-- 'hist_packing' (the next Unix second to pack; absent: all are packed).
-- Until then a row holds either form: the views, xenmon-export and the
-- daemon's merges read both.  The pages it frees are reused by the rows
-- appended next.

INSERT INTO meta (key, value)
SELECT 'hist_packing', t
  FROM (SELECT min(t) AS t FROM (SELECT min(t) AS t FROM sample_1m UNION ALL
                                 SELECT min(t) FROM sample_1h))
 WHERE t IS NOT NULL;

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
               s.io_count, s.cpu_peak_ns,
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
               s.io_count, s.cpu_peak_ns,
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
          FROM sample_1h s) r;

