#!/usr/bin/env python3
"""Crash safety: kill -9 xenbaked at random moments of a replay, again and
again.  After every kill the database must pass integrity_check and every
second in it must be whole and equal to the simulator's ground truth; the
next run continues, skipping what is stored, and the last one completes
the database exactly.  Output is TAP.

    kill9.py --sim SIM --bake XENBAKED [--kills N] [--seed S]
"""
import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, '..', 'golden', 'compare.py')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--kills', type=int, default=200)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    results = []
    with tempfile.TemporaryDirectory(prefix='xenmon-kill9-') as tmp:
        trace, truth, db = tmp + '/t.bin', tmp + '/truth', tmp + '/x.db'
        subprocess.run([a.sim, '--cpus', '4', '--domains', '8', '--vcpus', '2',
                        '--seconds', '12', '--seed', '5', '-o', trace, '--truth', truth],
                       check=True, capture_output=True)
        bake = [a.bake, '--input', trace, '--db', db, '--cpu-mhz', '2400',
                '--start-time', '1700000000', '--quiet']
        # How long a whole replay takes here, to aim the kills inside it.
        t0 = time.time()
        subprocess.run(bake[:4] + [tmp + '/timing.db'] + bake[5:], check=True)
        full = time.time() - t0
        kills = bad = 0
        progress = []
        while kills < a.kills:
            p = subprocess.Popen(bake, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0, full * 1.2))
            if p.poll() is None:
                p.kill()
                kills += 1
            p.wait()
            ok, n = True, 0
            if os.path.exists(db):  # a kill can come before the file exists
                # read-write: after a kill the WAL needs recovery, which a
                # read-only connection cannot do (the next xenbaked does it)
                con = sqlite3.connect('file:%s?mode=rw' % db, uri=True)
                ok = con.execute('PRAGMA integrity_check').fetchone()[0] == 'ok'
                if con.execute("SELECT count(*) FROM sqlite_schema "
                               "WHERE name = 'cpu_1s'").fetchone()[0]:
                    n = con.execute('SELECT count(DISTINCT t) FROM cpu_1s').fetchone()[0]
                con.close()
            progress.append(n)
            if not ok:
                bad += 1
                print('# integrity_check failed after kill %d' % kills)
            if n and (kills % 20 == 0 or not ok):
                r = subprocess.run([sys.executable, COMPARE, '--db', db, '--truth', truth,
                                    '--only-stored'], capture_output=True, text=True)
                if r.returncode:
                    bad += 1
                    print('# after kill %d: %s' % (kills, r.stdout.strip()[-300:]))
            if n == 12:  # complete: start over, so that kills land everywhere
                os.unlink(db)
                for ext in ('-wal', '-shm'):
                    if os.path.exists(db + ext):
                        os.unlink(db + ext)
        results.append(('%d kill -9 during replays: integrity ok, stored seconds exact'
                        % kills, bad == 0, ''))
        results.append(('kills landed at many points (%d distinct second counts)'
                        % len(set(progress)), len(set(progress)) >= 5, str(sorted(set(progress)))))
        r = subprocess.run(bake, capture_output=True, text=True)
        r2 = subprocess.run([sys.executable, COMPARE, '--db', db, '--truth', truth],
                            capture_output=True, text=True)
        results.append(('a last run completes the database exactly',
                        r.returncode == 0 and r2.returncode == 0, r2.stdout[-300:]))
        # the roll-ups, hours behind a watermark included, hold every
        # stored second exactly once whatever the kills interrupted
        con = sqlite3.connect(db)
        q = ('SELECT domid, sum(cpu_ns), sum(wait_ns), sum(blocked_ns), sum(exec_count)'
             ' FROM %s GROUP BY domid ORDER BY domid')
        secs = con.execute(q % 'sample_1s').fetchall()
        mins = con.execute(q % 'sample_1m').fetchall()
        hours = con.execute(q % 'sample_1h').fetchall()
        days = con.execute(q % 'sample_1d').fetchall()
        con.close()
        results.append(('minute, hour and day roll-ups equal the seconds after the kills',
                        secs == mins == hours == days and len(secs) > 0,
                        'seconds %s\nminutes %s\nhours %s\ndays %s'
                        % (secs[:3], mins[:3], hours[:3], days[:3])))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
