#!/usr/bin/env python3
"""Real recordings of a real Xen, replayed and held to rows stored once.

    real_xen.py --bake XENBAKED [--fixtures DIR] [--write-missing NAME]

Every other golden test regenerates its expectation from the in-tree
simulator, so a mistake shared by the simulator and the daemon would go
unseen.  These fixtures are traces of Debian's Xen 4.17 under QEMU
(tests/live), kept in tests/fixtures/real-xen/ like sysstat keeps its old
data files: one directory per recording, with

    trace.xz      the trace, xz-compressed (decompressed here with lzma)
    replay.args   xenbaked's replay arguments, fixed --cpu-mhz and
                  --start-time, so that the rows do not depend on the file's
                  modification time or a calibration
    expected.txt  the run's counters and every row of sample_1s, cpu_1s,
                  cpu_1s_part and domain that the xenbaked of the day the
                  fixture was added wrote, reviewed by hand

The README there says where, when and how each was recorded.  Now:

    credit2-tee         xenbaked live --tee, credit2, 24 s: dom0 and the
                        spin guest pinned to CPU 0, the duty guest to CPU 1
    credit2-xentrace    xentrace -e 0x00129000 in the same boot, 12 s
    credit1-tee         xenbaked live --tee on a boot with sched=credit
                        (30 ms slices, 2099.999 MHz), 22 s
    credit1-xentrace    xentrace in that credit1 boot, 12 s
    credit2-loaded-tee  xenbaked live --tee, credit2, while the host's
                        cores ran other work: dom0 at 40%, a first second
                        of 11 ms

For each: the replay's rows equal expected.txt exactly; a second replay
into a fresh database gives the same rows and one into the same database
writes nothing (metrics.md invariant 3); every CPU's cpu_ns plus sched_ns
is exactly 1e9 in each complete second (invariant 1); each domain's cpu +
wait + blocked is the same whole number of seconds in each, its vCPUs'
(invariant 2: 2 for dom0, 1 per guest, 1 for Idle, whose vCPU on CPU 0
never runs and has no rows); every domain with rows is in table domain.

The expectation is never rewritten.  A new fixture gets its expected.txt
with --write-missing NAME, which refuses when the file exists: a change of
the rows is a change of behaviour to explain, not to re-record.
"""
import argparse
import lzma
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import report  # noqa: E402

NS = 10**9
# Named columns, not *: a column a later migration adds is not part of the
# stored expectation and must not break it.
TABLES = (
    ('sample_1s', 't, cpu, domid, exec_count, cpu_ns, wait_ns, blocked_ns, alloc_ns, '
                  'alloc_min_ns, alloc_max_ns, alloc_unbounded, io_count', 't, cpu, domid'),
    ('cpu_1s', 't, cpu, observed_ns, sched_ns, lost_records, malformed_records', 't, cpu'),
    ('cpu_1s_part', 't, cpu, from_ns, to_ns', 't, cpu'),
    ('domain', 'domid, name, first_t, last_t', 'domid, first_t'),
)
RUN = ('cpu_mhz, start_time, first_t, last_t, records, lost_records, malformed, '
       'anomalies, seconds_written, seconds_skipped, status')


def field(v):
    return '' if v is None else repr(v) if isinstance(v, float) else str(v)


def dump(path, run=True):
    """The database as the text expected.txt holds: sections of CSV lines."""
    db = sqlite3.connect('file:%s?mode=ro' % path, uri=True)
    out = []
    if run:
        out.append('[run] ' + RUN)
        for row in db.execute('SELECT %s FROM run ORDER BY id' % RUN):
            out.append(','.join(field(v) for v in row))
    for table, cols, order in TABLES:
        out.append('[%s] %s' % (table, cols))
        for row in db.execute('SELECT %s FROM %s ORDER BY %s' % (cols, table, order)):
            out.append(','.join(field(v) for v in row))
    db.close()
    return out


def replay(bake, trace, db, args):
    p = subprocess.run([bake, '--input', trace, '--db', db, '--quiet'] + args,
                       capture_output=True, text=True, timeout=300)
    return p.returncode == 0, 'exit %d: %s' % (p.returncode, p.stderr.strip())


def whole_seconds(path):
    """Invariants 1 and 2 over the complete seconds: the worst |sum cpu_ns +
    sched_ns - 1e9| of a CPU, how many CPU-seconds, and the domains whose
    cpu + wait + blocked is not the same whole number of seconds in every
    complete second (no fixture creates or destroys a domain, nor takes a
    vCPU offline)."""
    db = sqlite3.connect('file:%s?mode=ro' % path, uri=True)
    worst, n = db.execute(
        'SELECT max(abs(coalesce(s.ns, 0) + c.sched_ns - %d)), count(*) FROM cpu_1s c '
        'LEFT JOIN (SELECT t, cpu, sum(cpu_ns) AS ns FROM sample_1s GROUP BY t, cpu) s '
        'USING (t, cpu) WHERE c.observed_ns = %d' % (NS, NS)).fetchone()
    uneven = [r for r in db.execute(
        'SELECT domid, group_concat(DISTINCT ns) FROM (SELECT t, domid, '
        'sum(cpu_ns + wait_ns + blocked_ns) AS ns FROM sample_1s WHERE t IN (SELECT t '
        'FROM cpu_1s GROUP BY t HAVING min(observed_ns) = %d) GROUP BY t, domid) '
        'GROUP BY domid HAVING count(DISTINCT ns) > 1 OR min(ns) %% %d != 0' % (NS, NS))]
    orphans = db.execute('SELECT count(DISTINCT domid) FROM sample_1s WHERE domid NOT IN '
                         '(SELECT domid FROM domain)').fetchone()[0]
    db.close()
    return worst, n, uneven, orphans


def first_difference(want, got):
    for i, (a, b) in enumerate(zip(want, got)):
        if a != b:
            return 'line %d: expected %s\n          got      %s' % (i + 1, a, b)
    return 'expected %d lines, got %d' % (len(want), len(got))


def check(bake, fixture, tmp):
    name = os.path.basename(fixture)
    trace = os.path.join(tmp, name + '.trace')
    with lzma.open(os.path.join(fixture, 'trace.xz')) as src, open(trace, 'wb') as dst:
        shutil.copyfileobj(src, dst)
    with open(os.path.join(fixture, 'replay.args')) as f:
        args = shlex.split(f.read(), comments=True)
    results = []
    dbs = [os.path.join(tmp, '%s-%d.db' % (name, i)) for i in (1, 2)]
    runs = [replay(bake, trace, db, args) for db in dbs]
    if not all(ok for ok, _ in runs):
        return [(name + ': replays', False, '\n'.join(d for _, d in runs))], None
    try:
        got = dump(dbs[0])
    except sqlite3.Error as e:
        return [(name + ': the database has the tables and columns stored', False, str(e))], None
    results.append((name + ': replaying twice gives identical rows (invariant 3)',
                    got == dump(dbs[1]), first_difference(got, dump(dbs[1]))))
    before = dump(dbs[0], run=False)
    ok, detail = replay(bake, trace, dbs[0], args)
    results.append((name + ': replaying into the same database changes no row',
                    ok and dump(dbs[0], run=False) == before, detail))
    worst, n, uneven, orphans = whole_seconds(dbs[0])
    results.append((name + ': every CPU adds up to 1e9 ns in each of its %d complete seconds '
                    '(invariant 1)' % n, n > 0 and worst == 0,
                    'worst deviation %s ns' % worst))
    results.append((name + ': each domain\'s vCPUs add up to whole seconds (invariant 2)',
                    not uneven, 'domid, totals: %s' % uneven))
    results.append((name + ': every domain with rows is named in table domain',
                    orphans == 0, '%d missing' % orphans))
    return results, got


def write_missing(bake, fixture, tmp):
    """A new fixture's expected.txt, from a replay that passes the
    invariants; never over an existing one."""
    expected = os.path.join(fixture, 'expected.txt')
    if os.path.exists(expected):
        print('real_xen: %s exists; stored rows are never rewritten' % expected,
              file=sys.stderr)
        return 2
    results, got = check(bake, fixture, tmp)
    if not all(ok for _, ok, _ in results):
        print('real_xen: %s fails its invariants; nothing written' % fixture, file=sys.stderr)
        return report(results)
    with open(expected, 'x') as f:
        f.write('\n'.join(got) + '\n')
    print('real_xen: wrote %s (%d lines): review it before committing' % (
        expected, len(got)), file=sys.stderr)
    return 0


def compare(bake, fixture, tmp):
    name = os.path.basename(fixture)
    results, got = check(bake, fixture, tmp)
    try:
        with open(os.path.join(fixture, 'expected.txt')) as f:
            want = f.read().splitlines()
    except OSError as e:
        return results + [(name + ': has expected.txt', False, str(e))]
    return results + [(name + ': rows equal the stored expectation (%d lines)' % len(want),
                       got == want, first_difference(want, got or []))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bake', required=True)
    ap.add_argument('--fixtures', default=os.path.join(HERE, '..', 'fixtures', 'real-xen'))
    ap.add_argument('--write-missing', metavar='NAME',
                    help='write NAME/expected.txt, only if it does not exist')
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if a.write_missing:
            return write_missing(a.bake, os.path.join(a.fixtures, a.write_missing), tmp)
        names = sorted(d for d in os.listdir(a.fixtures)
                       if os.path.isfile(os.path.join(a.fixtures, d, 'trace.xz')))
        results = []
        for name in names:
            results += compare(a.bake, os.path.join(a.fixtures, name), tmp)
    results.append(('at least three real recordings', len(names) >= 3,
                    '%d fixtures' % len(names)))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
