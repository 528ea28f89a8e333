#!/usr/bin/env python3
"""Golden replay tests: simulate a host, replay its trace with xenbaked, and
hold every row to the simulator's ground truth (compare.py).

    golden.py --sim SIM --bake XENBAKED SHAPE

Each SHAPE is a simulator configuration; some also replay through a pipe,
calibrate the frequency instead of being told it, or replay twice.
"""
import argparse
import csv
import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (simulator arguments, how to replay)
SHAPES = {
    'one-cpu':     (['--cpus', '1', '--domains', '1', '--seconds', '10'], {}),
    'mix-4cpu':    (['--cpus', '4', '--domains', '8', '--vcpus', '2',
                     '--seconds', '30', '--workload', 'mix'], {}),
    'cpu-bound':   (['--cpus', '2', '--domains', '5', '--vcpus', '1',
                     '--seconds', '20', '--workload', 'cpu'], {}),
    'periodic':    (['--cpus', '3', '--domains', '6', '--vcpus', '1',
                     '--seconds', '20', '--workload', 'periodic'], {}),
    'io-heavy':    (['--cpus', '2', '--domains', '4', '--vcpus', '2',
                     '--seconds', '20', '--workload', 'io'], {}),
    'churn-reuse': (['--cpus', '4', '--domains', '6', '--vcpus', '2',
                     '--seconds', '40', '--churn', '8', '--reuse-domids'], {}),
    'old-layout':  (['--cpus', '2', '--domains', '4', '--seconds', '15',
                     '--layout', 'old'], {}),
    'odd-windows': (['--cpus', '4', '--domains', '6', '--seconds', '15',
                     '--shuffle-windows', '--no-tsc-records', '--flush-ms', '7'], {}),
    'fraction-mhz': (['--cpus', '2', '--domains', '3', '--seconds', '12',
                      '--mhz', '2394.123', '--tsc0', '98765432101234'], {}),
    # The TSC passes 2^50 five seconds in: the merge's 64-bit keys move
    # their base there (daemon/decode/merge.c).
    'tsc-rebase':  (['--cpus', '4', '--domains', '6', '--seconds', '12',
                     '--tsc0', str(2**50 - 5 * 2400 * 10**6)], {}),
    'lost-bursts': (['--cpus', '4', '--domains', '8', '--seconds', '30',
                     '--lost-bursts', '6'], {}),
    'many-domains': (['--cpus', '16', '--domains', '300', '--vcpus', '1',
                      '--seconds', '6'], {}),
    'cpus-64':     (['--cpus', '64', '--domains', '100', '--vcpus', '2',
                     '--seconds', '5'], {}),
    'two-hours':   (['--cpus', '2', '--domains', '3', '--vcpus', '1',
                     '--seconds', '7200', '--workload', 'periodic',
                     '--rate', '0.05'], {}),
    'stream':      (['--cpus', '4', '--domains', '8', '--seconds', '20',
                     '--mhz', '2400', '--start-time', '1700000000'],
                    {'pipe': True}),
    'calibrated':  (['--cpus', '4', '--domains', '8', '--seconds', '20',
                     '--mhz', '2893.7'], {'calibrate': True}),
    'twice':       (['--cpus', '2', '--domains', '4', '--seconds', '10'],
                    {'twice': True}),
}


def meta(prefix):
    with open(prefix + '-meta.csv') as f:
        return {r['key']: r['value'] for r in csv.DictReader(f)}


def dump(db):
    con = sqlite3.connect(db)
    out = []
    for table in ('sample_1s', 'cpu_1s', 'domain'):
        out.append(list(con.execute('SELECT * FROM %s ORDER BY 1, 2, 3' % table)))
    con.close()
    return out


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        print('command failed (%d): %s\n%s%s' % (r.returncode, ' '.join(cmd),
                                              r.stdout, r.stderr))
        sys.exit(1)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('shape', choices=sorted(SHAPES))
    a = ap.parse_args()
    sim_args, how = SHAPES[a.shape]

    with tempfile.TemporaryDirectory(prefix='xenmon-golden-') as tmp:
        trace, truth, db = tmp + '/t.bin', tmp + '/truth', tmp + '/x.db'
        sim = [a.sim, '--seed', '7', '--truth', truth] + sim_args
        bake = [a.bake, '--db', db, '--quiet']
        if how.get('pipe'):
            # xenmon-sim ... -o - | xenbaked --input -
            opts = dict(zip(sim_args[::2], sim_args[1::2]))
            p1 = subprocess.Popen(sim + ['-o', '-'], stdout=subprocess.PIPE)
            r = subprocess.run(bake + ['--input', '-', '--start-time',
                                       opts['--start-time'], '--cpu-mhz',
                                       opts['--mhz']],
                               stdin=p1.stdout, capture_output=True, text=True)
            p1.stdout.close()
            if p1.wait() != 0 or r.returncode != 0:
                print('stream replay failed:', r.stdout, r.stderr)
                return 1
            m = meta(truth)
        else:
            run(sim + ['-o', trace])
            m = meta(truth)
            bake += ['--input', trace, '--start-time', m['start_time']]
            if not how.get('calibrate'):
                bake += ['--cpu-mhz', m['mhz']]
            run(bake)

        if how.get('calibrate'):
            con = sqlite3.connect(db)
            got = float(con.execute("SELECT value FROM meta WHERE key='cpu_mhz'")
                        .fetchone()[0])
            src = con.execute("SELECT value FROM meta WHERE key='cpu_mhz_source'") \
                .fetchone()[0]
            want = float(m['mhz'])
            err = abs(got - want) / want
            print('calibrated %.3f MHz (%s), truth %.3f: error %.4f%%'
                  % (got, src, want, err * 100))
            if err > 0.005 or 'calibrated' not in src:
                print('FAIL: calibration off by more than 0.5%')
                return 1
            # With the calibrated frequency seconds drift by the error, so
            # hold whole-trace per-domain totals, not each second.
            return compare_totals(db, truth, err)

        rc = subprocess.run([sys.executable, HERE + '/compare.py', '--db', db,
                             '--truth', truth]).returncode
        if rc:
            return rc
        if how.get('twice'):
            before = dump(db)
            r = run(bake)
            after = dump(db)
            if before != after:
                print('FAIL: replaying the same trace again changed the rows')
                return 1
            db2 = tmp + '/y.db'
            run([x if x != db else db2 for x in bake])
            if dump(db2) != before:
                print('FAIL: two replays of one trace into fresh databases differ')
                return 1
            print('replayed twice into the same database and once into a new one:'
                  ' identical rows (%d)' % len(before[0]))
    return 0


def compare_totals(db, truth, mhz_err):
    con = sqlite3.connect(db)
    ours = {r[0]: r[1:] for r in con.execute(
        'SELECT domid, sum(cpu_ns), sum(wait_ns), sum(blocked_ns), sum(exec_count)'
        ' FROM sample_1s GROUP BY domid')}
    want = {}
    with open(truth + '-dom.csv') as f:
        for r in csv.DictReader(f):
            w = want.setdefault(int(r['domid']), [0, 0, 0, 0])
            for i, c in enumerate(('cpu_ns', 'wait_ns', 'blocked_ns', 'exec_count')):
                w[i] += int(r[c])
    bad = 0
    for dom in sorted(set(ours) | set(want)):
        o, w = ours.get(dom, (0, 0, 0, 0)), want.get(dom, [0, 0, 0, 0])
        for i, c in enumerate(('cpu_ns', 'wait_ns', 'blocked_ns')):
            if abs(o[i] - w[i]) > (mhz_err + 0.001) * max(w[i], 1) + 10**6:
                print('MISMATCH domain %d %s: ours %d truth %d' % (dom, c, o[i], w[i]))
                bad += 1
        if o[3] != w[3]:
            print('MISMATCH domain %d exec_count: ours %d truth %d' % (dom, o[3], w[3]))
            bad += 1
    print('%d domains compared over the whole trace, %d mismatches' % (len(want), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
