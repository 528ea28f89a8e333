-- xenmon database, schema version 11: bytes of I/O.
--
-- The patched Xen (patches/xen-4.17) traces grant copies, with the bytes
-- each call copied for each guest, and event-channel notifications; the
-- daemon adds their operations to io_count and the bytes to the new
-- column io_bytes, booked to the guest the I/O is for (docs/metrics.md).
-- On a stock Xen, and in rows written before this version, io_bytes is 0;
-- meta 'io_sources' says which I/O the trace showed at all.
--
-- Columns are appended, never moved: the views that list the sample
-- columns are defined again as the migrations before left them
-- (domain_1s as in 004_observed.sql, domain_1m and domain_1h as in
-- 010_packed_histograms.sql), with io_bytes as their last column.

ALTER TABLE sample_1s ADD COLUMN io_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sample_1m ADD COLUMN io_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sample_1h ADD COLUMN io_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sample_cpu_1m ADD COLUMN io_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sample_cpu_1h ADD COLUMN io_bytes INTEGER NOT NULL DEFAULT 0;

DROP VIEW domain_1s;
CREATE VIEW domain_1s AS
SELECT r.t, r.domid, r.name, r.exec_count, r.cpu_ns, r.wait_ns, r.blocked_ns,
       r.alloc_ns, r.alloc_min_ns, r.alloc_max_ns, r.alloc_unbounded,
       r.io_count,
       round(r.cpu_ns / 1e7 / (nullif(r.observed_ns, 0) / 1e9), 2)  AS cpu_pct,
       round(r.wait_ns / 1e7 / (nullif(r.observed_ns, 0) / 1e9), 2) AS wait_pct,
       round(100.0 * r.blocked_ns /
             nullif(r.cpu_ns + r.wait_ns + r.blocked_ns, 0), 2)     AS blocked_pct,
       r.observed_ns, r.io_bytes
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
               sum(s.io_bytes)                       AS io_bytes,
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
       r.host_observed_ns, r.io_bytes
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
       r.host_observed_ns, r.io_bytes
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
          FROM sample_1h s) r;
