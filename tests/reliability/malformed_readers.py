#!/usr/bin/env python3
"""Every reader calls a second with malformed records incomplete, as it
does one with lost records.  Output is TAP.

A trace with a 4 KiB block of zeros inside a window (bad_traces.py's
zero_block, the mark of a file system that lost a block in a crash) is
replayed; the daemon marks the CPU-seconds the damage covers
(cpu_1s.malformed_records) and Xen lost nothing.  Then, for a marked
second: the viewer's plain table (stdout not a terminal) has the
incomplete line and names the malformed records; xenmon-export's
lost_records column counts them per second, per minute (from cpu_1m) and
per hour (from cpu_1h), equal to the seconds' sum; and an unmarked second
of the same trace has no such line and 0 in that column.

    malformed_readers.py --sim SIM --bake XENBAKED --viewer XENMON --export EXPORT
"""
import argparse
import csv
import io
import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
sys.path.insert(0, HERE)
from tap import report  # noqa: E402
from bad_traces import START, zero_block  # noqa: E402

TIMEOUT_S = 120


def run(args):
    r = subprocess.run(args, capture_output=True, timeout=TIMEOUT_S,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout.decode(errors='replace'), \
        r.stderr.decode(errors='replace')


def viewer_line(a, db, t):
    """The viewer's plain table of [T, T+1): (exit, its incomplete line or
    None, the whole output)."""
    rc, out, err = run([a.viewer, '--db', db, '--from', str(t),
                        '--to', str(t + 1)])
    lines = [ln for ln in out.splitlines() if 'Records ' in ln]
    return rc, lines[0] if lines else None, out + err


def exported(a, db, t, step, span):
    """xenmon-export's lost_records of the step at T (the same for every
    domain: host-wide), or the error."""
    first = t - t % span
    rc, out, err = run([a.export, '--db', db, '--from', str(first),
                        '--to', str(first + span), '--step', step, '--quiet'])
    if rc != 0:
        return None, 'exit %d: %s' % (rc, err[-300:])
    lost = {int(r['lost_records']) for r in csv.DictReader(io.StringIO(out))
            if int(r['t']) == first}
    return (lost.pop() if len(lost) == 1 else None), 'lost_records %s' % lost


def main():
    ap = argparse.ArgumentParser()
    for o in ('--sim', '--bake', '--viewer', '--export'):
        ap.add_argument(o, required=True)
    a = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix='xenmon-malformed-') as tmp:
        trace, truth = tmp + '/t.bin', tmp + '/truth'
        subprocess.run([a.sim, '--cpus', '4', '--domains', '8', '--vcpus', '2',
                        '--seconds', '12', '--seed', '4', '-o', trace,
                        '--truth', truth], check=True, capture_output=True)
        with open(truth + '-meta.csv') as f:
            next(f)
            meta = dict(line.strip().split(',', 1) for line in f)
        zeroed, block, _first, zcpu, zt = zero_block(open(trace, 'rb').read(), meta)
        zpath, db = tmp + '/zeros.bin', tmp + '/z.db'
        open(zpath, 'wb').write(zeroed)
        rc, _out, err = run([a.bake, '--input', zpath, '--db', db,
                             '--cpu-mhz', '2400', '--start-time', str(START)])
        con = sqlite3.connect(db)
        marked = dict(con.execute(
            'SELECT t, sum(malformed_records) FROM cpu_1s GROUP BY t'
            ' HAVING sum(malformed_records) > 0'))
        lost = con.execute('SELECT sum(lost_records) FROM cpu_1s').fetchone()[0]
        seconds = [t for (t,) in con.execute('SELECT DISTINCT t FROM cpu_1s ORDER BY t')]
        con.close()
        clean = [t for t in seconds if t not in marked and t + 1 in seconds and
                 t - 1 in seconds]
        ok = rc == 0 and zt in marked and lost == 0 and clean
        results.append(('4 KiB of zeros at byte %d (CPU %d): the daemon marks '
                        'second %d, loses nothing' % (block, zcpu, zt - START), ok,
                        'exit %d, marked %s, lost %s, %s' % (rc, marked, lost, err[-300:])))
        if not ok:
            return report(results)

        n = marked[zt]
        rc, line, out = viewer_line(a, db, zt)
        results.append(('viewer, plain table of the marked second: the incomplete '
                        'line counts its %d malformed records' % n,
                        rc == 0 and line is not None and
                        'malformed' in line and ' %d ' % n in line, out[-600:]))
        rc, line, out = viewer_line(a, db, clean[0])
        results.append(('viewer, plain table of an unmarked second: no incomplete line',
                        rc == 0 and line is None and 'Total' in out, out[-600:]))

        for step, span in (('1s', 1), ('1m', 60), ('1h', 3600)):
            want = sum(v for t, v in marked.items() if t - t % span == zt - zt % span)
            got, detail = exported(a, db, zt, step, span)
            results.append(('xenmon-export --step %s: lost_records of the marked '
                            'step counts its %d malformed records' % (step, want),
                            got == want, detail))
        got, detail = exported(a, db, clean[0], '1s', 1)
        results.append(('xenmon-export --step 1s: lost_records of an unmarked second is 0',
                        got == 0, detail))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
