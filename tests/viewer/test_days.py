#!/usr/bin/env python3
"""Ranges of days read from the one-day roll-ups (issue 16, schema 14): the
real xenmon shows, over a range with whole UTC days in its middle and
ragged ends, for the whole host and one CPU, the same table as over the
seconds alone and as over the hours (no day tables); the days were really
read (poisoned day rows change it); where the seconds, minutes and hours
of an end were pruned it widens the range to the day and says so.  The
day rows xenbaked rolls up are those of the hours added up.  Output is TAP.

A day of a recorded trace is too long to simulate here, so the seconds,
30 hours of 2 CPUs and 3 domains, are written with sqlite3 into a database
xenbaked created, and xenbaked rolls them up as it does a database of
schema 1 (meta 'history_backfill'), hour by hour from the seconds.

    test_days.py XENMON XENBAKED
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import Tap, copy_db, metric_rows, range_table  # noqa: E402

D = 1700006400              # a UTC midnight: 2023-11-15 00:00:00
FIRST = D - 3 * 3600        # the seconds stored: 21:00 the day before ..
END = D + 86400 + 3 * 3600  # .. 03:00 the day after
CPUS, DOMS = 2, 3
SUMS = ('seconds', 'exec_count', 'cpu_ns', 'wait_ns', 'blocked_ns', 'alloc_ns',
        'alloc_unbounded', 'io_count', 'io_bytes')


def hms(t):
    return time.strftime('%H:%M:%S', time.gmtime(t))


def lost(text):
    """The records lost in the range, as the table says."""
    for line in text.splitlines():
        if 'Records lost: ' in line:
            return line.split('Records lost: ')[1].split(' (')[0]
    return None


copy = copy_db


def table(xenmon, db, t0, t1, cpu=None):
    return range_table(xenmon, db, t0, t1, cpu, timeout=120)


def seconds(t):
    """The rows of second T: a reproducible load, some lost records."""
    cpus = [(t, c, 1000000000, 1000 + t % 7, 3 if t % 977 == c else 0)
            for c in range(CPUS)]
    samples = []
    for c in range(CPUS):
        for d in range(1, DOMS + 1):
            h = (t * 2654435761 + d * 40503 + c * 977) % 1000003
            bounded = h % 5 != 0
            samples.append((t, c, d, 1 + h % 40, (h % 450) * 1000000,
                            (h % 37) * 100000, (1000 - h % 500) * 900000,
                            30000000 * (1 + h % 40),
                            1000000 + h % 9 if bounded else None,
                            30000000 - h % 11 if bounded else None,
                            h % 2, h % 100, h % 3 * 4096))
        samples.append((t, c, 32767, 10, 400000000, 0, 0, 0, None, None, 0, 0, 0))
    return cpus, samples


def make_db(bake, tmp):
    """xenbaked creates the database; the seconds go in; xenbaked rolls
    them up from the seconds when it opens it again."""
    db, empty = tmp + '/days.db', tmp + '/empty.bin'
    open(empty, 'wb').close()
    # (an empty input is an error, said, once the database is made)
    subprocess.run([bake, '--input', empty, '--db', db, '--quiet'],
                   capture_output=True, timeout=120)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute('BEGIN')
    for t in range(FIRST, END):
        cpus, samples = seconds(t)
        con.executemany('INSERT INTO cpu_1s (t, cpu, observed_ns, sched_ns,'
                        ' lost_records) VALUES (?, ?, ?, ?, ?)', cpus)
        con.executemany('INSERT INTO sample_1s (t, cpu, domid, exec_count, cpu_ns,'
                        ' wait_ns, blocked_ns, alloc_ns, alloc_min_ns, alloc_max_ns,'
                        ' alloc_unbounded, io_count, io_bytes) VALUES'
                        ' (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', samples)
    con.executemany('INSERT INTO domain (domid, name, first_t, last_t) VALUES'
                    ' (?, ?, ?, ?)', [(d, 'vm%d' % d, FIRST, END - 1)
                                      for d in range(1, DOMS + 1)])
    con.execute("INSERT INTO meta VALUES ('cpus', %d)" % CPUS)
    # as a database of schema 1 migrated: no watermark, all to roll up
    con.execute("DELETE FROM meta WHERE key = 'rollup_1h_upto'")
    con.execute("INSERT INTO meta VALUES ('history_backfill', 'pending')")
    con.execute('COMMIT')
    con.close()
    r = subprocess.run([bake, '--input', empty, '--db', db, '--quiet'],
                       capture_output=True, text=True, timeout=600)
    return db, r


def hist(blob):
    """A packed histogram (schema/hist.h) as {bin: n}."""
    out, b, i, v, shift = {}, 0, 0, 0, 0
    while i < len(blob):
        v |= (blob[i] & 0x7f) << shift
        shift += 7
        if not blob[i] & 0x80:
            if v % 2:
                b += v // 2
            else:
                out[b] = v // 2
                b += 1
            v = shift = 0
        i += 1
    return out


def days_from_hours(con):
    """sample_1d rows that are not their hours' rows added up."""
    cols = ', '.join(SUMS)
    want = {}
    for r in con.execute('SELECT t, domid, %s, alloc_min_ns, alloc_max_ns,'
                         ' cpu_peak_ns, cpu_pct_hist FROM sample_1h' % cols):
        k = (r[0] - r[0] % 86400, r[1])
        w = want.setdefault(k, [0] * len(SUMS) + [None, None, 0, {}])
        n = len(SUMS)
        for i in range(n):
            w[i] += r[2 + i]
        for i, f in ((n, min), (n + 1, max)):
            if r[2 + i] is not None:
                w[i] = r[2 + i] if w[i] is None else f(w[i], r[2 + i])
        w[n + 2] = max(w[n + 2], r[2 + n + 2])
        for b, c in hist(r[-1]).items():
            w[n + 3][b] = w[n + 3].get(b, 0) + c
    got = {r[:2]: list(r[2:-1]) + [hist(r[-1])] for r in con.execute(
        'SELECT t, domid, %s, alloc_min_ns, alloc_max_ns, cpu_peak_ns,'
        ' cpu_pct_hist FROM sample_1d' % cols)}
    return [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v] + \
        [(k, v, None) for k, v in got.items() if k not in want]


def main():
    xenmon, bake = sys.argv[1:3]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-days-')
    try:
        db, r = make_db(bake, tmp)
        con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
        left = con.execute("SELECT count(*) FROM meta WHERE key = 'history_backfill'"
                           ).fetchone()[0]
        tap.ok(left == 0, 'xenbaked rolls up 30 hours of seconds', r.stderr[-800:])
        days = [t for (t,) in con.execute('SELECT DISTINCT t FROM sample_1d ORDER BY t')]
        tap.ok(days == [D - 86400, D, D + 86400],
               'sample_1d: a row per UTC day of the seconds', str(days))
        bad = days_from_hours(con)
        tap.ok(not bad, 'sample_1d: each row the sum of its hours, the '
               'histograms added up bin by bin', repr(bad[:2]))
        for day, hour in (('cpu_1d', 'cpu_1h'), ('sample_cpu_1d', 'sample_cpu_1h')):
            key = 'cpu' if day == 'cpu_1d' else 'cpu, domid'
            cols = [c for (_, c, *_) in con.execute('PRAGMA table_info(%s)' % day)
                    if c not in ('t', 'cpu', 'domid')]
            agg = ', '.join('%s(%s)' % ('min' if c == 'alloc_min_ns' else 'max'
                                        if c == 'alloc_max_ns' else 'sum', c)
                            for c in cols)
            want = con.execute('SELECT t - t %% 86400, %s, %s FROM %s GROUP BY 1, %s'
                               ' ORDER BY 1, %s' % (key, agg, hour, key, key)).fetchall()
            got = con.execute('SELECT t, %s, %s FROM %s ORDER BY 1, %s'
                              % (key, ', '.join(cols), day, key)).fetchall()
            tap.ok(got == want and got, '%s: each row the sum of its hours' % day,
                   str([(a, b) for a, b in zip(got, want) if a != b][:2]))
        con.close()

        secs = copy(db, tmp + '/seconds.db',
                    "INSERT INTO meta VALUES ('history_backfill', 'pending')")
        hours = copy(db, tmp + '/hours.db', 'DROP VIEW domain_1d',
                     'DROP TABLE sample_1d', 'DROP TABLE cpu_1d',
                     'DROP TABLE sample_cpu_1d')
        poison = copy(db, tmp + '/pd.db', 'UPDATE sample_1d SET cpu_ns = cpu_ns * 3',
                      'UPDATE sample_cpu_1d SET cpu_ns = cpu_ns * 3')
        # a day in the middle, hours, minutes and seconds at both ends
        t0, t1 = D - 2 * 3600 - 120 + 17, D + 86400 + 2 * 3600 + 120 + 37
        for cpu in (None, 1):
            who = 'all CPUs' if cpu is None else 'CPU 1'
            rc, out, err = table(xenmon, db, t0, t1, cpu)
            rc2, want, err2 = table(xenmon, secs, t0, t1, cpu)
            rc3, by_hours, err3 = table(xenmon, hours, t0, t1, cpu)
            rc4, bent, _ = table(xenmon, poison, t0, t1, cpu)
            # the lost records' min and max per second are not kept by
            # the roll-ups (xenmon(1)): their total is
            tap.ok(rc == rc2 == 0 and metric_rows(out, '|') and
                   metric_rows(out, '|') == metric_rows(want, '|') and
                   lost(out) and lost(out) == lost(want),
                   'a day and ragged ends, %s: the same figures as from the '
                   'seconds alone, and lost records' % who,
                   err + err2 + out + '\n---\n' + want)
            tap.ok(rc3 == 0 and out == by_hours,
                   'a day and ragged ends, %s: the same table as from the hours'
                   % who, err3 + by_hours)
            tap.ok(rc4 == 0 and bent != out,
                   'a day and ragged ends, %s: read from the days' % who, bent)
            tap.ok('to the day' not in out and 'to the hour' not in out and
                   '%d s from %s' % (t1 - t0, hms(t0)) in out,
                   'a day and ragged ends, %s: the range as asked, exact to '
                   'the second' % who, out)

        # seconds, minutes and hours pruned before the day after: an end
        # in the middle day is widened to the day, and the title says so
        cut = D + 86400
        pruned = copy(db, tmp + '/pruned.db', *(
            ['DELETE FROM %s WHERE t < %d' % (t, cut) for t in (
                'sample_1s', 'cpu_1s', 'sample_1m', 'cpu_1m', 'sample_cpu_1m',
                'sample_1h', 'cpu_1h', 'sample_cpu_1h')] +
            ["INSERT INTO meta VALUES ('pruned_before_%s', %d)" % (k, cut)
             for k in ('1s', '1m', '1h')]))
        for cpu in (None, 1):
            who = 'all CPUs' if cpu is None else 'CPU 1'
            rc, out, err = table(xenmon, pruned, D + 5000, D + 86400 + 7200 + 77, cpu)
            rc2, want, err2 = table(xenmon, secs, D, D + 86400 + 7200 + 77, cpu)
            tap.ok(rc == 0 and '%d s from 00:00:00 to the day' % (86400 + 7200 + 77)
                   in out, 'pruned to the days, %s: the range widened to the '
                   'day, and the header says so' % who, err + out)
            tap.ok(rc2 == 0 and metric_rows(out, '|') and
                   metric_rows(out, '|') == metric_rows(want, '|'),
                   'pruned to the days, %s: the figures of the whole day' % who,
                   out + '\n---\n' + want)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


sys.exit(main())
