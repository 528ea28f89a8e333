#!/usr/bin/env python3
"""Domain names are measured and cut by the columns they take, not their
bytes; control, bidirectional and invalid characters are shown as '?'; in
the C locale every non-ASCII byte is; and the name column grows into a wide
terminal's spare columns, up to the longest name.  On the screen (tmux) and
in the plain table.  Output is TAP.

    test_names.py XENMON XENBAKED XENMON_SIM

Names are planted in the domain table, as xenbaked stores what xenstore
says; everything else is a replayed simulator trace.
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import Tap, Tmux, cells, make_db  # noqa: E402

EMOJI = '\U0001F600'
NAMES = {
    1: 'ünïcödé',                     # 7 columns, 14 bytes
    2: EMOJI * 4 + 'x',               # 9 columns, 17 bytes
    3: 'ab\u202ecd-rlo',              # right-to-left override
    4: b'bad\x80\xffz',               # not UTF-8
    5: 'tab\there\x1b[2J',            # C0 controls
    6: 'c1\u0085-\u2066iso\u2069',    # a C1 control, an isolate
}
# What the 8-column name column shows, in UTF-8 and in the C locale.
SHOWN_UTF8 = {1: 'ünïcödé', 2: EMOJI * 4, 3: 'ab?cd-rl', 4: 'bad??z',
              5: 'tab?here', 6: 'c1?-?iso'}
SHOWN_C = {1: '??n??c??', 2: '????????', 3: 'ab???cd-', 4: 'bad??z',
           5: 'tab?here', 6: 'c1??-???'}
FORBIDDEN = ('\u202e', '\u2066', '\u2069', '\u0085', '\x1b', '\t', '\ufffd')
WIDE = ['web-frontend-%02d' % i for i in range(1, 7)]
ROW = re.compile(r'^\s*(\d+) (.*?) ?(Gotten|Blocked|Waited)\b')


def plant(db, names):
    con = sqlite3.connect(db)
    for domid, name in names.items():
        if isinstance(name, bytes):
            con.execute("UPDATE domain SET name = CAST(? AS TEXT) "
                        "WHERE domid = ?", (name, domid))
        else:
            con.execute('UPDATE domain SET name = ? WHERE domid = ?',
                        (name, domid))
    con.commit()
    con.close()


def name_cells(s, width=8):
    """{domid: the name column's text} of a screen or table whose name
    column starts at column 6 and is WIDTH columns wide, with the column
    where the metric label begins, in terminal columns."""
    out = {}
    for line in s.splitlines():
        m = ROW.match(line)
        if not m or m.group(3) != 'Gotten':
            continue
        label = line.index('Gotten')
        out[int(m.group(1))] = (line[6:label].rstrip(' '),
                                cells(line[:label]))
    return out


def all_rows(s, domids):
    """The screen S is drawn: its header and a row for every domain."""
    got = name_cells(s)
    return 'All 4 CPUs' in s and all(d in got for d in domids)


def check_names(tap, s, shown, width, what):
    got = name_cells(s, width)
    bad = ['dom %d: %r at column %d, want %r at column %d' %
           (d, got.get(d, ('', 0))[0], got.get(d, ('', 0))[1], want, 7 + width)
           for d, want in shown.items()
           if got.get(d) != (want, 6 + width + 1)]
    tap.ok(len(got) >= len(shown) and not bad,
           '%s: names cut by columns and escaped, columns aligned' % what,
           '\n'.join(bad) + '\n' + s)
    tap.ok(not any(c in s for c in FORBIDDEN),
           '%s: no control, bidirectional or invalid character reaches the '
           'terminal' % what, repr(s))


def run_table(xenmon, db, locale):
    """xenmon's output into a pipe: the plain table."""
    env = dict(os.environ, LC_ALL=locale, TERM='xterm')
    try:
        r = subprocess.run([xenmon, '--db', db, '--noblocked', '--nowaited'],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           env=env, timeout=30)
    except subprocess.TimeoutExpired:
        return None, 'timed out waiting for it to exit'
    return r.returncode, r.stdout.decode('utf-8', 'replace')


def main():
    xenmon, bake, sim = sys.argv[1:4]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-names-')
    tm = Tmux('names')
    try:
        db, _ = make_db(tmp, sim, bake)
        wide = tmp + '/wide.db'
        shutil.copy(db, wide)
        plant(db, NAMES)
        plant(wide, dict(zip(range(1, 7), WIDE)))
        opts = '--noblocked --nowaited'

        for locale, shown in (('C.UTF-8', SHOWN_UTF8), ('C', SHOWN_C)):
            tm.start('env LC_ALL=%s TERM=screen NO_COLOR=1 %s --db %s %s'
                     % (locale, xenmon, db, opts), 80, 24)
            # The header can be on screen before the rows: wait for them.
            ok, s = tm.wait_for(lambda s: all_rows(s, shown))
            check_names(tap, s, shown, 8, 'screen, %s locale, 80 columns'
                        % locale)
            if locale == 'C':
                tap.ok(all(ord(c) < 0x7f for c in s.replace('\u2502', '|')),
                       'screen, C locale: only ASCII', repr(s))

        # the plain table: the column is as wide as the longest name
        rc, out = run_table(xenmon, db, 'C.UTF-8')
        longest = {1: 'ünïcödé', 2: EMOJI * 4 + 'x', 3: 'ab?cd-rlo',
                   4: 'bad??z', 5: 'tab?here?[2J', 6: 'c1?-?iso?'}
        check_names(tap, out, longest, 12, 'table, UTF-8')
        rc, out = run_table(xenmon, db, 'C')
        longest_c = {1: '??n??c??d??', 2: '?' * 16 + 'x', 3: 'ab???cd-rlo',
                     4: 'bad??z', 5: 'tab?here?[2J', 6: 'c1??-???iso???'}
        check_names(tap, out, longest_c, 17, 'table, C locale')
        tap.ok(rc == 0 and all(ord(c) < 0x7f for c in out),
               'table, C locale: only ASCII', repr(out))

        # a wide terminal gives the names its spare columns
        tm.start('env LC_ALL=C.UTF-8 TERM=screen NO_COLOR=1 %s --db %s %s'
                 % (xenmon, wide, opts), 220, 24)
        ok, s = tm.wait_for(lambda s: all_rows(s, range(1, 7)))
        check_names(tap, s, dict(zip(range(1, 7), WIDE)), 15,
                    'screen, 220 columns')
        tm.resize(80, 24)
        ok, s = tm.wait_for(lambda s: 'web-fron ' in s)
        check_names(tap, s, {d: n[:8] for d, n in zip(range(1, 7), WIDE)}, 8,
                    'screen, back at 80 columns')
        tm.keys('q')
    finally:
        tm.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
