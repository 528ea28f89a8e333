-- xenmon database: a week of per-domain seconds in a small file.
--
-- sample_dom_1s (015) holds a row per (second, domain): about 48 bytes as
-- appended, of which the key, the record header and the cell are a third
-- and most values are wider than the second's spread of them, so a week
-- of a 16-CPU, 50-domain host's seconds was 1.7 GB.  The daemon now writes
-- a second's per-domain rows as one row of sample_dom_1s_packed: rowid t,
-- n domains, and per column C of sample_dom_1s a BLOB C of the n values in
-- domid order, each C_w % 9 bytes wide above the second's least value
-- C_base (schema/packed.h has the layout); rowid appends fill every page.
-- The idle domain's second stays a row of sample_dom_1s: its figures (the
-- host's idle time, no bounded slice) are so far from a guest's that in
-- the packed columns they would double every guest's width.
--
-- sample_dom_1s keeps its rows and its trigger: a database's seconds from
-- before this version stay there until retention prunes them, and a
-- writer other than the daemon that inserts into sample_1s (a script, a
-- test) still gets its sums there.  sample_dom_1s_all is every per-domain
-- second, either table's, with sample_dom_1s's columns; domain_1s reads
-- it.  It decodes the packed columns in plain SQL (hex() and instr()), so
-- the sqlite3 shell needs nothing of ours; xenmon's own programs read the
-- same rows through a C function on their connection (schema.c).  The
-- decoding below, printed by schema/packed_views.py, is one block per
-- column, all alike: with w = C_w % 9 and
-- nl = C_w / 9, o is the w bytes of value i, big-endian (a byte's value is
-- its position in sample_dom_1s_byte's BLOB of 256 bytes, less one), and the value
-- is NULL if nl and o = 0, else C_base + o - nl.
--
-- sample_dom_1s_slot holds 0, 1, 2 ...: the positions of a second's
-- domains, as many as the widest second has (the writer adds more).

CREATE TABLE sample_dom_1s_packed (
    t                    INTEGER PRIMARY KEY,
    n                    INTEGER NOT NULL,
    domid                BLOB NOT NULL,
    domid_base           INTEGER NOT NULL,
    domid_w              INTEGER NOT NULL,
    exec_count           BLOB NOT NULL,
    exec_count_base      INTEGER NOT NULL,
    exec_count_w         INTEGER NOT NULL,
    cpu_ns               BLOB NOT NULL,
    cpu_ns_base          INTEGER NOT NULL,
    cpu_ns_w             INTEGER NOT NULL,
    wait_ns              BLOB NOT NULL,
    wait_ns_base         INTEGER NOT NULL,
    wait_ns_w            INTEGER NOT NULL,
    blocked_ns           BLOB NOT NULL,
    blocked_ns_base      INTEGER NOT NULL,
    blocked_ns_w         INTEGER NOT NULL,
    alloc_ns             BLOB NOT NULL,
    alloc_ns_base        INTEGER NOT NULL,
    alloc_ns_w           INTEGER NOT NULL,
    alloc_min_ns         BLOB NOT NULL,
    alloc_min_ns_base    INTEGER NOT NULL,
    alloc_min_ns_w       INTEGER NOT NULL,
    alloc_max_ns         BLOB NOT NULL,
    alloc_max_ns_base    INTEGER NOT NULL,
    alloc_max_ns_w       INTEGER NOT NULL,
    alloc_unbounded      BLOB NOT NULL,
    alloc_unbounded_base INTEGER NOT NULL,
    alloc_unbounded_w    INTEGER NOT NULL,
    io_count             BLOB NOT NULL,
    io_count_base        INTEGER NOT NULL,
    io_count_w           INTEGER NOT NULL,
    io_bytes             BLOB NOT NULL,
    io_bytes_base        INTEGER NOT NULL,
    io_bytes_w           INTEGER NOT NULL
);

CREATE TABLE sample_dom_1s_slot (i INTEGER PRIMARY KEY);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 1023)
INSERT INTO sample_dom_1s_slot (i) SELECT i FROM s;

CREATE TABLE sample_dom_1s_byte (k BLOB NOT NULL);
INSERT INTO sample_dom_1s_byte (k) VALUES
    (CAST(x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f'
  || x'404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f'
  || x'808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf'
  || x'c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff' AS BLOB));

CREATE VIEW sample_dom_1s_all AS
SELECT t, domid, exec_count, cpu_ns, wait_ns, blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns, alloc_unbounded, io_count, io_bytes
  FROM sample_dom_1s
UNION ALL
SELECT p.t,
       p.domid_base - p.domid_w / 9 + nullif(
                    CASE WHEN p.domid_w % 9 > 0 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 1, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 1 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 2, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 2 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 3, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 3 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 4, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 4 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 5, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 5 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 6, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 6 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 7, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.domid_w % 9 > 7 THEN (instr(b.k, substr(p.domid, s.i * (p.domid_w % 9) + 8, 1)) - 1)
                    << 8 * (p.domid_w % 9 - 8) ELSE 0 END,
                  p.domid_w / 9 - 1) AS domid,
       p.exec_count_base - p.exec_count_w / 9 + nullif(
                    CASE WHEN p.exec_count_w % 9 > 0 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 1, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 1 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 2, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 2 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 3, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 3 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 4, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 4 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 5, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 5 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 6, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 6 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 7, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.exec_count_w % 9 > 7 THEN (instr(b.k, substr(p.exec_count, s.i * (p.exec_count_w % 9) + 8, 1)) - 1)
                    << 8 * (p.exec_count_w % 9 - 8) ELSE 0 END,
                  p.exec_count_w / 9 - 1) AS exec_count,
       p.cpu_ns_base - p.cpu_ns_w / 9 + nullif(
                    CASE WHEN p.cpu_ns_w % 9 > 0 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 1 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 2 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 3 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 4 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 5 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 6 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.cpu_ns_w % 9 > 7 THEN (instr(b.k, substr(p.cpu_ns, s.i * (p.cpu_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.cpu_ns_w % 9 - 8) ELSE 0 END,
                  p.cpu_ns_w / 9 - 1) AS cpu_ns,
       p.wait_ns_base - p.wait_ns_w / 9 + nullif(
                    CASE WHEN p.wait_ns_w % 9 > 0 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 1 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 2 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 3 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 4 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 5 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 6 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.wait_ns_w % 9 > 7 THEN (instr(b.k, substr(p.wait_ns, s.i * (p.wait_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.wait_ns_w % 9 - 8) ELSE 0 END,
                  p.wait_ns_w / 9 - 1) AS wait_ns,
       p.blocked_ns_base - p.blocked_ns_w / 9 + nullif(
                    CASE WHEN p.blocked_ns_w % 9 > 0 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 1 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 2 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 3 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 4 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 5 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 6 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.blocked_ns_w % 9 > 7 THEN (instr(b.k, substr(p.blocked_ns, s.i * (p.blocked_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.blocked_ns_w % 9 - 8) ELSE 0 END,
                  p.blocked_ns_w / 9 - 1) AS blocked_ns,
       p.alloc_ns_base - p.alloc_ns_w / 9 + nullif(
                    CASE WHEN p.alloc_ns_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_ns_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_ns, s.i * (p.alloc_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_ns_w % 9 - 8) ELSE 0 END,
                  p.alloc_ns_w / 9 - 1) AS alloc_ns,
       p.alloc_min_ns_base - p.alloc_min_ns_w / 9 + nullif(
                    CASE WHEN p.alloc_min_ns_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_min_ns_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_min_ns, s.i * (p.alloc_min_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_min_ns_w % 9 - 8) ELSE 0 END,
                  p.alloc_min_ns_w / 9 - 1) AS alloc_min_ns,
       p.alloc_max_ns_base - p.alloc_max_ns_w / 9 + nullif(
                    CASE WHEN p.alloc_max_ns_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_max_ns_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_max_ns, s.i * (p.alloc_max_ns_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_max_ns_w % 9 - 8) ELSE 0 END,
                  p.alloc_max_ns_w / 9 - 1) AS alloc_max_ns,
       p.alloc_unbounded_base - p.alloc_unbounded_w / 9 + nullif(
                    CASE WHEN p.alloc_unbounded_w % 9 > 0 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 1, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 1 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 2, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 2 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 3, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 3 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 4, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 4 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 5, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 5 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 6, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 6 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 7, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.alloc_unbounded_w % 9 > 7 THEN (instr(b.k, substr(p.alloc_unbounded, s.i * (p.alloc_unbounded_w % 9) + 8, 1)) - 1)
                    << 8 * (p.alloc_unbounded_w % 9 - 8) ELSE 0 END,
                  p.alloc_unbounded_w / 9 - 1) AS alloc_unbounded,
       p.io_count_base - p.io_count_w / 9 + nullif(
                    CASE WHEN p.io_count_w % 9 > 0 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 1, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 1 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 2, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 2 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 3, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 3 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 4, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 4 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 5, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 5 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 6, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 6 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 7, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.io_count_w % 9 > 7 THEN (instr(b.k, substr(p.io_count, s.i * (p.io_count_w % 9) + 8, 1)) - 1)
                    << 8 * (p.io_count_w % 9 - 8) ELSE 0 END,
                  p.io_count_w / 9 - 1) AS io_count,
       p.io_bytes_base - p.io_bytes_w / 9 + nullif(
                    CASE WHEN p.io_bytes_w % 9 > 0 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 1, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 1) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 1 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 2, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 2) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 2 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 3, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 3) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 3 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 4, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 4) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 4 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 5, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 5) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 5 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 6, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 6) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 6 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 7, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 7) ELSE 0 END
                  + CASE WHEN p.io_bytes_w % 9 > 7 THEN (instr(b.k, substr(p.io_bytes, s.i * (p.io_bytes_w % 9) + 8, 1)) - 1)
                    << 8 * (p.io_bytes_w % 9 - 8) ELSE 0 END,
                  p.io_bytes_w / 9 - 1) AS io_bytes
  FROM sample_dom_1s_packed p
  JOIN sample_dom_1s_slot s ON s.i < p.n
  JOIN sample_dom_1s_byte b;

DROP VIEW domain_1s;
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
               (SELECT sum(c.observed_ns) / count(*) FROM cpu_1s c
                 WHERE c.t = s.t)                    AS observed_ns
          FROM sample_dom_1s_all s) r;
