#!/usr/bin/env python3
"""Cross-check against a peer nobody here wrote: Xen's own xenalyze
(Debian's xen-utils-common).  Output is TAP.

    xenalyze.py --sim SIM --bake XENBAKED [--xenalyze PATH]

For simulated traces, whole-trace per-vCPU running/runnable/blocked totals
from `xenalyze --summary` (printed to 0.01 s) are compared with ours.  The
database keeps domains, not vCPUs, so vCPUs are summed per domain; the
shapes with one vCPU per domain are a per-vCPU comparison.

Running time must agree directly.  For runnable and blocked time xenalyze
books differently (it ignores a vCPU until the vCPU first runs, and at the
end closes only the running vCPUs' states); the simulator writes its truth
both ways (PREFIX-vcpu.csv as docs/metrics.md defines it,
PREFIX-vcpu-xenalyze.csv as xenalyze books), so we require
ours - xenalyze == truth - truth-xenalyze to within xenalyze's printed
resolution.
"""
import argparse
import csv
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools', 'sim'))
import xenalyze_summary  # noqa: E402

SHAPES = {
    'one-vcpu-4cpu': ['--cpus', '4', '--domains', '6', '--vcpus', '1',
                      '--seconds', '20'],
    'two-vcpu-2cpu': ['--cpus', '2', '--domains', '3', '--vcpus', '2',
                      '--seconds', '15'],
    'old-layout':    ['--cpus', '2', '--domains', '4', '--vcpus', '1',
                      '--seconds', '10', '--layout', 'old'],
    'io-shuffled':   ['--cpus', '3', '--domains', '4', '--vcpus', '1',
                      '--seconds', '10', '--workload', 'io',
                      '--shuffle-windows'],
}
RES = 0.005  # xenalyze prints seconds with two decimals
STATES = ('running', 'runnable', 'blocked')


def per_domain_csv(path):
    out = {}
    for r in csv.DictReader(open(path)):
        d = out.setdefault(int(r['domid']), {s: 0.0 for s in STATES} | {'n': 0})
        for s in STATES:
            d[s] += int(r[s + '_ns']) / 1e9
        d['n'] += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--xenalyze', default=shutil.which('xenalyze') or '/usr/bin/xenalyze')
    a = ap.parse_args()
    results = []
    for name, args in SHAPES.items():
        with tempfile.TemporaryDirectory(prefix='xenmon-xa-') as tmp:
            trace, truth, db = tmp + '/t.bin', tmp + '/truth', tmp + '/x.db'
            subprocess.run([a.sim, '--seed', '11', '-o', trace, '--truth', truth] + args,
                           check=True, capture_output=True)
            meta = {r['key']: r['value'] for r in csv.DictReader(open(truth + '-meta.csv'))}
            subprocess.run([a.bake, '--input', trace, '--db', db, '--quiet',
                            '--cpu-mhz', meta['mhz'], '--start-time', meta['start_time']],
                           check=True)
            xa_run = subprocess.run([a.xenalyze, '--cpu-hz=%sM' % meta['mhz'], '--summary',
                                     trace], capture_output=True, text=True)
            xa = xenalyze_summary.parse(xa_run.stdout)
            if xa_run.returncode != 0 or not xa:
                results.append((name + ': xenalyze reads the trace', False,
                                xa_run.stderr[-300:]))
                continue
            xa_dom = {}
            for (dom, _v), st in xa.items():
                d = xa_dom.setdefault(dom, {s: 0.0 for s in STATES})
                for s in STATES:
                    d[s] += st.get(s, 0.0)
            con = sqlite3.connect(db)
            ours = {r[0]: dict(zip(STATES, (x / 1e9 for x in r[1:]))) for r in con.execute(
                'SELECT domid, sum(cpu_ns), sum(wait_ns), sum(blocked_ns) FROM sample_1s'
                ' GROUP BY domid')}
            truth_d = per_domain_csv(truth + '-vcpu.csv')
            truth_x = per_domain_csv(truth + '-vcpu-xenalyze.csv')
            bad = []
            compared = 0
            for dom in sorted(truth_d):
                n = truth_d[dom]['n']
                tol = RES * n + 1e-6
                for s in STATES:
                    o = ours.get(dom, {}).get(s, 0.0)
                    x = xa_dom.get(dom, {}).get(s, 0.0)
                    expect = truth_d[dom][s] - truth_x.get(dom, {}).get(s, 0.0)
                    compared += 1
                    if abs((o - x) - expect) > tol:
                        bad.append('domain %d %s: ours %.4f s, xenalyze %.2f s, '
                                   'booking difference %.4f s' % (dom, s, o, x, expect))
            results.append(('%s: %d per-domain totals agree with xenalyze' % (name, compared),
                            not bad, '\n'.join(bad[:8])))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
