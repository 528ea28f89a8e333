#!/usr/bin/env python3
"""No SQL is built from what users or guests write (TAP).  Domain names as
a hostile guest could set them in xenstore are put into a real database's
domain table; xenmon-export is asked for them by name, and every reader is
given hostile --from, --to, --step and --domain text.  Each run ends in a
clear error with the documented exit status (2 for a malformed time or
step, 1 for an unknown domain) or in exactly the rows of the domain named,
and the database is unchanged: same tables, same rows, integrity ok.

    hostile_sql.py --sim SIM --bake XENBAKED --export XENMON_EXPORT [--viewer XENMON]
"""
import argparse
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402

START = 1700000000
SECONDS = 6
results = []

# Names given to domains that have rows (domid: name) ...
NAMED = {
    1: "x'); DROP TABLE sample_1s; --",
    2: '"',
    3: '%s%n%s%n%x%p',
    4: 'ev\nil\x1b[2J\r',
}
# ... and to domain lifetimes without any (as a renamed or short-lived guest).
EXTRA = [
    "' OR '1'='1",
    'Robert"); DELETE FROM domain; --',
    'a' * 5000,
    'd\u00f6m\u00e4in-\u540d\u524d-\U0001F642',
    'tab\there\nnewline\rcr\x01\x1b[2J\x1b]0;title\x07',
    '*', '?', '%', '_', '[0-9]', "''", '\\', ',;|&`$(id)',
    'json"}, {"domid": 0',
]
HOSTILE_TIMES = [
    "now'); DROP TABLE sample_1s; --",
    '1700000000 OR 1=1',
    '1700000000; DELETE FROM domain',
    "' OR ''='",
    '%s%n',
    "-1d'); --",
    'now\x01',
    'now\n-1d',
    '1' * 4000,
    "unixepoch'",
]


def check(name, cond, detail=''):
    results.append((name, bool(cond), detail))


def run(argv):
    """Output decoded by hand: text mode would turn a name's \\r into \\n."""
    r = subprocess.run(argv, capture_output=True, timeout=60)
    r.stdout = r.stdout.decode('utf-8', 'surrogateescape')
    r.stderr = r.stderr.decode('utf-8', 'surrogateescape')
    return r


def snapshot(db):
    """Everything a reader could have changed."""
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
    try:
        schema = con.execute('SELECT type, name, sql FROM sqlite_schema '
                             'ORDER BY name').fetchall()
        counts = {n: con.execute('SELECT count(*) FROM "%s"' % n).fetchone()[0]
                  for t, n, _ in schema if t == 'table'}
        domains = con.execute('SELECT * FROM domain ORDER BY domid, first_t'
                              ).fetchall()
        ok = con.execute('PRAGMA integrity_check').fetchone()[0]
        return schema, counts, domains, ok
    finally:
        con.close()


def plant_names(db):
    """As xenbaked would store names read from xenstore."""
    con = sqlite3.connect(db)
    with con:
        for domid, name in NAMED.items():
            con.execute('UPDATE domain SET name = ? WHERE domid = ?', (name, domid))
        for i, name in enumerate(EXTRA):
            con.execute('INSERT INTO domain (domid, name, first_t, last_t) '
                        'VALUES (?, ?, ?, ?)', (1000 + i, name, START, START + 1))
    con.close()


def export(a, *args):
    return run([a.export, '--db', a.db, '--from', str(START), '--to',
                str(START + SECONDS), '--step', '1s'] + list(args))


def rows(r, fmt):
    if fmt == 'json':
        return [json.loads(line) for line in r.stdout.splitlines()]
    return list(csv.DictReader(io.StringIO(r.stdout, newline='')))


def test_names(a):
    for domid, name in NAMED.items():
        for fmt in ('csv', 'json'):
            r = export(a, '--domain', name, '--format', fmt)
            got = rows(r, fmt) if r.returncode == 0 else []
            good = got and all(int(x['domid']) == domid and x['name'] == name
                               for x in got)
            check('--domain %r (%s): exactly domain %d, name intact' %
                  (name, fmt, domid), r.returncode == 0 and good,
                  r.stderr + r.stdout[:300])
    for name in EXTRA:
        r = export(a, '--domain', name, '--format', 'json')
        check('--domain %r (no rows): exit 0, nothing else' % name[:40],
              r.returncode == 0 and r.stdout == '', r.stderr + r.stdout[:300])
    for name in ("nobody' OR '1'='1", '1 OR 1=1', '0; DROP TABLE domain',
                 'dom1\' --', '%'):
        if name in EXTRA:
            continue
        r = export(a, '--domain', name)
        check('--domain %r (unknown): exit 1, named' % name,
              r.returncode == 1 and "no domain matches '%s'" % name in r.stderr and
              r.stdout == '', r.stderr)
    r = export(a, '--domain', '0', '--domain', NAMED[1])
    check('two --domain, one hostile: both, only them',
          r.returncode == 0 and {int(x['domid']) for x in rows(r, 'csv')} == {0, 1},
          r.stderr)


def test_times(a):
    for t in HOSTILE_TIMES:
        for flag, argv in (('--from', ['--from', t, '--to', 'now']),
                           ('--to', ['--from', str(START), '--to', t])):
            r = run([a.export, '--db', a.db] + argv)
            check('xenmon-export %s %r: exit 2, said' % (flag, t[:40]),
                  r.returncode == 2 and ('%s: cannot read' % flag) in r.stderr
                  and r.stdout == '', r.stderr[:300])
            if a.viewer:
                r = run([a.viewer, '-n', '--db', a.db, '-p', a.tmp + '/v'] + argv)
                check('xenmon -n %s %r: exit 2, said' % (flag, t[:40]),
                      r.returncode == 2 and ('%s: cannot read' % flag) in r.stderr,
                      r.stderr[:300])
    for step in ("1h'; DROP TABLE sample_1s; --", '1s OR 1=1', '%n'):
        r = export(a, '--step', step)
        check('--step %r: exit 2, said' % step,
              r.returncode == 2 and '--step' in r.stderr, r.stderr)


def test_viewer(a):
    """The viewer reads the hostile names too (its name query), in log mode."""
    if not a.viewer:
        return
    r = run([a.viewer, '-n', '--db', a.db, '-p', a.tmp + '/h', '--from',
             str(START), '--to', str(START + SECONDS - 1)])
    check('xenmon -n over the hostile names: exit 0, its log files',
          r.returncode == 0 and os.path.exists(a.tmp + '/h-dom1.log'), r.stderr)


def test_screen(a):
    """On the screen a newline or escape in a name is a '?': it neither
    moves the cursor over other rows nor reaches the terminal."""
    if not a.viewer or not shutil.which('tmux'):
        results.append(('names on the screen # SKIP no tmux', True, ''))
        return
    sock = ['tmux', '-L', 'xenmon-hostile-%d' % os.getpid()]
    cmd = '%s --db %s --from %d --to %d' % (a.viewer, a.db, START, START + 4)
    subprocess.run(sock + ['new-session', '-d', '-x', '80', '-y', '40', cmd],
                   check=True, capture_output=True)
    try:
        screen, deadline = '', time.time() + 15
        while time.time() < deadline and 'ev?il?[2' not in screen:
            time.sleep(0.1)
            screen = subprocess.run(sock + ['capture-pane', '-p'],
                                    capture_output=True, text=True).stdout
        check('xenmon draws control characters in a name as ?',
              'ev?il?[2' in screen and "x'); DR" in screen, screen)
    finally:
        subprocess.run(sock + ['kill-server'], capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--export', required=True)
    ap.add_argument('--viewer', default='')
    a = ap.parse_args()
    a.tmp = tempfile.mkdtemp(prefix='xenmon-hostile-')
    a.db = os.path.join(a.tmp, 'x.db')
    try:
        trace = os.path.join(a.tmp, 't.bin')
        subprocess.run([a.sim, '--cpus', '2', '--domains', '4', '--seconds',
                        str(SECONDS), '--seed', '11', '--mhz', '2400',
                        '--start-time', str(START), '-o', trace, '--truth',
                        a.tmp + '/truth'], check=True, capture_output=True)
        subprocess.run([a.bake, '--input', trace, '--db', a.db, '--cpu-mhz',
                        '2400', '--start-time', str(START), '--quiet'],
                       check=True, capture_output=True)
        plant_names(a.db)
        before = snapshot(a.db)
        check('the planted database is whole', before[3] == 'ok' and
              before[1].get('sample_1s', 0) > 0, before[1])
        test_names(a)
        test_times(a)
        test_viewer(a)
        test_screen(a)
        after = snapshot(a.db)
        check('same tables, views and indexes afterwards', after[0] == before[0])
        check('same row counts afterwards', after[1] == before[1],
              '%s\n%s' % (before[1], after[1]))
        check('domain table unchanged', after[2] == before[2])
        check('integrity_check ok afterwards', after[3] == 'ok', after[3])
    finally:
        shutil.rmtree(a.tmp, ignore_errors=True)
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
