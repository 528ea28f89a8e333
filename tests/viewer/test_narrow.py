#!/usr/bin/env python3
"""Small terminals: at 60 and 40 columns the windows' titles still say
"Last 10 s" (the long one reaches left over the blank id and name columns
instead of being cut at its one remaining column), and at 40x10 the help
screen scrolls with the main screen's keys and says which lines it shows.
The real xenmon in tmux.  Output is TAP.

    test_narrow.py XENMON XENBAKED XENMON_SIM
"""
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import Tap, Tmux, make_db  # noqa: E402

LINES = re.compile(r'lines (\d+)-(\d+) of (\d+)')


def help_at(s):
    m = LINES.search(s)
    return tuple(int(x) for x in m.groups()) if m else None


def main():
    xenmon, bake, sim = sys.argv[1:4]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-narrow-')
    tm = Tmux('narrow')
    try:
        db, _ = make_db(tmp, sim, bake)
        cmd = 'env LANG=C.UTF-8 TERM=screen NO_COLOR=1 %s --db %s' % (xenmon, db)
        for width in (60, 40):
            tm.start(cmd, width, 24)
            ok, s = tm.wait_text('narrow: hiding')
            head = s.splitlines()[1] if len(s.splitlines()) > 1 else ''
            tap.ok(ok and re.search(r'Last 10 s \(\d+\.\d\d%\)', head) and
                   '1 s to 22:13:48' in head and
                   all(len(line) <= width for line in s.splitlines()),
                   '%d columns: "Last 10 s (busy %%)" and "1 s to" whole'
                   % width, s)
            tm.keys('q')

        tm.start(cmd, 40, 10)
        ok, s = tm.wait_text('narrow: hiding')
        tm.keys('h')
        ok, s = tm.wait_for(lambda s: help_at(s) is not None)
        first = help_at(s) or (0, 0, 0)
        tap.ok(ok and first[0] == 1 and first[1] == 9 and first[2] > 9 and
               'xenmon: per-domain' in s,
               'help at 40x10: its first 9 lines, and "lines 1-9 of N"', s)
        tm.keys('NPage')
        ok, s = tm.wait_for(lambda s: help_at(s) not in (None, first))
        page = help_at(s) or (0, 0, 0)
        tap.ok(ok and page[0] > 1 and page[1] - page[0] == 8 and
               'xenmon: per-domain' not in s,
               'PgDn scrolls the help a page down', s)
        tm.keys('Down')
        ok, s = tm.wait_for(lambda s: help_at(s) not in (None, page))
        tap.ok(ok and help_at(s)[0] == page[0] + 1, 'Down scrolls one line', s)
        if not ok:  # no help lines to follow (nothing scrolls): stop here
            return tap.done()
        for _ in range(first[2]):
            tm.keys('Down')
        ok, s = tm.wait_for(lambda s: help_at(s) is not None and
                            help_at(s)[1] == help_at(s)[2])
        tap.ok(ok and 'Local times (-u: UTC)' in s,
               'the help scrolls to its last line, and stops there', s)
        tm.keys('Home')
        ok, s = tm.wait_for(lambda s: help_at(s) == first)
        tap.ok(ok and 'xenmon: per-domain' in s, 'Home goes back to its top', s)
        tm.keys('x')
        ok, s = tm.wait_text('All 4 CPUs')
        tap.ok(ok, 'another key closes the help', s)
        tm.keys('q')
    finally:
        tm.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
