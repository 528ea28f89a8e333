-- xenmon database: the minutes and hours of the past, packed.
--
-- After 017 and 018 the minute roll-ups were the largest part of a
-- database under the default retention (90 days of them: 0.67 GB on a
-- 16-CPU, 50-domain host, a row 89 bytes), then the hours (5 years,
-- 0.54 GB, 214 bytes).  A minute or hour no second can change any more is
-- now kept as one row per minute (hour) for all its domains, laid out as
-- 017 lays out a second of per-domain rows (schema/packed.h): per column C
-- a BLOB C of fixed-width values in domid order with C_base and C_w; the
-- histograms' BLOBs one after the other in cpu_pct_hist, domain i's ending
-- at byte cpu_pct_hist_end[i].  The idle domain's rows stay plain, as its
-- seconds do (017).
--
-- The daemon moves rows of sample_1m and sample_1h into sample_1m_packed
-- and sample_1h_packed once they are older than the seconds kept
-- (retain-1s, 7 days by default) and an hour (daemon/store/packer.c), and
-- moves them back before a second is stored into their minute or hour (a
-- replay of an old trace), so that the roll-ups only ever write rows of
-- sample_1m and sample_1h.  sample_1m_all and sample_1h_all are the rows
-- of both, with sample_1m's columns, decoded in plain SQL for the sqlite3
-- shell as 017's view is (schema/packed_views.py prints the tables and
-- these views); domain_1m and domain_1h read them.  xenmon's own
-- programs read the same views through xenmon_unpack() (schema.c).
--
-- Nothing is packed here: the daemon packs a database's past minutes and
-- hours a few at a time as it runs.

CREATE TABLE sample_1m_packed (
    t                      INTEGER PRIMARY KEY,
    n                      INTEGER NOT NULL,
    domid                  BLOB NOT NULL,
    domid_base             INTEGER NOT NULL,
    domid_w                INTEGER NOT NULL,
    seconds                BLOB NOT NULL,
    seconds_base           INTEGER NOT NULL,
    seconds_w              INTEGER NOT NULL,
    exec_count             BLOB NOT NULL,
    exec_count_base        INTEGER NOT NULL,
    exec_count_w           INTEGER NOT NULL,
    cpu_ns                 BLOB NOT NULL,
    cpu_ns_base            INTEGER NOT NULL,
    cpu_ns_w               INTEGER NOT NULL,
    wait_ns                BLOB NOT NULL,
    wait_ns_base           INTEGER NOT NULL,
    wait_ns_w              INTEGER NOT NULL,
    blocked_ns             BLOB NOT NULL,
    blocked_ns_base        INTEGER NOT NULL,
    blocked_ns_w           INTEGER NOT NULL,
    alloc_ns               BLOB NOT NULL,
    alloc_ns_base          INTEGER NOT NULL,
    alloc_ns_w             INTEGER NOT NULL,
    alloc_min_ns           BLOB NOT NULL,
    alloc_min_ns_base      INTEGER NOT NULL,
    alloc_min_ns_w         INTEGER NOT NULL,
    alloc_max_ns           BLOB NOT NULL,
    alloc_max_ns_base      INTEGER NOT NULL,
    alloc_max_ns_w         INTEGER NOT NULL,
    alloc_unbounded        BLOB NOT NULL,
    alloc_unbounded_base   INTEGER NOT NULL,
    alloc_unbounded_w      INTEGER NOT NULL,
    io_count               BLOB NOT NULL,
    io_count_base          INTEGER NOT NULL,
    io_count_w             INTEGER NOT NULL,
    io_bytes               BLOB NOT NULL,
    io_bytes_base          INTEGER NOT NULL,
    io_bytes_w             INTEGER NOT NULL,
    cpu_peak_ns            BLOB NOT NULL,
    cpu_peak_ns_base       INTEGER NOT NULL,
    cpu_peak_ns_w          INTEGER NOT NULL,
    cpu_pct_hist_end       BLOB NOT NULL,
    cpu_pct_hist_end_base  INTEGER NOT NULL,
    cpu_pct_hist_end_w     INTEGER NOT NULL,
    cpu_pct_hist           BLOB NOT NULL
);

CREATE TABLE sample_1h_packed (
    t                      INTEGER PRIMARY KEY,
    n                      INTEGER NOT NULL,
    domid                  BLOB NOT NULL,
    domid_base             INTEGER NOT NULL,
    domid_w                INTEGER NOT NULL,
    seconds                BLOB NOT NULL,
    seconds_base           INTEGER NOT NULL,
    seconds_w              INTEGER NOT NULL,
    exec_count             BLOB NOT NULL,
    exec_count_base        INTEGER NOT NULL,
    exec_count_w           INTEGER NOT NULL,
    cpu_ns                 BLOB NOT NULL,
    cpu_ns_base            INTEGER NOT NULL,
    cpu_ns_w               INTEGER NOT NULL,
    wait_ns                BLOB NOT NULL,
    wait_ns_base           INTEGER NOT NULL,
    wait_ns_w              INTEGER NOT NULL,
    blocked_ns             BLOB NOT NULL,
    blocked_ns_base        INTEGER NOT NULL,
    blocked_ns_w           INTEGER NOT NULL,
    alloc_ns               BLOB NOT NULL,
    alloc_ns_base          INTEGER NOT NULL,
    alloc_ns_w             INTEGER NOT NULL,
    alloc_min_ns           BLOB NOT NULL,
    alloc_min_ns_base      INTEGER NOT NULL,
    alloc_min_ns_w         INTEGER NOT NULL,
    alloc_max_ns           BLOB NOT NULL,
    alloc_max_ns_base      INTEGER NOT NULL,
    alloc_max_ns_w         INTEGER NOT NULL,
    alloc_unbounded        BLOB NOT NULL,
    alloc_unbounded_base   INTEGER NOT NULL,
    alloc_unbounded_w      INTEGER NOT NULL,
    io_count               BLOB NOT NULL,
    io_count_base          INTEGER NOT NULL,
    io_count_w             INTEGER NOT NULL,
    io_bytes               BLOB NOT NULL,
    io_bytes_base          INTEGER NOT NULL,
    io_bytes_w             INTEGER NOT NULL,
    cpu_peak_ns            BLOB NOT NULL,
    cpu_peak_ns_base       INTEGER NOT NULL,
    cpu_peak_ns_w          INTEGER NOT NULL,
    cpu_pct_hist_end       BLOB NOT NULL,
    cpu_pct_hist_end_base  INTEGER NOT NULL,
    cpu_pct_hist_end_w     INTEGER NOT NULL,
    cpu_pct_hist           BLOB NOT NULL
);


CREATE VIEW sample_1m_all AS
SELECT t, domid, seconds, exec_count, cpu_ns, wait_ns, blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns, alloc_unbounded, io_count, io_bytes, cpu_peak_ns, cpu_pct_hist
  FROM sample_1m
UNION ALL
SELECT p.t,
       p.domid_base - p.domid_w / 9 + nullif(
                    CASE WHEN p.domid_w % 9 > 0 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 1, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 1 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 2, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 2 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 3, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 3 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 4, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 4 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 5, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 5 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 6, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 6 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 7, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 7 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 8, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 8) ELSE 0 END,
                  p.domid_w / 9 - 1) AS domid,
       p.seconds_base - p.seconds_w / 9 + nullif(
                    CASE WHEN p.seconds_w % 9 > 0 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 1, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 1 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 2, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 2 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 3, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 3 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 4, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 4 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 5, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 5 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 6, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 6 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 7, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 7 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 8, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 8) ELSE 0 END,
                  p.seconds_w / 9 - 1) AS seconds,
       p.exec_count_base - p.exec_count_w / 9 + nullif(
                    CASE WHEN p.exec_count_w % 9 > 0 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 1, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 1 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 2, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 2 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 3, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 3 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 4, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 4 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 5, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 5 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 6, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 6 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 7, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 7 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 8, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 8) ELSE 0 END,
                  p.exec_count_w / 9 - 1) AS exec_count,
       p.cpu_ns_base - p.cpu_ns_w / 9 + nullif(
                    CASE WHEN p.cpu_ns_w % 9 > 0 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 1 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 2 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 3 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 4 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 5 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 6 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 7 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 8) ELSE 0 END,
                  p.cpu_ns_w / 9 - 1) AS cpu_ns,
       p.wait_ns_base - p.wait_ns_w / 9 + nullif(
                    CASE WHEN p.wait_ns_w % 9 > 0 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 1 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 2 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 3 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 4 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 5 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 6 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 7 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 8) ELSE 0 END,
                  p.wait_ns_w / 9 - 1) AS wait_ns,
       p.blocked_ns_base - p.blocked_ns_w / 9 + nullif(
                    CASE WHEN p.blocked_ns_w % 9 > 0 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 1 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 2 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 3 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 4 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 5 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 6 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 7 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 8) ELSE 0 END,
                  p.blocked_ns_w / 9 - 1) AS blocked_ns,
       p.alloc_ns_base - p.alloc_ns_w / 9 + nullif(
                    CASE WHEN p.alloc_ns_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 8) ELSE 0 END,
                  p.alloc_ns_w / 9 - 1) AS alloc_ns,
       p.alloc_min_ns_base - p.alloc_min_ns_w / 9 + nullif(
                    CASE WHEN p.alloc_min_ns_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 8) ELSE 0 END,
                  p.alloc_min_ns_w / 9 - 1) AS alloc_min_ns,
       p.alloc_max_ns_base - p.alloc_max_ns_w / 9 + nullif(
                    CASE WHEN p.alloc_max_ns_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 8) ELSE 0 END,
                  p.alloc_max_ns_w / 9 - 1) AS alloc_max_ns,
       p.alloc_unbounded_base - p.alloc_unbounded_w / 9 + nullif(
                    CASE WHEN p.alloc_unbounded_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 8) ELSE 0 END,
                  p.alloc_unbounded_w / 9 - 1) AS alloc_unbounded,
       p.io_count_base - p.io_count_w / 9 + nullif(
                    CASE WHEN p.io_count_w % 9 > 0 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 1, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 1 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 2, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 2 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 3, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 3 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 4, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 4 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 5, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 5 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 6, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 6 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 7, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 7 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 8, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 8) ELSE 0 END,
                  p.io_count_w / 9 - 1) AS io_count,
       p.io_bytes_base - p.io_bytes_w / 9 + nullif(
                    CASE WHEN p.io_bytes_w % 9 > 0 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 1, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 1 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 2, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 2 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 3, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 3 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 4, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 4 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 5, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 5 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 6, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 6 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 7, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 7 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 8, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 8) ELSE 0 END,
                  p.io_bytes_w / 9 - 1) AS io_bytes,
       p.cpu_peak_ns_base - p.cpu_peak_ns_w / 9 + nullif(
                    CASE WHEN p.cpu_peak_ns_w % 9 > 0 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 1 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 2 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 3 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 4 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 5 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 6 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 7 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 8) ELSE 0 END,
                  p.cpu_peak_ns_w / 9 - 1) AS cpu_peak_ns,
       substr(substr(p.cpu_pct_hist, 1,
       p.cpu_pct_hist_end_base - p.cpu_pct_hist_end_w / 9 + nullif(
                    CASE WHEN p.cpu_pct_hist_end_w % 9 > 0 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 1 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 2 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 3 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 4 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 5 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 6 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 7 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 8) ELSE 0 END,
                  p.cpu_pct_hist_end_w / 9 - 1)),
       (CASE WHEN s.i = 0 THEN 0 ELSE
       p.cpu_pct_hist_end_base - p.cpu_pct_hist_end_w / 9 + nullif(
                    CASE WHEN p.cpu_pct_hist_end_w % 9 > 0 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 1 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 2 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 3 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 4 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 5 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 6 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 7 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 8) ELSE 0 END,
                  p.cpu_pct_hist_end_w / 9 - 1) END) + 1) AS cpu_pct_hist
  FROM sample_1m_packed p
  JOIN sample_dom_1s_slot s ON s.i < p.n
  JOIN sample_dom_1s_byte b;

CREATE VIEW sample_1h_all AS
SELECT t, domid, seconds, exec_count, cpu_ns, wait_ns, blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns, alloc_unbounded, io_count, io_bytes, cpu_peak_ns, cpu_pct_hist
  FROM sample_1h
UNION ALL
SELECT p.t,
       p.domid_base - p.domid_w / 9 + nullif(
                    CASE WHEN p.domid_w % 9 > 0 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 1, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 1 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 2, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 2 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 3, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 3 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 4, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 4 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 5, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 5 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 6, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 6 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 7, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 7 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 8, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 8) ELSE 0 END,
                  p.domid_w / 9 - 1) AS domid,
       p.seconds_base - p.seconds_w / 9 + nullif(
                    CASE WHEN p.seconds_w % 9 > 0 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 1, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 1 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 2, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 2 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 3, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 3 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 4, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 4 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 5, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 5 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 6, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 6 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 7, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.seconds_w % 9 > 7 THEN (instr(b.k, substr(p.seconds, s.i * (p.seconds_w % 9) + 8, 1)) - 1)
                    << 8 * (p.seconds_w % 9 - 8) ELSE 0 END,
                  p.seconds_w / 9 - 1) AS seconds,
       p.exec_count_base - p.exec_count_w / 9 + nullif(
                    CASE WHEN p.exec_count_w % 9 > 0 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 1, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 1 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 2, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 2 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 3, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 3 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 4, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 4 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 5, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 5 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 6, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 6 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 7, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 7 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 8, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 8) ELSE 0 END,
                  p.exec_count_w / 9 - 1) AS exec_count,
       p.cpu_ns_base - p.cpu_ns_w / 9 + nullif(
                    CASE WHEN p.cpu_ns_w % 9 > 0 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 1 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 2 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 3 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 4 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 5 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 6 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 7 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 8) ELSE 0 END,
                  p.cpu_ns_w / 9 - 1) AS cpu_ns,
       p.wait_ns_base - p.wait_ns_w / 9 + nullif(
                    CASE WHEN p.wait_ns_w % 9 > 0 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 1 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 2 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 3 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 4 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 5 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 6 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 7 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 8) ELSE 0 END,
                  p.wait_ns_w / 9 - 1) AS wait_ns,
       p.blocked_ns_base - p.blocked_ns_w / 9 + nullif(
                    CASE WHEN p.blocked_ns_w % 9 > 0 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 1 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 2 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 3 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 4 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 5 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 6 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 7 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 8) ELSE 0 END,
                  p.blocked_ns_w / 9 - 1) AS blocked_ns,
       p.alloc_ns_base - p.alloc_ns_w / 9 + nullif(
                    CASE WHEN p.alloc_ns_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 8) ELSE 0 END,
                  p.alloc_ns_w / 9 - 1) AS alloc_ns,
       p.alloc_min_ns_base - p.alloc_min_ns_w / 9 + nullif(
                    CASE WHEN p.alloc_min_ns_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 8) ELSE 0 END,
                  p.alloc_min_ns_w / 9 - 1) AS alloc_min_ns,
       p.alloc_max_ns_base - p.alloc_max_ns_w / 9 + nullif(
                    CASE WHEN p.alloc_max_ns_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 8) ELSE 0 END,
                  p.alloc_max_ns_w / 9 - 1) AS alloc_max_ns,
       p.alloc_unbounded_base - p.alloc_unbounded_w / 9 + nullif(
                    CASE WHEN p.alloc_unbounded_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 8) ELSE 0 END,
                  p.alloc_unbounded_w / 9 - 1) AS alloc_unbounded,
       p.io_count_base - p.io_count_w / 9 + nullif(
                    CASE WHEN p.io_count_w % 9 > 0 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 1, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 1 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 2, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 2 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 3, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 3 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 4, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 4 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 5, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 5 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 6, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 6 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 7, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 7 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 8, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 8) ELSE 0 END,
                  p.io_count_w / 9 - 1) AS io_count,
       p.io_bytes_base - p.io_bytes_w / 9 + nullif(
                    CASE WHEN p.io_bytes_w % 9 > 0 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 1, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 1 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 2, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 2 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 3, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 3 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 4, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 4 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 5, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 5 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 6, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 6 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 7, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 7 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 8, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 8) ELSE 0 END,
                  p.io_bytes_w / 9 - 1) AS io_bytes,
       p.cpu_peak_ns_base - p.cpu_peak_ns_w / 9 + nullif(
                    CASE WHEN p.cpu_peak_ns_w % 9 > 0 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 1 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 2 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 3 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 4 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 5 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 6 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_peak_ns_w % 9 > 7 THEN (instr(b.k, substr(p.cpu_peak_ns, s.i * (p.cpu_peak_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_peak_ns_w % 9 - 8) ELSE 0 END,
                  p.cpu_peak_ns_w / 9 - 1) AS cpu_peak_ns,
       substr(substr(p.cpu_pct_hist, 1,
       p.cpu_pct_hist_end_base - p.cpu_pct_hist_end_w / 9 + nullif(
                    CASE WHEN p.cpu_pct_hist_end_w % 9 > 0 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 1 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 2 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 3 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 4 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 5 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 6 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 7 THEN (instr(b.k, substr(p.cpu_pct_hist_end, s.i * (p.cpu_pct_hist_end_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 8) ELSE 0 END,
                  p.cpu_pct_hist_end_w / 9 - 1)),
       (CASE WHEN s.i = 0 THEN 0 ELSE
       p.cpu_pct_hist_end_base - p.cpu_pct_hist_end_w / 9 + nullif(
                    CASE WHEN p.cpu_pct_hist_end_w % 9 > 0 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 1 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 2 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 3 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 4 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 5 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 6 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_pct_hist_end_w % 9 > 7 THEN (instr(b.k, substr(p.cpu_pct_hist_end, (s.i - 1) * (p.cpu_pct_hist_end_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_pct_hist_end_w % 9 - 8) ELSE 0 END,
                  p.cpu_pct_hist_end_w / 9 - 1) END) + 1) AS cpu_pct_hist
  FROM sample_1h_packed p
  JOIN sample_dom_1s_slot s ON s.i < p.n
  JOIN sample_dom_1s_byte b;


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
               CASE WHEN substr(hex(s.cpu_pct_hist), 1, 2) = '00' THEN
               (WITH RECURSIVE u(x, k, bin, bit) AS (
                 SELECT x, -1, 0, 0 FROM (SELECT hex(s.cpu_pct_hist) AS x)
                 UNION ALL
                 SELECT x, k + 1, bin + (k >= 0 AND bit = 0),
                        ((instr('0123456789ABCDEF', substr(x, 2 * ((k + 1) / 8) + 3, 1)) * 16 +
                          instr('0123456789ABCDEF', substr(x, 2 * ((k + 1) / 8) + 4, 1)) - 17)
                         >> (7 - (k + 1) % 8)) & 1
                   FROM u WHERE k + 1 < 4 * length(x) - 8)
                SELECT json_group_object(b, n)
                  FROM (SELECT bin AS b, count(*) AS n FROM u
                         WHERE k >= 0 AND bit = 1 GROUP BY bin ORDER BY bin))
               ELSE
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
               END
               END AS cpu_pct_hist
          FROM sample_1m_all s) r;

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
               CASE WHEN substr(hex(s.cpu_pct_hist), 1, 2) = '00' THEN
               (WITH RECURSIVE u(x, k, bin, bit) AS (
                 SELECT x, -1, 0, 0 FROM (SELECT hex(s.cpu_pct_hist) AS x)
                 UNION ALL
                 SELECT x, k + 1, bin + (k >= 0 AND bit = 0),
                        ((instr('0123456789ABCDEF', substr(x, 2 * ((k + 1) / 8) + 3, 1)) * 16 +
                          instr('0123456789ABCDEF', substr(x, 2 * ((k + 1) / 8) + 4, 1)) - 17)
                         >> (7 - (k + 1) % 8)) & 1
                   FROM u WHERE k + 1 < 4 * length(x) - 8)
                SELECT json_group_object(b, n)
                  FROM (SELECT bin AS b, count(*) AS n FROM u
                         WHERE k >= 0 AND bit = 1 GROUP BY bin ORDER BY bin))
               ELSE
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
               END
               END AS cpu_pct_hist
          FROM sample_1h_all s) r;
