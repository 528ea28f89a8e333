#!/usr/bin/env python3
"""Readers while the daemon writes.  Output is TAP.

A trace is streamed into `xenbaked --input -` at about ten trace seconds
per wall second while, all at once, against the same real database file:
  * a fast reader reads the newest seconds in one transaction at a time;
  * a long reader holds one read transaction open for several seconds;
  * the sqlite3 shell queries it every 0.3 s;
  * `xenmon-export --follow` exports every second as it completes, into a
    pipe nobody reads until the end (a stalled consumer);
  * the viewer logs it (`xenmon -n`).
Checked: no reader ever gets an error or sees half a second; the long
reader's snapshot does not move; once it ends the WAL is checkpointed and
started over (its checkpoint sequence moves on), and it never grows past
journal_size_limit; the writer's longest
one-second transaction and the WAL's high-water mark are printed, from the
daemon's run table.

    concurrency.py --sim SIM --bake XENBAKED --export XENMON_EXPORT --viewer XENMON
"""
import argparse
import csv
import io
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import report  # noqa: E402

START = 1700000000
SECONDS = 150
WAL_LIMIT = 64 << 20      # the daemon's journal_size_limit
HOLD_S = 10               # the long reader's transaction


def wal_state(db):
    """(size, checkpoint sequence, frames, frames copied) of DB's WAL, from
    the WAL header and the wal-index in -shm (native byte order)."""
    try:
        with open(db + '-wal', 'rb') as f:
            hdr = f.read(32)
            size = os.fstat(f.fileno()).st_size
        with open(db + '-shm', 'rb') as f:
            shm = f.read(100)
    except OSError:
        return 0, None, 0, 0
    if len(hdr) < 32 or len(shm) < 100:
        return size, None, 0, 0
    return (size, struct.unpack('>I', hdr[12:16])[0],
            struct.unpack('=I', shm[16:20])[0], struct.unpack('=I', shm[96:100])[0])


class Watch:
    """Shared state of the reader threads."""
    def __init__(self, db):
        self.db = db
        self.done = False
        self.errors = []
        self.seen = {}            # t -> rows when the fast reader first saw it
        self.wal = []             # (time, size, checkpoint seq)
        self.long = {}

    def error(self, who, e):
        self.errors.append('%s: %s' % (who, e))


def connect(db):
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True, isolation_level=None,
                          timeout=5)
    return con


def fast_reader(w):
    con = None
    while not w.done:
        try:
            if con is None:
                if not os.path.exists(w.db):
                    time.sleep(0.05)
                    continue
                con = connect(w.db)
            con.execute('BEGIN')
            rows = con.execute('SELECT t, count(*) FROM sample_1s WHERE t >= '
                               '(SELECT max(t) - 2 FROM cpu_1s) GROUP BY t').fetchall()
            con.execute('COMMIT')
            for t, n in rows:
                w.seen.setdefault(t, n)
            time.sleep(0.01)
        except sqlite3.OperationalError as e:
            if 'no such table' not in str(e):      # before the schema exists
                w.error('fast reader', e)
            if con:
                con.close()
            con = None
            time.sleep(0.05)
    if con:
        con.close()


def long_reader(w, hold_s):
    try:
        while not w.done:
            try:
                con = connect(w.db)
                if con.execute('SELECT count(DISTINCT t) FROM cpu_1s').fetchone()[0] >= 10:
                    break
                con.close()
            except sqlite3.OperationalError:
                pass
            time.sleep(0.1)
        con.execute('BEGIN')
        n0 = con.execute('SELECT count(*) FROM sample_1s').fetchone()[0]
        w.long['begin'] = (time.monotonic(),) + wal_state(w.db)
        time.sleep(hold_s)
        n1 = con.execute('SELECT count(*) FROM sample_1s').fetchone()[0]
        w.long['end'] = (time.monotonic(),) + wal_state(w.db)
        con.execute('COMMIT')
        con.close()
        w.long['stable'] = (n0, n1)
    except Exception as e:  # noqa: BLE001 -- any failure is the finding
        w.error('long reader', e)


def shell_reader(w):
    while not w.done:
        if os.path.exists(w.db):
            r = subprocess.run(['sqlite3', '-readonly', w.db,
                                'SELECT max(t), count(*) FROM cpu_1s'],
                               capture_output=True, text=True)
            if r.returncode or r.stderr.strip():
                if 'no such table' not in r.stderr:
                    w.error('sqlite3 shell', r.stderr.strip() or r.returncode)
        time.sleep(0.3)


def wal_poller(w):
    while not w.done:
        w.wal.append((time.monotonic(),) + wal_state(w.db))
        time.sleep(0.02)


def feed(proc, data, wall_s):
    step = 65536
    t0 = time.monotonic()
    for off in range(0, len(data), step):
        delay = t0 + off / len(data) * wall_s - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        proc.stdin.write(data[off:off + step])
    proc.stdin.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--export', required=True)
    ap.add_argument('--viewer', required=True)
    a = ap.parse_args()
    results = []
    notes = []
    with tempfile.TemporaryDirectory(prefix='xenmon-conc-') as tmp:
        trace, db = tmp + '/t.bin', tmp + '/x.db'
        subprocess.run([a.sim, '--cpus', '16', '--domains', '80', '--vcpus', '2',
                        '--seconds', str(SECONDS), '--seed', '9', '-o', trace],
                       check=True, capture_output=True)
        w = Watch(db)
        bake = subprocess.Popen([a.bake, '--input', '-', '--db', db, '--cpu-mhz', '2400',
                                 '--start-time', str(START), '--quiet'],
                                stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        # the readers that need the file start once it exists
        while not os.path.exists(db):
            time.sleep(0.02)
        time.sleep(0.3)
        # Its output goes to a pipe nobody drains until the end: a stalled
        # consumer.  It must block outside its read transactions, or the
        # WAL could never start over behind it.
        export = subprocess.Popen([a.export, '--db', db, '--from', str(START), '--to',
                                   str(START + SECONDS - 1), '--step', '1s', '--follow'],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        viewer = subprocess.Popen([a.viewer, '--db', db, '-n', '-p', tmp + '/log',
                                   '-t', '8'], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        threads = [threading.Thread(target=f, args=args) for f, args in
                   ((fast_reader, (w,)), (long_reader, (w, HOLD_S)), (shell_reader, (w,)),
                    (wal_poller, (w,)))]
        for t in threads:
            t.start()
        with open(trace, 'rb') as f:
            feed(bake, f.read(), 20.0)
        berr = bake.stderr.read().decode()
        rc = bake.wait(timeout=120)
        time.sleep(1.5)              # a checkpoint after the last commits
        w.wal.append((time.monotonic(),) + wal_state(db))
        w.done = True
        for t in threads:
            t.join()
        try:
            eout, eerr = export.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            export.kill()
            eout, eerr = export.communicate()
        vout, verr = viewer.communicate(timeout=30)

        results.append(('daemon: exit 0 under all readers', rc == 0, berr))
        results.append(('no reader got an error (fast, long, sqlite3 shell)',
                        not w.errors, '\n'.join(w.errors[:10])))
        con = sqlite3.connect(db)
        final = dict(con.execute('SELECT t, count(*) FROM sample_1s GROUP BY t'))
        per_t_doms = dict(con.execute('SELECT t, count(DISTINCT domid) FROM sample_1s '
                                      'GROUP BY t'))
        run = con.execute('SELECT max_write_ms, wal_peak_bytes FROM run').fetchone()
        con.close()
        half = {t: (n, final.get(t)) for t, n in w.seen.items() if final.get(t) != n}
        results.append(('fast reader saw %d seconds, none of them half-written' % len(w.seen),
                        len(w.seen) > 20 and not half, repr(list(half.items())[:5])))
        st = w.long.get('stable')
        results.append(('long reader: its snapshot did not move for %d s' % HOLD_S,
                        st is not None and st[0] == st[1] and st[0] > 0, repr(w.long)))

        b, e = w.long.get('begin'), w.long.get('end')
        after = [x for x in w.wal if e and x[0] > e[0]]
        during = [x for x in w.wal if b and e and b[0] <= x[0] <= e[0]]
        grew = bool(during)
        seqs = {x[2] for x in after if x[2] is not None}
        restarted = bool(e) and e[2] is not None and any(s > e[2] for s in seqs)
        # or it did not need to: checkpoints kept it at SQLite's 1000-frame
        # threshold (plus a few transactions) from then on
        kept = bool(after) and max(x[3] for x in after) <= 1200
        peak = max(x[1] for x in w.wal)
        results.append(('WAL checkpointed after the long reader ended (started over, '
                        'or kept under 1200 frames); largest %.1f MB, under '
                        'journal_size_limit'
                        % (peak / 1e6),
                        grew and (restarted or kept) and peak <= WAL_LIMIT,
                        'begin %r end %r after-seqs %r peak %d after %r' % (b, e, sorted(seqs), peak, after[::50])))

        rows = list(csv.DictReader(io.StringIO(eout)))
        got = {}
        for r in rows:
            got[int(r['t'])] = got.get(int(r['t']), 0) + 1
        wrong = {t: (n, per_t_doms.get(t)) for t, n in got.items() if per_t_doms.get(t) != n}
        results.append(('xenmon-export --follow: %d seconds, each whole, no error' % len(got),
                        export.returncode == 0 and len(got) == SECONDS - 1 and not wrong,
                        'exit %s %s %r' % (export.returncode, eerr[-300:], list(wrong.items())[:5])))
        logs = [f for f in os.listdir(tmp) if f.startswith('log')]
        results.append(('xenmon -n logged from the live database without error',
                        viewer.returncode == 0 and logs and 'error' not in verr.lower(),
                        'exit %s %s' % (viewer.returncode, verr[-300:])))
        notes.append('# writer: longest one-second transaction %.1f ms; WAL high-water %.1f MB '
              '(run table: %.1f ms, %.1f MB)' % (run[0], peak / 1e6, run[0], run[1] / 1e6))
        results.append(('the run table records the longest write and the WAL high-water',
                        run[0] is not None and run[0] > 0 and run[1] and run[1] > 0,
                        repr(run)))
    rc = report(results)
    print('\n'.join(notes))
    return rc


if __name__ == '__main__':
    sys.exit(main())
