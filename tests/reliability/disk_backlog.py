#!/usr/bin/env python3
"""A full disk under a daemon that cannot pause its source: a trace streamed
into `xenbaked --input -` (as from xentrace, or live) at a steady pace while
a real tmpfs fills up and empties again.  Output is TAP.  Needs root to
mount a tmpfs; CI runs as root.

Three runs, each checked against the simulator's ground truth:
  1. full for a few seconds, backlog big enough: reported once (not every
     second), nothing lost, every second stored exact once space returns;
  2. full longer than a 3-second backlog: the oldest seconds are dropped,
     counted in the run table and recorded in table gap, and exactly those
     are missing; every stored second exact;
  3. still full when the stream ends: exit 1 with a message naming the
     database, what was stored before intact.
A report interval of 1 s (XENBAKED_FULL_REPORT_S, for tests) shows the
"still full" report repeats at its interval rather than per failed write.

    disk_backlog.py --sim SIM --bake XENBAKED
"""
import argparse
import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import report  # noqa: E402
import tmpfs  # noqa: E402

COMPARE = os.path.join(HERE, '..', 'golden', 'compare.py')
START = 1700000000
SECONDS = 60


def fill(path):
    """Write zeros to PATH until the file system is full."""
    chunk = b'\0' * 65536
    with open(path, 'wb', buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise


def feed(proc, data, wall_s, events):
    """Write DATA to proc's stdin evenly over WALL_S seconds; at each
    (fraction, action) of EVENTS run the action once that much is sent."""
    step = 32768
    t0 = time.monotonic()
    todo = sorted(events)
    for off in range(0, len(data), step):
        frac = off / len(data)
        while todo and todo[0][0] <= frac:
            todo.pop(0)[1]()
        due = t0 + frac * wall_s
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        proc.stdin.write(data[off:off + step])
    for _, action in todo:
        action()
    proc.stdin.close()


def run_case(a, trace, mnt, backlog, events, report_s='60'):
    db = os.path.join(mnt, 'x.db')
    for ext in ('', '-wal', '-shm'):
        if os.path.exists(db + ext):
            os.unlink(db + ext)
    env = dict(os.environ, XENBAKED_FULL_REPORT_S=report_s)
    proc = subprocess.Popen([a.bake, '--input', '-', '--db', db, '--cpu-mhz', '2400',
                             '--start-time', str(START), '--backlog', backlog],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    err = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()))
    reader.start()
    with open(trace, 'rb') as f:
        data = f.read()
    feed(proc, data, 12.0, events)
    out = proc.stdout.read().decode()
    proc.wait(timeout=60)
    reader.join()
    return db, proc.returncode, out, err[0].decode()


def compare(db, truth, only_stored):
    args = [sys.executable, COMPARE, '--db', db, '--truth', truth]
    if only_stored:
        args.append('--only-stored')
    return subprocess.run(args, capture_output=True, text=True)


def integrity(db):
    con = sqlite3.connect(db)
    try:
        return con.execute('PRAGMA integrity_check').fetchone()[0]
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    a = ap.parse_args()
    results = []
    tmp = tempfile.mkdtemp(prefix='xenmon-backlog-')
    mnt = os.path.join(tmp, 'small')
    os.mkdir(mnt)
    filler = os.path.join(mnt, 'filler')

    def full():
        fill(filler)

    def room():
        os.unlink(filler)

    try:
        trace, truth = tmp + '/t.bin', tmp + '/truth'
        subprocess.run([a.sim, '--cpus', '8', '--domains', '40', '--vcpus', '2',
                        '--seconds', str(SECONDS), '--seed', '5', '-o', trace,
                        '--truth', truth], check=True, capture_output=True)
        why = tmpfs.mount(mnt, 16)
        if why:
            results.append((why, False, ''))
            return report(results)

        # 1. full from 25% to 55% of the stream (~3.6 s), backlog 10 min
        db, rc, out, err = run_case(a, trace, mnt, '10m', [(0.25, full), (0.55, room)])
        full_msgs = err.count('disk is full') + err.count('disk still full')
        results.append(('backlog: full disk reported once, recovery reported, exit 0',
                        rc == 0 and full_msgs == 1 and 'writing again' in err
                        and db in err, 'exit %d: %s' % (rc, err)))
        c = compare(db, truth, False)
        results.append(('backlog: every second of the trace stored and exact',
                        c.returncode == 0, c.stdout[-600:]))
        con = sqlite3.connect(db)
        gaps = con.execute('SELECT count(*) FROM gap').fetchone()[0]
        dropped = con.execute('SELECT seconds_dropped FROM run').fetchone()[0]
        con.close()
        results.append(('backlog: no gap recorded, 0 seconds dropped',
                        gaps == 0 and dropped == 0, 'gaps %d dropped %s' % (gaps, dropped)))
        results.append(('backlog: integrity_check ok', integrity(db) == 'ok', ''))

        # 2. full from 20% to 70% (~6 s, ~30 trace seconds), backlog 3 s,
        #    reported every second
        db, rc, out, err = run_case(a, trace, mnt, '3s', [(0.2, full), (0.7, room)],
                                    report_s='1')
        still = err.count('disk still full')
        results.append(('drop: exit 0, "still full" repeated at its 1 s interval '
                        '(3 to 8 times in ~6 s), recovery says what was dropped',
                        rc == 0 and 3 <= still <= 8 and 'were dropped' in err,
                        'exit %d, %d reports: %s' % (rc, still, err[-800:])))
        con = sqlite3.connect(db)
        stored = {t for (t,) in con.execute('SELECT DISTINCT t FROM cpu_1s')}
        gaps = con.execute('SELECT first_t, last_t, seconds, reason FROM gap').fetchall()
        dropped = con.execute('SELECT seconds_dropped FROM run').fetchone()[0]
        con.close()
        missing = set(range(START, START + SECONDS)) - stored
        in_gaps = set()
        for f, l, n, _ in gaps:
            in_gaps |= set(range(f, l + 1))
        results.append(('drop: seconds were dropped, the gap ranges are exactly the '
                        'missing seconds, and the counts agree',
                        missing and missing == in_gaps and dropped == len(missing)
                        and sum(g[2] for g in gaps) == len(missing)
                        and all(g[3] == 'disk full' for g in gaps),
                        'missing %s gaps %s dropped %s' % (sorted(missing), gaps, dropped)))
        c = compare(db, truth, True)
        results.append(('drop: every stored second whole and exact', c.returncode == 0,
                        c.stdout[-600:]))
        results.append(('drop: integrity_check ok', integrity(db) == 'ok', ''))

        # 3. full from 50% to the end
        db, rc, out, err = run_case(a, trace, mnt, '10m', [(0.5, full)])
        os.unlink(filler)
        results.append(('full at the end: exit 1, the database named, the loss said',
                        rc == 1 and db in err and 'still full at exit' in err,
                        'exit %d: %s' % (rc, err)))
        c = compare(db, truth, True)
        con = sqlite3.connect(db)
        n = con.execute('SELECT count(DISTINCT t) FROM cpu_1s').fetchone()[0]
        con.close()
        results.append(('full at the end: the %d seconds stored are whole and exact' % n,
                        c.returncode == 0 and n > 0, c.stdout[-600:]))
        results.append(('full at the end: integrity_check ok', integrity(db) == 'ok', ''))
    finally:
        tmpfs.umount(mnt)
        shutil.rmtree(tmp, ignore_errors=True)
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
