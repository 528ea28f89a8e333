#!/usr/bin/env python3
"""Compare a xenmon database with the simulator's ground truth, and check the
invariants of the metrics contract (docs/metrics.md) on the database.

    compare.py --db X.db --truth PREFIX [--tol-rel 0.001] [--tol-abs-ns 1000]

Times must agree within tol-rel of the true value plus tol-abs-ns (the TSC
to nanosecond rounding, at most one per state change), per (second, CPU,
domain), per (second, domain) and per (second, CPU); counts exactly.
Seconds from the first one with lost records on are only held to the
bounds (invariant 5), since no observer can be exact there.
Prints one line per mismatch (at most 20) and a summary; exit 1 on any.
"""
import argparse
import csv
import sqlite3
import sys
from collections import defaultdict

TIMES = ('cpu_ns', 'wait_ns', 'blocked_ns')
COUNTS = ('exec_count', 'alloc_ns', 'alloc_unbounded', 'io_count', 'io_bytes')
MINMAX = ('alloc_min_ns', 'alloc_max_ns')
COLS = ('exec_count', 'cpu_ns', 'wait_ns', 'blocked_ns', 'alloc_ns',
        'alloc_min_ns', 'alloc_max_ns', 'alloc_unbounded', 'io_count', 'io_bytes')
NS = 10**9


def num(v):
    return None if v in ('', None) else int(v)


def load_truth(prefix):
    rows = {}
    with open(prefix + '-cpu-dom.csv') as f:
        for r in csv.DictReader(f):
            rows[(int(r['t']), int(r['cpu']), int(r['domid']))] = \
                {c: num(r[c]) for c in COLS}
    cpus = {}
    with open(prefix + '-cpu.csv') as f:
        for r in csv.DictReader(f):
            cpus[(int(r['t']), int(r['cpu']))] = {
                'observed_ns': int(r['observed_ns']),
                'sched_ns': int(r['sched_ns']),
                'lost_records': int(r['lost_records'])}
    return rows, cpus


def load_db(path):
    db = sqlite3.connect('file:%s?mode=ro' % path, uri=True)
    rows = {}
    for r in db.execute('SELECT t, cpu, domid, %s FROM sample_1s' % ', '.join(COLS)):
        rows[(r[0], r[1], r[2])] = dict(zip(COLS, r[3:]))
    cpus = {}
    for r in db.execute('SELECT t, cpu, observed_ns, sched_ns, lost_records,'
                        ' malformed_records FROM cpu_1s'):
        cpus[(r[0], r[1])] = {'observed_ns': r[2], 'sched_ns': r[3],
                              'lost_records': r[4], 'malformed_records': r[5]}
    return db, rows, cpus


def by_domain(rows):
    out = defaultdict(lambda: {c: 0 for c in TIMES + COUNTS})
    for (t, _cpu, dom), r in rows.items():
        for c in TIMES + COUNTS:
            out[(t, dom)][c] += r[c] or 0
    return out


class Report:
    def __init__(self):
        self.bad = 0
        self.checked = 0

    def fail(self, msg):
        self.bad += 1
        if self.bad <= 20:
            print('MISMATCH ' + msg)


def close(a, b, rel, abs_ns):
    return abs((a or 0) - (b or 0)) <= rel * max(abs(b or 0), abs(a or 0)) + abs_ns


def compare_rows(rep, what, ours, truth, cols_time, cols_exact, rel, abs_ns, skip):
    for key in sorted(set(ours) | set(truth)):
        if skip(key[0]):
            continue
        o, t = ours.get(key), truth.get(key)
        zero = {c: 0 for c in cols_time + cols_exact}
        o, t = o or zero, t or zero
        rep.checked += 1
        for c in cols_time:
            if not close(o.get(c), t.get(c), rel, abs_ns):
                rep.fail('%s %s %s: ours %s truth %s' % (what, key, c, o.get(c), t.get(c)))
        for c in cols_exact:
            if (o.get(c) or 0) != (t.get(c) or 0):
                rep.fail('%s %s %s: ours %s truth %s' % (what, key, c, o.get(c), t.get(c)))


def incomplete(c):
    """A CPU-second missing records, lost or malformed (schema/metrics.h's
    METRICS_MISSING_RECORDS_SQL); the truth has no malformed ones."""
    return c['lost_records'] + c.get('malformed_records', 0) > 0


def check_invariants(rep, rows, cpus, lost_from):
    """Invariants 1 and 5 on the database alone."""
    running = defaultdict(int)
    for (t, cpu, _dom), r in rows.items():
        running[(t, cpu)] += r['cpu_ns']
        for c in COLS:
            if r[c] is not None and r[c] < 0:
                rep.fail('invariant: negative %s at %s' % (c, (t, cpu, _dom)))
        if r['cpu_ns'] > NS:
            rep.fail('invariant: cpu_ns over a second at %s' % ((t, cpu, _dom),))
    for (t, cpu), c in cpus.items():
        total = running[(t, cpu)] + c['sched_ns']
        if c['observed_ns'] > NS or c['sched_ns'] < 0:
            rep.fail('invariant: cpu_1s out of bounds at %s' % ((t, cpu),))
        if incomplete(c) or (lost_from is not None and t >= lost_from):
            if total > c['observed_ns'] + 1000:
                rep.fail('invariant 5: cpu %s second %s accounts %d ns of %d'
                         % (cpu, t, total, c['observed_ns']))
        elif abs(total - c['observed_ns']) > 1000:
            rep.fail('invariant 1: cpu %s second %s: running %d + sched %d != observed %d'
                     % (cpu, t, running[(t, cpu)], c['sched_ns'], c['observed_ns']))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--db', required=True)
    ap.add_argument('--truth', required=True)
    ap.add_argument('--tol-rel', type=float, default=0.001)
    ap.add_argument('--tol-abs-ns', type=int, default=1000)
    ap.add_argument('--only-stored', action='store_true',
                    help='hold only the seconds the database has (after a crash)')
    a = ap.parse_args()

    trows, tcpus = load_truth(a.truth)
    db, orows, ocpus = load_db(a.db)
    if a.only_stored:
        have = {t for t, _ in ocpus}
        trows = {k: v for k, v in trows.items() if k[0] in have}
        tcpus = {k: v for k, v in tcpus.items() if k[0] in have}
    lost = sorted(t for (t, _c), v in list(tcpus.items()) + list(ocpus.items())
                  if incomplete(v))
    lost_from = lost[0] if lost else None

    def skip(t):
        return lost_from is not None and t >= lost_from

    rep = Report()
    if not tcpus and not a.only_stored:
        rep.fail('the truth has no seconds')
    if tcpus and set(t for t, _ in tcpus) != set(t for t, _ in ocpus):
        rep.fail('seconds differ: truth %d..%d (%d), ours %d..%d (%d)' % (
            min(tcpus)[0], max(tcpus)[0], len({t for t, _ in tcpus}),
            min(ocpus)[0] if ocpus else -1, max(ocpus)[0] if ocpus else -1,
            len({t for t, _ in ocpus})))
    compare_rows(rep, 'sample', orows, trows, TIMES, COUNTS + MINMAX,
                 a.tol_rel, a.tol_abs_ns, skip)
    compare_rows(rep, 'domain', by_domain(orows), by_domain(trows), TIMES, COUNTS,
                 a.tol_rel, a.tol_abs_ns, skip)
    compare_rows(rep, 'cpu', ocpus, tcpus, ('observed_ns', 'sched_ns'),
                 ('lost_records',), a.tol_rel, a.tol_abs_ns, skip)
    check_invariants(rep, orows, ocpus, lost_from)
    if lost_from is not None:
        for (t, c), v in tcpus.items():
            if ocpus.get((t, c), {}).get('lost_records') != v['lost_records']:
                rep.fail('lost_records at %s: ours %s truth %s' % (
                    (t, c), ocpus.get((t, c), {}).get('lost_records'), v['lost_records']))

    print('%s: %d keys compared, %d seconds, %d rows, %d mismatches%s' % (
        a.db, rep.checked, len({t for t, _ in ocpus}), len(orows), rep.bad,
        '' if lost_from is None else ' (exact up to second %d, bounds after)' % lost_from))
    return 1 if rep.bad else 0


if __name__ == '__main__':
    sys.exit(main())
