-- xenmon database: where in its second a partly observed cpu_1s row lies.
--
-- A trace rarely starts or ends on a second boundary, and xentrace writes
-- a long recording as several files: the second where two of them join is
-- stored partly by the replay of the first (observed_ns short of a second)
-- and partly by the next.  To add the second part to the first, the daemon
-- must know that they do not overlap, which observed_ns alone cannot tell
-- (the same length could lie at the start of the second or at its end).
--
-- One row per cpu_1s row with observed_ns below 1e9 that this version
-- wrote: the observed time lies within [from_ns, to_ns) of the second
-- (nanoseconds after t).  Two parts stored together keep their hull, so
-- observed_ns may be less than to_ns - from_ns (the time between them was
-- observed by neither).  A partial cpu_1s row without one, written before
-- this table existed, may lie anywhere in its second.  Pruned with cpu_1s.

CREATE TABLE cpu_1s_part (
    t       INTEGER NOT NULL,
    cpu     INTEGER NOT NULL,
    from_ns INTEGER NOT NULL,
    to_ns   INTEGER NOT NULL,
    PRIMARY KEY (t, cpu)
) WITHOUT ROWID;

-- What a run did with seconds partly stored before it: completed them with
-- its own part, or left them as they were because the parts overlap.
ALTER TABLE run ADD COLUMN seconds_completed INTEGER;
ALTER TABLE run ADD COLUMN seconds_overlapping INTEGER;
