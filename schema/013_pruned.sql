-- xenmon database: what the size budget pruned.
--
-- xenbaked --max-size keeps the database within a size: when it is
-- reached, the oldest rows of the finest tier go first (seconds, then
-- minutes, hours last), before their age would have put them out of
-- retention.  Unlike table gap (003_reliability.sql), whose seconds are
-- missing from every table, a range here is missing from one tier only:
-- the coarser tiers still hold it, rolled up.  Readers show these ranges
-- so that seconds pruned for space are never mistaken for seconds never
-- recorded.  A range pruned in many small steps is one row, extended.

CREATE TABLE pruned (
    tier    TEXT NOT NULL,      -- its sample table: 'sample_1s', 'sample_1m',
                                -- 'sample_1h' (metrics_tiers[])
    first_t INTEGER NOT NULL,   -- first second of the range (Unix seconds)
    last_t  INTEGER NOT NULL,   -- last second of the range, inclusive
    reason  TEXT NOT NULL,      -- 'size budget'
    run_id  INTEGER,            -- run.id of the daemon that pruned them
    PRIMARY KEY (tier, first_t)
) WITHOUT ROWID;
