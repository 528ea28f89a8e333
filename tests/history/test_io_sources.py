#!/usr/bin/env python3
"""Issue 17: which I/O the traces showed (meta io_sources), and the readers'
rule (docs/metrics.md, "I/O sources"): a database whose traces had no I/O
record of any kind shows I/O as unavailable, never as 0; one with grant
records (stock Xen's) or the patched Xen's records shows the figures.  The
I/O bytes are unavailable unless the traces had grant copies (the patched
Xen's): stock Xen's zero would say nothing was copied.
Output is TAP.

    test_io_sources.py SIM XENBAKED XENMON_EXPORT XENMON
"""
import csv
import io
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402

SIM, BAKE, EXPORT, VIEWER = sys.argv[1:5]
START = 1700000000
# name: (simulator arguments, io_sources wanted)
CASES = {
    'no I/O': (['--workload', 'cpu'], ''),
    'stock Xen': (['--workload', 'io'], 'grant-map'),
    'patched Xen': (['--workload', 'io', '--io-records', 'patched'],
                    'grant-map,grant-copy,evtchn'),
}


def bake(tmp, name, args, db=None, start=START):
    trace = os.path.join(tmp, name + '.bin')
    db = db or os.path.join(tmp, name + '.db')
    subprocess.run([SIM, '--cpus', '2', '--domains', '2', '--seconds', '4',
                    '--start-time', str(start), '-o', trace] + args,
                   check=True, capture_output=True)
    subprocess.run([BAKE, '--input', trace, '--db', db, '--quiet', '--cpu-mhz', '2400',
                    '--start-time', str(start)], check=True, capture_output=True)
    return db


def main():
    results = []
    with tempfile.TemporaryDirectory(prefix='xenmon-io-') as tmp:
        for name, (args, want) in CASES.items():
            db = bake(tmp, name.replace(' ', '-').replace('/', ''), args)
            con = sqlite3.connect(db)
            got = con.execute("SELECT value FROM meta WHERE key = 'io_sources'").fetchone()
            io_count, io_bytes = con.execute(
                'SELECT sum(io_count), sum(io_bytes) FROM sample_1s').fetchone()
            con.close()
            results.append(('%s: meta io_sources is %r' % (name, want),
                            got == (want,), repr(got)))
            results.append(('%s: io_bytes only from grant copies' % name,
                            (io_bytes > 0) == ('grant-copy' in want), repr(io_bytes)))

            r = subprocess.run([EXPORT, '--db', db, '--from', str(START),
                                '--to', str(START + 3), '--step', '1s'],
                               capture_output=True, text=True)
            rows = list(csv.DictReader(io.StringIO(r.stdout)))
            guests = [x for x in rows if x['domid'] not in ('0', '32767')]
            values = {x['io_per_s'] for x in guests}
            if want:
                ok = guests and '' not in values and any(float(v) > 0 for v in values)
            else:
                ok = guests and values == {''}
            results.append(('%s: xenmon-export io_per_s %s' % (
                name, 'empty' if not want else 'given'), r.returncode == 0 and ok,
                '%s %r' % (r.stderr, sorted(values)[:5])))
            # io_bytes_per_s: the last column, after those older versions wrote
            copies = 'grant-copy' in want
            values = {x['io_bytes_per_s'] for x in guests}
            ok = guests and (('' not in values and any(float(v) > 0 for v in values))
                             if copies else values == {''})
            header = r.stdout.split('\n', 1)[0].split(',')
            results.append(('%s: xenmon-export io_bytes_per_s %s, last after covered_pct' % (
                name, 'given' if copies else 'empty'),
                r.returncode == 0 and ok and header[-2:] == ['covered_pct', 'io_bytes_per_s'],
                '%r %r' % (header, sorted(values)[:5])))

            v = subprocess.run([VIEWER, '--db', db, '--iocount'], capture_output=True,
                               text=True, env=dict(os.environ, TERM='dumb'))
            said = 'unavailable' in v.stdout or 'n/a' in v.stdout
            results.append(('%s: xenmon %s' % (
                name, 'says I/O is unavailable' if not want else 'shows I/O'),
                v.returncode == 0 and said == (not want), v.stdout[-800:] + v.stderr))
            v = subprocess.run([VIEWER, '--db', db, '--iobytes'], capture_output=True,
                               text=True, env=dict(os.environ, TERM='dumb'))
            rows = [l for l in v.stdout.splitlines() if 'IOBytes' in l]
            said = any('unavailable' in l or 'n/a' in l for l in rows)
            shown = any(re.search(r'\d(\.\d+)?[kMGT]?B/s', l) for l in rows)
            results.append(('%s: xenmon --iobytes %s' % (
                name, 'shows bytes per second' if copies else 'says unavailable'),
                v.returncode == 0 and rows and (shown and not said if copies else said),
                v.stdout[-800:] + v.stderr))
        # A later run on a stock host keeps what earlier runs saw.
        db = os.path.join(tmp, 'patched-Xen.db')
        bake(tmp, 'later', ['--workload', 'cpu'], db=db, start=START + 100)
        con = sqlite3.connect(db)
        got = con.execute("SELECT value FROM meta WHERE key = 'io_sources'").fetchone()
        con.close()
        results.append(('a later run without I/O keeps the sources of earlier runs',
                        got == ('grant-map,grant-copy,evtchn',), repr(got)))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
