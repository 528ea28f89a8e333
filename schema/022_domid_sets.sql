-- xenmon database: a second's domain ids written once, not every second.
--
-- A row of sample_dom_1s_packed (017) holds the second's domids as a
-- packed column: a byte or two per domain every second, though a host's
-- domains change a few times a day.  On the history benchmark's 64-CPU,
-- 200-domain host that is 200 of a row's 2080 bytes, and the bytes that
-- keep a row from fitting four to an 8 KiB page (three fill 76% of it).
-- The daemon now writes each set of domids once, as a row of
-- sample_dom_1s_domids, and a second's row names it: domid_w -1 and
-- domid_base its id, domid an empty BLOB.  The id is a hash of the set
-- (the next free one on a collision), so that the same seconds make the
-- same rows whichever runs wrote them; a set is deleted once no second
-- names it (retention, a second rewritten), found by the partial index
-- below.  Rows written before this version keep their own domids.
--
-- sample_dom_1s_rows is sample_dom_1s_packed with each row's domid
-- columns, from either table; sample_dom_1s_all decodes it as before.

CREATE TABLE sample_dom_1s_domids (
    id         INTEGER PRIMARY KEY,
    domid      BLOB NOT NULL,
    domid_base INTEGER NOT NULL,
    domid_w    INTEGER NOT NULL
);

CREATE INDEX sample_dom_1s_packed_domids ON sample_dom_1s_packed (domid_base)
 WHERE domid_w < 0;

DROP VIEW sample_dom_1s_all;

CREATE VIEW sample_dom_1s_rows AS
SELECT p.t, p.n,
       coalesce(d.domid, p.domid) AS domid,
       coalesce(d.domid_base, p.domid_base) AS domid_base,
       coalesce(d.domid_w, p.domid_w) AS domid_w,
       p.exec_count, p.exec_count_base, p.exec_count_w,
       p.cpu_ns, p.cpu_ns_base, p.cpu_ns_w,
       p.wait_ns, p.wait_ns_base, p.wait_ns_w,
       p.blocked_ns, p.blocked_ns_base, p.blocked_ns_w,
       p.alloc_ns, p.alloc_ns_base, p.alloc_ns_w,
       p.alloc_min_ns, p.alloc_min_ns_base, p.alloc_min_ns_w,
       p.alloc_max_ns, p.alloc_max_ns_base, p.alloc_max_ns_w,
       p.alloc_unbounded, p.alloc_unbounded_base, p.alloc_unbounded_w,
       p.io_count, p.io_count_base, p.io_count_w,
       p.io_bytes, p.io_bytes_base, p.io_bytes_w
  FROM sample_dom_1s_packed p
  LEFT JOIN sample_dom_1s_domids d
    ON p.domid_w < 0 AND d.id = p.domid_base;

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
  FROM sample_dom_1s_rows p
  JOIN sample_dom_1s_slot s ON s.i < p.n
  JOIN sample_dom_1s_byte b;
