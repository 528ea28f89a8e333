#!/usr/bin/env python3
"""A full disk under the database: a real tmpfs of 2 MiB.  The replay must
stop with a message naming the database and saying the disk is full, exit 1,
leave a database that passes integrity_check with every stored second
exact, and, once there is room again, a new run must complete it.  Output
is TAP.  Needs root to mount a tmpfs; CI runs as root.

    disk_full.py --sim SIM --bake XENBAKED
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import report  # noqa: E402
import tmpfs  # noqa: E402

COMPARE = os.path.join(HERE, '..', 'golden', 'compare.py')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    a = ap.parse_args()
    results = []
    tmp = tempfile.mkdtemp(prefix='xenmon-full-')
    mnt = os.path.join(tmp, 'small')
    os.mkdir(mnt)
    try:
        trace, truth = tmp + '/t.bin', tmp + '/truth'
        subprocess.run([a.sim, '--cpus', '8', '--domains', '40', '--vcpus', '2',
                        '--seconds', '60', '--seed', '2', '-o', trace, '--truth',
                        truth], check=True, capture_output=True)
        why = tmpfs.mount(mnt, 2)
        if why:
            results.append((why, False, ''))
            return report(results)
        db = os.path.join(mnt, 'x.db')
        # no size budget: it would keep the WAL (and so the database) within
        # the 2 MiB here, and this is the disk filling up regardless
        bake = [a.bake, '--input', trace, '--db', db, '--cpu-mhz', '2400',
                '--start-time', '1700000000', '--quiet', '--max-size', 'off']
        r = subprocess.run(bake, capture_output=True, text=True)
        results.append(('full disk: exit 1, the database named, "full" said, '
                        'what was kept said',
                        r.returncode == 1 and db in r.stderr and 'full' in r.stderr
                        and 'written before it are kept' in r.stderr
                        and 'meta' not in r.stderr,
                        'exit %d: %s' % (r.returncode, r.stderr)))
        ic = subprocess.run(['sqlite3', db, 'PRAGMA integrity_check;'],
                            capture_output=True, text=True)
        results.append(('integrity_check ok after the disk filled',
                        ic.stdout.strip() == 'ok', ic.stdout + ic.stderr))
        c = subprocess.run([sys.executable, COMPARE, '--db', db, '--truth', truth,
                            '--only-stored'], capture_output=True, text=True)
        results.append(('every stored second is whole and exact', c.returncode == 0,
                        c.stdout[-400:]))
        # room again: move it to a roomy place and finish the job
        big = os.path.join(tmp, 'x.db')
        for ext in ('', '-wal', '-shm'):
            if os.path.exists(db + ext):
                shutil.copy(db + ext, big + ext)
        r = subprocess.run(bake[:4] + [big] + bake[5:], capture_output=True, text=True)
        c = subprocess.run([sys.executable, COMPARE, '--db', big, '--truth', truth],
                           capture_output=True, text=True)
        results.append(('with room again a new run completes the database exactly',
                        r.returncode == 0 and c.returncode == 0, r.stderr + c.stdout[-400:]))
    finally:
        tmpfs.umount(mnt)
        shutil.rmtree(tmp, ignore_errors=True)
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
