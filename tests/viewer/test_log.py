#!/usr/bin/env python3
"""xenmon -n (log mode): the files and columns of xenmon.py, and their
numbers against the simulator's ground truth; plus the CLI's usage errors.

    test_log.py XENMON XENBAKED XENMON_SIM
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import START, DbSums, Tap, make_db  # noqa: E402

HEADER = ('# passed cpu dom cpu(tot) cpu(%) cpu/ex allocated/ex blocked(tot) '
          'blocked(%) blocked/io waited(tot) waited(%) waited/ex ex/s io(tot) '
          'io/ex\n')


def blocked_pct(s):
    """Per vCPU-second (docs/metrics.md): of the vCPUs' online time."""
    online = s['cpu_ns'] + s['wait_ns'] + s['blocked_ns']
    return 100.0 * s['blocked_ns'] / online if online else 0


def near(a, b):
    return abs(a - b) <= 0.0005 * 1.001 + abs(b) * 1e-9


def check_lines(tap, files, src, truth, start, win, what):
    bad, n = [], 0
    for path in files:
        for line in open(path).readlines()[1:]:
            f = [float(x) for x in line.split()]
            if len(f) != 16:
                bad.append('%s: %d columns' % (line, len(f)))
                continue
            t1 = start + int(f[0]) // 1000 - 1
            t0 = t1 - win + 1
            cpu, dom = int(f[1]), int(f[2])
            dom = 32767 if dom == -1 else dom
            s = (truth if truth.lost(t0 - 1, t1) == 0 else src).sums(
                dom, t0, t1, cpu)
            p = win * 1e9
            want = [s['cpu_ns'] * 1e9 / p, 100 * s['cpu_ns'] / p,
                    s['cpu_ns'] / s['exec_count'] if s['exec_count'] else 0,
                    None,
                    s['blocked_ns'] * 1e9 / p, blocked_pct(s),
                    s['blocked_ns'] / s['io_count'] if s['io_count'] else 0,
                    s['wait_ns'] * 1e9 / p, 100 * s['wait_ns'] / p,
                    s['wait_ns'] / s['exec_count'] if s['exec_count'] else 0,
                    s['exec_count'] / win, s['io_count'] / win,
                    s['io_count'] / s['exec_count'] if s['exec_count'] else 0]
            for i, w in enumerate(want):
                if w is not None and not near(f[3 + i], w):
                    bad.append('%s column %d: %s, truth %.3f' %
                               (os.path.basename(path), 4 + i, line.strip(), w))
            n += 1
    tap.ok(n > 0 and not bad, '%s: %d lines match the ground truth' % (what, n),
           '\n'.join(bad[:10]))


def main():
    xenmon, bake, sim = sys.argv[1:4]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-log-')
    try:
        db, truth = make_db(tmp, sim, bake)
        src = DbSums(db)
        pre = tmp + '/h'
        # [FROM, TO): 29 seconds
        r = subprocess.run([xenmon, '-n', '--db', db, '-p', pre, '--from',
                            str(START), '--to', str(START + 29)],
                           capture_output=True, text=True)
        tap.ok(r.returncode == 0, 'xenmon -n --from --to exits 0', r.stderr)
        names = sorted(os.path.basename(p) for p in glob.glob(pre + '-*.log'))
        want = sorted(['h-dom%d.log' % d for d in range(7)] + ['h-idle.log'])
        tap.ok(names == want, 'one file per domain and h-idle.log', names)
        heads = {open(p).readline() for p in glob.glob(pre + '-*.log')}
        tap.ok(heads == {HEADER}, "xenmon.py's header line", heads)
        idle = open(pre + '-idle.log').readlines()
        tap.ok(len(idle) == 1 + 29 * 4 and idle[1].split()[:3] == ['1000.000', '0', '-1'],
               'idle: one line per second and CPU, domain -1 as xenmon.py',
               idle[:3])
        check_lines(tap, glob.glob(pre + '-*.log'), src, truth, START, 1,
                    '1 s lines')

        pre2 = tmp + '/w'
        r = subprocess.run([xenmon, '--notlive', '--db', db, '--prefix', pre2,
                            '-i', '2000', '--from', str(START), '--to',
                            str(START + 28), '--cpu', '1'],
                           capture_output=True, text=True)
        lines = open(pre2 + '-dom0.log').readlines()[1:]
        tap.ok(r.returncode == 0 and len(lines) == 14 and
               {ln.split()[1] for ln in lines} == {'1'} and
               lines[0].split()[0] == '2000.000',
               '-i 2000 writes 2 s windows; --cpu 1 only CPU 1', lines[:2])
        check_lines(tap, glob.glob(pre2 + '-*.log'), src, truth, START, 2,
                    '2 s lines')

        pre3 = tmp + '/l'
        r = subprocess.run([xenmon, '-n', '--db', db, '-p', pre3, '-t', '1'],
                           capture_output=True, text=True, timeout=30)
        lines = open(pre3 + '-idle.log').readlines()[1:]
        tap.ok(r.returncode == 0 and len(lines) == 4,
               'live -n -t 1 logs the last complete second of each CPU once',
               r.stderr + ''.join(lines))
        f = lines[0].split()
        s = truth.sums(32767, truth.live, truth.live, 0)
        tap.ok(near(float(f[4]), 100 * s['cpu_ns'] / 1e9),
               'live -n line is the last complete second', (f, s))

        for args, msg in ((['--bogus'], "unknown option '--bogus'"),
                          (['-i', 'x'], "--interval: 'x'"),
                          (['--from', 'soon'], "--from: cannot read 'soon'"),
                          (['--from', '2', '--to', '1'], '--from is later'),
                          (['--cpu'], "needs an argument"),
                          (['extra'], "unexpected argument 'extra'")):
            r = subprocess.run([xenmon] + args, capture_output=True, text=True)
            tap.ok(r.returncode == 2 and msg in r.stderr and
                   "Try 'xenmon --help'." in r.stderr,
                   'usage error %s: exit 2' % args, r.stderr)
        r = subprocess.run([xenmon, '--help'], capture_output=True, text=True)
        tap.ok(r.returncode == 0 and '--notlive' in r.stdout, '--help exits 0')
        r = subprocess.run([xenmon, '--version'], capture_output=True, text=True)
        tap.ok(r.returncode == 0 and r.stdout.startswith('xenmon '), '--version')
        r = subprocess.run([xenmon, '-n', '--db', '/etc/hostname', '-t', '1'],
                           capture_output=True, text=True)
        tap.ok(r.returncode == 1 and '/etc/hostname' in r.stderr,
               'a file that is not a database: exit 1, named', r.stderr)
        r = subprocess.run([xenmon, '--ms_per_sample', '100', '-n', '--db', db,
                            '-p', tmp + '/m', '--from', str(START), '--to',
                            str(START + 1)], capture_output=True, text=True)
        tap.ok(r.returncode == 0, '--ms_per_sample is accepted', r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
