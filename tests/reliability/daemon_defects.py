#!/usr/bin/env python3
"""xenbaked's run at its edges, through the real binaries and real SQLite
files: how a stream is dated, two trace files that join inside a second,
a stop during --realtime, start times far ahead, and how a run ends when
its terminal goes away or it is killed.  Output is TAP.

    daemon_defects.py --sim SIM --bake XENBAKED --case CASE

CASE is one of: stream-clock, join-files, realtime-stop, start-time-range,
hangup, replay-pruned.  Every wait is for a condition, with a generous limit.
"""
import argparse
import json
import os
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import report  # noqa: E402

COMPARE = os.path.join(HERE, '..', 'golden', 'compare.py')
START = 1700000000
MHZ = 2400
NS = 10**9
results = []


def check(name, ok, detail=''):
    results.append((name, bool(ok), detail))


def query(db, sql, *args):
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def one(db, sql, *args):
    rows = query(db, sql, *args)
    return rows[0][0] if rows else None


def run_count(db, column):
    """COLUMN of the last run, or None where the schema lacks it."""
    try:
        return one(db, 'SELECT %s FROM run ORDER BY id DESC LIMIT 1' % column)
    except sqlite3.Error:
        return None


def wait_for(cond, limit=60.0, every=0.05):
    """Poll COND until it is true or LIMIT seconds pass; its last value."""
    end = time.monotonic() + limit
    while True:
        try:
            v = cond()
        except sqlite3.Error:   # not created yet, or its schema not yet
            v = None
        if v or time.monotonic() > end:
            return v
        time.sleep(every)


def sim(a, path, *args, truth=None):
    cmd = [a.sim, '--seed', '3', '--mhz', str(MHZ), '--start-time', str(START),
           '-o', path] + list(args)
    if truth:
        cmd += ['--truth', truth]
    subprocess.run(cmd, check=True, capture_output=True)


def bake(a, *args, stdin=None):
    r = subprocess.run([a.bake] + list(args), capture_output=True, text=True,
                       stdin=stdin, timeout=600)
    return r.returncode, r.stdout, r.stderr


def start_bake(a, *args):
    """A xenbaked on a pipe: (process, stdout collected, stderr collected)."""
    p = subprocess.Popen([a.bake] + list(args), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = [], []
    for src, dst in ((p.stdout, out), (p.stderr, err)):
        threading.Thread(target=lambda s=src, d=dst: d.append(s.read()),
                         daemon=True).start()
    return p, out, err


def finish(p, limit=60.0):
    """Exit status, or None if P is still running after LIMIT seconds."""
    try:
        return p.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


def windows(data):
    """The windows of a xentrace file: (offset, end, [record TSCs])."""
    out, off = [], 0
    while off < len(data):
        hdr, = struct.unpack_from('<I', data, off)
        extra = 8 if hdr >> 31 else 0
        cpu, size = struct.unpack_from('<II', data, off + 4 + extra)
        body = off + 12 + extra
        tscs, p = [], body
        while p < body + size:
            h, = struct.unpack_from('<I', data, p)
            if h >> 31:
                tscs.append(struct.unpack_from('<Q', data, p + 4)[0])
            p += 4 + (8 if h >> 31 else 0) + 4 * ((h >> 28) & 7)
        out.append((off, body + size, tscs))
        off = body + size
    return out


def clean_cut(data, near_tsc):
    """The window boundary nearest NEAR_TSC that splits the trace in time:
    every record before it older than every record after it.  (offset,
    newest TSC before, oldest TSC after)."""
    ws = windows(data)
    n = len(ws)
    pre_max, suf_min = [0] * (n + 1), [1 << 64] * (n + 1)
    for i, (_, _, t) in enumerate(ws):
        pre_max[i + 1] = max([pre_max[i]] + t)
    for i in range(n - 1, -1, -1):
        suf_min[i] = min([suf_min[i + 1]] + ws[i][2])
    best = None
    for i in range(1, n):
        if pre_max[i] < suf_min[i] and suf_min[i] < (1 << 64):
            d = abs(suf_min[i] - near_tsc)
            if best is None or d < best[0]:
                best = (d, ws[i][0], pre_max[i], suf_min[i])
    return best[1:]


# ---- a stream is dated by its first bytes -------------------------------

def stream_clock(a, tmp):
    db = tmp + '/clk.db'
    launched = time.time()
    s = subprocess.Popen([a.sim, '--realtime', '--seconds', '5', '--cpus', '2',
                          '--domains', '2', '-o', '-'], stdout=subprocess.PIPE)
    b = subprocess.Popen([a.bake, '--input', '-', '--db', db], stdin=s.stdout,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    s.stdout.close()
    try:
        out, err = b.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        b.kill()
        out, err = b.communicate()
    s.wait(timeout=60)
    ended = time.time()
    check('a stream replays: exit 0', b.returncode == 0, err[-300:])
    if b.returncode != 0:
        return
    start, last_t, status = query(db, 'SELECT start_time, last_t, status FROM run')[0]
    newest = one(db, 'SELECT max(t) FROM cpu_1s')
    # The simulator starts writing when it is launched: its first record
    # is from then, not three seconds of calibration later.
    check('the stream\'s first record is dated when it came, not after the '
          'head was read (start %.3f s after launch)' % (start - launched),
          launched - 0.5 <= start <= launched + 2.0,
          'start %.3f, launched %.3f' % (start, launched))
    check('no second stored ahead of the wall clock (newest %d, run ended %.1f)'
          % (newest, ended), newest <= ended and last_t <= ended,
          'newest second %s, last_t %s, ended %.3f' % (newest, last_t, ended))
    m = re.search(r'lag (-?\d+)\.\.(-?\d+) ms', out)
    check('the summary\'s lag is never negative (%s)' % (m.group(0) if m else '?'),
          m and int(m.group(1)) >= -250, out[-600:])
    check('the run says where its start time came from',
          'arrival of the stream' in out and status == 'ok', out[-600:])


# ---- two files that join inside a second --------------------------------

def dump(db):
    return [query(db, 'SELECT * FROM %s ORDER BY 1, 2, 3' % t)
            for t in ('sample_1s', 'cpu_1s', 'domain')]


ROLLUPS = ('sample_1m', 'cpu_1m', 'sample_1h', 'cpu_1h', 'sample_1d', 'cpu_1d',
           'sample_1w', 'cpu_1w')


def rollups(db):
    out = {}
    for table in ROLLUPS:
        rows = query(db, 'SELECT * FROM %s ORDER BY 1, 2' % table)
        # a histogram is a JSON object: its keys' order is not its value
        out[table] = [tuple(json.loads(v) if isinstance(v, str) else v for v in r)
                      for r in rows]
    return out


def rollups_agree(a, db, tmp):
    """The roll-ups as the daemon kept them, second by second, against the
    same rolled up afresh from the seconds (the back-fill of a migrated
    database): which tables differ."""
    fresh = tmp + '/fresh.db'
    con = sqlite3.connect(db)
    con.execute("VACUUM INTO ?", (fresh,))
    con.close()
    con = sqlite3.connect(fresh)
    for table in ROLLUPS:
        con.execute('DELETE FROM %s' % table)
    con.execute("DELETE FROM meta WHERE key = 'rollup_1h_upto'")
    con.execute("INSERT INTO meta VALUES ('history_backfill', 'pending')")
    con.commit()
    con.close()
    empty = tmp + '/empty.bin'
    open(empty, 'wb').close()
    bake(a, '--input', empty, '--db', fresh)   # opens it: back-fills, exit 1
    kept, again = rollups(db), rollups(fresh)
    return ['%s: %s' % (t, [x for x in zip(kept[t], again[t]) if x[0] != x[1]][:2])
            for t in ROLLUPS if kept[t] != again[t] or not kept[t]]


def split_trace(trace, at_s, one_bin, two_bin):
    """TRACE cut in two files where xentrace could have started a new one
    (between windows, every record before older than every one after),
    near AT_S seconds in.  (the second file's true start to the ns as
    --start-time takes it, the second where they join, the ns between the
    first file's last record and the second's first)."""
    data = open(trace, 'rb').read()
    tsc0 = min(t for _, _, ts in windows(data) for t in ts)
    cut, last1, first2 = clean_cut(data, tsc0 + int(at_s * MHZ * 10**6))
    open(one_bin, 'wb').write(data[:cut])
    open(two_bin, 'wb').write(data[cut:])
    off = Fraction(first2 - tsc0, MHZ * 10**6)
    start2 = '%d.%09d' % (START + off.numerator // off.denominator,
                          round((off - off.numerator // off.denominator) * NS))
    return start2, START + int(off), (first2 - last1) * 1000 // MHZ + 1


def join_files(a, tmp):
    trace, truth = tmp + '/whole.bin', tmp + '/truth'
    sim(a, trace, '--cpus', '3', '--domains', '4', '--vcpus', '2', '--seconds', '8',
        '--workload', 'periodic', '--no-noise', truth=truth)
    # 4.4 s in, so that the join falls inside a second
    one_bin, two_bin = tmp + '/part1.bin', tmp + '/part2.bin'
    start2, join_t, hole_ns = split_trace(trace, 4.4, one_bin, two_bin)
    db = tmp + '/join.db'
    common = ['--db', db, '--cpu-mhz', str(MHZ)]
    rc, out1, err = bake(a, '--input', one_bin, '--start-time', str(START), *common)
    check('first file replays', rc == 0, err[-300:])
    part = query(db, 'SELECT cpu, observed_ns FROM cpu_1s WHERE t = ?', join_t)
    rc, out2, err = bake(a, '--input', two_bin, '--start-time', start2, *common)
    check('second file replays', rc == 0, err[-300:])
    rows = query(db, 'SELECT cpu, observed_ns FROM cpu_1s WHERE t = ?', join_t)
    check('the second where the files join is observed whole but for the %d ns '
          'between them (it was %s)' % (hole_ns, [o for _, o in part]),
          len(rows) == 3 and all(NS - hole_ns - 1000 <= o <= NS for _, o in rows),
          'cpu_1s at %d: %s' % (join_t, rows))
    check('the summary says the second was completed',
          re.search(r'\b1 partly stored by an earlier run: completed', out2), out2)
    # Held to the truth but for the time between the files (each vCPU
    # lost it: three at most in one domain) and, per CPU, where a vCPU
    # not seen running yet in the second file waits or blocks: the CPU of
    # its first record there, as at any trace's start (docs/metrics.md), not
    # the one it last ran on in the first file.  Per domain, exact.
    r = subprocess.run([sys.executable, COMPARE, '--db', db, '--truth', truth,
                        '--tol-abs-ns', str(3 * hole_ns + 1000)],
                       capture_output=True, text=True)
    lines = r.stdout.splitlines()
    count = re.search(r'(\d+) mismatches', r.stdout)
    other = [x for x in lines if x.startswith('MISMATCH') and not
             re.match(r'MISMATCH sample \((\d+), \d+, \d+\) (wait|blocked)_ns:', x)]
    check('every row equals the simulator\'s truth, the join second included',
          count and int(count.group(1)) <= 20 and not other, r.stdout[-800:])
    bad = rollups_agree(a, db, tmp)
    check('the minute and hour roll-ups hold the completed second once',
          not bad, '\n'.join(bad))
    check('the run table counts it', run_count(db, 'seconds_completed') == 1)

    # Replaying either file again brings nothing new.
    before = dump(db)
    outs = [bake(a, '--input', one_bin, '--start-time', str(START), *common),
            bake(a, '--input', two_bin, '--start-time', start2, *common)]
    check('replaying both files again writes nothing and changes nothing',
          all(rc == 0 and ' 0 written' in o and 'partly stored' not in o
              for rc, o, _ in outs) and dump(db) == before,
          '\n'.join(o[-400:] for _, o, _ in outs))

    # A second part that overlaps what is stored is left, and said.
    db2 = tmp + '/overlap.db'
    bake(a, '--input', one_bin, '--start-time', str(START), '--db', db2,
         '--cpu-mhz', str(MHZ))
    kept = query(db2, 'SELECT * FROM cpu_1s WHERE t = ?', join_t)
    early = '%.9f' % (float(start2) - 0.3)
    rc, out, err = bake(a, '--input', two_bin, '--start-time', early, '--db', db2,
                        '--cpu-mhz', str(MHZ))
    check('a part that overlaps the stored one is reported and left as it was',
          rc == 0 and re.search(r'\b1 partly stored by an earlier run, overlapping',
                                out) and
          query(db2, 'SELECT * FROM cpu_1s WHERE t = ?', join_t) == kept and
          run_count(db2, 'seconds_overlapping') == 1,
          out[-500:])

    # The second file first, then the first, when retention has taken the
    # join second's per-CPU rows (retain-1s-cpu, 6 h by default, counts back
    # from the newest second: here 2 s): its per-domain rows are kept, but
    # the parts cannot be added per CPU any more.  It is left as stored and
    # said, as any second whose roll-ups retention has begun to take;
    # before, it was rewritten from the first file's part alone, the second
    # file's dropped from the second and its minute.
    db4 = tmp + '/pruned.db'
    short = ['--db', db4, '--cpu-mhz', str(MHZ), '--retain-1s-cpu', '2s']
    rc, out, err = bake(a, '--input', two_bin, '--start-time', start2, *short)
    doms = 'SELECT * FROM sample_dom_1s_all WHERE t = ? ORDER BY domid'
    kept = query(db4, doms, join_t)
    check('the join second\'s per-CPU rows are pruned, its per-domain rows kept',
          rc == 0 and kept and one(db4, 'SELECT count(*) FROM sample_1s WHERE t = ?',
                                   join_t) == 0 and
          one(db4, 'SELECT count(*) FROM cpu_1s WHERE t = ?', join_t) == 3,
          'rc %d, %s; %s' % (rc, err[-300:], kept))
    rc, out, err = bake(a, '--input', one_bin, '--start-time', str(START), *short)
    minute = join_t - join_t % 60
    sums = ('SELECT domid, sum(cpu_ns), sum(blocked_ns) FROM %s WHERE t >= ? AND '
            't < ? + 60 GROUP BY domid ORDER BY domid')
    check('then the first file: the join second left as stored, and said',
          rc == 0 and re.search(r'\b1 partly stored by an earlier run, overlapping', out)
          and query(db4, doms, join_t) == kept, out[-500:] + err[-300:])
    check('its minute holds the seconds stored, once',
          query(db4, sums % 'sample_dom_1s_all', minute, minute) ==
          query(db4, sums % 'sample_1m_all', minute, minute),
          '%s\n%s' % (query(db4, sums % 'sample_dom_1s_all', minute, minute),
                      query(db4, sums % 'sample_1m_all', minute, minute)))

    # A fractional start replayed twice: the partial first and last
    # seconds are what is stored already, not parts to add.
    db3 = tmp + '/twice.db'
    args = ['--input', one_bin, '--start-time', '%d.5' % START, '--db', db3,
            '--cpu-mhz', str(MHZ)]
    bake(a, *args)
    before = dump(db3)
    rc, out, err = bake(a, *args)
    check('a trace starting mid-second replayed twice writes nothing new',
          rc == 0 and ' 0 written' in out and dump(db3) == before, out[-400:])


# ---- traces replayed again after their seconds were pruned ----------------

STRETCHES = 'SELECT * FROM seconds_stored ORDER BY first_t'


def written(out):
    """The seconds a replay's summary says it wrote, or None."""
    m = re.search(r'seconds\s+(\d+) written', out)
    return int(m.group(1)) if m else None


def replay_pruned(a, tmp):
    """Seconds stored and then pruned (a later trace moved the newest
    second past --retain-1s) are still known as stored (seconds_stored):
    a trace replayed again adds nothing to the roll-ups, which hold it
    already (before, it was added a second time), and a trace that goes
    on where a stored one stopped adds what was not stored, once."""
    whole, truth = tmp + '/whole.bin', tmp + '/truth'
    sim(a, whole, '--cpus', '2', '--domains', '3', '--seconds', '150',
        '--no-noise', truth=truth)
    head, tail = tmp + '/head.bin', tmp + '/tail.bin'
    start2, join_t, _ = split_trace(whole, 74.4, head, tail)
    later = tmp + '/later.bin'
    sim(a, later, '--cpus', '2', '--domains', '3', '--seconds', '30')
    db = tmp + '/pruned.db'
    keep = ['--db', db, '--cpu-mhz', str(MHZ), '--retain-1s', '10m']
    # every second of the old minutes once, on each CPU: 150 of them
    per_cpu = ('SELECT cpu, sum(seconds) FROM cpu_1m WHERE t < ? GROUP BY cpu '
               'ORDER BY cpu')

    steps = [bake(a, '--input', head, '--start-time', str(START), *keep),
             bake(a, '--input', later, '--start-time', str(START + 7200), *keep)]
    stored = query(db, STRETCHES)
    check('the first part\'s seconds are pruned and its stretch kept, its '
          'last second (the join) stored in part',
          all(rc == 0 for rc, _, _ in steps) and
          one(db, 'SELECT count(*) FROM cpu_1s WHERE t < ?', START + 3600) == 0 and
          [r[:2] for r in stored] == [(START, join_t), (START + 7200, START + 7229)] and
          stored[0][3] == 1,
          '%s; %s' % ([e[-200:] for _, _, e in steps], stored))
    head_written = written(steps[0][1])

    rc, out, err = bake(a, '--input', tail, '--start-time', start2, *keep)
    last_t = one(db, 'SELECT max(last_t) FROM seconds_stored WHERE first_t < ?',
                 START + 3600)
    tail_written = written(out)
    check('the rest of the trace is written, the join second counted as '
          'overlapping (its part stored cannot be told from this one)',
          rc == 0 and tail_written == last_t - join_t and
          re.search(r'\b1 partly stored by an earlier run, overlapping', out),
          out[-700:] + err[-300:])
    total = head_written + (tail_written or 0)
    check('every second of the trace is in its minutes once',
          query(db, per_cpu, START + 3600) == [(0, total), (1, total)],
          '%s, %d seconds written' % (query(db, per_cpu, START + 3600), total))
    stored = query(db, STRETCHES)
    check('a new stretch after the join second (stored in part, it ends its own)',
          [r[:2] for r in stored] == [(START, join_t), (join_t + 1, START + total - 1),
                                      (START + 7200, START + 7229)], stored)
    part = {r[0] for r in stored if r[2]} | {r[1] for r in stored if r[3]}

    tables = ('SELECT * FROM cpu_1m ORDER BY t, cpu',
              'SELECT * FROM cpu_1h ORDER BY t, cpu',
              'SELECT t, domid, seconds, cpu_ns, blocked_ns FROM sample_1m_all '
              'ORDER BY t, domid')
    before = [query(db, q) for q in tables]
    rc, out, err = bake(a, '--input', whole, '--start-time', str(START), *keep)
    # the seconds stored in part in the trace's range are the overlapping
    overlap = re.search(r'\b(\d+) partly stored by an earlier run, overlapping', out)
    check('the whole trace replayed again writes nothing: "0 written", those '
          'of its seconds stored in part counted as overlapping',
          rc == 0 and re.search(r'\b0 written, \d+ already stored', out) and
          overlap and int(overlap.group(1)) ==
          len([t for t in part if START <= t < START + 150]) > 0,
          '%s\nstored in part: %s' % (out[-700:] + err[-300:], sorted(part)))
    after = [query(db, q) for q in tables]
    check('its minutes, hours and per-domain minutes are unchanged',
          after == before,
          '\n'.join('%s -> %s' % (b[:3], x[:3]) for b, x in zip(before, after)
                    if b != x))


# ---- a stop during --realtime ---------------------------------------------

def realtime_stop(a, tmp):
    trace = tmp + '/small.bin'
    sim(a, trace, '--cpus', '1', '--domains', '1', '--seconds', '60',
        '--workload', 'idle')
    db = tmp + '/rt.db'
    p, out, err = start_bake(a, '--input', trace, '--db', db, '--realtime',
                             '--start-time', str(START), '--cpu-mhz', str(MHZ))
    p.stdin.close()
    n = wait_for(lambda: (one(db, 'SELECT count(DISTINCT t) FROM cpu_1s') or 0) >= 2
                 and one(db, 'SELECT count(DISTINCT t) FROM cpu_1s'))
    p.send_signal(signal.SIGINT)
    sent = time.monotonic()
    rc = finish(p, 30)
    took = time.monotonic() - sent
    stored = one(db, 'SELECT count(DISTINCT t) FROM cpu_1s')
    status = one(db, 'SELECT status FROM run')
    check('SIGINT during --realtime of a small trace: exit 0 within 2 s',
          rc == 0 and took < 2.0, 'rc %s after %.2f s' % (rc, took))
    check('... the seconds not reached yet are not written (%s at the signal, '
          '%s stored of 60)' % (n, stored), n and stored <= n + 2,
          b''.join(out).decode()[-400:])
    check('... and the run is interrupted', status == 'interrupted', status)


# ---- start times far ahead ------------------------------------------------

def start_time_range(a, tmp):
    trace = tmp + '/three.bin'
    sim(a, trace, '--cpus', '2', '--domains', '2', '--seconds', '3')
    for st in ('9999999999', '9300000000', '1e10', '32503679990.5'):
        db = tmp + '/st%s.db' % st
        rc, out, err = bake(a, '--input', trace, '--db', db, '--start-time', st,
                            '--cpu-mhz', str(MHZ))
        t0 = int(float(st))
        ok = rc == 0 and os.path.exists(db)
        got = query(db, 'SELECT min(t), max(t), count(DISTINCT t) FROM cpu_1s')[0] \
            if ok else None
        samples = one(db, 'SELECT count(*) FROM sample_1s WHERE t >= ?', t0) if ok else 0
        run = query(db, 'SELECT status, first_t FROM run')[0] if ok else None
        want = (t0, t0 + 3 if '.' in st else t0 + 2, 4 if '.' in st else 3)
        check('--start-time %s: rows at that time, from its second on' % st,
              ok and got == want and samples > 0 and run == ('ok', t0),
              'rc %d, seconds %s (want %s), %s samples, run %s; %s'
              % (rc, got, want, samples, run, err[-200:]))
    for st in ('32503680001', '1e11', '-1'):
        rc, out, err = bake(a, '--input', trace, '--db', tmp + '/no.db',
                            '--start-time', st)
        check('--start-time %s: a usage error naming option and value' % st,
              rc == 2 and "--start-time: '%s'" % st in err, 'rc %d: %s' % (rc, err))


# ---- the terminal goes away; a writer is killed ---------------------------

def hangup(a, tmp):
    trace = tmp + '/ten.bin'
    sim(a, trace, '--cpus', '2', '--domains', '2', '--seconds', '10')
    data = open(trace, 'rb').read()
    # A stream's run begins once its head (3 s) is read: feed 7 s of 10.
    head = data[:len(data) * 7 // 10]
    args = ['--cpu-mhz', str(MHZ), '--start-time', str(START)]

    def running(db):
        return lambda: one(db, "SELECT count(*) FROM run WHERE status = 'running'")

    db = tmp + '/hup.db'
    p, out, err = start_bake(a, '--input', '-', '--db', db, *args)
    p.stdin.write(head)
    p.stdin.flush()
    seen = wait_for(running(db))
    p.send_signal(signal.SIGHUP)
    rc = finish(p, 30)
    status = one(db, 'SELECT status FROM run')
    summary = b''.join(out).decode()
    check('SIGHUP (the terminal went away) stops a stream replay: exit 0, '
          'summary, run interrupted',
          seen and rc == 0 and 'seconds ' in summary and status == 'interrupted',
          'rc %s, status %r: %s %s' % (rc, status, summary[-300:],
                                       b''.join(err).decode()[-300:]))

    db = tmp + '/kill.db'
    p, out, err = start_bake(a, '--input', '-', '--db', db, *args)
    p.stdin.write(head)
    p.stdin.flush()
    seen = wait_for(running(db))
    p.kill()
    p.wait()
    rc, _, e = bake(a, '--input', trace, '--db', db, '--quiet', *args)
    runs = query(db, 'SELECT id, status FROM run ORDER BY id')
    check('a run killed mid-way is marked ended abnormally by the next writer',
          seen and rc == 0 and len(runs) == 2 and
          runs[0][1].startswith('ended abnormally') and runs[1][1] == 'ok',
          'rc %d, runs %s; %s' % (rc, runs, e[-200:]))


CASES = {
    'stream-clock': stream_clock,
    'join-files': join_files,
    'realtime-stop': realtime_stop,
    'start-time-range': start_time_range,
    'hangup': hangup,
    'replay-pruned': replay_pruned,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--case', required=True, choices=sorted(CASES))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix='xenmon-defects-') as tmp:
        CASES[a.case](a, tmp)
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
