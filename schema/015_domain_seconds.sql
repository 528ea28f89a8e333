-- xenmon database: per-domain seconds beside the per-CPU ones.
--
-- What users read of the seconds, and what the whole-host views of the
-- viewer and xenmon-export read, is per domain (domain_1s): a domain's
-- second summed over the physical CPUs its vCPUs ran on.  Until now each
-- reader summed sample_1s's rows, one per (second, CPU, domain) the domain
-- touched, so a week of seconds had to be kept per CPU, two and a half
-- times the rows on a host whose vCPUs move.  sample_dom_1s is that sum,
-- kept by a trigger on every row inserted into sample_1s, so in the same
-- transaction (a reader sees both or neither) and whoever writes the
-- seconds (the daemon, a test, a user's script), with sample_1s's columns but
-- cpu, each combined as its metric says (docs/metrics.md: sums add,
-- alloc_min_ns / alloc_max_ns keep the extreme, NULL where no bounded
-- slice).  It is the seconds tier of retention (retain-1s, 7 days by
-- default); the per-CPU detail, sample_1s, and the per-CPU roll-ups
-- sample_cpu_1m / sample_cpu_1h get retentions of their own, shorter by
-- default (retain-1s-cpu, retain-1m-cpu, retain-1h-cpu: 1 day, 7 days,
-- 90 days), recorded as meta 'pruned_before_1s_cpu' (_1m_cpu, _1h_cpu).
--
-- domain_1s keeps its columns, now read from sample_dom_1s, so it covers
-- the whole week.  A database that already has seconds gets their sums
-- here; the budget's pruned ranges of the seconds tier are said of both
-- tables, as they were gone from both.

CREATE TABLE sample_dom_1s (
    t               INTEGER NOT NULL,
    domid           INTEGER NOT NULL,
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
    PRIMARY KEY (t, domid)
) WITHOUT ROWID;

INSERT INTO sample_dom_1s (t, domid, exec_count, cpu_ns, wait_ns, blocked_ns,
                           alloc_ns, alloc_min_ns, alloc_max_ns,
                           alloc_unbounded, io_count, io_bytes)
SELECT t, domid, sum(exec_count), sum(cpu_ns), sum(wait_ns), sum(blocked_ns),
       sum(alloc_ns), min(alloc_min_ns), max(alloc_max_ns),
       sum(alloc_unbounded), sum(io_count), sum(io_bytes)
  FROM sample_1s
 GROUP BY t, domid
 ORDER BY t, domid;

INSERT INTO pruned (tier, first_t, last_t, reason, run_id)
SELECT 'sample_dom_1s', first_t, last_t, reason, run_id
  FROM pruned WHERE tier = 'sample_1s';

INSERT INTO meta (key, value)
SELECT 'pruned_before_1s_cpu', value FROM meta WHERE key = 'pruned_before_1s';

-- min and max as domain_1s's aggregates had them: NULL is no slice.
CREATE TRIGGER sample_dom_1s_add AFTER INSERT ON sample_1s
BEGIN
    INSERT INTO sample_dom_1s (t, domid, exec_count, cpu_ns, wait_ns,
                               blocked_ns, alloc_ns, alloc_min_ns,
                               alloc_max_ns, alloc_unbounded, io_count,
                               io_bytes)
    VALUES (new.t, new.domid, new.exec_count, new.cpu_ns, new.wait_ns,
            new.blocked_ns, new.alloc_ns, new.alloc_min_ns, new.alloc_max_ns,
            new.alloc_unbounded, new.io_count, new.io_bytes)
    ON CONFLICT (t, domid) DO UPDATE SET
        exec_count      = exec_count + excluded.exec_count,
        cpu_ns          = cpu_ns + excluded.cpu_ns,
        wait_ns         = wait_ns + excluded.wait_ns,
        blocked_ns      = blocked_ns + excluded.blocked_ns,
        alloc_ns        = alloc_ns + excluded.alloc_ns,
        alloc_min_ns    = coalesce(min(alloc_min_ns, excluded.alloc_min_ns),
                                   alloc_min_ns, excluded.alloc_min_ns),
        alloc_max_ns    = coalesce(max(alloc_max_ns, excluded.alloc_max_ns),
                                   alloc_max_ns, excluded.alloc_max_ns),
        alloc_unbounded = alloc_unbounded + excluded.alloc_unbounded,
        io_count        = io_count + excluded.io_count,
        io_bytes        = io_bytes + excluded.io_bytes;
END;

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
  FROM (SELECT s.t, s.domid,
               coalesce((SELECT d.name FROM domain d
                          WHERE d.domid = s.domid AND d.first_t <= s.t
                          ORDER BY d.first_t DESC LIMIT 1),
                        CASE s.domid WHEN 32767 THEN 'Idle'
                                     ELSE 'dom' || s.domid END) AS name,
               s.exec_count, s.cpu_ns, s.wait_ns, s.blocked_ns, s.alloc_ns,
               s.alloc_min_ns, s.alloc_max_ns, s.alloc_unbounded, s.io_count,
               s.io_bytes,
               (SELECT sum(c.observed_ns) / count(*) FROM cpu_1s c
                 WHERE c.t = s.t)                    AS observed_ns
          FROM sample_dom_1s s) r;
