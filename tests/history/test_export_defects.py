#!/usr/bin/env python3
"""xenmon-export and the views, against issue 22: output files, partly
observed seconds, reused domids, half-open ranges, --follow's chatter.
Every expectation comes from the simulator's truth or from the database
itself, never from a copy of the export's own figures.  Output is TAP.

    test_export_defects.py SIM XENBAKED EXPORT

  * -o FILE: a character device (a copy of /dev/null, made with mknod), a
    FIFO with a reader, /dev/fd/N of a pipe (bash's >(cmd)), a link to
    /proc/self/fd/1 (what /dev/stdout is) and /dev/stdout itself are
    written, never replaced; a symbolic link stays a link and its target
    gets the rows; a new file has the umask's mode, an existing one keeps
    its own.  /dev/stdout is tried only once its replica passed, so that a
    broken export cannot replace the host's.
  * partly observed seconds: a guest saturating 2 CPUs for 10.5 s is at
    200% in its half second, at every step and from every table, with
    covered_pct the time observed; so are the views; a replay that ends a
    few microseconds into a second does not add an idle second.
  * reused domids: --domain NAME gives only that guest's rows; a minute or
    hour holding two guests of one domid has a row for each, exact; with
    the seconds pruned, a minute that cannot be split is one row named
    'A + B', with a warning.
  * [from, to): a 30 s range at 1 s steps is 30 rows per domain, at every
    step the last step starts before --to.
  * --follow says which table it reads once, not per step; -q not at all.
"""
import csv
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402

SIM, BAKE, EXPORT = sys.argv[1:4]
T0 = 1764144000                 # 2025-11-26 08:00:00 UTC, on the hour
results = []


def check(name, cond, detail=''):
    results.append((name, bool(cond), detail))


def skip(name, why):
    results.append(('%s # SKIP %s' % (name, why), True, ''))


def run(cmd, ok=(0,), **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if r.returncode not in ok:
        print('Bail out! %s failed (%d): %s' % (cmd[0], r.returncode, r.stderr[-500:]))
        sys.exit(1)
    return r


def export(db, *args, ok=(0,), **kw):
    return run([EXPORT, '--db', db] + [str(a) for a in args], ok=ok, **kw)


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text, newline='')))


def replay(tmp, name, sim_args):
    """Simulate, replay; the database and the truth's prefix."""
    trace, prefix, db = (os.path.join(tmp, name + x) for x in ('.bin', '', '.db'))
    run([SIM, '--seed', '7', '--start-time', str(T0), '-o', trace, '--truth', prefix]
        + sim_args)
    run([BAKE, '--input', trace, '--db', db, '--cpu-mhz', '2400',
         '--start-time', str(T0), '--quiet'])
    return db, prefix


def truth(prefix):
    """Per (t, domid): cpu_ns; per t: the host's observed time (the mean of
    its CPUs', as metrics and the viewer count it)."""
    cpu = defaultdict(int)
    with open(prefix + '-dom.csv') as f:
        for r in csv.DictReader(f):
            cpu[(int(r['t']), int(r['domid']))] = int(r['cpu_ns'])
    obs = defaultdict(list)
    with open(prefix + '-cpu.csv') as f:
        for r in csv.DictReader(f):
            obs[int(r['t'])].append(int(r['observed_ns']))
    return cpu, {t: sum(v) // len(v) for t, v in obs.items()}


def near(got, want, tol=0.0051):
    try:
        return abs(float(got) - want) <= tol
    except (TypeError, ValueError):
        return False


# ---- 1: -o FILE ------------------------------------------------------------

def raw(db, *args):
    """The export's exit status, standard output as bytes (CSV's CRLF
    kept), standard error."""
    r = subprocess.run([EXPORT, '--db', db] + [str(a) for a in args],
                       capture_output=True, timeout=300)
    return r.returncode, r.stdout, r.stderr.decode(errors='replace')


def content(path):
    with open(path, 'rb') as f:
        return f.read()


def test_output(tmp, db):
    base = ['--from', T0, '--to', T0 + 60, '--step', '10s']
    rc, want, err = raw(db, *base)
    if rc != 0 or want.count(b'\n') < 3:
        print('Bail out! export to standard output: %d %s' % (rc, err))
        sys.exit(1)
    d = os.path.join(tmp, 'out')
    os.mkdir(d)
    p = lambda n: os.path.join(d, n)      # noqa: E731

    # a copy of the null device
    try:
        os.mknod(p('mynull'), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        rc, _, err = raw(db, *base, '-o', p('mynull'))
        st = os.lstat(p('mynull'))
        check('-o a copy of /dev/null (mknod c 1 3): written, still the device',
              rc == 0 and stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3),
              'exit %d %s mode %o' % (rc, err, st.st_mode))
    except PermissionError as e:
        skip('-o a copy of /dev/null', 'mknod needs root: %s' % e)

    # a FIFO and its reader
    os.mkfifo(p('fifo'))
    reader = subprocess.Popen(['cat', p('fifo')], stdout=subprocess.PIPE)
    rc, _, err = raw(db, *base, '-o', p('fifo'))
    try:
        got, _ = reader.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        reader.kill()
        got, _ = reader.communicate()
    check('-o a FIFO: its reader gets every row, the FIFO stays',
          rc == 0 and got == want and stat.S_ISFIFO(os.lstat(p('fifo')).st_mode),
          'exit %d %s; reader got %d bytes of %d' % (rc, err, len(got), len(want)))

    # a link to a file, and a link to a file not there yet
    with open(p('real.csv'), 'w') as f:
        f.write('old\n')
    os.symlink('real.csv', p('link.csv'))
    rc, _, err = raw(db, *base, '-o', p('link.csv'))
    check('-o a symbolic link: the link stays, its target gets the rows',
          rc == 0 and os.path.islink(p('link.csv')) and
          os.readlink(p('link.csv')) == 'real.csv' and content(p('real.csv')) == want, err)
    os.symlink('later.csv', p('dangling.csv'))
    rc, _, err = raw(db, *base, '-o', p('dangling.csv'))
    check('-o a link to a missing file: the target is created, the link stays',
          rc == 0 and os.path.islink(p('dangling.csv')) and
          os.path.exists(p('later.csv')) and content(p('later.csv')) == want, err)

    # a descriptor: bash's >(cmd) is /dev/fd/N of a pipe
    rfd, wfd = os.pipe()
    got = []
    t = threading.Thread(target=lambda: got.append(os.fdopen(rfd, 'rb').read()))
    t.start()
    pr = subprocess.Popen([EXPORT, '--db', db] + [str(a) for a in base] +
                          ['-o', '/dev/fd/%d' % wfd], pass_fds=(wfd,),
                          stderr=subprocess.PIPE, text=True)
    os.close(wfd)
    _, err = pr.communicate(timeout=60)
    t.join(timeout=30)
    check('-o /dev/fd/N of a pipe (process substitution): the reader gets every row',
          pr.returncode == 0 and got and got[0] == want,
          'exit %d %s' % (pr.returncode, err))

    # /dev/stdout is a link to /proc/self/fd/1: first a replica in our
    # directory, then, only if that is written through, the real one
    os.symlink('/proc/self/fd/1', p('stdout'))
    rc, out, err = raw(db, *base, '-o', p('stdout'))
    replica = rc == 0 and out == want and os.path.islink(p('stdout'))
    check('-o a link to /proc/self/fd/1 (as /dev/stdout is), stdout a pipe: '
          'the pipe gets the rows, the link stays', replica,
          'exit %d %s; %d bytes on stdout; link %s' % (rc, err, len(out),
                                                      os.path.islink(p('stdout'))))
    if replica:
        rc, out, err = raw(db, *base, '-o', '/dev/stdout')
        check('-o /dev/stdout, stdout a pipe: the pipe gets the rows, /dev/stdout stays a link',
              rc == 0 and out == want and os.path.islink('/dev/stdout'), err)
    else:
        skip('-o /dev/stdout', 'its replica was replaced: it would replace the host\'s')

    # modes: a new file as the umask says, an existing one as it was
    old = os.umask(0o022)
    try:
        export(db, *base, '-o', p('new.csv'))
        m = stat.S_IMODE(os.stat(p('new.csv')).st_mode)
        check('-o a new file under umask 022 is 0644', m == 0o644, oct(m))
        with open(p('kept.csv'), 'w') as f:
            f.write('old\n')
        os.chmod(p('kept.csv'), 0o640)
        export(db, *base, '-o', p('kept.csv'))
        m = stat.S_IMODE(os.stat(p('kept.csv')).st_mode)
        check('-o an existing 0640 file: replaced whole, still 0640',
              m == 0o640 and content(p('kept.csv')) == want, oct(m))
    finally:
        os.umask(old)
    check('no temporary file is left behind',
          not [f for f in os.listdir(d) if '.tmp.' in f], str(os.listdir(d)))


# ---- 3: partly observed seconds ---------------------------------------------

def test_observed(tmp):
    # 5 guests of 2 busy vCPUs on 12 CPUs: each at 200% once woken; the
    # trace ends half-way through its 11th second
    db, prefix = replay(tmp, 'half', ['--cpus', '12', '--domains', '5', '--vcpus', '2',
                                      '--dom0-vcpus', '1', '--workload', 'cpu',
                                      '--seconds', '10.5'])
    cpu, obs = truth(prefix)
    last = max(obs)
    check('the trace ends half-way through its last second (truth)',
          400_000_000 < obs[last] < 600_000_000, str(obs[last]))
    d = 5
    pct_last = 100.0 * cpu[(last, d)] / obs[last]
    rows = rows_of(export(db, '--from', T0, '--to', T0 + 60, '--step', '1s',
                          '--domain', d).stdout)
    r = [x for x in rows if int(x['t']) == last]
    check('--step 1s: the half-observed second is at its rate (%.2f%%), covered %.2f%%'
          % (pct_last, obs[last] / 1e7),
          r and near(r[0]['cpu_pct'], pct_last) and near(r[0]['cpu_max_pct'], pct_last, 0.011) and
          near(r[0]['covered_pct'], obs[last] / 1e7), str(r))

    tot = sum(v for (t, dd), v in cpu.items() if dd == d)
    seen = sum(obs.values())
    mean = 100.0 * tot / seen
    for step, table in (('1m', 'sample_dom_1s_all'), ('1h', 'sample_1h')):
        s = {'1m': 60, '1h': 3600}[step]
        r = export(db, '--from', T0, '--to', T0 + s, '--step', step, '--domain', d)
        rows = rows_of(r.stdout)
        check('--step %s (%s): cpu_pct %.2f over the time observed, covered_pct %.4f'
              % (step, table, mean, 100.0 * seen / (s * 1e9)),
              'reading %s' % table in r.stderr and len(rows) == 1 and
              near(rows[0]['cpu_pct'], mean) and
              near(rows[0]['covered_pct'], 100.0 * seen / (s * 1e9)) and
              near(rows[0]['cpu_max_pct'], max(100.0 * cpu[(t, d)] / obs[t] for t in obs), 0.011),
              r.stderr + str(rows))

    con = sqlite3.connect(db)
    v = con.execute('SELECT cpu_pct FROM domain_1s WHERE domid = ? AND t = ?', (d, last)).fetchone()
    check('view domain_1s: the half-observed second at %.2f%%' % pct_last,
          v and near(v[0], pct_last), str(v))
    for view, s in (('domain_1m', 60), ('domain_1h', 3600)):
        v = con.execute('SELECT cpu_pct FROM %s WHERE domid = ? AND t = ?' % view,
                        (d, T0 - T0 % s)).fetchone()
        check('view %s: cpu_pct %.2f over the time observed' % (view, mean),
              v and near(v[0], mean), str(v))
    con.close()

    # a replay that ends a few microseconds into its 21st second
    db, prefix = replay(tmp, 'tail', ['--cpus', '12', '--domains', '5', '--vcpus', '2',
                                      '--dom0-vcpus', '1', '--workload', 'cpu',
                                      '--seconds', '20.00002'])
    cpu, obs = truth(prefix)
    last = max(obs)
    tot = sum(v for (t, dd), v in cpu.items() if dd == d)
    want = 100.0 * tot / sum(obs.values())
    rows = rows_of(export(db, '--from', T0, '--to', T0 + 60, '--step', '1m',
                          '--domain', d).stdout)
    check('a last second observed %d us is no idle second: --step 1m cpu_pct %.2f'
          % (obs[last] // 1000, want),
          obs[last] < 1_000_000 and rows and near(rows[0]['cpu_pct'], want), str(rows))


# ---- 4: reused domids --------------------------------------------------------

def lifetimes(db):
    con = sqlite3.connect(db)
    con.execute("UPDATE domain SET name = 'd' || domid || '_' || (first_t - ?)"
                " WHERE domid BETWEEN 1 AND 30000", (T0,))
    con.commit()
    lives = con.execute('SELECT domid, name, first_t, last_t FROM domain'
                        ' ORDER BY domid, first_t').fetchall()
    con.close()
    return lives


def owner(lives, domid, t):
    """The lifetime's name a second belongs to: the newest started by t."""
    name = None
    for d, n, first, _ in lives:
        if d == domid and first <= t:
            name = n
    return name


def test_domains(tmp):
    db, prefix = replay(tmp, 'churn', ['--cpus', '4', '--domains', '6', '--vcpus', '2',
                                       '--seconds', '300', '--churn', '12',
                                       '--reuse-domids'])
    cpu, obs = truth(prefix)
    lives = lifetimes(db)
    # a domid whose two guests share a minute
    pair = None
    for (d1, n1, f1, l1), (d2, n2, f2, l2) in zip(lives, lives[1:]):
        if d1 == d2 and l1 // 60 == f2 // 60 and \
           any(cpu.get((t, d1)) for t in range(f1, l1 + 1) if t // 60 == f2 // 60) and \
           any(cpu.get((t, d2)) for t in range(f2, f2 + 60) if t // 60 == f2 // 60) and \
           n1 != n2:
            pair = (d1, n1, n2, f2 - f2 % 60)
            break
    check('the trace reuses a domid within a minute (domain table)', pair, str(lives))
    if not pair:
        return
    domid, a, b, minute = pair

    # --domain NAME at 1 s: that guest's seconds, no other's
    want = sorted(t for (t, d), v in cpu.items() if d == domid and owner(lives, d, t) == b)
    rows = rows_of(export(db, '--from', T0, '--to', T0 + 300, '--step', '1s',
                          '--domain', b).stdout)
    check('--domain %s --step 1s: its %d seconds, all under its name' % (b, len(want)),
          sorted(int(r['t']) for r in rows) == want and {r['name'] for r in rows} == {b},
          '%d rows, names %s' % (len(rows), {r['name'] for r in rows}))

    # per (step, guest): sum of its seconds' CPU over the step's observed time
    def expected(step):
        exp = defaultdict(int)
        for (t, d), v in cpu.items():
            if d == domid:
                exp[(t - t % step, owner(lives, d, t))] += v
        seen = defaultdict(int)
        for t, o in obs.items():
            seen[t - t % step] += o
        return {k: 100.0 * v / seen[k[0]] for k, v in exp.items()}

    for step, s, table in (('1m', 60, 'sample_dom_1s_all'), ('1h', 3600, 'sample_1h')):
        exp = expected(s)
        r = export(db, '--from', T0, '--to', T0 + 300, '--step', step, '--domain', domid)
        rows = rows_of(r.stdout)
        got = {(int(x['t']), x['name']): x['cpu_pct'] for x in rows}
        bad = [(k, got.get(k), round(v, 2)) for k, v in exp.items()
               if v >= 0.005 and not near(got.get(k), v)]
        extra = [k for k in got if k not in exp]
        check('--domain %d --step %s (%s): a row per guest in each step, each exact'
              % (domid, step, table),
              'reading %s' % table in r.stderr and not bad and not extra and
              (minute - minute % s, a) in got and (minute - minute % s, b) in got,
              '%s extra %s\n%s' % (bad[:4], extra[:4], r.stderr))

    # one guest in two lifetimes of a domid, another between them: two
    # domains, one row each in a step that holds all three lifetimes
    three = [l for l in lives if l[0] == domid]
    if len(three) >= 3:
        again = os.path.join(tmp, 'again.db')
        con = sqlite3.connect(db)
        con.execute("VACUUM INTO ?", (again,))
        con.close()
        con = sqlite3.connect(again)
        con.execute('UPDATE domain SET name = ? WHERE domid = ? AND first_t = ?',
                    (three[0][1], domid, three[2][2]))
        con.commit()
        lives2 = con.execute('SELECT domid, name, first_t, last_t FROM domain'
                             ' ORDER BY domid, first_t').fetchall()
        con.close()
        exp = defaultdict(int)
        for (t, d), v in cpu.items():
            if d == domid:
                exp[owner(lives2, d, t)] += v
        seen = sum(obs.values())
        rows = rows_of(export(again, '--from', T0, '--to', T0 + 3600, '--step', '1h',
                              '--domain', domid).stdout)
        got = {x['name']: x['cpu_pct'] for x in rows}
        check('one name in two lifetimes of domid %d (%s, %s between): one row each, exact'
              % (domid, three[0][1], three[1][1]),
              len(rows) == len(got) == len(exp) and
              all(near(got.get(n), 100.0 * v / seen) for n, v in exp.items()),
              '%s want %s' % (got, {n: round(100.0 * v / seen, 2) for n, v in exp.items()}))
    else:
        skip('one name in two lifetimes', 'domid %d has %d lifetimes' % (domid, len(three)))

    # seconds pruned: the minute holding both cannot be split
    pruned = os.path.join(tmp, 'pruned.db')
    con = sqlite3.connect(db)
    con.execute("VACUUM INTO ?", (pruned,))
    con.close()
    con = sqlite3.connect(pruned)
    con.execute('DELETE FROM sample_1s')
    con.execute('DELETE FROM sample_dom_1s')
    con.execute('DELETE FROM sample_dom_1s_packed')
    con.execute('DELETE FROM cpu_1s')
    con.execute("INSERT OR REPLACE INTO meta VALUES ('pruned_before_1s', ?)", (T0 + 300,))
    con.commit()
    con.close()
    r = export(pruned, '--from', minute, '--to', minute + 60, '--step', '1m', '--domain', a)
    rows = rows_of(r.stdout)
    check('seconds pruned: the minute of %s and %s is one row named after both, '
          'with a warning' % (a, b),
          'reading sample_1m' in r.stderr and 'warning' in r.stderr and
          [x['name'] for x in rows] == ['%s + %s' % (a, b)], r.stderr + str(rows))


# ---- 12: [from, to) ----------------------------------------------------------

def test_half_open(db):
    r = export(db, '--from', T0 + 60, '--to', T0 + 90, '--step', '1s')
    rows = rows_of(r.stdout)
    per = defaultdict(set)
    for x in rows:
        per[x['domid']].add(int(x['t']))
    check('--from 08:01:00 --to 08:01:30 --step 1s: 30 rows per domain, 08:01:00 .. 08:01:29',
          per and all(v == set(range(T0 + 60, T0 + 90)) for v in per.values()),
          str({k: (len(v), min(v), max(v)) for k, v in per.items()}))
    # the data starts at T0, in the step FIRST: a range that ends where
    # that step starts must not have it, one that ends a second later must
    for step, s in (('10s', 10), ('1m', 60), ('1h', 3600), ('1d', 86400)):
        first = T0 - T0 % s
        before = rows_of(export(db, '--from', first - s, '--to', first,
                                '--step', step, ok=(3,)).stdout)   # 3: no data
        after = rows_of(export(db, '--from', first - s, '--to', first + 1,
                               '--step', step).stdout)
        check('--step %s: --to at the start of a step leaves it out, a second later '
              'takes it in' % step,
              not before and {int(x['t']) for x in after} == {first},
              'before %s after %s' % (sorted({x['t'] for x in before}),
                                      sorted({x['t'] for x in after})))


# ---- 13: --follow's chatter ---------------------------------------------------

def test_follow(tmp, db):
    part = os.path.join(tmp, 'follow.db')
    con = sqlite3.connect(db)
    con.execute("VACUUM INTO ?", (part,))
    con.close()
    con = sqlite3.connect(part, isolation_level=None)
    con.execute('DELETE FROM sample_1s WHERE t >= ?', (T0 + 20,))
    con.execute('DELETE FROM sample_dom_1s WHERE t >= ?', (T0 + 20,))
    con.execute('DELETE FROM sample_dom_1s_packed WHERE t >= ?', (T0 + 20,))
    con.execute('DELETE FROM cpu_1s WHERE t >= ?', (T0 + 20,))
    outs = {}
    for quiet in (False, True):
        if quiet:
            con.execute('DELETE FROM sample_1s WHERE t >= ?', (T0 + 20,))
            con.execute('DELETE FROM sample_dom_1s WHERE t >= ?', (T0 + 20,))
            con.execute('DELETE FROM sample_dom_1s_packed WHERE t >= ?', (T0 + 20,))
            con.execute('DELETE FROM cpu_1s WHERE t >= ?', (T0 + 20,))
        p = subprocess.Popen([EXPORT, '--db', part, '--from', str(T0), '--to', str(T0 + 60),
                              '--step', '10s', '--follow'] + (['-q'] if quiet else []),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        con.execute("ATTACH ? AS full", (db,))
        for t in range(T0 + 20, T0 + 60, 10):
            con.execute('BEGIN')
            con.execute('INSERT INTO sample_1s SELECT * FROM full.sample_1s'
                        ' WHERE t >= ? AND t < ?', (t, t + 10))
            con.execute('INSERT INTO cpu_1s SELECT * FROM full.cpu_1s'
                        ' WHERE t >= ? AND t < ?', (t, t + 10))
            con.execute('COMMIT')
            time.sleep(1.3)
        con.execute('DETACH full')
        try:
            out, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        outs[quiet] = (p.returncode, {int(x['t']) for x in rows_of(out)}, err)
    con.close()
    rc, ts, err = outs[False]
    check('--follow: every step written, the table read said once (not per step)',
          rc == 0 and ts == set(range(T0, T0 + 60, 10)) and err.count('reading ') == 1,
          'exit %s steps %s\n%s' % (rc, sorted(ts), err))
    rc, ts, err = outs[True]
    check('--follow -q: nothing on standard error',
          rc == 0 and ts == set(range(T0, T0 + 60, 10)) and err == '',
          'exit %s steps %s\n%s' % (rc, sorted(ts), err))


def main():
    tmp = tempfile.mkdtemp(prefix='xenmon-export-defects-')
    try:
        db, _ = replay(tmp, 'plain', ['--cpus', '2', '--domains', '3', '--vcpus', '1',
                                      '--seconds', '120', '--workload', 'periodic'])
        test_output(tmp, db)
        test_observed(tmp)
        test_domains(tmp)
        test_half_open(db)
        test_follow(tmp, db)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
