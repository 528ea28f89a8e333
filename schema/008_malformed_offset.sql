-- xenmon database: where a run met its first malformed record.
--
-- run.malformed counts the records of a damaged trace that no Xen writes
-- (006_malformed.sql); run.first_malformed_offset is the byte offset in the
-- input of the first of them, the place to look with a hex dump, as the
-- summary prints it.  NULL when the run met none, and for runs before this
-- version.

ALTER TABLE run ADD COLUMN first_malformed_offset INTEGER;
