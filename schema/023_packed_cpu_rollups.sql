-- xenmon database: the CPUs' minutes and hours packed with the domains'.
--
-- cpu_1m and cpu_1h held a row per (minute or hour, CPU): on the history
-- benchmark's 64-CPU host, 90 days of minutes were 0.32 GB, most of it
-- keys and headers around values alike on every CPU.  The daemon's packer
-- (packer.c) now moves a minute's or an hour's CPU rows into one row of
-- cpu_1m_packed or cpu_1h_packed when it packs its domains' rows (019),
-- laid out as cpu_1s_packed (021), and back when a second is stored into
-- it; the roll-ups write cpu_1m_plain and cpu_1h_plain, the tables cpu_1m
-- and cpu_1h were, which keep the rows of the minutes and hours not
-- packed.  cpu_1m and cpu_1h are now views over both, with triggers for
-- SQL that writes them, as cpu_1s's; domain_1m and domain_1h read a
-- minute's or hour's host figures from the two tables themselves.

CREATE TABLE cpu_1m_plain (
    t                 INTEGER NOT NULL,
    cpu               INTEGER NOT NULL,
    seconds           INTEGER NOT NULL,
    observed_ns       INTEGER NOT NULL,
    sched_ns          INTEGER NOT NULL,
    busy_ns           INTEGER NOT NULL,
    lost_records      INTEGER NOT NULL,
    malformed_records INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (t, cpu)
) WITHOUT ROWID;

INSERT INTO cpu_1m_plain (t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records)
SELECT t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records FROM cpu_1m;

CREATE TABLE cpu_1h_plain (
    t                 INTEGER NOT NULL,
    cpu               INTEGER NOT NULL,
    seconds           INTEGER NOT NULL,
    observed_ns       INTEGER NOT NULL,
    sched_ns          INTEGER NOT NULL,
    busy_ns           INTEGER NOT NULL,
    lost_records      INTEGER NOT NULL,
    malformed_records INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (t, cpu)
) WITHOUT ROWID;

INSERT INTO cpu_1h_plain (t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records)
SELECT t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records FROM cpu_1h;

DROP VIEW domain_1m;
DROP VIEW domain_1h;
DROP TABLE cpu_1m;
DROP TABLE cpu_1h;

CREATE TABLE cpu_1m_packed (
    t                      INTEGER PRIMARY KEY,
    n                      INTEGER NOT NULL,
    cpu                    BLOB NOT NULL,
    cpu_base               INTEGER NOT NULL,
    cpu_w                  INTEGER NOT NULL,
    seconds                BLOB NOT NULL,
    seconds_base           INTEGER NOT NULL,
    seconds_w              INTEGER NOT NULL,
    observed_ns            BLOB NOT NULL,
    observed_ns_base       INTEGER NOT NULL,
    observed_ns_w          INTEGER NOT NULL,
    sched_ns               BLOB NOT NULL,
    sched_ns_base          INTEGER NOT NULL,
    sched_ns_w             INTEGER NOT NULL,
    busy_ns                BLOB NOT NULL,
    busy_ns_base           INTEGER NOT NULL,
    busy_ns_w              INTEGER NOT NULL,
    lost_records           BLOB NOT NULL,
    lost_records_base      INTEGER NOT NULL,
    lost_records_w         INTEGER NOT NULL,
    malformed_records      BLOB NOT NULL,
    malformed_records_base INTEGER NOT NULL,
    malformed_records_w    INTEGER NOT NULL
);

CREATE VIEW cpu_1m_unpacked AS
SELECT p.t,
       p.cpu_base - p.cpu_w / 9 + nullif(
                    CASE WHEN p.cpu_w % 9 > 0 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 1 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 2 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 3 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 4 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 5 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 6 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 7 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 8) ELSE 0 END,
                  p.cpu_w / 9 - 1) AS cpu,
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
       p.observed_ns_base - p.observed_ns_w / 9 + nullif(
                    CASE WHEN p.observed_ns_w % 9 > 0 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 1 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 2 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 3 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 4 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 5 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 6 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 7 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 8) ELSE 0 END,
                  p.observed_ns_w / 9 - 1) AS observed_ns,
       p.sched_ns_base - p.sched_ns_w / 9 + nullif(
                    CASE WHEN p.sched_ns_w % 9 > 0 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 1 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 2 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 3 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 4 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 5 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 6 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 7 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 8) ELSE 0 END,
                  p.sched_ns_w / 9 - 1) AS sched_ns,
       p.busy_ns_base - p.busy_ns_w / 9 + nullif(
                    CASE WHEN p.busy_ns_w % 9 > 0 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 1 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 2 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 3 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 4 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 5 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 6 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 7 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 8) ELSE 0 END,
                  p.busy_ns_w / 9 - 1) AS busy_ns,
       p.lost_records_base - p.lost_records_w / 9 + nullif(
                    CASE WHEN p.lost_records_w % 9 > 0 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 1, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 1 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 2, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 2 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 3, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 3 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 4, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 4 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 5, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 5 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 6, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 6 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 7, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 7 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 8, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 8) ELSE 0 END,
                  p.lost_records_w / 9 - 1) AS lost_records,
       p.malformed_records_base - p.malformed_records_w / 9 + nullif(
                    CASE WHEN p.malformed_records_w % 9 > 0 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 1, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 1 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 2, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 2 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 3, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 3 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 4, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 4 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 5, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 5 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 6, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 6 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 7, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 7 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 8, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 8) ELSE 0 END,
                  p.malformed_records_w / 9 - 1) AS malformed_records
  FROM cpu_1m_packed p
  JOIN sample_dom_1s_slot s ON s.i < p.n
  JOIN sample_dom_1s_byte b;

CREATE TABLE cpu_1h_packed (
    t                      INTEGER PRIMARY KEY,
    n                      INTEGER NOT NULL,
    cpu                    BLOB NOT NULL,
    cpu_base               INTEGER NOT NULL,
    cpu_w                  INTEGER NOT NULL,
    seconds                BLOB NOT NULL,
    seconds_base           INTEGER NOT NULL,
    seconds_w              INTEGER NOT NULL,
    observed_ns            BLOB NOT NULL,
    observed_ns_base       INTEGER NOT NULL,
    observed_ns_w          INTEGER NOT NULL,
    sched_ns               BLOB NOT NULL,
    sched_ns_base          INTEGER NOT NULL,
    sched_ns_w             INTEGER NOT NULL,
    busy_ns                BLOB NOT NULL,
    busy_ns_base           INTEGER NOT NULL,
    busy_ns_w              INTEGER NOT NULL,
    lost_records           BLOB NOT NULL,
    lost_records_base      INTEGER NOT NULL,
    lost_records_w         INTEGER NOT NULL,
    malformed_records      BLOB NOT NULL,
    malformed_records_base INTEGER NOT NULL,
    malformed_records_w    INTEGER NOT NULL
);

CREATE VIEW cpu_1h_unpacked AS
SELECT p.t,
       p.cpu_base - p.cpu_w / 9 + nullif(
                    CASE WHEN p.cpu_w % 9 > 0 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 1 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 2 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 3 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 4 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 5 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 6 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_w % 9 > 7 THEN (instr(b.k, substr(p.cpu, s.i * (p.cpu_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_w % 9 - 8) ELSE 0 END,
                  p.cpu_w / 9 - 1) AS cpu,
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
       p.observed_ns_base - p.observed_ns_w / 9 + nullif(
                    CASE WHEN p.observed_ns_w % 9 > 0 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 1 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 2 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 3 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 4 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 5 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 6 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.observed_ns_w % 9 > 7 THEN (instr(b.k, substr(p.observed_ns, s.i * (p.observed_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.observed_ns_w % 9 - 8) ELSE 0 END,
                  p.observed_ns_w / 9 - 1) AS observed_ns,
       p.sched_ns_base - p.sched_ns_w / 9 + nullif(
                    CASE WHEN p.sched_ns_w % 9 > 0 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 1 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 2 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 3 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 4 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 5 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 6 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.sched_ns_w % 9 > 7 THEN (instr(b.k, substr(p.sched_ns, s.i * (p.sched_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.sched_ns_w % 9 - 8) ELSE 0 END,
                  p.sched_ns_w / 9 - 1) AS sched_ns,
       p.busy_ns_base - p.busy_ns_w / 9 + nullif(
                    CASE WHEN p.busy_ns_w % 9 > 0 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 1 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 2 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 3 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 4 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 5 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 6 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.busy_ns_w % 9 > 7 THEN (instr(b.k, substr(p.busy_ns, s.i * (p.busy_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.busy_ns_w % 9 - 8) ELSE 0 END,
                  p.busy_ns_w / 9 - 1) AS busy_ns,
       p.lost_records_base - p.lost_records_w / 9 + nullif(
                    CASE WHEN p.lost_records_w % 9 > 0 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 1, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 1 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 2, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 2 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 3, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 3 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 4, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 4 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 5, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 5 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 6, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 6 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 7, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.lost_records_w % 9 > 7 THEN (instr(b.k, substr(p.lost_records, s.i * (p.lost_records_w % 9) + 8, 1)) - 1)
                    << 8 * (p.lost_records_w % 9 - 8) ELSE 0 END,
                  p.lost_records_w / 9 - 1) AS lost_records,
       p.malformed_records_base - p.malformed_records_w / 9 + nullif(
                    CASE WHEN p.malformed_records_w % 9 > 0 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 1, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 1 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 2, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 2 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 3, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 3 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 4, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 4 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 5, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 5 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 6, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 6 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 7, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.malformed_records_w % 9 > 7 THEN (instr(b.k, substr(p.malformed_records, s.i * (p.malformed_records_w % 9) + 8, 1)) - 1)
                    << 8 * (p.malformed_records_w % 9 - 8) ELSE 0 END,
                  p.malformed_records_w / 9 - 1) AS malformed_records
  FROM cpu_1h_packed p
  JOIN sample_dom_1s_slot s ON s.i < p.n
  JOIN sample_dom_1s_byte b;

CREATE VIEW cpu_1m AS
SELECT t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records
  FROM cpu_1m_plain
UNION ALL
SELECT t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records
  FROM cpu_1m_unpacked;

CREATE TRIGGER cpu_1m_insert INSTEAD OF INSERT ON cpu_1m
BEGIN
    INSERT INTO cpu_1m_plain SELECT * FROM cpu_1m_unpacked WHERE t = NEW.t;
    DELETE FROM cpu_1m_packed WHERE t = NEW.t;
    INSERT INTO cpu_1m_plain (t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records)
    VALUES (NEW.t, NEW.cpu, NEW.seconds, NEW.observed_ns, NEW.sched_ns,
            NEW.busy_ns, NEW.lost_records, coalesce(NEW.malformed_records, 0));
END;

CREATE TRIGGER cpu_1m_update INSTEAD OF UPDATE ON cpu_1m
BEGIN
    INSERT INTO cpu_1m_plain SELECT * FROM cpu_1m_unpacked
     WHERE t IN (OLD.t, NEW.t);
    DELETE FROM cpu_1m_packed WHERE t IN (OLD.t, NEW.t);
    UPDATE cpu_1m_plain
       SET t = NEW.t, cpu = NEW.cpu, seconds = NEW.seconds,
           observed_ns = NEW.observed_ns, sched_ns = NEW.sched_ns,
           busy_ns = NEW.busy_ns, lost_records = NEW.lost_records,
           malformed_records = NEW.malformed_records
     WHERE t = OLD.t AND cpu = OLD.cpu;
END;

CREATE TRIGGER cpu_1m_delete INSTEAD OF DELETE ON cpu_1m
BEGIN
    INSERT INTO cpu_1m_plain SELECT * FROM cpu_1m_unpacked WHERE t = OLD.t;
    DELETE FROM cpu_1m_packed WHERE t = OLD.t;
    DELETE FROM cpu_1m_plain WHERE t = OLD.t AND cpu = OLD.cpu;
END;

CREATE VIEW cpu_1h AS
SELECT t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records
  FROM cpu_1h_plain
UNION ALL
SELECT t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records
  FROM cpu_1h_unpacked;

CREATE TRIGGER cpu_1h_insert INSTEAD OF INSERT ON cpu_1h
BEGIN
    INSERT INTO cpu_1h_plain SELECT * FROM cpu_1h_unpacked WHERE t = NEW.t;
    DELETE FROM cpu_1h_packed WHERE t = NEW.t;
    INSERT INTO cpu_1h_plain (t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records, malformed_records)
    VALUES (NEW.t, NEW.cpu, NEW.seconds, NEW.observed_ns, NEW.sched_ns,
            NEW.busy_ns, NEW.lost_records, coalesce(NEW.malformed_records, 0));
END;

CREATE TRIGGER cpu_1h_update INSTEAD OF UPDATE ON cpu_1h
BEGIN
    INSERT INTO cpu_1h_plain SELECT * FROM cpu_1h_unpacked
     WHERE t IN (OLD.t, NEW.t);
    DELETE FROM cpu_1h_packed WHERE t IN (OLD.t, NEW.t);
    UPDATE cpu_1h_plain
       SET t = NEW.t, cpu = NEW.cpu, seconds = NEW.seconds,
           observed_ns = NEW.observed_ns, sched_ns = NEW.sched_ns,
           busy_ns = NEW.busy_ns, lost_records = NEW.lost_records,
           malformed_records = NEW.malformed_records
     WHERE t = OLD.t AND cpu = OLD.cpu;
END;

CREATE TRIGGER cpu_1h_delete INSTEAD OF DELETE ON cpu_1h
BEGIN
    INSERT INTO cpu_1h_plain SELECT * FROM cpu_1h_unpacked WHERE t = OLD.t;
    DELETE FROM cpu_1h_packed WHERE t = OLD.t;
    DELETE FROM cpu_1h_plain WHERE t = OLD.t AND cpu = OLD.cpu;
END;

-- As 019's, but a minute's (an hour's) host figures from the table that
-- holds its CPUs: a minute lies whole in one of the two.

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
               max(s.seconds, coalesce((SELECT max(c.seconds) FROM cpu_1m_plain c
                                         WHERE c.t = s.t),
                                       (SELECT max(c.seconds) FROM cpu_1m_unpacked c
                                         WHERE c.t = s.t), 0)) AS host_seconds,
               coalesce((SELECT max(c.observed_ns) FROM cpu_1m_plain c
                          WHERE c.t = s.t),
                        (SELECT max(c.observed_ns) FROM cpu_1m_unpacked c
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
               max(s.seconds, coalesce((SELECT max(c.seconds) FROM cpu_1h_plain c
                                         WHERE c.t = s.t),
                                       (SELECT max(c.seconds) FROM cpu_1h_unpacked c
                                         WHERE c.t = s.t), 0)) AS host_seconds,
               coalesce((SELECT max(c.observed_ns) FROM cpu_1h_plain c
                          WHERE c.t = s.t),
                        (SELECT max(c.observed_ns) FROM cpu_1h_unpacked c
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
