#!/usr/bin/env python3
"""The CPUs' seconds packed (021_packed_cpu_seconds.sql): one row of
cpu_1s_packed per second, read back through the view cpu_1s as the rows
it stands for; the views that need one second (domain_1s, host_1s) read
the same figures from it; SQL that writes cpu_1s still works, a second
at a time; retention prunes both tables.  Output is TAP.

    test_packed_cpus.py XENBAKED SIM EXPORT

A simulated trace of 3 CPUs that begins half way into a second (its first
second is observed in part, and not alike on every CPU) is replayed.  The
packed rows are decoded here, in Python, by schema/packed.h's layout, and
must be what the view gives; the minutes the daemon rolled up from its
seconds in memory must be their sums.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402

BAKE, SIM, EXPORT = sys.argv[1:4]
START = 1700000000
MHZ = 2000
COLS = ('observed_ns', 'sched_ns', 'lost_records', 'malformed_records')
tap = Tap()


def column(blob, base, w, n):
    """The N values of a packed column (schema/packed.h)."""
    width, nl = w % 9, w // 9
    out = []
    for i in range(n):
        o = int.from_bytes(blob[i * width:(i + 1) * width], 'big') if width else 0
        out.append(None if nl and o == 0 else base + o - nl)
    return out


def decoded(con):
    """Every packed second as (t, cpu, columns...) rows, decoded here."""
    rows = []
    names = ['cpu'] + list(COLS)
    sql = 'SELECT t, n, %s FROM cpu_1s_packed ORDER BY t' % ', '.join(
        '%s, %s_base, %s_w' % (c, c, c) for c in names)
    for r in con.execute(sql):
        t, n = r[0], r[1]
        cols = [column(r[2 + 3 * k], r[3 + 3 * k], r[4 + 3 * k], n)
                for k in range(len(names))]
        rows += [(t,) + tuple(c[i] for c in cols) for i in range(n)]
    return rows


def head(v):
    """A column of values V without NULLs: its base and w (packed.h)."""
    spread = max(v) - min(v)
    return min(v), (spread.bit_length() + 7) // 8


def encode(v):
    base, w = head(v)
    return b''.join((x - base).to_bytes(w, 'big') for x in v)


def view(con, where='1'):
    return con.execute('SELECT t, cpu, %s FROM cpu_1s WHERE %s ORDER BY t, cpu'
                       % (', '.join(COLS), where)).fetchall()


def bake(*args):
    return subprocess.run([BAKE, '--cpu-mhz', str(MHZ)] + list(args),
                          capture_output=True, text=True, timeout=300)


def main():
    tmp = tempfile.mkdtemp(prefix='xenmon-packed-cpus-')
    try:
        trace = os.path.join(tmp, 'trace.bin')
        db = os.path.join(tmp, 'x.db')
        subprocess.run([SIM, '--seed', '5', '--mhz', str(MHZ), '--start-time',
                        str(START), '--cpus', '3', '--domains', '4',
                        '--seconds', '130.3', '-o', trace], check=True,
                       capture_output=True)
        r = bake('--input', trace, '--start-time', '%d.5' % START, '--db', db)
        tap.ok(r.returncode == 0, 'xenbaked replays a 3-CPU trace of 130 s', r.stderr[-600:])
        con = sqlite3.connect(db)
        secs = con.execute('SELECT count(*), sum(n = 3) FROM cpu_1s_packed').fetchone()
        plain = con.execute('SELECT count(*) FROM cpu_1s_plain').fetchone()[0]
        tap.ok(secs[0] >= 129 and secs[0] == secs[1] and plain == 0,
               'each second is one packed row of its 3 CPUs, none plain',
               'packed %s, plain %d' % (secs, plain))

        mine, theirs = decoded(con), view(con)
        tap.ok(mine == theirs and len(mine) == 3 * secs[0],
               'cpu_1s: the %d rows the packed seconds hold, decoded by packed.h' % len(mine),
               'first difference %s' % [(a, b) for a, b in zip(mine, theirs) if a != b][:1])
        varied = con.execute('SELECT count(*) FROM cpu_1s_packed WHERE sched_ns_w > 0'
                             ).fetchone()[0]
        tap.ok(varied >= 100, 'of which %d with values unlike on its CPUs' % varied)

        # the daemon's minutes, rolled up from the seconds it held in
        # memory, are the sums of what the view gives
        sums = con.execute('SELECT t - t % 60, cpu, count(*), sum(observed_ns), sum(sched_ns),'
                           ' sum(lost_records) FROM cpu_1s GROUP BY 1, 2 ORDER BY 1, 2'
                           ).fetchall()
        minutes = con.execute('SELECT t, cpu, seconds, observed_ns, sched_ns, lost_records'
                              ' FROM cpu_1m ORDER BY 1, 2').fetchall()
        tap.ok(sums == minutes and len(minutes) >= 6,
               'cpu_1m: the sums of cpu_1s per minute and CPU (%d rows)' % len(minutes),
               'first difference %s' % [(a, b) for a, b in zip(sums, minutes) if a != b][:1])

        # the views that read one second read the tables under cpu_1s; a
        # second whose CPUs were observed unlike (packed here: the
        # simulator's CPUs start alike) is read by decoding them
        odd = START - 100
        obs = [10**9, 5 * 10**8, 75 * 10**7]
        con.execute('INSERT INTO cpu_1s_packed VALUES (?, 3, ?, 0, 1, ?, ?, ?, ?, 0, 0,'
                    ' ?, 0, 0, ?, 0, 0)', (odd, bytes([0, 1, 2]), encode(obs), *head(obs),
                                           b'', b'', b''))
        con.execute('INSERT INTO sample_dom_1s (t, domid, exec_count, cpu_ns, wait_ns,'
                    ' blocked_ns, alloc_ns, alloc_unbounded, io_count) VALUES'
                    ' (?, 1, 1, 100, 0, 0, 0, 0, 0)', (odd,))
        con.commit()
        got = con.execute('SELECT observed_ns FROM domain_1s WHERE t = ?', (odd,)).fetchone()
        tap.ok(got == (sum(obs) // 3,) and view(con, 't = %d' % odd) ==
               [(odd, i, o, 0, 0, 0) for i, o in enumerate(obs)],
               'domain_1s: a packed second whose CPUs were observed unlike, their mean',
               'got %s' % (got,))
        host = con.execute('SELECT * FROM host_1s ORDER BY t').fetchall()
        want = con.execute('SELECT t, count(*), sum(observed_ns), sum(sched_ns),'
                           ' sum(lost_records), sum(malformed_records) FROM cpu_1s'
                           ' GROUP BY t ORDER BY t').fetchall()
        tap.ok(host == want, 'host_1s: the sums of cpu_1s per second (%d)' % len(host))
        obs = con.execute('SELECT d.t, d.observed_ns, (SELECT sum(observed_ns) / count(*)'
                          ' FROM cpu_1s c WHERE c.t = d.t) FROM domain_1s d').fetchall()
        bad = [o for o in obs if o[1] != o[2]]
        tap.ok(obs and not bad, 'domain_1s: each second\'s observed time is the mean of '
               'its CPUs\' (%d rows)' % len(obs), 'first difference %s' % bad[:1])
        e = subprocess.run([EXPORT, '--db', db, '-q', '--step', '1s', '--from', str(START),
                            '--to', str(START + 200)],
                           capture_output=True, text=True, timeout=120)
        tap.ok(e.returncode == 0 and e.stdout.count('\n') > 100,
               'xenmon-export reads the packed seconds (%d lines)' % e.stdout.count('\n'),
               e.stderr[-400:])

        # SQL that writes cpu_1s: the second it writes moves to
        # cpu_1s_plain whole, the others stay packed
        ts = [t for (t,) in con.execute('SELECT t FROM cpu_1s_packed ORDER BY t LIMIT 6 OFFSET 10')]
        before = {t: view(con, 't = %d' % t) for t in ts}
        con.execute('INSERT INTO cpu_1s (t, cpu, observed_ns, sched_ns, lost_records)'
                    ' VALUES (?, 7, 1000000000, 5, 0)', (ts[0],))
        con.execute('UPDATE cpu_1s SET sched_ns = 123 WHERE t = ? AND cpu = 1', (ts[1],))
        con.execute('DELETE FROM cpu_1s WHERE t = ? AND cpu = 0', (ts[2],))
        con.execute('INSERT OR REPLACE INTO cpu_1s (t, cpu, observed_ns, sched_ns,'
                    ' lost_records, malformed_records) VALUES (?, 2, 1000000000, 9, 1, 0)',
                    (ts[3],))
        con.execute('DELETE FROM cpu_1s WHERE t = ?', (ts[4],))
        try:
            con.execute('INSERT INTO cpu_1s (t, cpu, observed_ns, sched_ns, lost_records)'
                        ' VALUES (?, 0, 1, 1, 0)', (ts[5],))
            dup = 'accepted'
        except sqlite3.IntegrityError as ex:
            dup = str(ex)
        con.commit()
        after = {t: view(con, 't = %d' % t) for t in ts}
        b = before
        want = {
            ts[0]: b[ts[0]] + [(ts[0], 7, 1000000000, 5, 0, 0)],
            ts[1]: [x if x[1] != 1 else x[:3] + (123,) + x[4:] for x in b[ts[1]]],
            ts[2]: [x for x in b[ts[2]] if x[1] != 0],
            ts[3]: [x if x[1] != 2 else (ts[3], 2, 1000000000, 9, 1, 0) for x in b[ts[3]]],
            ts[4]: [],
            ts[5]: b[ts[5]],
        }
        for k, (t, w) in enumerate(want.items()):
            what = ('an INSERT of a new CPU', 'an UPDATE of one CPU', 'a DELETE of one CPU',
                    'an INSERT OR REPLACE of one CPU', 'a DELETE of the second',
                    'an INSERT of a CPU it has: %s' % dup)[k]
            tap.ok(after[t] == w and (k < 5 or dup != 'accepted'),
                   'cpu_1s after %s: the second as it was but that' % what,
                   'got %s, want %s' % (after[t], w))
        left = con.execute('SELECT count(*) FROM cpu_1s_packed WHERE t IN (%s)'
                           % ','.join(map(str, ts[:5]))).fetchone()[0]
        rest = con.execute('SELECT count(*) FROM cpu_1s_packed').fetchone()[0]
        tap.ok(left == 0 and rest == secs[0] + 1 - 5,
               'the five seconds written are plain now, the other %d still packed' % rest,
               'packed of them %d, all %d' % (left, rest))
        overlap = con.execute('SELECT count(*) FROM cpu_1s_plain p JOIN cpu_1s_packed k'
                              ' USING (t)').fetchone()[0]
        tap.ok(overlap == 0, 'no second is in both tables')
        con.close()

        # the daemon prunes both tables
        r = bake('--input', trace, '--start-time', '%d.5' % START, '--db', db,
                 '--retain-1s', '60s')
        con = sqlite3.connect(db)
        newest = con.execute('SELECT last_t FROM (SELECT max(t) AS last_t FROM cpu_1s_packed)'
                             ).fetchone()[0]
        old = con.execute('SELECT (SELECT count(*) FROM cpu_1s_plain WHERE t < ?1 - 60),'
                          ' (SELECT count(*) FROM cpu_1s_packed WHERE t < ?1 - 60)',
                          (newest,)).fetchone()
        tap.ok(r.returncode == 0 and old == (0, 0),
               'a replay with --retain-1s 60s prunes both tables below its newest 60 s',
               'left %s; %s' % (old, r.stderr[-400:]))
        tap.ok(view(con, 't = %d' % ts[0]) == [] and view(con, 't = %d' % ts[3]) == [],
               'the plain seconds written by SQL are pruned with the rest')
        con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.done()


if __name__ == '__main__':
    main()
