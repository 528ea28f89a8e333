-- xenmon database: seconds that malformed records make incomplete.
--
-- A record no Xen writes (a block of zeros where a file system lost a block
-- in a crash, bytes overwritten; see daemon/decode.h) is damage to the
-- trace: records of its CPU are missing around it, as they are where Xen
-- lost records.  cpu_1s.malformed_records marks the CPU-seconds that damage
-- covers: the malformed records met on the CPU in the second, or, for a
-- second the damage runs through (until the CPU's records are well-formed
-- and timed again), the damage's count if more.  Like lost_records, a
-- non-zero value makes the CPU-second incomplete; its figures are what the
-- records left tell.  A damage over several seconds counts in each, so the
-- run's total is run.malformed, not the column's sum.  Rows written before
-- this version have 0.

ALTER TABLE cpu_1s ADD COLUMN malformed_records INTEGER NOT NULL DEFAULT 0;

-- Per host and second, as before, with the malformed records.
DROP VIEW host_1s;
CREATE VIEW host_1s AS
SELECT t,
       count(*)                       AS cpus,
       sum(observed_ns)               AS observed_ns,
       sum(sched_ns)                  AS sched_ns,
       sum(lost_records)              AS lost_records,
       sum(malformed_records)         AS malformed_records
  FROM cpu_1s
 GROUP BY t;
