#!/usr/bin/env python3
"""History: roll-ups, retention, migration and xenmon-export, held to the
simulator's ground truth.  Output is TAP.

    test_history.py SIM XENBAKED EXPORT SCHEMA_DIR

A three-hour trace (periodic load, so CPU% varies second to second) is
replayed; then
  * every sample_1m / sample_1h / cpu_1m / cpu_1h row equals the truth's
    seconds summed (sums, min/max, peak and the histogram exactly);
  * xenmon-export at 1h (from hours), 1m (from seconds), 10s and 1s equals
    the truth: sums and rates exactly, percentiles exactly from seconds and
    within 0.5 percentage points from roll-ups;
  * replaying with short retention leaves exactly the rows the policy keeps,
    and export falls back to the minutes for a range whose seconds are gone;
  * a schema-1 database built from 001_init.sql alone is migrated in place,
    keeps its rows, and gets the same roll-ups as the incremental ones;
  * a replay cut in the middle of a minute and resumed, then an older trace
    replayed after it (below the hours' watermark), leave every roll-up
    equal to the truth of both traces.
"""
import csv
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402

SIM, BAKE, EXPORT, SCHEMA = sys.argv[1:5]
# migration N is the file NNN_*.sql (schema/embed.py)
CURRENT = len([f for f in os.listdir(SCHEMA) if f[:3].isdigit() and f.endswith('.sql')])
START = 1700000000          # 22:13:20 UTC: not on an hour, on purpose
SECONDS = 10800
IDLE = 32767
results = []


def check(name, cond, detail=''):
    results.append((name, bool(cond), detail))


def run(cmd, ok=(0,)):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in ok:
        print('Bail out! %s failed (%d): %s' % (cmd[0], r.returncode, r.stderr))
        sys.exit(1)
    return r


def truth(prefix):
    """Per (second, domain) sums over CPUs, and per second host facts: the
    CPUs, lost records, and the time observed (the mean of the CPUs')."""
    dom = {}
    with open(prefix + '-dom.csv') as f:
        for r in csv.DictReader(f):
            dom[(int(r['t']), int(r['domid']))] = {
                k: (None if v == '' else int(v)) for k, v in r.items()}
    host = defaultdict(lambda: [0, 0, 0])       # t -> [cpus, lost, observed]
    cpu = {}
    with open(prefix + '-cpu.csv') as f:
        for r in csv.DictReader(f):
            t = int(r['t'])
            host[t][0] += 1
            host[t][1] += int(r['lost_records'])
            host[t][2] += int(r['observed_ns'])
            cpu[(t, int(r['cpu']))] = {k: int(v) for k, v in r.items()}
    for h in host.values():
        h[2] //= h[0]
    busy = defaultdict(int)
    with open(prefix + '-cpu-dom.csv') as f:
        for r in csv.DictReader(f):
            if int(r['domid']) != IDLE:
                busy[(int(r['t']), int(r['cpu']))] += int(r['cpu_ns'])
    return dom, host, cpu, busy


SUMS = ('exec_count', 'cpu_ns', 'wait_ns', 'blocked_ns', 'alloc_ns',
        'alloc_unbounded', 'io_count')


def per_second(ns, observed):
    """NS of a second observed for OBSERVED ns, per whole second: how the
    one-second CPU% of a partly observed second is counted (xenmon-export(1))."""
    s = 10**9
    if observed <= 0 or observed >= s:
        return ns
    return ns // observed * s + ns % observed * s // observed


def expected_rollup(dom, host, grain):
    exp = {}
    for (t, d), r in dom.items():
        pct_ns = per_second(r['cpu_ns'], host[t][2])
        k = (t - t % grain, d)
        e = exp.setdefault(k, dict({c: 0 for c in SUMS}, seconds=0, peak=0,
                                   amin=None, amax=None, hist=defaultdict(int)))
        e['seconds'] += 1
        for c in SUMS:
            e[c] += r[c]
        e['peak'] = max(e['peak'], pct_ns)
        if r['alloc_min_ns'] is not None:
            e['amin'] = r['alloc_min_ns'] if e['amin'] is None else min(e['amin'], r['alloc_min_ns'])
            e['amax'] = r['alloc_max_ns'] if e['amax'] is None else max(e['amax'], r['alloc_max_ns'])
        e['hist'][pct_ns // 10000000] += 1
    return exp


def check_rollups(db, dom, host, cpu, busy, label):
    con = sqlite3.connect(db)
    for grain, table in ((60, 'sample_1m'), (3600, 'sample_1h')):
        exp = expected_rollup(dom, host, grain)
        got = {}
        # through the view: the table keeps the histogram packed, the view
        # gives it as JSON (010_packed_histograms.sql)
        view = table.replace('sample_', 'domain_')
        for row in con.execute('SELECT t, domid, seconds, %s, cpu_peak_ns, alloc_min_ns,'
                               ' alloc_max_ns, cpu_pct_hist FROM %s' % (', '.join(SUMS), view)):
            got[(row[0], row[1])] = row[2:]
        bad = []
        for k, e in exp.items():
            g = got.get(k)
            want = (e['seconds'],) + tuple(e[c] for c in SUMS) + (e['peak'], e['amin'], e['amax'])
            if g is None or g[:-1] != want or \
               {int(b): n for b, n in json.loads(g[-1]).items()} != dict(e['hist']):
                bad.append((k, g, want))
        check('%s: %s equals the truth summed by %ds (%d rows)' % (label, table, grain, len(exp)),
              not bad and len(got) == len(exp), str(bad[:2]) + ' rows %d/%d' % (len(got), len(exp)))
    for grain, table in ((60, 'cpu_1m'), (3600, 'cpu_1h')):
        exp = {}
        for (t, c), r in cpu.items():
            e = exp.setdefault((t - t % grain, c), [0, 0, 0, 0, 0])
            e[0] += 1
            e[1] += r['observed_ns']
            e[2] += r['sched_ns']
            e[3] += busy.get((t, c), 0)
            e[4] += r['lost_records']
        got = {(r[0], r[1]): list(r[2:]) for r in con.execute(
            'SELECT t, cpu, seconds, observed_ns, sched_ns, busy_ns, lost_records FROM %s' % table)}
        check('%s: %s equals the truth (%d rows)' % (label, table, len(exp)), got == exp,
              str([(k, got.get(k), v) for k, v in exp.items() if got.get(k) != v][:2]))
    con.close()


def nearest_rank(values, p):
    """The k-th smallest, k = ceil(p N / 100)."""
    v = sorted(values)
    k = (p * len(v) + 99) // 100
    return v[k - 1]


def expected_export(dom, host, step, t0, t1):
    """Per (step start, domid): the figures of xenmon-export(1), over the
    time observed."""
    steps = defaultdict(lambda: {'secs': [], 'lost': 0, 'observed': 0})
    for t, (cpus, lost, observed) in host.items():
        if t0 <= t < t1:
            s = steps[t - t % step]
            s['secs'].append(t)
            s['lost'] += lost
            s['observed'] += observed
    out = {}
    doms = defaultdict(dict)
    for (t, d), r in dom.items():
        if t0 <= t < t1:
            doms[(t - t % step, d)][t] = r
    for (st, d), rows in doms.items():
        secs = steps[st]['secs']
        seen = steps[st]['observed'] / 1e9            # seconds observed
        pct = [per_second(rows[t]['cpu_ns'], host[t][2]) / 1e7 if t in rows else 0.0
               for t in secs]
        tot = {c: sum(r[c] for r in rows.values()) for c in SUMS}
        online = tot['cpu_ns'] + tot['wait_ns'] + tot['blocked_ns']
        out[(st, d)] = {
            'cpu_pct': tot['cpu_ns'] / 1e7 / seen,
            'cpu_p50_pct': nearest_rank(pct, 50), 'cpu_p95_pct': nearest_rank(pct, 95),
            'cpu_p99_pct': nearest_rank(pct, 99), 'cpu_max_pct': max(pct),
            'wait_pct': tot['wait_ns'] / 1e7 / seen,
            'blocked_pct': 100.0 * tot['blocked_ns'] / online if online else None,
            'execs_per_s': tot['exec_count'] / seen, 'io_per_s': tot['io_count'] / seen,
            'alloc_avg_ns': tot['alloc_ns'] // tot['exec_count'] if tot['exec_count'] else None,
            'lost_records': steps[st]['lost'], 'covered_pct': 100.0 * seen / step,
        }
    return out


def export(db, *args):
    r = run([EXPORT, '--db', db] + list(args))
    return list(csv.DictReader(r.stdout.splitlines())), r.stderr


def check_export(db, dom, host, step, t0, t1, pct_tol, table, label):
    rows, err = export(db, '--from', str(t0), '--to', str(t1), '--step', step)
    check('%s: export --step %s reads %s' % (label, step, table), 'reading %s' % table in err, err)
    s = {'1s': 1, '10s': 10, '1m': 60, '1h': 3600, '1d': 86400}[step]
    exp = expected_export(dom, host, s, t0 - t0 % s, t1 + (-t1) % s)
    # docs/metrics.md, "I/O sources": no I/O record in the traces, no figure
    con = sqlite3.connect(db)
    io = con.execute("SELECT value FROM meta WHERE key = 'io_sources'").fetchone()
    con.close()
    bad = []
    for r in rows:
        e = exp.get((int(r['t']), int(r['domid'])))
        if e is None:
            bad.append(('unexpected', r['t'], r['domid']))
            continue
        if io == ('',):
            e = dict(e, io_per_s=None)
        for k, want in e.items():
            got = r[k]
            if want is None:
                if got != '':
                    bad.append((r['t'], r['domid'], k, got, want))
                continue
            tol = pct_tol if k in ('cpu_p50_pct', 'cpu_p95_pct', 'cpu_p99_pct') else 0
            # printed with two decimals: within half a hundredth + tolerance
            if abs(float(got) - want) > tol + 0.005 + 1e-9:
                bad.append((r['t'], r['domid'], k, got, want))
    check('%s: export --step %s equals the truth (%d rows, percentiles within %.1f)'
          % (label, step, len(exp), pct_tol), not bad and len(rows) == len(exp),
          '%s; %d rows, want %d' % (bad[:3], len(rows), len(exp)))


def make_v1(path, prefix, tables):
    """A schema-1 database as the previous xenmon wrote it: 001_init.sql
    only, with the truth's rows."""
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript('BEGIN;' + open(os.path.join(SCHEMA, '001_init.sql')).read() +
                      'PRAGMA application_id=%d; PRAGMA user_version=1; COMMIT;' % 0x58656e4d)
    con.execute('BEGIN')
    for table, name in tables:
        with open(prefix + name) as f:
            rd = csv.reader(f)
            # The truth's columns that schema 1 has (io_bytes came later).
            have = {r[1] for r in con.execute('PRAGMA table_info(%s)' % table)}
            head = next(rd)
            keep = [i for i, c in enumerate(head) if c in have]
            cols = [head[i] for i in keep]
            con.executemany('INSERT INTO %s (%s) VALUES (%s)' % (table, ','.join(cols), ','.join('?' * len(cols))),
                            ([None if row[i] == '' else int(row[i]) for i in keep] for row in rd))
    con.execute("INSERT INTO domain SELECT DISTINCT domid, NULL, min(t), max(t) FROM sample_1s GROUP BY domid")
    con.execute('COMMIT')
    con.close()


def main():
    tmp = tempfile.mkdtemp(prefix='xenmon-history-', dir='/dev/shm' if os.path.isdir('/dev/shm') else None)
    try:
        trace, prefix = os.path.join(tmp, 't.bin'), os.path.join(tmp, 't')
        run([SIM, '--cpus', '2', '--domains', '3', '--vcpus', '1', '--seconds', str(SECONDS),
             '--workload', 'periodic', '--rate', '0.05', '--lost-bursts', '3',
             '--start-time', str(START), '-o', trace, '--truth', prefix])
        dom, host, cpu, busy = truth(prefix)
        last = max(host)

        db = os.path.join(tmp, 'full.db')
        run([BAKE, '--input', trace, '--db', db, '--cpu-mhz', '2400',
             '--start-time', str(START), '--quiet'])
        check_rollups(db, dom, host, cpu, busy, 'incremental')

        check_export(db, dom, host, '1h', START, START + SECONDS, 0.5, 'sample_1h', 'full')
        check_export(db, dom, host, '1m', START + 1800, START + 5400, 0, 'sample_dom_1s_all', 'full')
        check_export(db, dom, host, '10s', START + 600, START + 1200, 0, 'sample_dom_1s_all', 'full')
        check_export(db, dom, host, '1s', START + 3000, START + 3300, 0, 'sample_dom_1s_all', 'full')
        check_export(db, dom, host, '1d', START, START + SECONDS, 0.5, 'sample_1h', 'full')

        # 019_packed_rollups.sql: with the seconds kept 30 minutes, the
        # minutes and hours older than that and an hour are packed as the
        # replay goes; through the views and the export they are the truth
        # still
        packed = os.path.join(tmp, 'packed.db')
        keep = ['--retain-1s', '30m', '--retain-1s-cpu', '30m']
        run([BAKE, '--input', trace, '--db', packed, '--cpu-mhz', '2400',
             '--start-time', str(START), '--quiet'] + keep)
        con = sqlite3.connect(packed)
        q = lambda sql: con.execute(sql).fetchone()[0]
        cut = last - 1800 - 3600
        guest = 'SELECT min(t) FROM %%s WHERE domid != %d' % IDLE
        check('packed: the minutes before %d and the hours before %d are packed, '
              'the rest plain, and the idle domain\'s rows all plain' % (cut - cut % 60, cut - cut % 3600),
              q('SELECT max(t) FROM sample_1m_packed') == cut - cut % 60 - 60 and
              q(guest % 'sample_1m') == cut - cut % 60 and
              q('SELECT max(t) FROM sample_1h_packed') == cut - cut % 3600 - 3600 and
              q(guest % 'sample_1h') == cut - cut % 3600 and
              q('SELECT count(*) FROM sample_1m WHERE domid = %d' % IDLE) ==
              q('SELECT count(DISTINCT t) FROM sample_1m_all') and
              q('SELECT count(*) FROM sample_dom_1s WHERE domid = %d' % IDLE) > 0,
              '%s %s %s %s' % (q('SELECT max(t) FROM sample_1m_packed'), q(guest % 'sample_1m'),
                               q('SELECT max(t) FROM sample_1h_packed'), q(guest % 'sample_1h')))
        con.close()
        check_rollups(packed, dom, host, cpu, busy, 'packed')
        check_export(packed, dom, host, '1h', START, START + SECONDS, 0.5, 'sample_1h_all', 'packed')
        check_export(packed, dom, host, '1d', START, START + SECONDS, 0.5, 'sample_1h_all', 'packed')
        check_export(packed, dom, host, '1m', START + 1800, START + 5400, 0.5, 'sample_1m_all', 'packed')

        # replaying again writes nothing and counts nothing twice
        before = sqlite3.connect(db).execute('SELECT sum(seconds), sum(cpu_ns) FROM sample_1h').fetchone()
        run([BAKE, '--input', trace, '--db', db, '--cpu-mhz', '2400',
             '--start-time', str(START), '--quiet'])
        after = sqlite3.connect(db).execute('SELECT sum(seconds), sum(cpu_ns) FROM sample_1h').fetchone()
        check('a second replay leaves the roll-ups as they were', before == after, '%s %s' % (before, after))

        # A replay that stops mid-minute leaves the hours' watermark there;
        # the rest of that minute then reaches its hour from the seconds,
        # the minutes after it from the minute rows.  An older trace
        # replayed afterwards is below the watermark: its seconds go into
        # their hours at once.
        cut = os.path.join(tmp, 'cut.bin')
        size = os.path.getsize(trace)
        with open(trace, 'rb') as f, open(cut, 'wb') as g:
            g.write(f.read(size * 37 // 100))
        resumed = os.path.join(tmp, 'resumed.db')
        base = [BAKE, '--db', resumed, '--cpu-mhz', '2400', '--quiet']
        run(base + ['--input', cut, '--start-time', str(START)], ok=(1,))
        con = sqlite3.connect(resumed)
        upto = con.execute("SELECT value FROM meta WHERE key = 'rollup_1h_upto'").fetchone()
        con.close()
        check('a replay cut mid-minute leaves the hours caught up mid-minute',
              upto is not None and upto[0] % 60 != 0, str(upto))
        run(base + ['--input', trace, '--start-time', str(START)])
        old_trace, old_prefix = os.path.join(tmp, 'old.bin'), os.path.join(tmp, 'old')
        old_start = START - 7200 - 95
        run([SIM, '--cpus', '2', '--domains', '3', '--vcpus', '1', '--seconds', '1500',
             '--workload', 'periodic', '--rate', '0.05', '--seed', '7',
             '--start-time', str(old_start), '-o', old_trace, '--truth', old_prefix])
        run(base + ['--input', old_trace, '--start-time', str(old_start)])
        d2, h2, c2, b2 = truth(old_prefix)
        check_rollups(resumed, {**dom, **d2}, {**host, **h2}, {**cpu, **c2}, {**busy, **b2},
                      'resumed mid-minute, then an older trace')
        # the same older trace into the packed past: the hours of its day
        # come back plain first (packer.h), so the day holds them all
        run([BAKE, '--input', old_trace, '--db', packed, '--cpu-mhz', '2400',
             '--start-time', str(old_start), '--quiet'] + keep)
        check_rollups(packed, {**dom, **d2}, {**host, **h2}, {**cpu, **c2}, {**busy, **b2},
                      'packed, then an older trace')
        con = sqlite3.connect(packed)
        day = old_start - old_start % 86400
        days = con.execute('SELECT seconds, cpu_ns FROM sample_1d WHERE t = ? AND domid = 1',
                           (day,)).fetchone()
        hours = con.execute('SELECT sum(seconds), sum(cpu_ns) FROM sample_1h_all WHERE t >= ?'
                            ' AND t < ? AND domid = 1', (day, day + 86400)).fetchone()
        dups = con.execute('SELECT count(*) FROM (SELECT t, domid FROM sample_1h_all'
                           ' GROUP BY t, domid HAVING count(*) > 1)').fetchone()[0]
        con.close()
        check('packed, then an older trace: the day is the sum of its hours, none twice',
              days == hours and dups == 0 and days[0] > 0, '%s %s %d' % (days, hours, dups))

        # retention, forced by choosing the trace time: keep 1 h of seconds,
        # 2 h of minutes, all hours
        short = os.path.join(tmp, 'short.db')
        conf = os.path.join(tmp, 'x.conf')
        open(conf, 'w').write('# test\nretain-1s = 1h\nretain-1m = 5h\nretain-1h = forever\n')
        run([BAKE, '--input', trace, '--db', short, '--cpu-mhz', '2400', '--start-time', str(START),
             '--config', conf, '--retain-1m', '2h', '--quiet'])
        con = sqlite3.connect(short)
        q = lambda sql: con.execute(sql).fetchone()[0]
        check('retention: one-second rows are the last hour exactly',
              q('SELECT min(t) FROM sample_1s') == last + 1 - 3600 and
              q('SELECT min(t) FROM cpu_1s') == last + 1 - 3600 and
              q('SELECT count(DISTINCT t) FROM cpu_1s') == 3600,
              '%s %s' % (q('SELECT min(t) FROM cpu_1s'), last + 1 - 3600))
        cut = last + 2 - 7200 - 60
        first_min = cut + (-cut) % 60
        check('retention: the flag (2h) wins over the config file (5h) for minutes',
              q('SELECT min(t) FROM sample_1m_all') == first_min,
              '%s want %s' % (q('SELECT min(t) FROM sample_1m_all'), first_min))
        check('retention: hours kept forever',
              q('SELECT min(t) FROM sample_1h_all') == START - START % 3600)
        check('retention: meta says from when each table is whole',
              q("SELECT value FROM meta WHERE key = 'pruned_before_1s'") == last + 1 - 3600 and
              q("SELECT value FROM meta WHERE key = 'pruned_before_1m'") == first_min)
        con.close()
        # a 1m export of the first hour after its seconds are gone: minutes
        t0 = first_min + 600
        rows, err = export(short, '--from', str(t0), '--to', str(t0 + 600), '--step', '1m')
        check('retention: 1m export of pruned seconds falls back to sample_1m',
              'reading sample_1m' in err and len(rows) == 10 * 5, err + ' rows %d' % len(rows))
        exp = expected_export(dom, host, 60, t0, t0 + 600)
        worst = max(abs(float(r[k]) - exp[(int(r['t']), int(r['domid']))][k])
                    for r in rows for k in ('cpu_p50_pct', 'cpu_p95_pct', 'cpu_p99_pct'))
        sums_ok = all(abs(float(r['cpu_pct']) - exp[(int(r['t']), int(r['domid']))]['cpu_pct']) <= 0.005 + 1e-9
                      for r in rows)
        check('retention: from minutes, sums exact and percentiles within 0.5 (worst %.3f)' % worst,
              worst <= 0.505 and sums_ok)

        # the per-CPU detail kept shorter than the tiers (015_domain_seconds.sql):
        # per-CPU seconds 30 min (flag), per-CPU minutes 1 h (config file)
        detail = os.path.join(tmp, 'detail.db')
        open(conf, 'w').write('retain-1s = 1h\nretain-1m-cpu = 1h\n')
        run([BAKE, '--input', trace, '--db', detail, '--cpu-mhz', '2400', '--start-time',
             str(START), '--config', conf, '--retain-1s-cpu', '30m', '--quiet'])
        con = sqlite3.connect(detail)
        q = lambda sql: con.execute(sql).fetchone()[0]
        cut_m = last + 2 - 3600 - 60
        check('retention: per-CPU seconds the last 30 min, per-domain seconds the last hour',
              q('SELECT min(t) FROM sample_1s') == last + 1 - 1800 and
              q('SELECT min(t) FROM sample_dom_1s_all') == last + 1 - 3600 and
              q('SELECT min(t) FROM cpu_1s') == last + 1 - 3600 and
              q("SELECT value FROM meta WHERE key = 'pruned_before_1s_cpu'") == last + 1 - 1800 and
              q("SELECT value FROM meta WHERE key = 'pruned_before_1s'") == last + 1 - 3600,
              '%s %s' % (q('SELECT min(t) FROM sample_1s'), q('SELECT min(t) FROM sample_dom_1s_all')))
        check('retention: per-CPU minutes the last hour, per-domain minutes all',
              q('SELECT min(t) FROM sample_cpu_1m') == cut_m + (-cut_m) % 60 and
              q('SELECT min(t) FROM sample_1m_all') == START - START % 60,
              '%s want %s' % (q('SELECT min(t) FROM sample_cpu_1m'), cut_m + (-cut_m) % 60))
        bad = q('SELECT count(*) FROM (SELECT t, domid, sum(exec_count) AS e, sum(cpu_ns) AS c,'
                ' sum(wait_ns) AS w, sum(blocked_ns) AS b, sum(alloc_ns) AS a,'
                ' min(alloc_min_ns) AS lo, max(alloc_max_ns) AS hi, sum(io_count) AS i'
                ' FROM sample_1s GROUP BY t, domid) s JOIN sample_dom_1s_all d USING (t, domid)'
                ' WHERE (s.e, s.c, s.w, s.b, s.a, s.i) != (d.exec_count, d.cpu_ns, d.wait_ns,'
                ' d.blocked_ns, d.alloc_ns, d.io_count) OR s.lo IS NOT d.alloc_min_ns'
                ' OR s.hi IS NOT d.alloc_max_ns')
        check('the per-domain seconds are the sums of the per-CPU ones where both are kept',
              bad == 0 and q('SELECT count(*) FROM sample_1s') > 0, '%d differ' % bad)
        con.close()

        # migration: schema 1 with rows -> 2, rows kept, roll-ups back-filled
        v1 = os.path.join(tmp, 'v1.db')
        make_v1(v1, prefix, [('sample_1s', '-cpu-dom.csv'), ('cpu_1s', '-cpu.csv')])
        n1 = sqlite3.connect(v1).execute('SELECT count(*) FROM sample_1s').fetchone()[0]
        r = run([EXPORT, '--db', v1, '--from', str(START), '--to', str(START + 60)], ok=(1,))
        check('export refuses a schema-1 database, exit 1, says how to migrate',
              'schema version 1' in r.stderr and 'xenbaked' in r.stderr, r.stderr)
        run([BAKE, '--input', trace, '--db', v1, '--cpu-mhz', '2400', '--start-time', str(START), '--quiet'])
        con = sqlite3.connect(v1)
        check('migration: to the current version (%d), every one-second row kept' % CURRENT,
              con.execute('PRAGMA user_version').fetchone()[0] == CURRENT and
              con.execute('SELECT count(*) FROM sample_1s').fetchone()[0] == n1 and
              con.execute("SELECT count(*) FROM meta WHERE key = 'history_backfill'").fetchone()[0] == 0)
        con.close()
        check_rollups(v1, dom, host, cpu, busy, 'back-filled')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    return report(results)


if __name__ == '__main__':
    sys.exit(main())
