-- xenmon database: which seconds were stored, once retention took them.
--
-- A second is stored once: a trace replayed again writes nothing, since
-- its seconds are found in cpu_1s.  Once retention (or the size budget)
-- had pruned them, nothing said they had been stored, and a trace
-- replayed again was added to the minutes, hours, days and weeks a second
-- time.  seconds_stored holds each stretch of consecutive seconds stored:
-- its first and last second, and whether each of those was stored only
-- in part (a CPU observed less than all of it: a trace began or ended in
-- it).  A second stored in part ends its stretch (it is its last, or its
-- only, second), so it is never inside one.  The daemon keeps
-- it in the transaction of each second it writes, and never prunes it: a
-- row per stretch, that is per trace or daemon start, per second dropped
-- on a full disk, and per gap the migration below finds.
--
-- A second missing from cpu_1s, older than the newest stored and than
-- what was pruned (meta pruned_before_1s), inside a stretch, was stored
-- and pruned since: it is left as it is, counted as already stored, or as
-- overlapping where it was stored in part (this run's part cannot be told
-- from the stored one any more).
--
-- Here it is made from the seconds cpu_1s still holds, a second stored in
-- part where cpu_1s_part has a row of it; what was pruned before this
-- version is not known.

CREATE TABLE seconds_stored (
    first_t    INTEGER PRIMARY KEY,  -- first second of the stretch
    last_t     INTEGER NOT NULL,     -- its last second, inclusive
    first_part INTEGER NOT NULL,     -- 1: first_t was stored in part
    last_part  INTEGER NOT NULL      -- 1: last_t was stored in part
);

WITH sec(t, part) AS (
    SELECT t, EXISTS (SELECT 1 FROM cpu_1s_part p WHERE p.t = s.t)
    FROM (SELECT DISTINCT t FROM cpu_1s) s),
-- a stretch begins after a gap and after a second stored in part
cut(t, part, brk) AS (
    SELECT t, part,
           coalesce(lag(t) OVER w <> t - 1 OR lag(part) OVER w, 1)
    FROM sec WINDOW w AS (ORDER BY t)),
grp(t, part, g) AS (
    SELECT t, part, sum(brk) OVER (ORDER BY t) FROM cut)
-- 2t + part orders as t does, and holds both: its least and greatest in
-- a stretch are its first and last seconds, and whether each was in part
INSERT INTO seconds_stored (first_t, last_t, first_part, last_part)
SELECT min(2 * t + part) >> 1, max(2 * t + part) >> 1,
       min(2 * t + part) & 1, max(2 * t + part) & 1
FROM grp GROUP BY g;
