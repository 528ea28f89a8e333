#!/usr/bin/env python3
"""Compaction at the end of a replay, on real SQLite files.  Output is TAP.

  * a file replayed whole into a new database: the summary says so, the
    file shrinks, its one-second table's pages are full, the rows are the
    truth's and the WAL is folded back;
  * the same trace into a database that already had seconds: not compacted
    (pages left ~88% full), and every table holds the same rows as the
    compacted one;
  * no room for VACUUM's copy (a real tmpfs, so it needs root; CI runs as
    root): exit 0, a message that names the database and says it is whole,
    integrity_check ok, every second exact.

    compact.py --sim SIM --bake XENBAKED
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import report  # noqa: E402
from tmpfs import tmpfs  # noqa: E402

COMPARE = os.path.join(HERE, '..', 'golden', 'compare.py')
START = '1700000000'


def leaf_fill(db):
    """How full sample_1s's leaf pages are, from dbstat."""
    con = sqlite3.connect(db)
    used, size = con.execute(
        "SELECT sum(pgsize - unused), sum(pgsize) FROM dbstat"
        " WHERE name = 'sample_1s' AND pagetype = 'leaf'").fetchone()
    con.close()
    return used / size


def rows(db):
    """Every table but the per-run ones, histograms as parsed JSON."""
    con = sqlite3.connect(db)
    out = {}
    for (t,) in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"
                            " AND name NOT IN ('run', 'meta')"):
        out[t] = sorted((tuple(json.loads(v) if isinstance(v, str) and v.startswith('{')
                               else v for v in r)
                         for r in con.execute('SELECT * FROM "%s"' % t)), key=repr)
    con.close()
    return out


def exact(db, truth):
    c = subprocess.run([sys.executable, COMPARE, '--db', db, '--truth', truth],
                       capture_output=True, text=True)
    return c.returncode == 0, c.stdout[-400:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    a = ap.parse_args()
    results = []
    tmp = tempfile.mkdtemp(prefix='xenmon-compact-')
    try:
        # Many mostly idle domains: a database of ~15 MB from a 3 MB trace,
        # bigger than the WAL's 8 MB, so VACUUM's copy must grow it.
        trace, truth = tmp + '/t.bin', tmp + '/truth'
        subprocess.run([a.sim, '--cpus', '4', '--domains', '1000', '--vcpus', '2',
                        '--seconds', '240', '--workload', 'periodic', '--rate', '0.01',
                        '--seed', '3', '-o', trace, '--truth', truth],
                       check=True, capture_output=True)

        def bake(db, *extra):
            return subprocess.run([a.bake, '--input', trace, '--db', db, '--cpu-mhz',
                                   '2400', '--start-time', START] + list(extra),
                                  capture_output=True, text=True)

        fresh = os.path.join(tmp, 'fresh.db')
        r = bake(fresh)
        line = [x for x in r.stdout.splitlines() if x.startswith('database')]
        results.append(('a new database is compacted at the end, and the summary says so',
                        r.returncode == 0 and len(line) == 1 and 'compacted from' in line[0],
                        'exit %d\n%s%s' % (r.returncode, r.stdout, r.stderr)))
        # before anything else opens it: the last connection to close
        # would fold the WAL back itself
        wal = os.path.getsize(fresh + '-wal') if os.path.exists(fresh + '-wal') else -1
        results.append(('compacted: the WAL is folded back into the database',
                        wal == 0, '%d bytes' % wal))
        fill = leaf_fill(fresh)
        results.append(('compacted: sample_1s leaf pages at least 97%% full (%.1f%%)'
                        % (100 * fill), fill >= 0.97, ''))
        ok, detail = exact(fresh, truth)
        results.append(('compacted: every second exact', ok, detail))

        # Seconds stored before: a replay cut short (exit 1), then the whole
        # trace, which only adds to it and so leaves it as written.
        grown = os.path.join(tmp, 'grown.db')
        cut = tmp + '/cut.bin'
        with open(trace, 'rb') as f, open(cut, 'wb') as g:
            g.write(f.read(os.path.getsize(trace) // 3))
        r1 = subprocess.run([a.bake, '--input', cut, '--db', grown, '--cpu-mhz', '2400',
                             '--start-time', START, '--quiet'], capture_output=True, text=True)
        r2 = bake(grown)
        fill = leaf_fill(grown)
        results.append(('a database with seconds before is not compacted (%.1f%% full)'
                        % (100 * fill),
                        r1.returncode == 1 and r2.returncode == 0 and
                        'compacted' not in r2.stdout and fill < 0.93,
                        'exit %d, %d\n%s%s' % (r1.returncode, r2.returncode, r2.stdout,
                                              r1.stderr + r2.stderr)))
        before, after = rows(grown), rows(fresh)
        results.append(('compaction changes no row of any table (%d tables)' % len(after),
                        before == after and len(after) >= 8,
                        str([t for t in after if before.get(t) != after[t]])))
        results.append(('compacted file smaller than the uncompacted one by 8%% or more '
                        '(%d vs %d bytes)' % (os.path.getsize(fresh), os.path.getsize(grown)),
                        os.path.getsize(fresh) <= 0.92 * os.path.getsize(grown), ''))

        # The replay fits (~15 MB + its 8 MB WAL); VACUUM's copy in the WAL
        # does not.
        mnt = os.path.join(tmp, 'small')
        with tmpfs(mnt, 26) as why:
            if why:
                results.append((why, False, ''))
                return report(results)
            small = os.path.join(mnt, 'x.db')
            r = bake(small)
            results.append(('no room to compact: exit 0, the database named and said whole',
                            r.returncode == 0 and small in r.stderr and
                            'not compacted, the database is whole' in r.stderr and
                            'compacted' not in r.stdout,
                            'exit %d\n%s%s' % (r.returncode, r.stdout, r.stderr)))
            ic = subprocess.run(['sqlite3', small, 'PRAGMA integrity_check;'],
                                capture_output=True, text=True)
            results.append(('no room to compact: integrity_check ok',
                            ic.stdout.strip() == 'ok', ic.stdout + ic.stderr))
            ok, detail = exact(small, truth)
            results.append(('no room to compact: every second exact', ok, detail))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
