#!/usr/bin/env python3
"""A range is half-open, [FROM, TO), as in xenmon-export: --from 22:13:20
--to 22:13:50 is the 30 seconds 22:13:20 .. 22:13:49.  On the screen (tmux),
in the plain table and in -n log files; the figures are held to sums that
sqlite3 computes over the same half-open range.  Output is TAP.

    test_range.py XENMON XENBAKED XENMON_SIM
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import START, Tap, Tmux, check_windows, make_db  # noqa: E402

COLS = ('exec_count', 'cpu_ns', 'wait_ns', 'blocked_ns', 'alloc_ns',
        'io_count')


class HalfOpen:
    """Sums over the seconds T0 .. T1 of the database, asked of SQLite as
    the half-open range [T0, T1 + 1)."""

    def __init__(self, path):
        self.con = sqlite3.connect('file:%s?mode=ro' % path, uri=True)

    def sums(self, domid, t0, t1, cpu=None):
        r = self.con.execute(
            'SELECT %s FROM sample_1s WHERE domid = ? AND t >= ? AND t < ?'
            ' AND (? IS NULL OR cpu = ?)' % ', '.join(
                'coalesce(sum(%s), 0)' % c for c in COLS),
            (domid, t0, t1 + 1, cpu, cpu)).fetchone()
        return dict(zip(COLS, r))

    def passed_ns(self, t0, t1, cpu=None):
        return self.con.execute(
            'SELECT sum(o) FROM (SELECT sum(observed_ns) / count(*) AS o'
            ' FROM cpu_1s WHERE t >= ? AND t < ? AND (? IS NULL OR cpu = ?)'
            ' GROUP BY t)', (t0, t1 + 1, cpu, cpu)).fetchone()[0]

    def seconds(self, t_from, t_to):
        return self.con.execute(
            'SELECT count(DISTINCT t) FROM cpu_1s WHERE t >= ? AND t < ?',
            (t_from, t_to)).fetchone()[0]


def run(argv):
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=30)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        return None, '', 'timed out waiting for it to exit'


def main():
    xenmon, bake, sim = sys.argv[1:4]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-range-')
    tm = Tmux('range')
    try:
        db, _ = make_db(tmp, sim, bake)
        sq = HalfOpen(db)

        # the whole recording: 22:13:20 up to 22:13:50, 30 seconds
        t_from, t_to = START, START + 30
        tap.ok(sq.seconds(t_from, t_to) == 30, 'sqlite3: 30 seconds in range')
        tm.start('env LANG=C.UTF-8 TERM=screen NO_COLOR=1 %s --db %s '
                 "--from '2023-11-14 22:13:20' --to '2023-11-14 22:13:50'"
                 % (xenmon, db), 80, 40)
        ok, s = tm.wait_text('HISTORY')
        tap.ok(ok and '30 s from 22:13:20' in s and
               'HISTORY 2023-11-14 22:13:49 UTC' in s,
               'screen: --from 22:13:20 --to 22:13:50 is 30 s, the last '
               'one 22:13:49', s)
        check_windows(tap, sq, s, '\u2502',
                      [(t_from, t_to - 1), (t_to - 1, t_to - 1)], None,
                      'screen, 30 s range')
        tm.keys('q')

        # ten seconds inside, in the plain table; --to alone means the
        # ten seconds before it
        t_from, t_to = START + 5, START + 15
        for argv in (['--from', str(t_from), '--to', str(t_to)],
                     ['--to', str(t_to)]):
            rc, out, err = run([xenmon, '--db', db, '--cpu', '2'] + argv)
            tap.ok(rc == 0 and '10 s from 22:13:25' in out and
                   'HISTORY 2023-11-14 22:13:34 UTC' in out,
                   'table %s: 10 s from 22:13:25' % ' '.join(argv), err + out)
            check_windows(tap, sq, out, '|',
                          [(t_from, t_to - 1), (t_to - 1, t_to - 1)], 2,
                          'table %s, CPU 2' % ' '.join(argv))

        # log files: one line per second of the range and CPU
        rc, out, err = run([xenmon, '-n', '--db', db, '-p', tmp + '/r',
                            '--from', str(t_from), '--to', str(t_to)])
        lines = open(tmp + '/r-idle.log').readlines()[1:] if rc == 0 else []
        tap.ok(rc == 0 and len(lines) == 10 * 4 and
               lines[-1].split()[0] == '10000.000',
               '-n --from --to: 10 lines per CPU, the last 10 s in',
               err + ''.join(lines[-3:]))

        rc, out, err = run([xenmon, '-n', '--db', db, '-p', tmp + '/e',
                            '--from', str(t_from), '--to', str(t_from)])
        tap.ok(rc == 2 and 'empty' in err,
               '--from equal to --to is an empty range: exit 2', err)
    finally:
        tm.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
