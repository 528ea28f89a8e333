#!/usr/bin/env python3
"""The viewer's domain filter (issue 18): --domain with ids, names and shell
globs (repeatable), live, over a range, in batch mode and for -n's log
files; '/' to filter by
name at run time, shown in the title, the status line and the help screen,
Esc or an empty filter to clear it; a filter that matches nothing says so
(on the screen; in batch mode on standard error, exit 1 when no argument
matches any domain).  The rule is xenmon-export's (schema/domfilter.c): an
exact name is taken literally, so a guest named 'web[1]' is not the glob
that would also match 'web1'; the export, given the same database and
arguments, selects the same domains.  Output is TAP.

    test_filter.py XENMON XENBAKED XENMON_SIM XENMON_EXPORT
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import START, Tap, Tmux, make_db  # noqa: E402

ROW = re.compile(r'^\s*(\d+) (\S+)\s+Gotten\b', re.M)
NAMES = {1: 'web[1]', 2: 'web1', 3: 'db-main'}


def ids(screen):
    return sorted(int(m.group(1)) for m in ROW.finditer(screen))


def status(screen):
    lines = screen.rstrip('\n').split('\n')
    return lines[-1] if lines else ''


def run(*args):
    env = dict(os.environ, TZ='UTC')
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=120, env=env)


def main():
    xenmon, bake, sim, export = sys.argv[1:5]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-filter-')
    t = Tmux('filter')
    try:
        db, _ = make_db(tmp, sim, bake)
        con = sqlite3.connect(db)
        for domid, name in NAMES.items():
            con.execute('UPDATE domain SET name = ? WHERE domid = ?', (name, domid))
        con.commit()
        con.close()
        view = 'TZ=UTC NO_COLOR=1 %s --db %s' % (xenmon, db)

        # --domain on the live screen: ids, names and globs, repeatable
        t.start(view + " --domain 'web*' --domain 4", 100, 30)
        ok, s = t.wait_settled('Gotten')
        tap.ok(ok and ids(s) == [1, 2, 4] and 'domains web* 4' in s.split('\n')[0] and
               'domains web* 4: 3 of 8 shown' in status(s),
               "--domain 'web*' --domain 4: domains 1, 2 and 4, said in the title "
               "and the status line", s)

        # '/' at run time: replaces the filter; the exact name wins
        t.keys('/')
        ok, s = t.wait_text('filter (id, name or glob')
        tap.ok(ok and 'web* 4_' in status(s),
               "'/' opens the filter, with the one in force to edit", status(s))
        t.keys('C-u', 'web[1]', 'Enter')
        ok, s = t.wait_for(lambda s: 'domains web[1]:' in s and ids(s) == [1])
        tap.ok(ok, "'/' web[1] Enter: the guest named 'web[1]' alone (an exact "
               "name, not the glob that matches web1)", s)
        t.keys('/', 'C-u', 'db-* 0', 'Enter')
        ok, s = t.wait_for(lambda s: ids(s) == [0, 3])
        tap.ok(ok and 'domains db-* 0: 2 of 8 shown' in status(s),
               "'/' 'db-* 0': a glob and an id", s)
        t.keys('/', 'C-u', 'nosuch-*', 'Enter')
        ok, s = t.wait_text('No domain matches nosuch-*')
        tap.ok(ok and ids(s) == [] and '0 of 8 shown' in status(s),
               'a filter that matches nothing says so on the screen', s)
        t.keys('/', 'Escape')
        ok, s = t.wait_for(lambda s: len(ids(s)) >= 6 and 'domains' not in s)
        tap.ok(ok, "'/' then Esc clears the filter: every domain again", s)
        t.keys('/', 'C-u', '2', 'Enter')
        ok, s = t.wait_for(lambda s: ids(s) == [2])
        t.keys('/', 'C-u', 'Enter')
        ok2, s = t.wait_for(lambda s: len(ids(s)) >= 6 and 'domains' not in s)
        tap.ok(ok and ok2, "an empty filter clears it too", s)
        t.keys('h')
        ok, s = t.wait_text('show only domains of these ids, names or globs')
        tap.ok(ok and re.search(r'^\s+/\s+show only', s, re.M),
               'the help screen lists the / key', s)
        t.keys('q')

        # over a range of history
        t.start(view + " --domain 'dom*' --from %d --to %d" % (START, START + 20), 100, 30)
        ok, s = t.wait_settled('Gotten')
        tap.ok(ok and ids(s) == [4, 5, 6] and 'HISTORY' in s and
               re.search(r'\(\d+\.\d\d%\) +│', s),
               "--domain 'dom*' over a range: the domains still named domN (4 to 6); "
               "the range's title whole, a blank before the separator", s)
        t.kill()

        # batch mode, through a pipe
        rng = ['--from', START, '--to', START + 20]
        r = run(xenmon, '-b', '--db', db, '--domain', 'web1', '--domain', '3', *rng)
        tap.ok(r.returncode == 0 and ids(r.stdout) == [2, 3] and r.stderr == '' and
               'domains web1 3' in r.stdout.split('\n')[0],
               'batch: --domain web1 --domain 3, in the table and its title',
               'exit %d: %r %r' % (r.returncode, r.stdout[:600], r.stderr))
        r = run(xenmon, '-b', '--db', db, '--domain', 'web-*', *rng)
        tap.ok(r.returncode == 1 and "no domain matches 'web-*'" in r.stderr and
               r.stdout == '',
               'batch: a filter that matches no domain: said, exit 1, no table',
               'exit %d: %r %r' % (r.returncode, r.stdout[:300], r.stderr))
        r = run(xenmon, '-b', '--db', db, '--domain', 'web-*', '--domain', 'Idle', *rng)
        tap.ok(r.returncode == 0 and "no domain matches 'web-*'" in r.stderr and
               ids(r.stdout) == [32767],
               'batch: one argument matches nothing: said, the others shown (exit 0)',
               'exit %d: %r %r' % (r.returncode, r.stdout[:300], r.stderr))

        # -n: only the chosen domains get log files
        logs = tmp + '/logs'
        os.mkdir(logs)
        r = subprocess.run([xenmon, '-n', '--db', db, '--domain', 'web*', '-p', logs + '/x',
                            '--from', str(START), '--to', str(START + 5)],
                           capture_output=True, text=True, timeout=120)
        files = sorted(os.listdir(logs))
        tap.ok(r.returncode == 0 and files == ['x-dom1.log', 'x-dom2.log'],
               "-n --domain 'web*': log files of domains 1 and 2 alone",
               'exit %d: %r %r' % (r.returncode, files, r.stderr))

        # one rule with the export: the same arguments select the same ids
        bad = []
        for args in (['web[1]'], ['web*'], ['db-main', '0'], ['dom[45]'], ['Idle'],
                     ['w?b1']):
            flags = [x for a in args for x in ('--domain', a)]
            v = run(xenmon, '-b', '--db', db, *flags, *rng)
            e = run(export, '--db', db, *flags, '--step', '1s', '-q', *rng)
            got_e = sorted({int(line.split(',')[2]) for line in e.stdout.split('\n')[1:]
                            if line})
            if v.returncode or e.returncode or ids(v.stdout) != got_e:
                bad.append((args, ids(v.stdout), got_e, v.stderr, e.stderr))
        tap.ok(not bad, 'xenmon and xenmon-export select the same domains for the '
               'same --domain arguments', repr(bad))
    finally:
        t.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
