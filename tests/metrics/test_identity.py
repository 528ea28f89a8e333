#!/usr/bin/env python3
"""Identity for a fleet: the host's name in meta, a UUID column per domain
lifetime, and xenmon-export --host-column.

A replay records the name of the machine that replayed (gethostname) and
no UUID (the trace does not say): domain.uuid is NULL.  --host-column puts
the name first in every CSV row and JSON object, so that exports of two
hosts concatenate into one table; without it the columns are as before.

Usage: test_identity.py --sim XENMON_SIM --bake XENBAKED --export EXPORT
"""
import argparse
import csv
import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from tap import Tap  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--export', required=True)
    a = ap.parse_args()
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-id-')
    try:
        trace = os.path.join(tmp, 't.trace')
        db = os.path.join(tmp, 'x.db')
        subprocess.run([a.sim, '--cpus', '2', '--domains', '2', '--seconds',
                        '5', '--seed', '7', '-o', trace], check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
        subprocess.run([a.bake, '--db', db, '--input', trace, '--quiet',
                        '--start-time', '1700000000'], check=True,
                       timeout=300)
        con = sqlite3.connect(db)
        host = con.execute("SELECT value FROM meta WHERE key = 'hostname'") \
            .fetchone()
        tap.ok(host and host[0] == socket.gethostname(),
               'meta hostname is gethostname()', (host, socket.gethostname()))
        cols = [r[1] for r in con.execute('PRAGMA table_info(domain)')]
        uuids = con.execute('SELECT count(*), count(uuid) FROM domain') \
            .fetchone()
        tap.ok('uuid' in cols and uuids[0] > 0 and uuids[1] == 0,
               'domain.uuid exists, NULL in a replay', (cols, uuids))
        con.close()

        def export(*extra):
            r = subprocess.run([a.export, '--db', db, '--from', '1700000000',
                                '--to', '1700000005', '--step', '1s', '-q']
                               + list(extra), capture_output=True, text=True,
                               timeout=120)
            return r.returncode, r.stdout, r.stderr
        rc, plain, err = export()
        rc2, hosted, err2 = export('--host-column')
        rows = list(csv.reader(io.StringIO(hosted)))
        base = list(csv.reader(io.StringIO(plain)))
        tap.ok(rc == 0 and rc2 == 0 and rows[0][0] == 'host' and
               rows[0][1:] == base[0] and len(rows) == len(base) > 1 and
               all(r[0] == socket.gethostname() and r[1:] == b
                   for r, b in zip(rows[1:], base[1:])),
               'CSV --host-column: host first, the rest unchanged',
               err + err2 + hosted[:2000])
        tap.ok(base[0][0] != 'host', 'without it, no host column', base[0])
        rc, js, err = export('--host-column', '--format', 'json')
        objs = [json.loads(line) for line in js.splitlines()]
        tap.ok(rc == 0 and objs and
               all(list(o)[0] == 'host' and o['host'] == socket.gethostname()
                   for o in objs),
               'JSON --host-column: "host" the first key', err + js[:2000])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
