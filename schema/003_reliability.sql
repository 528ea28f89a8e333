-- xenmon database, schema version 3: what could not be stored, and how the
-- writes kept up.
--
-- A second the daemon had to drop (its disk stayed full longer than its
-- in-memory backlog lasts) is missing from every table; table gap says so,
-- so that a missing second is never mistaken for an idle one.  Ranges are
-- written once space returns.

CREATE TABLE gap (
    first_t INTEGER NOT NULL,   -- first second of the range (Unix seconds)
    last_t  INTEGER NOT NULL,   -- last second of the range, inclusive
    seconds INTEGER NOT NULL,   -- seconds of the range that were dropped
    reason  TEXT NOT NULL,      -- 'disk full'
    run_id  INTEGER,            -- run.id of the daemon that dropped them
    PRIMARY KEY (first_t)
) WITHOUT ROWID;

ALTER TABLE run ADD COLUMN seconds_dropped INTEGER;  -- lost to a full disk
ALTER TABLE run ADD COLUMN max_write_ms REAL;        -- longest one-second
                                                     -- transaction
ALTER TABLE run ADD COLUMN wal_peak_bytes INTEGER;   -- largest WAL file seen
ALTER TABLE run ADD COLUMN max_lag_ms REAL;          -- live or stream: worst
                                                     -- delay from a second's
                                                     -- end to its commit
