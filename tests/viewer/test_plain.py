#!/usr/bin/env python3
"""Where the screen cannot be drawn, xenmon prints the last complete second
(or the range) once as a plain table and exits 0: on a terminal that cannot
move the cursor (TERM=dumb, in tmux: it says why on stderr), into a pipe,
and with no known terminal type.  The table's figures are held to the
simulator's ground truth.  Output is TAP.

    test_plain.py XENMON XENBAKED XENMON_SIM
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import Tap, Tmux, check_windows, make_db  # noqa: E402


def run(argv, env):
    """Output, errors and status of ARGV run with its output into pipes;
    a program that waits for keys instead is stopped after a long while."""
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, env=env, timeout=30)
        return r.stdout, r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        return str(e.stdout), 'timed out waiting for it to exit', None


def main():
    xenmon, bake, sim = sys.argv[1:4]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-plain-')
    tm = Tmux('plain')
    try:
        db, truth = make_db(tmp, sim, bake)
        live = truth.live
        windows = [(live - 9, live), (live, live)]

        # a terminal without cursor addressing; the shell stays to show
        # the exit status
        tm.start('env LANG=C.UTF-8 TERM=dumb %s --db %s; echo EXIT=$?; '
                 'sleep 600' % (xenmon, db), 100, 60)
        ok, s = tm.wait_text('EXIT=', timeout=60)
        tap.ok(ok and 'EXIT=0' in s, 'TERM=dumb: exits 0', s)
        tap.ok('cannot move the cursor' in s and 'TERM=dumb' in s,
               'TERM=dumb: says why there is no screen', s)
        tap.ok('LIVE 2023-11-14 22:13:48 UTC' in s and 'Last 10 s' in s,
               'TERM=dumb: the table of the last complete second', s)
        check_windows(tap, truth, s, '|', windows, None,
                      'TERM=dumb table, all CPUs')

        # into a pipe, whatever TERM says
        for term in ('xterm', None):
            env = dict(os.environ, LANG='C.UTF-8')
            env.pop('TERM', None)
            if term:
                env['TERM'] = term
            what = 'TERM=%s' % term if term else 'no TERM'
            out, err, rc = run([xenmon, '--db', db, '--cpu', '1'], env)
            tap.ok(rc == 0 and err == '' and '\x1b' not in out and
                   'CPU 1 of 4' in out,
                   'a pipe (%s): the table, no escape sequences, exit 0'
                   % what, err + out[:3000])
            check_windows(tap, truth, out, '|', windows, 1,
                          'pipe (%s), CPU 1' % what)

        # nothing to show is an error, said once, not an empty table
        out, err, rc = run([xenmon, '--db', tmp + '/none.db'], None)
        tap.ok(rc == 1 and 'none.db' in err and out == '',
               'a pipe and no database: exit 1, named', err + out)
    finally:
        tm.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
