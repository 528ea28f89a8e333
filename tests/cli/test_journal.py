#!/usr/bin/env python3
"""xenbaked under systemd, without systemd: the two things the unit relies on,
read from real runs.

* Messages the journal can rank: with $JOURNAL_STREAM naming the file
  stderr is (as systemd sets it for a service), every line xenbaked writes
  there starts with its syslog priority, <3> for errors and <4> for
  warnings such as a full disk; without it, or with it naming another
  stream (a shell started from a service), the text is as it always was.
* Readiness (Type=notify): "READY=1" arrives on $NOTIFY_SOCKET, and only
  once a second is in the database.

Output is TAP.  The full-disk case mounts a 2 MiB tmpfs (root; CI runs as
root).

    test_journal.py --sim SIM --bake XENBAKED
"""
import argparse
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import Tap  # noqa: E402
import tmpfs  # noqa: E402

START = 1700000000


def run(bake, args, tmp, journal='self', stdin=None, env=None):
    """Run xenbaked with stderr to a file; JOURNAL ('self': that file's
    device:inode, None: unset, else the value).  Returns (rc, stderr)."""
    path = os.path.join(tmp, 'stderr')
    with open(path, 'wb') as err:
        e = dict(env or os.environ)
        e.pop('JOURNAL_STREAM', None)
        if journal == 'self':
            st = os.fstat(err.fileno())
            e['JOURNAL_STREAM'] = '%d:%d' % (st.st_dev, st.st_ino)
        elif journal is not None:
            e['JOURNAL_STREAM'] = journal
        r = subprocess.run([bake] + args, stdin=stdin, stdout=subprocess.DEVNULL,
                           stderr=err, env=e, timeout=300)
    with open(path) as f:
        return r.returncode, f.read()


def ranked(text, allowed):
    """Every line has a priority prefix in ALLOWED; the priorities seen."""
    seen = set()
    for line in text.splitlines():
        m = re.match(r'<(\d)>', line)
        if not m or m.group(1) not in allowed:
            return None
        seen.add(m.group(1))
    return seen


def messages(tap, bake, tmp, trace):
    rc, text = run(bake, ['--bogus'], tmp)
    tap.ok(rc == 2 and ranked(text, '3') == {'3'} and len(text.splitlines()) == 2,
           'usage error into the journal: both lines <3>', text)
    rc, plain = run(bake, ['--bogus'], tmp, journal=None)
    tap.ok(plain == re.sub(r'(?m)^<3>', '', text) and '<' not in plain.split(':')[0],
           'without JOURNAL_STREAM: the same text, no prefix', plain)
    rc, other = run(bake, ['--bogus'], tmp, journal='1:1')
    tap.ok(other == plain, 'JOURNAL_STREAM naming another stream: no prefix', other)
    rc, text = run(bake, ['--input', os.path.join(tmp, 'missing'), '--db',
                          os.path.join(tmp, 'e.db')], tmp)
    tap.ok(rc == 1 and ranked(text, '3') == {'3'} and 'missing' in text,
           'runtime error into the journal: <3>', text)

    # A full disk under a stream: the warning, then the loss at the end.
    mnt = os.path.join(tmp, 'small')
    with tmpfs.tmpfs(mnt, 2) as why:
        if why:
            tap.ok(False, 'full disk: ' + why)
            return
        db = os.path.join(mnt, 'x.db')
        with open(trace, 'rb') as f:
            rc, text = run(bake, ['--input', '-', '--db', db, '--cpu-mhz', '2400',
                                  '--start-time', str(START), '--quiet'], tmp, stdin=f)
        seen = ranked(text, '34')
        tap.ok(rc == 1 and seen == {'3', '4'} and
               re.search(r'(?m)^<4>xenbaked: .*full', text) is not None,
               'full disk into the journal: the full disk <4>, the loss <3>, '
               'every line ranked', text)
        # On a terminal (here a file, no JOURNAL_STREAM) the same run says
        # the same without prefixes.
        for ext in ('', '-wal', '-shm'):
            if os.path.exists(db + ext):
                os.unlink(db + ext)
        with open(trace, 'rb') as f:
            rc, plain = run(bake, ['--input', '-', '--db', db, '--cpu-mhz', '2400',
                                   '--start-time', str(START), '--quiet'], tmp,
                            stdin=f, journal=None)
        tap.ok(rc == 1 and 'full' in plain and
               not any(line.startswith('<') for line in plain.splitlines()),
               'full disk without the journal: no prefix', plain)


def receive(s, timeout):
    """A datagram from S within TIMEOUT seconds, or None."""
    s.settimeout(timeout)
    try:
        return s.recv(4096)
    except socket.timeout:
        return None


def readiness(tap, bake, tmp, trace):
    """READY=1 only once a second is stored: the trace is fed in two
    halves with a pause between; when READY comes the database has rows."""
    sock_path = os.path.join(tmp, 'notify')
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    db = os.path.join(tmp, 'ready.db')
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    p = subprocess.Popen([bake, '--input', '-', '--db', db, '--cpu-mhz', '2400',
                          '--start-time', str(START), '--quiet'],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    data = open(trace, 'rb').read()
    # The head only: too little for a whole second of every CPU.
    p.stdin.write(data[:4096])
    p.stdin.flush()
    early = receive(s, 2)
    tap.ok(early is None, 'no READY before a second is stored', repr(early))
    p.stdin.write(data[4096:len(data) // 2])
    p.stdin.flush()
    msg = (receive(s, 120) or b'').decode()
    rows = 0
    if os.path.exists(db):
        c = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
        rows = c.execute('SELECT count(*) FROM domain_1s').fetchone()[0]
        c.close()
    tap.ok('READY=1' in msg.split('\n') and rows > 0,
           'READY=1 on $NOTIFY_SOCKET, with a second in the database',
           'message %r, %d rows' % (msg, rows))
    p.stdin.write(data[len(data) // 2:])
    p.stdin.close()
    err = p.stderr.read().decode()
    rc = p.wait(timeout=300)
    again = receive(s, 1)
    tap.ok(rc == 0 and again is None, 'READY sent once, the run ends well',
           'exit %d, again %r: %s' % (rc, again, err))
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    a = ap.parse_args()
    tap = Tap()
    with tempfile.TemporaryDirectory(prefix='xenmon-journal-') as tmp:
        trace = os.path.join(tmp, 't.bin')
        subprocess.run([a.sim, '--cpus', '8', '--domains', '40', '--vcpus', '2',
                        '--seconds', '60', '--seed', '2', '-o', trace],
                       check=True, capture_output=True)
        messages(tap, a.bake, tmp, trace)
        readiness(tap, a.bake, tmp, trace)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
