-- xenmon database, schema version 1.
--
-- One row per (second, physical CPU, domain) that had any activity, one row
-- per (second, physical CPU) for what the trace covered, one row per domain
-- lifetime, and key/value facts about the host and the runs.  Every time is a
-- Unix second (so datetime(t, 'unixepoch') works) and every duration an
-- integer number of nanoseconds with the unit in the column name.  What each
-- column means, exactly, is in the project's metrics documentation; these
-- names are a contract with users' SQL: add columns, rename none.
--
-- The per-second tables are WITHOUT ROWID and keyed by time first, so that
-- a time range is one contiguous b-tree scan and a row costs no rowid.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value ANY
) WITHOUT ROWID;

CREATE TABLE domain (
    domid   INTEGER NOT NULL,
    name    TEXT,
    first_t INTEGER NOT NULL,
    last_t  INTEGER NOT NULL,
    PRIMARY KEY (domid, first_t)
) WITHOUT ROWID;

CREATE TABLE cpu_1s (
    t            INTEGER NOT NULL,
    cpu          INTEGER NOT NULL,
    observed_ns  INTEGER NOT NULL,
    sched_ns     INTEGER NOT NULL,
    lost_records INTEGER NOT NULL,
    PRIMARY KEY (t, cpu)
) WITHOUT ROWID;

CREATE TABLE sample_1s (
    t               INTEGER NOT NULL,
    cpu             INTEGER NOT NULL,
    domid           INTEGER NOT NULL,
    exec_count      INTEGER NOT NULL,
    cpu_ns          INTEGER NOT NULL,
    wait_ns         INTEGER NOT NULL,
    blocked_ns      INTEGER NOT NULL,
    alloc_ns        INTEGER NOT NULL,
    alloc_min_ns    INTEGER,           -- NULL when no bounded slice
    alloc_max_ns    INTEGER,
    alloc_unbounded INTEGER NOT NULL,
    io_count        INTEGER NOT NULL,
    PRIMARY KEY (t, cpu, domid)
) WITHOUT ROWID;

-- One row per run of xenbaked: what it read and how it timed it.
CREATE TABLE run (
    id              INTEGER PRIMARY KEY,
    started_at      INTEGER NOT NULL,   -- Unix seconds, wall clock
    mode            TEXT NOT NULL,      -- 'replay' or 'live'
    input           TEXT,
    cpu_mhz         REAL,
    cpu_mhz_source  TEXT,
    start_time      REAL,               -- Unix time of the trace's first record
    start_source    TEXT,
    first_t         INTEGER,
    last_t          INTEGER,
    records         INTEGER,
    lost_records    INTEGER,
    malformed       INTEGER,
    anomalies       INTEGER,
    seconds_written INTEGER,
    seconds_skipped INTEGER,
    status          TEXT                -- 'running', 'ok' or the error
);

-- Per domain and second, summed over physical CPUs.  cpu_pct is of one
-- physical CPU (a domain with two busy vCPUs shows 200); blocked_pct is per
-- vCPU-second: blocked time over the time its vCPUs were online.
CREATE VIEW domain_1s AS
SELECT s.t                                   AS t,
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
       round(sum(s.cpu_ns) / 1e7, 2)         AS cpu_pct,
       round(sum(s.wait_ns) / 1e7, 2)        AS wait_pct,
       round(100.0 * sum(s.blocked_ns) /
             nullif(sum(s.cpu_ns) + sum(s.wait_ns) + sum(s.blocked_ns), 0),
             2)                              AS blocked_pct
  FROM sample_1s s
 GROUP BY s.t, s.domid;
