#!/usr/bin/env python3
"""A stopped recorder does not look live (issue 18): when the newest second
is older than a few seconds, the viewer's header says how long ago the last
data came and whether a recorder holds the lock, instead of LIVE; in batch
mode and on the screen (tmux).  The clock is the real one; the lock is a
real flock() on a file the test hook XENMON_LOCK names.  Output is TAP.

    test_stale.py XENMON XENBAKED XENMON_SIM
"""
import fcntl
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import Tap, Tmux, make_db  # noqa: E402

os.environ.pop('XENMON_STALE_AFTER_S', None)   # the real rule, here
TITLE = re.compile(r'\| (LIVE|NOT RECORDING|STALLED|STALE)[^|]*\|')


def wait(pred, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    return None


def title(xenmon, db, env):
    r = subprocess.run([xenmon, '-b', '--db', db], capture_output=True, text=True,
                       timeout=60, env=env, stdin=subprocess.DEVNULL)
    m = TITLE.search(r.stdout)
    return m.group(0) if m and r.returncode == 0 else 'exit %d: %r' % (r.returncode, r.stderr)


def main():
    xenmon, bake, sim = (os.path.abspath(p) for p in sys.argv[1:4])
    tap = Tap()
    tmux = Tmux('stale')
    with tempfile.TemporaryDirectory(prefix='xenmon-stale-') as tmp:
        lock = tmp + '/xenbaked.lock'
        env = dict(os.environ, XENMON_LOCK=lock, XENMON_LOCK_LEGACY=tmp + '/old.lock')
        db, _ = make_db(tmp, sim, bake)     # seconds of 2023

        t = title(xenmon, db, env)
        tap.ok('NOT RECORDING, last data' in t and re.search(r'\d+y ago', t),
               'an old database and no recorder: NOT RECORDING, last data Ny ago', t)

        # a recorder holds the lock but stores nothing
        with open(lock, 'w') as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            t = title(xenmon, db, env)
            tap.ok('STALLED, last data' in t,
                   'the lock held, nothing stored: STALLED, last data ... ago', t)

        # fresh seconds from a real-time replay dated now: LIVE; once the
        # recorder is killed, not recording within a few seconds
        trace, live = tmp + '/rt.bin', tmp + '/live.db'
        subprocess.run([sim, '--cpus', '2', '--domains', '2', '--seconds', '120',
                        '-o', trace], check=True, capture_output=True)
        rec = subprocess.Popen([bake, '--input', trace, '--db', live, '--realtime',
                                '--start-time', str(int(time.time())), '--quiet'],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            seen = wait(lambda: (lambda t: t if 'LIVE' in t else None)(
                title(xenmon, live, env)))
            tap.ok(seen, 'a recorder storing each second: LIVE', str(seen))
            tmux.start('env XENMON_LOCK=%s XENMON_LOCK_LEGACY=%s/old.lock %s --db %s'
                       % (lock, tmp, xenmon, live), width=120, height=30)
            ok, s = tmux.wait_text('| LIVE ')
            tap.ok(ok, 'on the screen: LIVE while seconds come', s)
        finally:
            rec.send_signal(signal.SIGKILL)
            rec.wait()
        t0 = time.time()
        ok, s = tmux.wait_text('NOT RECORDING, last data', timeout=60)
        took = time.time() - t0
        tap.ok(ok, 'the recorder killed: the screen says NOT RECORDING (after %.1f s)'
               % took, s)
        tmux.kill()
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
