#!/usr/bin/env python3
"""docs/metrics.md against the database the daemon creates (TAP).

    test_metrics_doc.py --sim SIM --bake XENBAKED --doc docs/metrics.md

Every rule of the contract's tables names the column that stores it as
`table.column` in its "column" cell.  Each name must be a column of a
freshly created database (PRAGMA table_info, which views answer too), and
each column of the per-second and roll-up tables must have its rule, so
that neither the page nor the schema changes without the other.
"""
import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402

# Their every column but the key has a rule; the one-hour and one-day
# tables have the one-minute tables' columns ("the same in").
DOCUMENTED = ('sample_1s', 'cpu_1s', 'cpu_1s_part', 'sample_1m', 'cpu_1m',
              'sample_cpu_1m')
SAME = (('sample_1h', 'sample_1m'), ('cpu_1h', 'cpu_1m'),
        ('sample_cpu_1h', 'sample_cpu_1m'), ('sample_1d', 'sample_1m'),
        ('cpu_1d', 'cpu_1m'), ('sample_cpu_1d', 'sample_cpu_1m'))
KEYS = {'t', 'cpu', 'domid'}
NAME = re.compile(r'`(\w+)\.(\w+)`')


def cells(line):
    return [c.strip() for c in line.strip().strip('|').split('|')]


def doc_columns(path):
    """[(table, column, the rule's metric)] of every table whose header has
    a 'column' cell."""
    out, col = [], None
    for line in open(path):
        if not line.startswith('|'):
            col = None
            continue
        row = cells(line)
        if col is None:
            col = row.index('column') if 'column' in row else -1
            continue
        if col < 0 or set(''.join(row)) <= set('-: '):
            continue
        out += [(t, c, row[0]) for t, c in NAME.findall(row[col])]
    return out


def fresh_db(tmp, sim, bake):
    trace, db = os.path.join(tmp, 't.bin'), os.path.join(tmp, 'x.db')
    subprocess.run([sim, '--cpus', '1', '--domains', '1', '--seconds', '2',
                    '-o', trace], check=True, capture_output=True)
    subprocess.run([bake, '--input', trace, '--db', db, '--quiet'], check=True,
                   capture_output=True)
    return sqlite3.connect(db)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--doc', required=True)
    a = ap.parse_args()
    named = doc_columns(a.doc)
    results = [('the contract names %d columns' % len(named), len(named) >= 40,
                'a table with a "column" header and `table.column` names')]
    with tempfile.TemporaryDirectory(prefix='xenmon-doc-') as tmp:
        con = fresh_db(tmp, a.sim, a.bake)

        def columns(table):
            return [r[1] for r in con.execute('PRAGMA table_info(%s)' % table)]

        for table, column, metric in named:
            results.append(('%s: %s.%s exists' % (metric, table, column),
                            column in columns(table),
                            '%s has %s' % (table, columns(table))))
        said = {(t, c) for t, c, _ in named}
        for table in DOCUMENTED:
            missing = [c for c in columns(table)
                       if c not in KEYS and (table, c) not in said]
            results.append(('every column of %s has its rule' % table,
                            columns(table) and not missing,
                            'no rule for %s' % missing))
        for table, like in SAME:
            results.append(('%s has the columns of %s' % (table, like),
                            columns(table) == columns(like),
                            '%s vs %s' % (columns(table), columns(like))))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
