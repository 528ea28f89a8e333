#!/usr/bin/env python3
"""Invariant 4: a second is written once, whole, in one transaction; a
reader never sees half of one.  Output is TAP.

    readers.py --sim SIM --bake XENBAKED

A simulated trace is replayed with --realtime (one second per second) while
this process reads the database as fast as it can, each time in one read
transaction: every second it ever sees must already have all the rows it has
at the end, and the writer must never make a read fail.
"""
import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    a = ap.parse_args()
    checks = []
    with tempfile.TemporaryDirectory(prefix='xenmon-readers-') as tmp:
        trace, db = tmp + '/t.bin', tmp + '/x.db'
        subprocess.run([a.sim, '--cpus', '4', '--domains', '12', '--vcpus', '2',
                        '--seconds', '6', '--seed', '3', '-o', trace], check=True)
        bake = subprocess.Popen([a.bake, '--input', trace, '--db', db, '--cpu-mhz',
                                 '2400', '--start-time', '1700000000', '--realtime',
                                 '--quiet'])
        seen = {}          # t -> (cpu rows, sample rows) when first seen
        reads = errors = 0
        while bake.poll() is None:
            if not os.path.exists(db):
                time.sleep(0.01)
                continue
            try:
                con = sqlite3.connect('file:%s?mode=ro' % db, uri=True, timeout=1)
                con.execute('BEGIN')
                cpu = dict(con.execute('SELECT t, count(*) FROM cpu_1s GROUP BY t'))
                smp = dict(con.execute('SELECT t, count(*) FROM sample_1s GROUP BY t'))
                con.execute('COMMIT')
                con.close()
                reads += 1
                for t, n in cpu.items():
                    seen.setdefault(t, (n, smp.get(t, 0)))
            except sqlite3.OperationalError as e:
                if 'no such table' not in str(e):
                    errors += 1
                    print('# read failed: %s' % e)
        checks.append(('xenbaked exits 0', bake.returncode == 0, ''))
        con = sqlite3.connect(db)
        final_cpu = dict(con.execute('SELECT t, count(*) FROM cpu_1s GROUP BY t'))
        final_smp = dict(con.execute('SELECT t, count(*) FROM sample_1s GROUP BY t'))
        integrity = con.execute('PRAGMA integrity_check').fetchone()[0]
        con.close()
        torn = [t for t, (c, s) in seen.items()
                if c != final_cpu.get(t) or s != final_smp.get(t)]
        checks.append(('reader saw %d seconds in %d reads while they were written'
                       % (len(seen), reads), len(seen) >= 4 and reads > 20, ''))
        checks.append(('no second was ever seen partly written', not torn,
                       'torn seconds: %s' % torn[:5]))
        checks.append(('no read failed while the daemon wrote', errors == 0, ''))
        checks.append(('integrity_check ok', integrity == 'ok', integrity))
    return report(checks)


if __name__ == '__main__':
    sys.exit(main())
