#!/usr/bin/env python3
"""The plain-SQL decoders of the packed tables' views, as 019, 021, 022
and 023 have them (schema/packed.h has the layout): what a migration that
adds a metric (docs/metrics.md) pastes in when it redefines
sample_dom_1s_rows and sample_dom_1s_all, sample_1m_all and sample_1h_all,
or cpu_1s_unpacked, cpu_1m_unpacked and cpu_1h_unpacked with the new
column.

    packed_views.py seconds|rollups [METRIC ...]
    packed_views.py cpu|cpu-rollups [COLUMN ...]

METRIC: the metric columns after alloc_unbounded, io_count and io_bytes
(those migrations have none); COLUMN: the CPU columns after
malformed_records (021 has none).  Prints the CREATE TABLE and CREATE VIEW
statements.  Released migrations are never regenerated."""
import sys

BASE = ['domid', 'exec_count', 'cpu_ns', 'wait_ns', 'blocked_ns', 'alloc_ns',
        'alloc_min_ns', 'alloc_max_ns', 'alloc_unbounded', 'io_count', 'io_bytes']


def value(c, i):
    """Value I of packed column C (alias p), big-endian, byte by byte: a
    byte's value is its place in sample_dom_1s_byte's BLOB (alias b)."""
    w = 'p.%s_w %% 9' % c
    terms = ['CASE WHEN %s > %d THEN (instr(b.k, substr(p.%s, %s * (%s) + %d, 1)) - 1)\n'
             '                    << 8 * (%s - %d) ELSE 0 END' % (w, k, c, i, w, k + 1, w, k + 1)
             for k in range(8)]
    return '\n                  + '.join(terms)


def decoded(c, i='s.i'):
    """NULL where the column has NULLs (C_w >= 9) and the value is 0."""
    return ('p.%s_base - p.%s_w / 9 + nullif(\n                    %s,\n'
            '                  p.%s_w / 9 - 1)') % (c, c, value(c, i), c)


def table(name, cols, hist):
    out = 'CREATE TABLE %s (\n    t                      INTEGER PRIMARY KEY,\n' \
          '    n                      INTEGER NOT NULL' % name
    for c in cols:
        out += ',\n    %-22s BLOB NOT NULL,\n    %-22s INTEGER NOT NULL,\n' \
               '    %-22s INTEGER NOT NULL' % (c, c + '_base', c + '_w')
    if hist:
        out += ',\n    %-22s BLOB NOT NULL' % 'cpu_pct_hist'
    return out + '\n);\n'


def view(name, plain, packed, order):
    out = 'CREATE VIEW %s AS\nSELECT t, %s\n  FROM %s\nUNION ALL\nSELECT p.t,\n' % (
        name, ', '.join(order), plain)
    parts = []
    for c in order:
        if c == 'cpu_pct_hist':
            start = 'CASE WHEN s.i = 0 THEN 0 ELSE\n       %s END' % decoded('cpu_pct_hist_end', '(s.i - 1)')
            parts.append('       substr(substr(p.cpu_pct_hist, 1,\n       %s),\n       (%s) + 1)'
                         ' AS cpu_pct_hist' % (decoded('cpu_pct_hist_end'), start))
        else:
            parts.append('       %s AS %s' % (decoded(c), c))
    return out + ',\n'.join(parts) + '\n  FROM %s p\n  JOIN sample_dom_1s_slot s ON s.i < p.n\n' \
        '  JOIN sample_dom_1s_byte b;\n' % packed


def rows_view(cols):
    """sample_dom_1s_packed's rows with their domids (022): those of
    sample_dom_1s_domids for a row whose domid_w is -1."""
    out = 'CREATE VIEW sample_dom_1s_rows AS\nSELECT p.t, p.n,\n'
    out += ',\n'.join('       coalesce(d.%s, p.%s) AS %s' % (c, c, c)
                       for c in ('domid', 'domid_base', 'domid_w'))
    for c in cols[1:]:
        out += ',\n       p.%s, p.%s_base, p.%s_w' % (c, c, c)
    return out + '\n  FROM sample_dom_1s_packed p\n  LEFT JOIN sample_dom_1s_domids d' \
        '\n    ON p.domid_w < 0 AND d.id = p.domid_base;\n'


CPU = ['cpu', 'observed_ns', 'sched_ns', 'lost_records', 'malformed_records']
CPU_ROLLUP = ['cpu', 'seconds', 'observed_ns', 'sched_ns', 'busy_ns', 'lost_records',
              'malformed_records']


def unpacked(name, packed, cols):
    """The packed rows of PACKED alone, decoded: one row per slot."""
    return 'CREATE VIEW %s AS\nSELECT p.t,\n%s\n  FROM %s p\n' \
        '  JOIN sample_dom_1s_slot s ON s.i < p.n\n  JOIN sample_dom_1s_byte b;\n' % (
            name, ',\n'.join('       %s AS %s' % (decoded(c), c) for c in cols), packed)


def main():
    what, extra = sys.argv[1], sys.argv[2:]
    if what == 'cpu':
        print(table('cpu_1s_packed', CPU + extra, False))
        print(unpacked('cpu_1s_unpacked', 'cpu_1s_packed', CPU + extra))
        return
    if what == 'cpu-rollups':
        for t in ('cpu_1m', 'cpu_1h'):
            print(table(t + '_packed', CPU_ROLLUP + extra, False))
            print(unpacked(t + '_unpacked', t + '_packed', CPU_ROLLUP + extra))
        return
    cols = BASE + extra
    if what == 'seconds':
        print(table('sample_dom_1s_packed', cols, False))
        print(rows_view(cols))
        print(view('sample_dom_1s_all', 'sample_dom_1s', 'sample_dom_1s_rows', cols))
    else:
        roll = cols[:1] + ['seconds'] + cols[1:] + ['cpu_peak_ns']
        order = roll + ['cpu_pct_hist']
        for t in ('sample_1m', 'sample_1h'):
            print(table(t + '_packed', roll + ['cpu_pct_hist_end'], True))
        for t in ('sample_1m', 'sample_1h'):
            print(view(t + '_all', t, t + '_packed', order))


if __name__ == '__main__':
    main()
