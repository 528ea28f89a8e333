#!/usr/bin/env python3
"""The textfile mode and a hostile client (issue 20 items 4 and 5).

xenbaked replays a simulated trace in --realtime mode with both
--metrics-listen and --metrics-textfile (every second).  Then:

* the .prom file is always whole (written beside and renamed): read many
  times while it is replaced, every read ends with the last family; promtool
  check metrics passes on it; after the run it holds the last second stored
  and no temporary file is left beside it.
* clients that hold every connection slot open and send nothing, and one
  that sends its headers a byte at a time, do not stall the recorder: the
  database keeps gaining seconds, and the textfile keeps advancing, while
  they hold on.
* a request with 100 kB of headers, or with a body, is refused, and
  afterwards the endpoint answers again.

Usage: test_endpoint.py --sim XENMON_SIM --bake XENBAKED --promtool PROMTOOL
"""
import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap  # noqa: E402
from common import free_port, wait_for  # noqa: E402

SECONDS = 60
LAST = 'xen_last_stored_second_timestamp_seconds '


def newest(db):
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True, timeout=30)
    try:
        return con.execute('SELECT max(t) FROM cpu_1s').fetchone()[0]
    finally:
        con.close()


def file_last(path):
    with open(path) as f:
        for line in f:
            if line.startswith(LAST):
                return int(line.split()[1])
    return None


def raw(port, data, timeout=15):
    """Send DATA; the status line answered, or '' if the server closed."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        try:
            s.sendall(data)
            return s.recv(200).decode(errors='replace').split('\r\n')[0]
        except OSError:
            return ''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--promtool', required=True)
    a = ap.parse_args()
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-endpoint-')
    held = []
    bake = None
    try:
        trace = os.path.join(tmp, 't.trace')
        subprocess.run([a.sim, '--cpus', '2', '--domains', '3', '--seconds',
                        str(SECONDS), '--seed', '5', '-o', trace], check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
        port = free_port()
        db = os.path.join(tmp, 'x.db')
        prom = os.path.join(tmp, 'xenmon.prom')
        bake = subprocess.Popen(
            [a.bake, '--db', db, '--input', trace, '--realtime', '--quiet',
             '--metrics-listen', str(port), '--metrics-textfile', prom,
             '--metrics-interval', '1s'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = wait_for(lambda: file_last(prom), 120)
        tap.ok(first, 'the textfile holds a stored second')

        # Whole at every read while it is replaced every second.
        partial, reads = [], 0
        end = time.monotonic() + 3
        while time.monotonic() < end:
            with open(prom) as f:
                text = f.read()
            reads += 1
            if not text.rstrip('\n').split('\n')[-1].startswith(LAST):
                partial.append(text[-200:])
        tap.ok(not partial, 'the textfile is whole at each of %d reads'
               % reads, partial[:3])
        r = subprocess.run([a.promtool, 'check', 'metrics'], input=text,
                           capture_output=True, text=True, timeout=120)
        tap.ok(r.returncode == 0, 'promtool check metrics passes on the '
               'textfile', r.stdout + r.stderr)

        # Every slot held, one client dribbling its headers.
        before_db = wait_for(lambda: newest(db), 60)
        before_file = file_last(prom)
        for _ in range(12):
            try:
                held.append(socket.create_connection(('127.0.0.1', port),
                                                     timeout=5))
            except OSError:
                break
        slow = held[0] if held else None
        dribble = b'GET /metrics HTTP/1.1\r\nX-Slow: ' + b'a' * 16
        sent = 0

        def grown():
            # One byte of headers per look, for as long as it lasts.
            nonlocal sent
            if slow and sent < len(dribble):
                try:
                    slow.send(dribble[sent:sent + 1])
                    sent += 1
                except OSError:
                    sent = len(dribble)
            return ((newest(db) or 0) >= (before_db or 0) + 4 and
                    (file_last(prom) or 0) >= (before_file or 0) + 4)
        grew = wait_for(grown, 60)
        tap.ok(grew, 'while %d connections are held, the database and the '
               'textfile keep gaining seconds' % len(held),
               (before_db, newest(db), before_file, file_last(prom)))
        for s in held:
            s.close()
        held = []

        big = raw(port, b'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ' +
                  b'a' * 100000 + b'\r\n\r\n')
        tap.ok(not big.startswith('HTTP/1.1 200'), '100 kB of headers are '
               'refused', big)
        body = raw(port, b'POST /metrics HTTP/1.1\r\nHost: x\r\n'
                   b'Content-Length: 5\r\n\r\nhello')
        tap.ok(body and not body.startswith('HTTP/1.1 200'),
               'a request with a body is refused', body)
        ok = wait_for(lambda: urllib.request.urlopen(
            'http://127.0.0.1:%d/metrics' % port, timeout=10).status == 200,
            60)
        tap.ok(ok, 'afterwards the endpoint answers again')

        out, err = bake.communicate(timeout=SECONDS * 10 + 300)
        tap.ok(bake.returncode == 0, 'xenbaked replayed the trace', err)
        left = [f for f in os.listdir(tmp) if f.startswith('xenmon.prom.')]
        tap.ok(file_last(prom) == newest(db) and not left,
               'after the run the textfile has the last second stored, no '
               'temporary file beside it', (file_last(prom), newest(db), left))
    finally:
        for s in held:
            s.close()
        if bake and bake.poll() is None:
            bake.terminate()
            bake.wait(timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
