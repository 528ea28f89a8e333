#!/usr/bin/env python3
"""Golden screens of the real xenmon in tmux: whole-host and per-CPU views at
80x24, a 60-column terminal, and the help screen, on a database replayed from
a fixed simulator trace.  The files in golden/ were reviewed by eye once and
are kept; a change to the screen shows as a diff here.  Output is TAP.

    test_golden.py XENMON XENBAKED XENMON_SIM [--update]
"""
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vtest import Tap, make_db  # noqa: E402

SOCK = 'xenmon-golden-%d' % os.getpid()
sock = SOCK
SCREENS = [
    # name, width, height, keys sent after the first screen
    ('host-80x24', 80, 24, []),
    ('cpu1-80x24', 80, 24, ['c', 'n']),
    ('host-60x24', 60, 24, []),
    ('help-80x24', 80, 24, ['h']),
]


def tmux(*args):
    return subprocess.run(['tmux', '-L', sock] + list(args), capture_output=True,
                          text=True)


def settled():
    """The screen, once two captures 0.3 s apart agree."""
    last, end = None, time.time() + 15
    while time.time() < end:
        s = tmux('capture-pane', '-p').stdout
        if s == last and 'waiting' not in s and s.strip():
            return s
        last = s
        time.sleep(0.3)
    return last or ''


def main():
    xenmon, bake, sim = sys.argv[1:4]
    update = '--update' in sys.argv
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-golden-')
    try:
        db, _ = make_db(tmp, sim, bake)
        global sock
        for name, w, h, keys in SCREENS:
            tmux('kill-server')
            sock = '%s-%s' % (SOCK, name)  # a fresh server: no shutdown race
            tmux('new-session', '-d', '-x', str(w), '-y', str(h),
                 'NO_COLOR=1 %s --db %s' % (xenmon, db))
            settled()
            for k in keys:
                tmux('send-keys', k)
                time.sleep(0.3)
            got = settled()
            path = os.path.join(HERE, 'golden', name + '.txt')
            if update:
                open(path, 'w').write(got)
            want = open(path).read() if os.path.exists(path) else ''
            diff = ''.join(difflib.unified_diff(want.splitlines(True),
                                                got.splitlines(True),
                                                'golden/' + name, 'screen'))
            tap.ok(got == want, 'screen %s matches its golden file' % name, diff)
        tmux('kill-server')
    finally:
        tmux('kill-server')
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
