#!/usr/bin/env python3
"""Range views read from the roll-ups (issue 16): the real xenmon, in its
plain table and in tmux, over ranges that cross minute and hour boundaries
with ragged ends, for the whole host and one CPU, shows the same figures
as over the seconds alone; where seconds were pruned it widens the range
to whole minutes and says so; and the per-CPU roll-ups (schema 8) hold
exactly the sums of their seconds, written as the daemon stores seconds
and back-filled for a database of the release before.  Output is TAP.

The oracle "over the seconds alone" is the same database with meta
'history_backfill' set: the viewer then trusts no roll-up.  A copy whose
roll-up rows are poisoned shows that the roll-ups were really read.

    test_tiers.py XENMON XENBAKED XENMON_SIM SCHEMA_DIR
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

APP_ID = 0x58656e4d

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import (DbSums, Tap, Tmux, check_windows, copy_db,  # noqa: E402
                   metric_rows, range_table, run_argv)

H = 1700006400              # an hour: 2023-11-15 00:00:00 UTC
S = H - 400                 # the recording: 23:53:20 ..
SECONDS = 690               # .. 00:04:50, ending mid-minute
COLS = ('exec_count', 'cpu_ns', 'wait_ns', 'blocked_ns', 'alloc_ns',
        'alloc_unbounded', 'io_count')


run, copy, table = run_argv, copy_db, range_table


def rollups_exact(con, grain, table_):
    """Rows of TABLE_ that differ from the sums of their seconds, and
    (minute or hour, CPU, domain) of the seconds without a row."""
    sums = ', '.join('sum(%s)' % c for c in COLS)
    want = {r[:3]: r[3:] for r in con.execute(
        'SELECT t - t %% %d, cpu, domid, count(*), %s, min(alloc_min_ns),'
        ' max(alloc_max_ns) FROM sample_1s GROUP BY 1, 2, 3' % (grain, sums))}
    got = {r[:3]: r[3:] for r in con.execute(
        'SELECT t, cpu, domid, seconds, %s, alloc_min_ns, alloc_max_ns FROM %s'
        % (', '.join(COLS), table_))}
    bad = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    bad += [(k, v, None) for k, v in got.items() if k not in want]
    return bad


def before_cpu_rollups(schema, src, path):
    """A database of the schema before the per-CPU roll-ups (the migrations
    sorted before *_cpu_rollups.sql, as a release made it), holding SRC's
    rows of its tables."""
    files = sorted(f for f in os.listdir(schema) if f.endswith('.sql'))
    mine = [i for i, f in enumerate(files) if f.endswith('_cpu_rollups.sql')][0]
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript('BEGIN;' + ''.join(open(os.path.join(schema, f)).read()
                                         for f in files[:mine]) + 'COMMIT;')
    con.execute('PRAGMA application_id=%d' % APP_ID)
    con.execute('PRAGMA user_version=%d' % mine)
    con.execute("ATTACH 'file:%s?mode=ro' AS src" % src)
    con.execute('BEGIN')
    for (t,) in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"
                            " AND name NOT LIKE 'sqlite%'").fetchall():
        cols = ', '.join(r[1] for r in con.execute('PRAGMA main.table_info(%s)' % t))
        con.execute('INSERT INTO main.%s (%s) SELECT %s FROM src.%s' % (t, cols, cols, t))
    con.execute("DELETE FROM main.meta WHERE key LIKE 'cpu_rollup%'")
    con.execute('COMMIT')
    con.execute('DETACH src')
    con.close()
    return path


def main():
    xenmon, bake, sim, schema = sys.argv[1:5]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-tiers-')
    tm = Tmux('tiers')
    try:
        trace, db = tmp + '/t.bin', tmp + '/x.db'
        subprocess.run([sim, '--cpus', '2', '--domains', '3', '--vcpus', '1',
                        '--workload', 'periodic', '--rate', '0.05', '--seed', '5',
                        '--lost-bursts', '4', '--seconds', str(SECONDS),
                        '--start-time', str(S), '-o', trace], check=True,
                       capture_output=True)
        bake_argv = [bake, '--input', trace, '--db', db, '--cpu-mhz', '2400',
                     '--start-time', str(S), '--quiet']
        subprocess.run(bake_argv, check=True, capture_output=True)
        con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
        for grain, t in ((60, 'sample_cpu_1m'), (3600, 'sample_cpu_1h'),
                         (86400, 'sample_cpu_1d'), (604800, 'sample_cpu_1w')):
            bad = rollups_exact(con, grain, t)
            tap.ok(not bad, '%s: the sums of its seconds per CPU and domain, '
                   'as stored' % t, repr(bad[:5]))
        # the recording crosses a UTC midnight: two days (schema 14)
        sums = ', '.join('sum(%s)' % c for c in COLS)
        want = con.execute('SELECT t - t %% 86400, domid, %s, min(alloc_min_ns),'
                           ' max(alloc_max_ns) FROM sample_1s GROUP BY 1, 2'
                           ' ORDER BY 1, 2' % sums).fetchall()
        got = con.execute('SELECT t, domid, %s, alloc_min_ns, alloc_max_ns'
                          ' FROM sample_1d ORDER BY 1, 2' % ', '.join(COLS)).fetchall()
        tap.ok(got == want and len({r[0] for r in got}) == 2,
               'sample_1d: the sums of its seconds per domain, as stored, '
               'across midnight', repr([(a, b) for a, b in zip(got, want) if a != b][:3]))
        # and its weeks (schema 16), as the daemon rolls them up live
        want = con.execute('SELECT t - t %% 604800, domid, %s, min(alloc_min_ns),'
                           ' max(alloc_max_ns) FROM sample_1s GROUP BY 1, 2'
                           ' ORDER BY 1, 2' % sums).fetchall()
        got = con.execute('SELECT t, domid, %s, alloc_min_ns, alloc_max_ns'
                          ' FROM sample_1w ORDER BY 1, 2' % ', '.join(COLS)).fetchall()
        tap.ok(got == want and got, 'sample_1w: the sums of its seconds per '
               'domain, as stored', repr([(a, b) for a, b in zip(got, want) if a != b][:3]))
        con.close()

        secs = copy(db, tmp + '/seconds.db',
                    "INSERT INTO meta VALUES ('history_backfill', 'pending')")
        # which rows a view reads: poisoned ones change its figures
        poison = {
            'minutes': copy(db, tmp + '/pm.db',
                            'UPDATE sample_1m SET cpu_ns = cpu_ns * 3',
                            'UPDATE sample_cpu_1m SET cpu_ns = cpu_ns * 3'),
            'hours': copy(db, tmp + '/ph.db',
                          'UPDATE sample_1h SET cpu_ns = cpu_ns * 3',
                          'UPDATE sample_cpu_1h SET cpu_ns = cpu_ns * 3'),
        }
        sq = DbSums(db)
        # (from, to, what, the tiers it must read)
        ranges = [
            (S + 17, S + 683, 'minutes across the hour, ragged ends',
             ('minutes',)),
            (S + 61, S + 599, 'minutes, ragged ends', ('minutes',)),
            (H - 3600, S + 650, 'a whole hour, then minutes, ragged end',
             ('hours', 'minutes')),
            (S + 120, S + 300, 'whole minutes only', ('minutes',)),
        ]
        lossy = 0
        for t0, t1, what, tiers in ranges:
            for cpu in (None, 1):
                who = 'all CPUs' if cpu is None else 'CPU 1'
                rc, out, err = table(xenmon, db, t0, t1, cpu)
                rc2, want, err2 = table(xenmon, secs, t0, t1, cpu)
                lossy += 'per s)' in out
                tap.ok(rc == 0 and rc2 == 0 and out == want,
                       '%s, %s: the same table as from the seconds alone'
                       % (what, who), err + err2 + out + '\n---\n' + want)
                check_windows(tap, sq, out, '|', [(t0, t1 - 1), (t1 - 1, t1 - 1)],
                              cpu, '%s, %s, against sqlite3' % (what, who),
                              least=6)
                for tier in tiers:
                    rc3, bent, _ = table(xenmon, poison[tier], t0, t1, cpu)
                    tap.ok(rc3 == 0 and bent != out,
                           '%s, %s: read from the %s' % (what, who, tier),
                           bent)

        tap.ok(lossy > 0, 'lost records and their min and max per second '
               'shown over roll-ups too (%d tables)' % lossy)

        # the same recording with its minutes and hours packed as soon as
        # two minutes old (019_packed_rollups.sql; a test hook, the daemon
        # waits a week): the same tables, read through the packed rows
        packed = tmp + '/packed.db'
        subprocess.run([a if a != db else packed for a in bake_argv], check=True,
                       capture_output=True, env=dict(os.environ, XENMON_PACK_AGE_S='120'))
        pc = sqlite3.connect('file:%s?mode=ro' % packed, uri=True)
        npacked = [pc.execute('SELECT count(*) FROM %s_packed' % t).fetchone()[0]
                   for t in ('sample_1m', 'sample_1h')]
        pc.close()
        tap.ok(npacked[0] >= 6 and npacked[1] >= 1, 'packed: %d minutes and %d hour '
               'rows packed' % tuple(npacked), repr(npacked))
        for t0, t1, what, tiers in ranges:
            for cpu in (None, 1):
                who = 'all CPUs' if cpu is None else 'CPU 1'
                rc, out, err = table(xenmon, packed, t0, t1, cpu)
                rc2, want, err2 = table(xenmon, db, t0, t1, cpu)
                tap.ok(rc == 0 and rc2 == 0 and out == want,
                       'packed, %s, %s: the same table as unpacked' % (what, who),
                       err + err2 + out + '\n---\n' + want)

        # seconds pruned before S + 130: widened to whole minutes, said so
        pruned = copy(db, tmp + '/pruned.db',
                      'DELETE FROM sample_1s WHERE t < %d' % (S + 130),
                      'DELETE FROM sample_dom_1s WHERE t < %d' % (S + 130),
                      'DELETE FROM sample_dom_1s_packed WHERE t < %d' % (S + 130),
                      'DELETE FROM cpu_1s WHERE t < %d' % (S + 130),
                      "INSERT INTO meta VALUES ('pruned_before_1s', %d)" % (S + 130))
        for cpu in (None, 1):
            who = 'all CPUs' if cpu is None else 'CPU 1'
            rc, out, err = table(xenmon, pruned, S + 17, S + 523, cpu)
            rc2, want, err2 = table(xenmon, secs, S, S + 523, cpu)
            tap.ok(rc == 0 and '543 s from 23:53:00 to the minute' in out and
                   'not kept by the roll-ups' in out,
                   'pruned seconds, %s: the range widened to the minute, and '
                   'the header says so' % who, err + out)
            tap.ok(rc2 == 0 and metric_rows(out, '|') and
                   metric_rows(out, '|') == metric_rows(want, '|'),
                   'pruned seconds, %s: the figures of the whole minutes' % who,
                   out + '\n---\n' + want)
        rc, out, err = table(xenmon, db, S + 17, S + 523)
        tap.ok(rc == 0 and '506 s from 23:53:37' in out and
               'to the minute' not in out and 'to the hour' not in out,
               'seconds kept: no resolution in the header, the range as asked',
               err + out)

        # the per-CPU seconds pruned before S + 130 (retain-1s-cpu), the
        # per-domain ones kept: the whole host as before, and the per-CPU
        # view says from when its detail is kept, its range widened to the
        # minutes that hold it per CPU
        detail = copy(db, tmp + '/detail.db',
                      'DELETE FROM sample_1s WHERE t < %d' % (S + 130),
                      "INSERT INTO meta VALUES ('pruned_before_1s_cpu', %d)" % (S + 130))
        rc, out, err = table(xenmon, detail, S + 17, S + 523)
        rc2, want, err2 = table(xenmon, db, S + 17, S + 523)
        tap.ok(rc == rc2 == 0 and out == want and metric_rows(out, '|'),
               'per-CPU seconds pruned: the whole host reads the same',
               err + err2 + out + '\n---\n' + want)
        rc, out, err = table(xenmon, detail, S + 17, S + 523, 1)
        tap.ok(rc == 0 and 'per-CPU one-second samples kept from 2023-11-14 '
               '23:55:30 only' in out and '543 s from 23:53:00 to the minute' in out,
               'per-CPU seconds pruned: the per-CPU view says from when they are kept',
               err + out)
        rc, out, err = table(xenmon, detail, S + 200, S + 523, 1)
        tap.ok(rc == 0 and 'per-CPU' not in out,
               '... not for a range they still hold', err + out)

        # time travel over a range, on the screen: an hour back and forth
        tm.start('env LANG=C.UTF-8 TERM=screen NO_COLOR=1 %s --db %s '
                 '--from %d --to %d --cpu 0' % (xenmon, db, S + 17, S + 683),
                 100, 40)
        tm.wait_text('HISTORY')
        tm.keys('[')
        ok, s = tm.wait_settled('HISTORY 2023-11-15 00:03:42 UTC')
        tap.ok(ok, 'screen: [ moves the range a minute back', s)
        check_windows(tap, sq, s, '\u2502', [(S - 43, S + 622), (S + 622, S + 622)],
                      0, 'screen, a minute back ([), CPU 0', least=6)
        tm.keys('q')

        # a database of the release before: the per-CPU roll-ups
        # back-filled from the seconds when xenbaked first opens it
        v7 = before_cpu_rollups(schema, db, tmp + '/v7.db')
        subprocess.run(bake_argv[:4] + [v7] + bake_argv[5:], check=True,
                       capture_output=True)
        con = sqlite3.connect('file:%s?mode=ro' % v7, uri=True)
        left = con.execute("SELECT count(*) FROM meta WHERE key LIKE "
                           "'cpu_rollup_backfill%'").fetchone()[0]
        for grain, t in ((60, 'sample_cpu_1m'), (3600, 'sample_cpu_1h')):
            bad = rollups_exact(con, grain, t)
            tap.ok(not bad and not left, 'migrated: %s back-filled '
                   'with the sums of its seconds' % t, repr(bad[:5]))
        con.close()
        rc, out, err = table(xenmon, v7, H - 3600, S + 650, 1)
        rc2, want, err2 = table(xenmon, secs, H - 3600, S + 650, 1)
        tap.ok(rc == 0 and out == want, 'migrated: CPU 1 over a '
               'whole hour as from the seconds', err + out + '\n---\n' + want)
    finally:
        tm.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
