#!/usr/bin/env python3
"""Bad traces at the command line: truncated, bit-flipped, zero-filled,
a block of zeros inside a window, endlessly repeated and out of order.
Output is TAP.

For every input: no crash (no signal), no hang (a time limit), bounded
memory (the daemon's own peak RSS), exit 0 or 1 with, on 1, a message that
names the input and a byte offset; nothing impossible stored (per CPU and
second, CPU time of all domains within the second, no negative time); and
where the damage starts after some whole seconds, those seconds are stored
exactly as the ground truth says.

    bad_traces.py --sim SIM --bake XENBAKED
"""
import argparse
import os
import re
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import report  # noqa: E402

COMPARE = os.path.join(HERE, '..', 'golden', 'compare.py')
sys.path.insert(0, os.path.join(HERE, '..', 'golden'))
import compare  # noqa: E402
START = 1700000000
TIME_LIMIT_S = 60
RSS_LIMIT_MIB = 160     # the look-ahead (32 MiB of input) held twice over, plus SQLite


def bake(a, db, data=None, path=None, chunks=None, cut=None):
    """Run xenbaked on PATH or on DATA / CHUNKS (an iterator) fed to its
    stdin; with CUT = (after, size), PATH is replayed in real time and cut
    to SIZE bytes AFTER seconds.  (exit status or -signal, stderr, peak RSS
    MiB, seconds)."""
    args = [a.bake, '--input', path or '-', '--db', db, '--cpu-mhz', '2400',
            '--start-time', str(START)] + (['--realtime'] if cut else [])
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdin=subprocess.PIPE if path is None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = [], []
    readers = [threading.Thread(target=lambda: out.append(p.stdout.read())),
               threading.Thread(target=lambda: err.append(p.stderr.read()))]
    for r in readers:
        r.start()

    def feed():
        try:
            for c in chunks if chunks is not None else [data]:
                p.stdin.write(c)
            p.stdin.close()
        except BrokenPipeError:
            pass
    feeder = None
    if path is None:
        feeder = threading.Thread(target=feed)
        feeder.start()
    timer = threading.Timer(TIME_LIMIT_S, p.kill)
    timer.start()
    cutter = threading.Timer(cut[0], os.truncate, (path, cut[1])) if cut else None
    if cutter:
        cutter.start()
    rc = p.wait()
    timer.cancel()
    if cutter:
        cutter.cancel()
    if feeder:
        feeder.join()
    for r in readers:
        r.join()
    # its own peak (VmHWM), from its summary: a child's ru_maxrss would
    # include this big Python process from before exec
    m = re.search(r'memory\s+([\d.]+) MiB', out[0].decode())
    rss = float(m.group(1)) if m else float('inf')
    return rc, err[0].decode(errors='replace'), rss, time.monotonic() - t0


def impossible(db):
    """Rows no trace can justify: negative times, or a CPU with more CPU
    time in a second than the second."""
    if not os.path.exists(db):
        return []
    con = sqlite3.connect(db)
    try:
        neg = con.execute('SELECT count(*) FROM sample_1s WHERE cpu_ns < 0 OR wait_ns < 0'
                          ' OR blocked_ns < 0 OR exec_count < 0').fetchone()[0]
        over = con.execute('SELECT s.t, s.cpu, sum(s.cpu_ns) + c.sched_ns FROM sample_1s s'
                           ' JOIN cpu_1s c USING (t, cpu) GROUP BY s.t, s.cpu'
                           ' HAVING sum(s.cpu_ns) + c.sched_ns > 1000001000').fetchall()
        obs = con.execute('SELECT count(*) FROM cpu_1s WHERE observed_ns > 1000000000'
                          ' OR observed_ns < 0 OR sched_ns < 0').fetchone()[0]
    finally:
        con.close()
    return (['%d negative' % neg] if neg else []) + [repr(o) for o in over[:3]] + \
        (['%d bad cpu_1s' % obs] if obs else [])


def exact(db, truth):
    return subprocess.run([sys.executable, COMPARE, '--db', db, '--truth', truth,
                           '--only-stored'], capture_output=True, text=True)


def lone_tsc(data):
    """Offset of a record's TSC in the middle of the trace, in the middle of
    its window, between two timed records of its CPU less than 100 us away:
    where one corrupt TSC can be told from the records around it."""
    off, wins = 0, []
    while off + 12 <= len(data):
        size = int.from_bytes(data[off + 8:off + 12], 'little')
        wins.append((off + 12, size))
        off += 12 + size
    for body, size in wins[len(wins) // 2:]:
        recs, p = [], body
        while p < body + size:
            hdr = int.from_bytes(data[p:p + 4], 'little')
            tsc = int.from_bytes(data[p + 4:p + 12], 'little') if hdr >> 31 else None
            recs.append((p, tsc))
            p += 4 + (8 if hdr >> 31 else 0) + 4 * ((hdr >> 28) & 7)
        for i in range(len(recs) // 2, len(recs) - 1):
            (_, t0), (q, t1), (_, t2) = recs[i - 1], recs[i], recs[i + 1]
            if None not in (t0, t1, t2) and t2 - t0 < 240000 and not (t1 >> 40) & 1:
                return q + 4
    raise SystemExit('no record to flip')


def windows(data):
    """(body offset, size, cpu) of every window of a trace."""
    off, wins = 0, []
    while off + 12 <= len(data):
        cpu = int.from_bytes(data[off + 4:off + 8], 'little')
        size = int.from_bytes(data[off + 8:off + 12], 'little')
        wins.append((off + 12, size, cpu))
        off += 12 + size
    return wins


def cpu_records(data, wins, cpu):
    """(file offset, TSC or None) of each record of CPU, in its order: its
    windows' bytes are one sequence, a record may go on in the next one."""
    spans = [(b, n) for b, n, c in wins if c == cpu]
    stream = b''.join(data[b:b + n] for b, n in spans)
    where, at = [], 0
    for b, n in spans:
        where.append((at, b))
        at += n
    recs, p, k = [], 0, 0
    while p + 4 <= len(stream):
        while k + 1 < len(where) and where[k + 1][0] <= p:
            k += 1
        hdr = int.from_bytes(stream[p:p + 4], 'little')
        tsc = int.from_bytes(stream[p + 4:p + 12], 'little') if hdr >> 31 else None
        recs.append((where[k][1] + p - where[k][0], tsc))
        p += 4 + (8 if hdr >> 31 else 0) + 4 * ((hdr >> 28) & 7)
    return recs


def zero_block(good, meta):
    """A 4 KiB block of zeros, aligned as a file system block is, inside a
    window in the middle of the trace with records after it in the same
    window: the trace, the block's offset, the first record whose header
    it zeroes (the first malformed one), its CPU and the second of the
    last timed record before it (where the damage starts)."""
    wins = windows(good)
    for body, size, cpu in wins[len(wins) // 2:]:
        block = (body + 4095) // 4096 * 4096
        if block + 4096 + 1024 > body + size:
            continue
        recs = cpu_records(good, wins, cpu)
        first = min(o for o, _ in recs if o >= block)
        tsc = [t for o, t in recs if o < block and t is not None][-1]
        ns = (tsc - int(meta['first_tsc'])) * 1000 // int(meta['mhz'])
        data = bytearray(good)
        data[block:block + 4096] = bytes(4096)
        return bytes(data), block, first, cpu, START + ns // 10**9
    raise SystemExit('no window holds a 4 KiB block')


def marked_and_exact(db, truth):
    """The CPU-seconds marked incomplete by malformed records, and the
    mismatches with the truth of every second none of whose CPUs is marked
    (a second is incomplete when one of its CPUs is, as for lost records:
    a vCPU's records on one CPU change what is booked on others)."""
    con = sqlite3.connect(db)
    try:
        marked = set(con.execute('SELECT t, cpu FROM cpu_1s WHERE malformed_records > 0'))
    except sqlite3.Error as e:
        return None, ['%s: %s' % (db, e)]
    finally:
        con.close()
    trows, tcpus = compare.load_truth(truth)
    _, orows, ocpus = compare.load_db(db)
    incomplete = {t for t, _ in marked}

    def skip(t):
        return t in incomplete
    rep = compare.Report()
    lines = []
    rep.fail = lambda msg: lines.append(msg)
    if {t for t, _ in tcpus} != {t for t, _ in ocpus}:
        lines.append('seconds differ')
    compare.compare_rows(rep, 'sample', orows, trows, compare.TIMES,
                         compare.COUNTS + compare.MINMAX, 0.001, 1000, skip)
    compare.compare_rows(rep, 'domain', compare.by_domain(orows),
                         compare.by_domain(trows), compare.TIMES, compare.COUNTS,
                         0.001, 1000, skip)
    compare.compare_rows(rep, 'cpu', ocpus, tcpus, ('observed_ns', 'sched_ns'),
                         ('lost_records',), 0.001, 1000, skip)
    return marked, lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    a = ap.parse_args()
    results = []
    rng = random.Random(20261126)
    with tempfile.TemporaryDirectory(prefix='xenmon-bad-') as tmp:
        trace, truth = tmp + '/t.bin', tmp + '/truth'
        subprocess.run([a.sim, '--cpus', '8', '--domains', '20', '--vcpus', '2',
                        '--seconds', '20', '--seed', '4', '-o', trace, '--truth', truth],
                       check=True, capture_output=True)
        good = open(trace, 'rb').read()
        n = 0

        def verdict(name, rc, err, rss, secs, db, keeps=False, want=(0, 1)):
            bad = impossible(db)
            named = rc != 1 or ('byte' in err and ('standard input' in err or tmp in err))
            ok = rc in want and rss <= RSS_LIMIT_MIB and secs < TIME_LIMIT_S and \
                not bad and named
            detail = 'exit %d, %.1f MiB, %.1f s, %s %s' % (rc, rss, secs, bad, err[-300:])
            if ok and keeps:
                c = exact(db, truth)
                con = sqlite3.connect(db)
                stored = con.execute('SELECT count(DISTINCT t) FROM cpu_1s').fetchone()[0]
                con.close()
                ok = c.returncode == 0 and stored > 0
                detail += ' stored %d; %s' % (stored, c.stdout[-300:])
            results.append((name, ok, detail))

        # truncated anywhere: the complete seconds before the cut, exact
        for frac in (0.1, 0.37, 0.5, 0.83, 0.999):
            n += 1
            cut = int(len(good) * frac) | 1
            path = '%s/cut%d.bin' % (tmp, n)
            open(path, 'wb').write(good[:cut])
            db = '%s/%d.db' % (tmp, n)
            rc, err, rss, secs = bake(a, db, path=path)
            verdict('truncated at byte %d: exit 1 naming the offset, the seconds '
                    'before it exact' % cut, rc, err, rss, secs, db, keeps=True, want=(1,))

        # zero-filled: 64 KiB of zeros over the middle
        n += 1
        mid = len(good) // 2
        data = good[:mid] + bytes(65536) + good[mid + 65536:]
        db = '%s/%d.db' % (tmp, n)
        rc, err, rss, secs = bake(a, db, data=data)
        verdict('64 KiB zero-filled at byte %d: stopped there, named, the seconds '
                'before it exact' % mid, rc, err, rss, secs, db, keeps=True, want=(1,))

        # a 4 KiB block of zeros inside a window, the mark of a file system
        # that lost a block in a crash: replayed (exit 0), the malformed
        # records counted and the first one's offset named, the CPU-seconds
        # they touch, from the damage on, marked incomplete (cpu_1s.
        # malformed_records), and every second not marked exact; the same
        # from a file and from a stream
        meta = {}
        with open(truth + '-meta.csv') as f:
            next(f)
            meta = dict(line.strip().split(',', 1) for line in f)
        zeroed, block, first, zcpu, zt = zero_block(good, meta)
        zpath = '%s/zeros.bin' % tmp
        open(zpath, 'wb').write(zeroed)
        for how in ('file', 'stream'):
            n += 1
            db = '%s/%d.db' % (tmp, n)
            args = [a.bake, '--input', zpath if how == 'file' else '-', '--db', db,
                    '--cpu-mhz', '2400', '--start-time', str(START)]
            r = subprocess.run(args, input=None if how == 'file' else zeroed,
                               capture_output=True, timeout=TIME_LIMIT_S)
            out = r.stdout.decode(errors='replace')
            m = re.search(r'^malformed\s+(\d+) \(skipped\), the first at byte (\d+)',
                          out, re.M)
            marked, wrong = marked_and_exact(db, truth)
            seconds = sorted(t for t, c in marked or ())
            con = sqlite3.connect(db)
            stored_off = con.execute('SELECT first_malformed_offset FROM run').fetchone()[0]
            con.close()
            ok = (r.returncode == 0 and m is not None and int(m.group(1)) > 0 and
                  int(m.group(2)) == first and stored_off == first and marked is not None and
                  (zt, zcpu) in marked and all(c == zcpu for _, c in marked) and
                  seconds == list(range(zt, zt + len(seconds))) and
                  not wrong and not impossible(db))
            results.append((
                '4 KiB of zeros at byte %d (CPU %d, second %d), %s: exit 0, the first '
                'malformed record named at byte %d (and stored in run), its CPU-seconds marked, the other '
                'seconds exact' % (block, zcpu, zt - START, how, first), ok,
                'exit %d; %s; run.first_malformed_offset %s; marked %s; %d mismatches %s; %s' % (
                    r.returncode, m.group(0) if m else 'no malformed line', stored_off,
                    sorted(marked) if marked is not None else None, len(wrong),
                    wrong[:3], r.stderr.decode(errors='replace')[-300:])))

        # bit flips: 1, 10 and 1000 random bits, three traces each
        for flips in (1, 10, 1000):
            for k in range(3):
                n += 1
                data = bytearray(good)
                for _ in range(flips):
                    i = rng.randrange(len(data))
                    data[i] ^= 1 << rng.randrange(8)
                db = '%s/%d.db' % (tmp, n)
                rc, err, rss, secs = bake(a, db, data=bytes(data))
                verdict('%d flipped bits (#%d): exit %d, nothing impossible stored, '
                        'bounded' % (flips, k + 1, rc), rc, err, rss, secs, db)

        # endlessly repeated: the same trace 40 times on a stream (each
        # repeat goes back in time: counted and clamped, never accumulated)
        n += 1
        db = '%s/%d.db' % (tmp, n)
        rc, err, rss, secs = bake(a, db, chunks=(good for _ in range(40)))
        verdict('the same trace 40 times over (%d MB): no hang, memory bounded '
                '(%.1f MiB)' % (40 * len(good) >> 20, rss), rc, err, rss, secs, db)

        # out of order: the windows of the whole file in reverse
        n += 1
        wins, off = [], 0
        while off + 12 <= len(good):
            size = int.from_bytes(good[off + 8:off + 12], 'little')
            wins.append(good[off:off + 12 + size])
            off += 12 + size
        db = '%s/%d.db' % (tmp, n)
        rc, err, rss, secs = bake(a, db, data=b''.join(reversed(wins)))
        verdict('all %d windows in reverse order: exit %d, nothing impossible, '
                'bounded' % (len(wins), rc), rc, err, rss, secs, db)

        # one TSC with a high bit flipped (2^40 ticks, minutes ahead): a lone
        # corrupt timestamp, which must neither hold its CPU's later records
        # back to it nor stretch the span a start time is reckoned from
        n += 1
        flipped = bytearray(good)
        at = lone_tsc(good)
        flipped[at + 5] ^= 1 << 0      # byte 5 of the TSC: bit 40
        path = '%s/flip.bin' % tmp
        open(path, 'wb').write(flipped)
        db = '%s/%d.db' % (tmp, n)
        rc, err, rss, secs = bake(a, db, path=path)
        verdict('one TSC leaping 2^40 ticks at byte %d: every second exact' % at,
                rc, err, rss, secs, db, keeps=True, want=(0,))
        clean = '%s/clean.bin' % tmp
        open(clean, 'wb').write(good)
        stamp = os.stat(path).st_mtime_ns
        os.utime(clean, ns=(stamp, stamp))
        starts = []
        for f in (clean, path):
            db = '%s/%d-%s.db' % (tmp, n, os.path.basename(f))
            subprocess.run([a.bake, '--input', f, '--db', db, '--cpu-mhz', '2400',
                            '--quiet'], check=True)
            con = sqlite3.connect(db)
            starts.append(con.execute('SELECT min(t), max(t) FROM cpu_1s').fetchone())
            con.close()
        results.append(('the same file with and without that flipped bit: the same '
                        'start time from its modification time',
                        starts[0] == starts[1], 'seconds %r' % starts))

        # cut while it is replayed: the mapped file shrinks under the
        # reader (as by a log rotation that truncates), which faults on
        # the pages that are gone
        n += 1
        path = '%s/shrinks.bin' % tmp
        open(path, 'wb').write(good)
        db = '%s/%d.db' % (tmp, n)
        cut = len(good) // 5
        rc, err, rss, secs = bake(a, db, path=path, cut=(1.5, cut))
        verdict('cut to byte %d while replayed: exit 1 naming the offset, no '
                'SIGBUS, the seconds written before it exact' % cut,
                rc, err, rss, secs, db, keeps=True, want=(1,))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
