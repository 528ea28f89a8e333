-- xenmon database: the roll-ups keep the malformed records.
--
-- Version 6 marked the CPU-seconds that damage to the trace covers
-- (cpu_1s.malformed_records); the minute and hour rows of a CPU now sum
-- them, as they sum lost_records, so that a reader of a roll-up finds its
-- incomplete steps the same way: a step is incomplete when its
-- lost_records or its malformed_records is not zero.
--
-- Rows rolled up before this version get the sum of their seconds still
-- stored (the seconds of a damaged trace are few, and only those are
-- read); those whose seconds are pruned keep 0.

ALTER TABLE cpu_1m ADD COLUMN malformed_records INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cpu_1h ADD COLUMN malformed_records INTEGER NOT NULL DEFAULT 0;

UPDATE cpu_1m
   SET malformed_records = (SELECT sum(c.malformed_records) FROM cpu_1s c
                             WHERE c.cpu = cpu_1m.cpu AND c.t >= cpu_1m.t
                               AND c.t < cpu_1m.t + 60)
 WHERE (t, cpu) IN (SELECT t - t % 60, cpu FROM cpu_1s
                     WHERE malformed_records > 0);
UPDATE cpu_1h
   SET malformed_records = (SELECT sum(c.malformed_records) FROM cpu_1s c
                             WHERE c.cpu = cpu_1h.cpu AND c.t >= cpu_1h.t
                               AND c.t < cpu_1h.t + 3600)
 WHERE (t, cpu) IN (SELECT t - t % 3600, cpu FROM cpu_1s
                     WHERE malformed_records > 0);
