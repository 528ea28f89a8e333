#!/usr/bin/env python3
"""xenmon-export's command line: exit status and message of every kind of
bad input, hostile text that must stay data, output files that are whole or
absent, CSV that a strict reader parses, and --follow.  Output is TAP.

    test_export_cli.py EXPORT SCHEMA_DIR
"""
import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402

EXPORT, SCHEMA = sys.argv[1:3]
T0 = 1700006400                 # midnight UTC
results = []
HOSTILE = "x'); DROP TABLE sample_1s; --\",\r\nevil"


def check(name, cond, detail=''):
    results.append((name, bool(cond), detail))


def export(*args, timeout=60):
    r = subprocess.run([EXPORT] + list(args), capture_output=True, text=True,
                       timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def case(name, args, status, needle):
    rc, out, err = export(*args)
    check(name, rc == status and needle in err and err.count('\n') <= 2,
          'exit %d (want %d): %r' % (rc, status, err))


def make_db(path, seconds, version=2):
    """A small database from the schema files: 3 domains on 2 CPUs."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute('PRAGMA journal_mode=WAL')
    for v, f in enumerate(['001_init.sql', '002_history.sql'][:version], 1):
        con.executescript('BEGIN;' + open(os.path.join(SCHEMA, f)).read() +
                          'PRAGMA application_id=%d; PRAGMA user_version=%d; COMMIT;'
                          % (0x58656e4d, v))
    add_seconds(con, T0, seconds)
    con.executemany('INSERT INTO domain VALUES (?, ?, ?, ?)',
                    [(0, 'Domain-0', T0, T0), (1, HOSTILE, T0, T0), (2, 'web', T0, T0)])
    con.close()


def add_seconds(con, t0, n):
    con.execute('BEGIN')
    for t in range(t0, t0 + n):
        for cpu in (0, 1):
            con.execute('INSERT INTO cpu_1s VALUES (?, ?, 1000000000, 0, 0)', (t, cpu))
            for d in (0, 1, 2):
                con.execute('INSERT INTO sample_1s VALUES (?, ?, ?, 1, ?, 0, 0, 1000, 1000, 1000, 0, 0)',
                            (t, cpu, d, 100000000 * (d + 1)))
    con.execute('COMMIT')


def main():
    tmp = tempfile.mkdtemp(prefix='xenmon-export-cli-')
    db = os.path.join(tmp, 'x.db')
    make_db(db, 120)
    base = ['--db', db, '--from', str(T0), '--to', str(T0 + 60), '--step', '1m']

    rc, out, err = export('--help')
    check('--help exits 0 and explains', rc == 0 and '--follow' in out)
    rc, out, err = export('--version')
    check('--version', rc == 0 and 'xenmon-export' in out)
    case('unknown option', ['--bogus'], 2, "unknown option '--bogus'")
    case('missing --to', ['--db', db, '--from', '0'], 2, '--to TIME is required')
    case('malformed --from', ['--db', db, '--from', 'yesterday-ish', '--to', 'now'], 2,
         "--from: cannot read 'yesterday-ish' as a time")
    case('hostile --to stays a string', ['--db', db, '--from', '0', '--to', "1'); DROP TABLE x; --"],
         2, "--to: cannot read")
    case('inverted range', ['--db', db, '--from', str(T0 + 60), '--to', str(T0)], 2,
         'the range is inverted')
    case('empty range', ['--db', db, '--from', str(T0), '--to', str(T0)], 2, 'the range is empty')
    case('bad step', base[:-1] + ['5m'], 2, "--step: '5m' is not one of")
    case('bad format', base + ['--format', 'xml'], 2, "--format: 'xml' is not csv, json or openmetrics")
    case('unknown domain', base + ['--domain', 'nosuch'], 1, "no domain matches 'nosuch'")
    case('unknown domid', base + ['--domain', '77'], 1, "no domain matches '77'")
    case('missing database', ['--db', os.path.join(tmp, 'none.db')] + base[2:], 1, 'cannot open database')
    other = os.path.join(tmp, 'other.db')
    sqlite3.connect(other).execute('CREATE TABLE t (x)').connection.commit()
    case('not a xenmon database', ['--db', other] + base[2:], 1, 'not a xenmon one')
    notdb = os.path.join(tmp, 'notdb')
    open(notdb, 'w').write('hello, world\n' * 100)
    case('not a database at all', ['--db', notdb] + base[2:], 1, notdb)
    v1 = os.path.join(tmp, 'v1.db')
    make_db(v1, 10, version=1)
    case('older schema', ['--db', v1] + base[2:], 1, 'schema version 1')

    # a failed export leaves no file, neither the result nor a temporary one
    outf = os.path.join(tmp, 'out.csv')
    export(*(base + ['--domain', 'nosuch', '-o', outf]))
    check('failed export writes no file', not os.path.exists(outf) and
          not [f for f in os.listdir(tmp) if f.startswith('out.csv')])
    open(outf, 'w').write('old\n')
    rc, _, _ = export(*(['--db', other] + base[2:] + ['-o', outf]))
    check('failed export leaves an existing file as it was', rc == 1 and open(outf).read() == 'old\n')

    # hostile names are data: matched as a --domain, quoted in CSV and JSON
    rc, out, err = export(*(base + ['--domain', HOSTILE, '--domain', 'web', '--domain', '0', '-o', outf]))
    rows = list(csv.DictReader(open(outf, newline='')))
    check('hostile domain name is matched, not executed', rc == 0 and
          sqlite3.connect(db).execute('SELECT count(*) FROM sample_1s').fetchone()[0] == 720 and
          [r['name'] for r in rows] == ['Domain-0', HOSTILE, 'web'], err + str(rows))
    raw = open(outf, 'rb').read()
    check('CSV: LF line ends (a CR only inside the quoted name), one header, quoted '
          'field with doubled quote',
          raw.startswith(b't,time,domid,name,cpu_pct,') and raw.count(b'\n') >= 5 and
          raw.count(b'\r') == 1 and
          b'"x\'); DROP TABLE sample_1s; --"",\r\nevil"' in raw)
    check('figures: 10% on each of two CPUs is 20%; the minute is covered',
          rows[0]['cpu_pct'] == '20.00' and rows[0]['cpu_p95_pct'] == '20.00' and
          rows[2]['cpu_max_pct'] == '60.00' and rows[0]['covered_pct'] == '100.00' and
          rows[0]['time'] == '2023-11-15T00:00:00Z', str(rows[0]))
    rc, out, err = export(*(base + ['--format', 'json', '--domain', HOSTILE]))
    objs = [json.loads(line) for line in out.splitlines()]
    check('JSON: one object per line, name intact', rc == 0 and len(objs) == 1 and
          objs[0]['name'] == HOSTILE and objs[0]['domid'] == 1, out)
    rc, out, err = export('--db', db, '--from', '2023-11-15 00:00:00', '--to', '2023-11-15T00:02:00Z',
                          '--step', '1m')
    check('SQLite date strings are times; the table read is named',
          rc == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 6 and
          'reading sample_1s' in err, out + err)
    rc, out, err = export('--db', db, '--from', '-1h', '--to', 'now', '--step', '1h')
    check('relative times work (an empty result is only the header, exit 3: no data)',
          rc == 3 and len(out.splitlines()) == 1 and 'no data' in err, out + err)

    # --follow: rows appear as their steps complete, then stop at --to
    p = subprocess.Popen([EXPORT, '--db', db, '--from', str(T0 + 60), '--to', str(T0 + 180),
                          '--step', '1m', '--follow', '--domain', '2'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    add_seconds(sqlite3.connect(db, isolation_level=None), T0 + 120, 60)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    lines = out.splitlines()
    check('--follow writes each minute once complete and ends at --to',
          p.returncode == 0 and len(lines) == 3 and lines[1].startswith(str(T0 + 60)) and
          lines[2].startswith(str(T0 + 120)),
          'exit %s: %r %r' % (p.returncode, out, err))
    p = subprocess.Popen([EXPORT, '--db', db, '--from', str(T0), '--step', '1m', '--follow'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    check('--follow ends on SIGTERM with status 0',
          p.returncode == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 9,
          'exit %s: %r' % (p.returncode, out))

    return report(results)


if __name__ == '__main__':
    sys.exit(main())
