-- xenmon database: the CPUs' seconds in a small file.
--
-- cpu_1s held a row per (second, CPU): about 24 bytes, of which the key,
-- the record header and the cell are most, for values that are mostly
-- the same on every CPU (a whole second observed, no record lost).  A
-- week of a 64-CPU host was 0.93 GB.  The daemon now writes a second's
-- CPUs as one row of cpu_1s_packed, laid out as sample_dom_1s_packed's
-- (017, schema/packed.h): rowid t, n CPUs in cpu order, and per column C
-- of cpu_1s a BLOB C of the n values, C_base and C_w.
--
-- cpu_1s is now a view with its columns, over both tables: cpu_1s_plain
-- (cpu_1s's rows from before this version, and the rows SQL writes into
-- cpu_1s: its triggers below) and cpu_1s_unpacked (the packed rows,
-- decoded in plain SQL as 017's are; xenmon's programs read them through
-- xenmon_unpack(), schema.c).  A second lies whole in one of the two
-- tables: a trigger that writes a packed second moves it to cpu_1s_plain
-- first.  A view that is a UNION ALL is read whole when it is joined or
-- looked up from a correlated subquery, so the views here that need one
-- second (domain_1s, host_1s) read the two tables themselves.

CREATE TABLE cpu_1s_plain (
    t                 INTEGER NOT NULL,
    cpu               INTEGER NOT NULL,
    observed_ns       INTEGER NOT NULL,
    sched_ns          INTEGER NOT NULL,
    lost_records      INTEGER NOT NULL,
    malformed_records INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (t, cpu)
) WITHOUT ROWID;

INSERT INTO cpu_1s_plain (t, cpu, observed_ns, sched_ns, lost_records,
                          malformed_records)
SELECT t, cpu, observed_ns, sched_ns, lost_records, malformed_records
  FROM cpu_1s;

DROP VIEW host_1s;
DROP VIEW domain_1s;
DROP TABLE cpu_1s;

CREATE TABLE cpu_1s_packed (
    t                      INTEGER PRIMARY KEY,
    n                      INTEGER NOT NULL,
    cpu                    BLOB NOT NULL,
    cpu_base               INTEGER NOT NULL,
    cpu_w                  INTEGER NOT NULL,
    observed_ns            BLOB NOT NULL,
    observed_ns_base       INTEGER NOT NULL,
    observed_ns_w          INTEGER NOT NULL,
    sched_ns               BLOB NOT NULL,
    sched_ns_base          INTEGER NOT NULL,
    sched_ns_w             INTEGER NOT NULL,
    lost_records           BLOB NOT NULL,
    lost_records_base      INTEGER NOT NULL,
    lost_records_w         INTEGER NOT NULL,
    malformed_records      BLOB NOT NULL,
    malformed_records_base INTEGER NOT NULL,
    malformed_records_w    INTEGER NOT NULL
);

CREATE VIEW cpu_1s_unpacked AS
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
  FROM cpu_1s_packed p
  JOIN sample_dom_1s_slot s ON s.i < p.n
  JOIN sample_dom_1s_byte b;

CREATE VIEW cpu_1s AS
SELECT t, cpu, observed_ns, sched_ns, lost_records, malformed_records
  FROM cpu_1s_plain
UNION ALL
SELECT t, cpu, observed_ns, sched_ns, lost_records, malformed_records
  FROM cpu_1s_unpacked;

-- SQL that writes cpu_1s writes cpu_1s_plain, once the second it writes
-- is moved there whole.  A column an INSERT leaves out is NULL in a view:
-- malformed_records keeps its default of 0 here.
CREATE TRIGGER cpu_1s_insert INSTEAD OF INSERT ON cpu_1s
BEGIN
    INSERT INTO cpu_1s_plain SELECT * FROM cpu_1s_unpacked WHERE t = NEW.t;
    DELETE FROM cpu_1s_packed WHERE t = NEW.t;
    INSERT INTO cpu_1s_plain (t, cpu, observed_ns, sched_ns, lost_records,
                              malformed_records)
    VALUES (NEW.t, NEW.cpu, NEW.observed_ns, NEW.sched_ns, NEW.lost_records,
            coalesce(NEW.malformed_records, 0));
END;

CREATE TRIGGER cpu_1s_update INSTEAD OF UPDATE ON cpu_1s
BEGIN
    INSERT INTO cpu_1s_plain SELECT * FROM cpu_1s_unpacked
     WHERE t IN (OLD.t, NEW.t);
    DELETE FROM cpu_1s_packed WHERE t IN (OLD.t, NEW.t);
    UPDATE cpu_1s_plain
       SET t = NEW.t, cpu = NEW.cpu, observed_ns = NEW.observed_ns,
           sched_ns = NEW.sched_ns, lost_records = NEW.lost_records,
           malformed_records = NEW.malformed_records
     WHERE t = OLD.t AND cpu = OLD.cpu;
END;

CREATE TRIGGER cpu_1s_delete INSTEAD OF DELETE ON cpu_1s
BEGIN
    INSERT INTO cpu_1s_plain SELECT * FROM cpu_1s_unpacked WHERE t = OLD.t;
    DELETE FROM cpu_1s_packed WHERE t = OLD.t;
    DELETE FROM cpu_1s_plain WHERE t = OLD.t AND cpu = OLD.cpu;
END;

-- A second's sums, from the table that holds it: of a packed second, n
-- times a column's one value where its CPUs' are alike (w 0: lost and
-- malformed records nearly always, observed time but at a trace's ends),
-- so that a week of seconds is read without decoding most of them.
CREATE VIEW host_1s AS
SELECT t,
       count(*)                       AS cpus,
       sum(observed_ns)               AS observed_ns,
       sum(sched_ns)                  AS sched_ns,
       sum(lost_records)              AS lost_records,
       sum(malformed_records)         AS malformed_records
  FROM cpu_1s_plain
 GROUP BY t
UNION ALL
SELECT p.t, p.n,
       CASE WHEN p.observed_ns_w = 0 THEN p.n * p.observed_ns_base
            ELSE (SELECT sum(c.observed_ns) FROM cpu_1s_unpacked c
                   WHERE c.t = p.t) END,
       CASE WHEN p.sched_ns_w = 0 THEN p.n * p.sched_ns_base
            ELSE (SELECT sum(c.sched_ns) FROM cpu_1s_unpacked c
                   WHERE c.t = p.t) END,
       CASE WHEN p.lost_records_w = 0 THEN p.n * p.lost_records_base
            ELSE (SELECT sum(c.lost_records) FROM cpu_1s_unpacked c
                   WHERE c.t = p.t) END,
       CASE WHEN p.malformed_records_w = 0 THEN p.n * p.malformed_records_base
            ELSE (SELECT sum(c.malformed_records) FROM cpu_1s_unpacked c
                   WHERE c.t = p.t) END
  FROM cpu_1s_packed p;

-- As 017's, but a second's observed time: the mean of its CPUs' in
-- cpu_1s_plain, or the one value of a packed second whose CPUs were all
-- observed alike (nearly every second: no value to decode), or the mean
-- of its packed CPUs'.
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
               coalesce((SELECT sum(c.observed_ns) / count(*)
                           FROM cpu_1s_plain c WHERE c.t = s.t),
                        (SELECT p.observed_ns_base FROM cpu_1s_packed p
                          WHERE p.t = s.t AND p.observed_ns_w = 0),
                        (SELECT sum(c.observed_ns) / count(*)
                           FROM cpu_1s_unpacked c WHERE c.t = s.t))
                                                     AS observed_ns
          FROM sample_dom_1s_all s) r;
