#!/usr/bin/env python3
"""Golden screens of the real xenmon in tmux: whole-host and per-CPU views at
80x24, a 60-column terminal, and the help screen, on a database replayed from
a fixed simulator trace; the header live and over a range of history (an
hour with 30 s of data, whose window title is the longest) at 60, 80, 120
and 200 columns, and with a domain filter.  The files in golden/ were
reviewed by eye once and are kept; a change to the screen shows as a diff
here.  Then the title line of a stale database, whose age is not fixed, at
each width: whole, never cut.  Output is TAP.

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
from vtest import START, Tap, make_db  # noqa: E402

SOCK = 'xenmon-golden-%d' % os.getpid()
sock = SOCK
# an hour of history that holds the recording's 30 s at its end
HOUR = ['--from', str(START - 3570), '--to', str(START + 31)]
SCREENS = [
    # name, width, height, keys sent after the first screen, options
    ('host-80x24', 80, 24, [], []),
    ('cpu1-80x24', 80, 24, ['c', 'n'], []),
    ('host-60x24', 60, 24, [], []),
    ('help-80x24', 80, 24, ['h'], []),
    ('host-120x8', 120, 8, [], []),
    ('host-200x8', 200, 8, [], []),
    ('history-60x8', 60, 8, [], HOUR),
    ('history-80x8', 80, 8, [], HOUR),
    ('history-120x8', 120, 8, [], HOUR),
    ('history-200x8', 200, 8, [], HOUR),
    # 20 s: a title that fits exactly up to the separator, once drawn
    # against it as though cut
    ('range-100x8', 100, 8, [], ['--from', str(START), '--to', str(START + 20)]),
    ('domains-80x12', 80, 12, [], ['--domain', 'dom[2-4]', '--domain', '0']),
    ('domains-none-80x8', 80, 8, [], ['--domain', 'web-*']),
]
WIDTHS = (60, 80, 120, 200)


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
        for name, w, h, keys, opts in SCREENS:
            tmux('kill-server')
            sock = '%s-%s' % (SOCK, name)  # a fresh server: no shutdown race
            tmux('new-session', '-d', '-x', str(w), '-y', str(h),
                 'TZ=UTC NO_COLOR=1 %s --db %s %s' % (
                     xenmon, db, ' '.join("'%s'" % o for o in opts)))
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
        for w in WIDTHS:
            tmux('kill-server')
            sock = '%s-stale-%d' % (SOCK, w)
            tmux('new-session', '-d', '-x', str(w), '-y', '8',
                 'TZ=UTC NO_COLOR=1 XENMON_STALE_AFTER_S=5 %s --db %s'
                 % (xenmon, db))
            title = settled().split('\n')[0].rstrip()
            tap.ok('NOT RECORDING' in title and len(title) <= w and
                   not title.endswith('|') and '22:13:48 UTC' in title,
                   'at %d columns a stale title is whole: %r' % (w, title))
        tmux('kill-server')
    finally:
        tmux('kill-server')
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
