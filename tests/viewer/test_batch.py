#!/usr/bin/env python3
"""Batch mode and a closed terminal (issue 18), through the real viewer:
`xenmon -b -c N` prints N plain tables one interval apart, through a pipe
and on a real terminal (tmux), with no escape codes, following a database
that a real-time replay is writing; `-c 0` runs until SIGTERM; and a viewer
whose terminal is closed ends, whether it gets SIGHUP (started in the
terminal) or not (started through `su -c` and `setsid`, reading EOF/EIO).
Output is TAP.

    test_batch.py XENMON XENBAKED XENMON_SIM
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import START, Tap, Tmux, make_db  # noqa: E402

HEADER = re.compile(r'\| (?:LIVE|HISTORY) \d{4}-\d\d-\d\d (\d\d:\d\d:\d\d)')


def wait(pred, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


def seconds_stored(db):
    try:
        con = sqlite3.connect('file:%s?mode=ro' % db, uri=True, timeout=5)
        n = con.execute('SELECT count(DISTINCT t) FROM cpu_1s').fetchone()[0]
        con.close()
        return n
    except sqlite3.Error:
        return 0


def pids_of(pattern):
    r = subprocess.run(['pgrep', '-f', pattern], capture_output=True, text=True)
    return [int(p) for p in r.stdout.split()]


def main():
    xenmon, bake, sim = (os.path.abspath(p) for p in sys.argv[1:4])
    tap = Tap()
    tmux = Tmux('batch')
    with tempfile.TemporaryDirectory(prefix='xenmon-batch-') as tmp:
        db, _ = make_db(tmp, sim, bake)

        # through a pipe: N tables, blank-line separated, no escape codes
        r = subprocess.run([xenmon, '-b', '-c', '3', '-i', '100', '--db', db],
                           capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        heads = HEADER.findall(r.stdout)
        tap.ok(r.returncode == 0 and len(heads) == 3 and '\x1b' not in r.stdout and
               r.stdout.count('\n\n') == 2 and r.stderr == '',
               'xenmon -b -c 3 into a pipe: three plain tables, exit 0',
               'exit %d, %d headers: %r %r' % (r.returncode, len(heads),
                                                r.stdout[:300], r.stderr))
        # not a terminal: batch chosen by itself, one table by default
        r = subprocess.run([xenmon, '--db', db], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        tap.ok(r.returncode == 0 and len(HEADER.findall(r.stdout)) == 1,
               'without -b into a pipe: batch mode by itself, one table',
               'exit %d: %r' % (r.returncode, r.stdout[:300]))

        # following a recorder: the tables show later seconds as they come
        trace, live = tmp + '/rt.bin', tmp + '/live.db'
        subprocess.run([sim, '--cpus', '2', '--domains', '2', '--seconds', '40',
                        '-o', trace], check=True, capture_output=True)
        rec = subprocess.Popen([bake, '--input', trace, '--db', live, '--realtime',
                                '--quiet'], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        try:
            have = wait(lambda: seconds_stored(live) >= 2)
            r = subprocess.run([xenmon, '-b', '-c', '3', '-i', '2500', '--db', live],
                               capture_output=True, text=True, timeout=120,
                               stdin=subprocess.DEVNULL)
        finally:
            rec.terminate()
            rec.wait(timeout=30)
        heads = HEADER.findall(r.stdout)
        tap.ok(have and r.returncode == 0 and len(heads) == 3 and
               heads == sorted(heads) and heads[0] < heads[-1],
               'xenmon -b -c 3 -i 2500 beside a real-time replay: three tables, '
               'later seconds as they are stored (%s)' % ' '.join(heads),
               'exit %d: %r %r' % (r.returncode, r.stdout[:300], r.stderr))

        # -c 0: until interrupted; SIGTERM ends it with status 0
        p = subprocess.Popen([xenmon, '-b', '-c', '0', '-i', '200', '--db', db],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL)
        got = []
        ok = wait(lambda: got.append(p.stdout.readline()) or
                  sum(bool(HEADER.search(x)) for x in got) >= 3)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        tap.ok(ok and p.returncode == 0,
               'xenmon -b -c 0: tables until SIGTERM, then exit 0',
               'exit %s: %r' % (p.returncode, err))

        # on a real terminal, -b still prints tables, not the screen
        tmux.start('%s -b -c 2 -i 100 --db %s; echo EXIT=$?; sleep 600' % (xenmon, db),
                   width=100, height=50)
        ok, s = tmux.wait_text('EXIT=')
        s = tmux.run('capture-pane', '-p', '-S', '-').stdout   # with what scrolled
        tap.ok(ok and 'EXIT=0' in s and len(HEADER.findall(s)) == 2 and '\x1b' not in s,
               'xenmon -b -c 2 on a terminal (tmux): two tables, exit 0', s)

        # a closed terminal ends the viewer: with SIGHUP, and without it
        for how, cmd in (
                ('started in the terminal (SIGHUP)', '%s --db %s' % (xenmon, db)),
                ('started through su -c and setsid (EOF/EIO, no SIGHUP)',
                 "su -s /bin/sh -c 'exec setsid %s --db %s' root" % (xenmon, db))):
            tmux.start(cmd, width=100, height=40)
            ok, s = tmux.wait_text('Gotten')
            pids = pids_of('^%s --db %s$' % (re.escape(xenmon), re.escape(db)))
            t0 = time.time()
            tmux.kill()
            gone = wait(lambda: not any(os.path.exists('/proc/%d' % q) and
                                        open('/proc/%d/stat' % q).read().split()[2] != 'Z'
                                        for q in pids), timeout=10)
            took = time.time() - t0
            tap.ok(ok and pids and gone,
                   'the terminal closed, the viewer %s is gone (in %.2f s)' % (how, took),
                   'screen %r; pids %s' % (s[-400:], pids))
            for q in pids:
                try:
                    os.kill(q, signal.SIGKILL)
                except OSError:
                    pass
    tmux.kill()
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
