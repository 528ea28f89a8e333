#!/usr/bin/env python3
"""A database made by the release before the compact store, migrated in
place by this xenbaked: every figure it held reads the same.  Output is TAP.

    test_migrate_release.py XENBAKED EXPORT FIXTURE_DB

FIXTURE_DB (tests/fixtures/schema-v7/, whose README says how it was made)
is schema version 7, written by the released xenbaked: roll-up histograms
as JSON text.  Its figures are read through its own views first, and
xenmon-export's output from it unmigrated; then xenbaked opens a copy,
which migrates it, and the same must come out of the copy: every row of
the tables and of the views domain_1s, domain_1m, domain_1h and host_1s
(a histogram compared as bins, not as text), and the export's output byte
for byte.  The migrated histograms must be packed (xenbaked packs them
after the migration, a day per transaction), and equal byte for byte to
what this xenbaked rolls up afresh from the copy's seconds.  The day
tables the migration to schema 14 makes from the hours must equal, byte for
byte, those rolled up afresh from the seconds, and read through domain_1d
the same figures as the hours of each day added up; so must the week
tables of schema 16, made from the days, through domain_1w.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402

BAKE, EXPORT, FIXTURE = sys.argv[1:4]
TABLES = ('sample_1s', 'cpu_1s', 'cpu_1s_part', 'domain', 'cpu_1m', 'cpu_1h', 'gap')
VIEWS = ('domain_1s', 'host_1s', 'domain_1m', 'domain_1h')
tap = Tap()


def rows(db, what):
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
    cur = con.execute('SELECT * FROM %s ORDER BY 1, 2' % what)
    names = [d[0] for d in cur.description]
    out = [dict(zip(names, r)) for r in cur]
    con.close()
    for r in out:
        if isinstance(r.get('cpu_pct_hist'), str):   # the views give JSON
            r['cpu_pct_hist'] = {int(b): n for b, n in json.loads(r['cpu_pct_hist']).items()}
    return out


def one(db, sql):
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
    v = con.execute(sql).fetchone()[0]
    con.close()
    return v


def export(db, *args):
    r = subprocess.run([EXPORT, '--db', db, '-q'] + list(args), capture_output=True,
                       text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def open_with_bake(db, tmp):
    """xenbaked opens DB (migrating it, back-filling what is pending) and
    stops at its empty input."""
    empty = os.path.join(tmp, 'empty.bin')
    open(empty, 'wb').close()
    return subprocess.run([BAKE, '--input', empty, '--db', db, '--quiet'],
                          capture_output=True, text=True, timeout=300)


def figures(db):
    return {w: rows(db, w) for w in TABLES + VIEWS}


DAYS = ('sample_1d', 'cpu_1d', 'sample_cpu_1d')
WEEKS = ('sample_1w', 'cpu_1w', 'sample_cpu_1w')
# domain_1d's columns that add up over the hours of its day (not the host's
# observed time: the most any one CPU observed, in the day as in the hour)
SUMS = ('seconds', 'exec_count', 'cpu_ns', 'wait_ns', 'blocked_ns', 'alloc_ns',
        'alloc_unbounded', 'io_count', 'io_bytes')


def days_from_hours(db, coarse='domain_1d', fine='domain_1h', grain=86400):
    """domain_1d against domain_1h: each day's sums, extremes and bins
    are those of its hours (COARSE's rows of GRAIN against FINE's)."""
    days = rows(db, coarse)
    want = {}
    for h in rows(db, fine):
        d = want.setdefault((h['t'] - h['t'] % grain, h['domid']),
                            {k: 0 for k in SUMS + ('cpu_peak_ns',)})
        for k in SUMS:
            d[k] += h[k]
        d['cpu_peak_ns'] = max(d['cpu_peak_ns'], h['cpu_peak_ns'])
        for k, f in (('alloc_min_ns', min), ('alloc_max_ns', max)):
            if h[k] is not None:
                d[k] = h[k] if d.get(k) is None else f(d[k], h[k])
        hist = d.setdefault('cpu_pct_hist', {})
        for b, n in h['cpu_pct_hist'].items():
            hist[b] = hist.get(b, 0) + n
    got = {(r['t'], r['domid']): {k: r[k] for k in want.get((r['t'], r['domid']), {})}
           for r in days}
    diff = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    tap.ok(days and not diff and len(got) == len(want),
           '%s: %d rows, each the sum of its rows in %s' % (coarse, len(days), fine),
           str(diff[:1]))


def main():
    tmp = tempfile.mkdtemp(prefix='xenmon-migrate-')
    try:
        old = os.path.join(tmp, 'old.db')
        new = os.path.join(tmp, 'new.db')
        shutil.copy(FIXTURE, old)
        shutil.copy(FIXTURE, new)
        version = one(old, 'PRAGMA user_version')
        tap.ok(version == 7 and os.path.getsize(FIXTURE) < 1 << 20,
               'the fixture is a schema 7 database, under 1 MB', 'version %s' % version)
        before = figures(old)
        tap.ok(all(before[v] for v in ('sample_1s', 'domain_1m', 'domain_1h')),
               'it holds seconds, minutes and hours',
               str({k: len(v) for k, v in before.items()}))
        first = one(old, 'SELECT min(t) FROM cpu_1s')
        span = ('--from', str(first - first % 3600),
                '--to', str(one(old, 'SELECT max(t) FROM cpu_1s') + 3600))
        steps = ('1s', '1m', '1h')
        exported = [export(old, '--step', s, *span) for s in steps]

        r = open_with_bake(new, tmp)
        want = int(subprocess.run([BAKE, '--version'], capture_output=True, text=True)
                   .stdout.split('schema ')[1].rstrip(')\n'))
        got = one(new, 'PRAGMA user_version')
        tap.ok(got == want, 'xenbaked migrates it to schema %d' % want,
               'user_version %s; xenbaked: %s' % (got, r.stderr[-800:]))
        after = figures(new)
        for w in TABLES + VIEWS:
            # columns later versions appended (io_bytes, ...) hold their
            # default in the rows of the release: 0 or NULL
            added = sorted({k for r in after[w] for k in r} -
                           {k for r in before[w] for k in r})
            kept = [{k: v for k, v in r.items() if k not in added} for r in after[w]]
            defaults = all(r[k] in (0, None) for r in after[w] for k in added)
            diff = [(a, b) for a, b in zip(before[w], kept) if a != b]
            tap.ok(before[w] == kept and defaults,
                   '%s: the same %d rows after the migration%s'
                   % (w, len(before[w]), ', new columns %s at their default'
                      % ', '.join(added) if added else ''),
                   'rows %d -> %d; first difference %s'
                   % (len(before[w]), len(after[w]), diff[:1]))
        # 015_domain_seconds.sql: the per-domain seconds, filled from the
        # per-CPU ones, are their exact sums (domain_1s above reads them)
        dom = rows(new, 'sample_dom_1s')
        sums = rows(new, '(SELECT t, domid, sum(exec_count) AS exec_count, sum(cpu_ns) AS cpu_ns,'
                    ' sum(wait_ns) AS wait_ns, sum(blocked_ns) AS blocked_ns,'
                    ' sum(alloc_ns) AS alloc_ns, min(alloc_min_ns) AS alloc_min_ns,'
                    ' max(alloc_max_ns) AS alloc_max_ns, sum(alloc_unbounded) AS alloc_unbounded,'
                    ' sum(io_count) AS io_count, sum(io_bytes) AS io_bytes'
                    ' FROM sample_1s GROUP BY t, domid)')
        tap.ok(dom == sums and len(dom) > 0,
               'sample_dom_1s: %d rows, the sums of sample_1s per second and domain' % len(dom),
               'rows %d vs %d' % (len(dom), len(sums)))
        # 017_packed_seconds.sql: those rows stay where they are, and the
        # view of every per-domain second (packed or not) gives them
        every = rows(new, 'sample_dom_1s_all')
        tap.ok(every == sums and one(new, 'SELECT count(*) FROM sample_dom_1s_packed') == 0,
               'sample_dom_1s_all: the same %d rows, none packed by the migration' % len(every),
               'rows %d vs %d' % (len(every), len(sums)))
        # 020_stored_seconds.sql: the stretches of consecutive seconds
        # stored, from cpu_1s, found here in Python: a second stored in
        # part (a cpu_1s_part row) ends its stretch
        ts = [r['t'] for r in rows(new, '(SELECT DISTINCT t, 0 AS k FROM cpu_1s)')]
        part = {r['t'] for r in rows(new, 'cpu_1s_part')}
        want = []
        for t in ts:
            if want and want[-1][1] == t - 1 and not want[-1][3]:
                want[-1][1], want[-1][3] = t, int(t in part)
            else:
                want.append([t, t, int(t in part), int(t in part)])
        got = [[r['first_t'], r['last_t'], r['first_part'], r['last_part']] for r in
               rows(new, '(SELECT * FROM seconds_stored ORDER BY first_t)')]
        tap.ok(got == want and len(ts) > 0,
               'seconds_stored: the %d stretches of the %d seconds stored, %d in part'
               % (len(want), len(ts), len(part)), 'got %s, want %s' % (got[:3], want[:3]))
        left = one(new, "SELECT count(*) FROM meta WHERE key = 'hist_packing'")
        tap.ok(left == 0, 'the packing of the old histograms is done', 'meta left %s' % left)
        for t in ('sample_1m', 'sample_1h'):
            kinds = one(new, "SELECT group_concat(DISTINCT typeof(cpu_pct_hist)) FROM %s" % t)
            b = one(old, 'SELECT sum(length(cpu_pct_hist)) FROM %s' % t)
            a = one(new, 'SELECT sum(length(cpu_pct_hist)) FROM %s' % t)
            tap.ok(kinds == 'blob', '%s: histograms packed' % t, kinds,
                   note='%d bytes of JSON -> %d packed' % (b, a))
        for s, (rc0, out0, err0) in zip(steps, exported):
            rc1, out1, err1 = export(new, '--step', s, *span)
            tap.ok(rc0 == rc1 == 0 and out0 == out1 and out0.count('\n') > 1,
                   'xenmon-export --step %s: the same output (%d lines)'
                   % (s, out0.count('\n')), err0 + err1)

        # 020 on seconds of every shape: the release's database with
        # seconds added around a gap and stored in part, migrated
        shaped = os.path.join(tmp, 'shaped.db')
        shutil.copy(FIXTURE, shaped)
        a = one(shaped, 'SELECT min(t) FROM cpu_1s') - 1000
        con = sqlite3.connect(shaped)
        secs = {a: 0, a + 1: 1, a + 2: 0, a + 3: 0, a + 10: 1, a + 11: 0, a + 20: 1}
        for t, p in secs.items():
            for cpu in (0, 1):
                con.execute('INSERT INTO cpu_1s (t, cpu, observed_ns, sched_ns, '
                            'lost_records) VALUES (?, ?, ?, 0, 0)',
                            (t, cpu, 5 * 10**8 if p else 10**9))
                if p:
                    con.execute('INSERT INTO cpu_1s_part VALUES (?, ?, 0, ?)',
                                (t, cpu, 5 * 10**8))
        con.commit()
        con.close()
        r = open_with_bake(shaped, tmp)
        got = [tuple(x.values()) for x in
               rows(shaped, '(SELECT * FROM seconds_stored WHERE first_t < %d)' % (a + 100))]
        # a second in part ends its stretch; a gap ends one
        want = [(a, a + 1, 0, 1), (a + 2, a + 3, 0, 0), (a + 10, a + 10, 1, 1),
                (a + 11, a + 11, 0, 0), (a + 20, a + 20, 1, 1)]
        tap.ok(got == want, 'seconds_stored made at migration: a gap and a second '
               'stored in part end a stretch', 'got %s, want %s; %s'
               % (got, want, r.stderr[-400:]))

        fresh = os.path.join(tmp, 'fresh.db')
        con = sqlite3.connect(new)
        con.execute('VACUUM INTO ?', (fresh,))
        con.close()
        con = sqlite3.connect(fresh)
        for t in ('sample_1m', 'sample_1h', 'cpu_1m', 'cpu_1h') + DAYS + WEEKS + (
                'sample_cpu_1m', 'sample_cpu_1h'):
            con.execute('DELETE FROM %s' % t)
        con.execute("DELETE FROM meta WHERE key = 'rollup_1h_upto'")
        con.execute("INSERT INTO meta VALUES ('history_backfill', 'pending')")
        con.commit()
        con.close()
        open_with_bake(fresh, tmp)
        for t in ('sample_1m', 'sample_1h') + DAYS + WEEKS:
            a, b = rows(new, t), rows(fresh, t)
            tap.ok(a == b and a, '%s: the migrated rows equal those rolled up afresh '
                   'from the seconds, histograms byte for byte' % t,
                   str([(x, y) for x, y in zip(a, b) if x != y][:1]))
        days_from_hours(new)
        days_from_hours(new, 'domain_1w', 'domain_1d', 7 * 86400)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


sys.exit(main())
