-- xenmon database: per-CPU roll-ups of the samples.
--
-- The minute and hour rows of sample_1m / sample_1h are per domain, summed
-- over physical CPUs (002_history.sql says why), so the viewer's per-CPU
-- view of a long range had to read every second of it.  These tables keep,
-- per (minute or hour, physical CPU, domain), the sums of sample_1s's
-- columns (min of mins, max of maxes), and nothing else: no peak and no
-- histogram, which are what makes a sample_1m row large.  With cpu_1m and
-- cpu_1h (the CPU's observed time, lost records) they give a CPU's figures
-- over any whole minute or hour exactly as its seconds would.
--
--   seconds   seconds of the step with a sample_1s row of (cpu, domain)
--
-- The daemon rolls them up once a minute, behind the hours' watermark
-- (meta 'rollup_1h_upto'): every stored second before it is in these
-- tables, none after it.  Retention prunes them with their tier.
--
-- A database that already has seconds is rolled up by the daemon when it
-- first opens it after this migration, hour by hour from the seconds
-- stored: meta 'cpu_rollup_backfill' is the next second to roll up and
-- 'cpu_rollup_backfill_end' the first one not to (the seconds from there
-- on are rolled up behind the watermark as usual).  Seconds pruned before
-- this migration cannot be rolled up: meta 'cpu_rollup_since' is the
-- oldest second these tables can hold (absent: all of them).

CREATE TABLE sample_cpu_1m (
    t               INTEGER NOT NULL,   -- start of the minute
    cpu             INTEGER NOT NULL,
    domid           INTEGER NOT NULL,
    seconds         INTEGER NOT NULL,
    exec_count      INTEGER NOT NULL,
    cpu_ns          INTEGER NOT NULL,
    wait_ns         INTEGER NOT NULL,
    blocked_ns      INTEGER NOT NULL,
    alloc_ns        INTEGER NOT NULL,
    alloc_min_ns    INTEGER,
    alloc_max_ns    INTEGER,
    alloc_unbounded INTEGER NOT NULL,
    io_count        INTEGER NOT NULL,
    PRIMARY KEY (t, cpu, domid)
) WITHOUT ROWID;

CREATE TABLE sample_cpu_1h (
    t               INTEGER NOT NULL,   -- start of the hour
    cpu             INTEGER NOT NULL,
    domid           INTEGER NOT NULL,
    seconds         INTEGER NOT NULL,
    exec_count      INTEGER NOT NULL,
    cpu_ns          INTEGER NOT NULL,
    wait_ns         INTEGER NOT NULL,
    blocked_ns      INTEGER NOT NULL,
    alloc_ns        INTEGER NOT NULL,
    alloc_min_ns    INTEGER,
    alloc_max_ns    INTEGER,
    alloc_unbounded INTEGER NOT NULL,
    io_count        INTEGER NOT NULL,
    PRIMARY KEY (t, cpu, domid)
) WITHOUT ROWID;

-- The seconds stored, up to what the watermark (or, in a database of
-- schema 1 still being back-filled, that back-fill) will roll up anyway.
INSERT INTO meta (key, value)
SELECT 'cpu_rollup_since', min(t) FROM cpu_1s HAVING count(*) > 0;
INSERT INTO meta (key, value)
SELECT 'cpu_rollup_backfill', min(t) FROM cpu_1s HAVING count(*) > 0;
INSERT INTO meta (key, value)
SELECT 'cpu_rollup_backfill_end',
       coalesce((SELECT CASE value WHEN 'pending' THEN min(c.t)
                                   ELSE CAST(value AS INTEGER) END
                   FROM meta WHERE key = 'history_backfill'),
                (SELECT CAST(value AS INTEGER) FROM meta
                  WHERE key = 'rollup_1h_upto'),
                max(c.t) + 1)
  FROM cpu_1s c HAVING count(*) > 0;
