-- xenmon database: which seconds were stored, once retention took them.
--
-- A second is stored once: a trace replayed again writes nothing, since
-- its seconds are found in cpu_1s.  Once retention (or the size budget)
-- had pruned them, nothing said they had been stored, and a trace
-- replayed again was added to the minutes, hours, days and weeks a second
-- time.  seconds_stored holds each stretch of consecutive seconds stored
-- (in whole or in part): its first and last second.  The daemon extends
-- it in the transaction of each second it writes, and never prunes it (a
-- row per stretch: one per daemon start or trace replayed, not per
-- second).  A second missing from cpu_1s, older than the newest stored,
-- inside a stretch, was stored and pruned since: it is left as it is; at
-- a stretch's first or last second, which a trace that began or ended in
-- it may have stored only in part, it is counted as overlapping.
--
-- Here it is made from the seconds cpu_1s still holds; what was pruned
-- before this version is not known.

CREATE TABLE seconds_stored (
    first_t INTEGER PRIMARY KEY,   -- first second of the stretch
    last_t  INTEGER NOT NULL       -- its last second, inclusive
);

INSERT INTO seconds_stored (first_t, last_t)
SELECT min(t), max(t)
FROM (SELECT t, t - row_number() OVER (ORDER BY t) AS stretch
      FROM (SELECT DISTINCT t FROM cpu_1s))
GROUP BY stretch;
