#!/usr/bin/env python3
"""xenbaked's command line: every flag's exit status and message, bad input
of every kind, and what stays in the database when input goes bad.
Output is TAP.

    test_xenbaked.py XENBAKED
"""
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402
from xentrace import IDLE, TRC, rec, runstate, switch, window  # noqa: E402

BAKE = sys.argv[1]
MHZ = 2000
START = 1700000000
results = []


def T(ns):
    return 10**12 + ns * MHZ // 1000


def trace(seconds=3, cpus=1):
    """A valid trace: dom1 runs 100 ms of every 250 on each CPU."""
    out = b''
    for cpu in range(cpus):
        body = b''
        t = 0
        while t < seconds * 10**9:
            body += switch(T(t), (IDLE, cpu), (1, cpu), 150_000_000, 30_000_000, MHZ)
            body += switch(T(t + 100_000_000), (1, cpu), (IDLE, cpu), 100_000_000,
                           0xffffffff, MHZ, prev_state=2)
            body += runstate(T(t + 240_000_000), 1, cpu, 2, 1)
            t += 250_000_000
        out += window(cpu, body)
    return out


def bake(*args, stdin=None):
    r = subprocess.run([BAKE] + list(args), capture_output=True, text=True,
                       input=stdin)
    return r.returncode, r.stdout, r.stderr


def check(name, cond, detail=''):
    results.append((name, cond, detail))


def case(name, args, status, needle, where='stderr', stdin=None):
    rc, out, err = bake(*args, stdin=stdin)
    text = err if where == 'stderr' else out
    check(name, rc == status and needle in text,
          'exit %d (want %d); %s: %r' % (rc, status, where, text[-400:]))
    return rc, out, err


def db_count(db, sql='SELECT count(*) FROM cpu_1s'):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def main():
    tmp = tempfile.mkdtemp(prefix='xenmon-cli-')
    good = os.path.join(tmp, 'good.bin')
    open(good, 'wb').write(trace())
    db = os.path.join(tmp, 'x.db')

    case('help exits 0 and explains', ['--help'], 0, '--input FILE', 'stdout')
    case('version', ['--version'], 0, 'xenbaked ', 'stdout')
    case('unknown option is a usage error', ['--bogus'], 2, "unknown")
    case('stray argument is a usage error', ['--input', good, 'extra'], 2,
         "unexpected argument 'extra'")
    case('bad --cpu-mhz', ['--input', good, '--cpu-mhz', 'fast'], 2,
         "--cpu-mhz: 'fast' is not a frequency")
    case('zero --cpu-mhz', ['--input', good, '--cpu-mhz', '0'], 2, '--cpu-mhz')
    case('bad --start-time', ['--input', good, '--start-time', 'yesterday'], 2,
         "--start-time: 'yesterday'")
    case('missing option argument', ['--input'], 2, '--input')
    case('missing trace file names it', ['--input', tmp + '/nope.bin', '--db', db],
         1, tmp + '/nope.bin')
    case('a directory is not a trace', ['--input', tmp, '--db', db], 1,
         'is a directory')
    empty = os.path.join(tmp, 'empty.bin')
    open(empty, 'wb').close()
    case('empty trace', ['--input', empty, '--db', db], 1, 'no trace records')

    # A database that is not ours, one from the future, one that is not SQLite.
    other = os.path.join(tmp, 'other.db')
    con = sqlite3.connect(other)
    con.execute('CREATE TABLE t(x)')
    con.commit()
    con.close()
    case('refuses a foreign SQLite database', ['--input', good, '--db', other], 1,
         'not a xenmon one')
    check('foreign database untouched', db_count(other, 'SELECT count(*) FROM sqlite_schema') == 1)
    junk = os.path.join(tmp, 'junk.db')
    open(junk, 'wb').write(b'this is not a database' * 100)
    case('refuses a file that is not SQLite', ['--input', good, '--db', junk], 1, junk)
    future = os.path.join(tmp, 'future.db')
    bake('--input', good, '--db', future, '--cpu-mhz', str(MHZ), '--quiet')
    con = sqlite3.connect(future)
    con.execute('PRAGMA user_version=99')
    con.commit()
    con.close()
    case('refuses a newer schema', ['--input', good, '--db', future], 1,
         'schema version 99')
    case('missing directory for the database', ['--input', good, '--db',
                                                tmp + '/no/such/dir/x.db'], 1,
         tmp + '/no/such/dir/x.db')

    # A replay, its summary, and a second replay that writes nothing new.
    rc, out, err = case('replay prints a summary', ['--input', good, '--db', db,
                                                    '--start-time', str(START)],
                        0, 'calibrated from the trace', 'stdout')
    for word in ('records', 'malformed', 'lost', 'frequency', 'start', 'seconds',
                 'seen', 'elapsed', 'records/s'):
        check('summary has ' + word, word in out, out)
    check('calibrated frequency within 0.5%', '2000.' in out or '1999.' in out, out)
    n = db_count(db)
    check('three seconds written', n == 3, 'cpu_1s rows: %d' % n)
    rc, out, err = case('second replay leaves stored seconds alone',
                        ['--input', good, '--db', db, '--start-time', str(START)],
                        0, '0 written, 3 already stored', 'stdout')
    check('no duplicates after replaying twice', db_count(db) == 3)
    check('meta records the frequency source',
          'calibrated' in str(db_count(db, "SELECT value FROM meta WHERE key='cpu_mhz_source'")))
    check('WAL mode', db_count(db, 'PRAGMA journal_mode') == 'wal')
    check('run table has both runs', db_count(db, 'SELECT count(*) FROM run') == 2)

    # Without --start-time: the file's modification time minus the span.
    mt = os.path.join(tmp, 'mtime.bin')
    open(mt, 'wb').write(trace(seconds=3))
    os.utime(mt, (1800000000.75, 1800000000.75))
    mdb = os.path.join(tmp, 'mtime.db')
    rc, out, err = case('start time from the file modification time',
                        ['--input', mt, '--db', mdb, '--cpu-mhz', str(MHZ)], 0,
                        'file modification time minus', 'stdout')
    span = 2.99  # the first record is at 0 s, the last at 2.75 + 0.24 s
    start = float(db_count(mdb, "SELECT value FROM meta WHERE key='start_time'"))
    check('start = mtime - span', abs(start - (1800000000.75 - span)) < 1e-6,
          'start %.6f, want %.6f' % (start, 1800000000.75 - span))
    check('first second is the one holding the start',
          db_count(mdb, 'SELECT min(t) FROM cpu_1s') == int(1800000000.75 - span))

    # SIGTERM and SIGINT in the middle of a paced replay: exit 0 within a
    # second, the seconds completed so far written whole.
    slow = os.path.join(tmp, 'slow.bin')
    open(slow, 'wb').write(trace(seconds=10, cpus=2))
    for sig in (signal.SIGTERM, signal.SIGINT):
        sdb_ = os.path.join(tmp, 'sig%d.db' % sig)
        p = subprocess.Popen([BAKE, '--input', slow, '--db', sdb_, '--cpu-mhz', str(MHZ),
                              '--start-time', str(START), '--realtime', '--quiet'],
                             stderr=subprocess.PIPE)
        time.sleep(2.5)
        p.send_signal(sig)
        t0 = time.time()
        try:
            rc = p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = None
        took = time.time() - t0
        n = db_count(sdb_, 'SELECT count(DISTINCT t) FROM cpu_1s') \
            if os.path.exists(sdb_) else 0
        torn = db_count(sdb_, 'SELECT count(*) FROM (SELECT t FROM cpu_1s GROUP BY t'
                        ' HAVING count(*) != 2)') if n else 0
        check('%s: exit 0 within 1 s, complete seconds kept' % signal.Signals(sig).name,
              rc == 0 and took < 1.0 and 1 <= n <= 3 and torn == 0,
              'rc %s after %.2f s, %d seconds' % (rc, took, n))

    # A stop while one record closes hours of seconds (a trace whose TSC
    # leaps ~58 min at a time, as a corrupt one can): out within ~1 s.
    leap = b''
    for i in range(300):
        leap += runstate(T(i * 3500 * 10**9), 1, 0, 2 if i % 2 else 1, 1 if i % 2 else 2)
    leaps = os.path.join(tmp, 'leaps.bin')
    with open(leaps, 'wb') as f:
        f.write(window(0, leap))
    ldb = os.path.join(tmp, 'leaps.db')
    p = subprocess.Popen([BAKE, '--input', leaps, '--db', ldb, '--cpu-mhz', str(MHZ),
                          '--start-time', str(START)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    t0 = time.time()
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    took = time.time() - t0
    check('SIGTERM while a record closes hours of seconds: out within 1.5 s, '
          'exit 0, says what it did not write',
          p.returncode == 0 and took < 1.5 and 'after the stop not written' in out,
          'rc %s after %.2f s: %s %s' % (p.returncode, took, out[-300:], err[-300:]))

    # Two writers on one database: the second refuses, the first goes on.
    wdb = os.path.join(tmp, 'two.db')
    first = subprocess.Popen([BAKE, '--input', '-', '--db', wdb, '--cpu-mhz', str(MHZ),
                              '--start-time', str(START), '--quiet'],
                             stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    data = trace()
    first.stdin.write(data[:len(data) // 2])
    first.stdin.flush()
    for _ in range(100):
        try:
            if os.path.exists(wdb) and db_count(wdb, 'SELECT count(*) FROM run') == 1:
                break
        except sqlite3.Error:      # not created yet, or its schema not yet
            pass
        time.sleep(0.05)
    rc, out, err = bake('--input', good, '--db', wdb, '--cpu-mhz', str(MHZ),
                        '--start-time', str(START + 100))
    first.stdin.write(data[len(data) // 2:])
    first.stdin.close()
    rc1 = first.wait(timeout=30)
    check('a second writer on the same database refuses, exit 1, names it',
          rc == 1 and 'another xenbaked is writing' in err and wdb in err, err)
    check('... and the first one completes undisturbed',
          rc1 == 0 and db_count(wdb) == 3 and
          db_count(wdb, 'SELECT count(*) FROM run') == 1, first.stderr.read().decode())

    # Stream on standard input.
    sdb = os.path.join(tmp, 's.db')
    p = subprocess.run([BAKE, '--input', '-', '--db', sdb, '--cpu-mhz', str(MHZ),
                        '--start-time', str(START)], input=trace(), capture_output=True)
    check('stream on stdin', p.returncode == 0 and db_count(sdb) == 3,
          p.stderr.decode()[-300:])
    rdb = os.path.join(tmp, 'r.db')
    with open(good, 'rb') as f:
        p = subprocess.run([BAKE, '--input', '-', '--db', rdb, '--cpu-mhz', str(MHZ),
                            '--start-time', str(START)], stdin=f, capture_output=True)
    check('standard input redirected from a file (--input - < FILE)',
          p.returncode == 0 and db_count(rdb) == 3, p.stderr.decode()[-300:])

    # Truncated trace: complete seconds kept, message names the offset.
    data = trace(seconds=3, cpus=1)
    cut = os.path.join(tmp, 'cut.bin')
    open(cut, 'wb').write(data[:len(data) * 2 // 3 + 2])
    cdb = os.path.join(tmp, 'cut.db')
    rc, out, err = case('truncated trace names the byte offset',
                        ['--input', cut, '--db', cdb, '--cpu-mhz', str(MHZ),
                         '--start-time', str(START)], 1, 'truncated at byte')
    check('truncated trace keeps its complete seconds',
          db_count(cdb) == 1 and 'every complete second before it' in err,
          'rows %d, %s' % (db_count(cdb), err))

    # Corrupt window header in the middle.
    two = trace(seconds=2, cpus=2)
    half = len(two) // 2
    bad = two[:half] + b'\xef\xbe\xad\xde' + b'\0' * 8 + two[half:]
    badf = os.path.join(tmp, 'bad.bin')
    open(badf, 'wb').write(bad)
    case('corrupt window header names the offset',
         ['--input', badf, '--db', os.path.join(tmp, 'bad.db'), '--cpu-mhz', str(MHZ)],
         1, 'byte %d: expected a CPU window header' % half)

    # Rows already stored are never touched by a later bad replay.
    before = db_count(db, 'SELECT sum(cpu_ns) FROM sample_1s')
    bake('--input', cut, '--db', db, '--start-time', str(START), '--cpu-mhz', str(MHZ))
    check('a bad replay does not touch stored rows',
          db_count(db, 'SELECT sum(cpu_ns) FROM sample_1s') == before)

    # No scheduler switches: nothing to calibrate from.
    quiet = os.path.join(tmp, 'quiet.bin')
    open(quiet, 'wb').write(window(0, runstate(T(0), 1, 0, 1, 0) +
                                   runstate(T(10**9), 1, 0, 0, 2)))
    case('cannot calibrate without switches', ['--input', quiet, '--db',
                                               os.path.join(tmp, 'q.db')], 1,
         'give it with --cpu-mhz')
    case('...but replays with --cpu-mhz', ['--input', quiet, '--db',
                                          os.path.join(tmp, 'q.db'), '--cpu-mhz', '2000'],
         0, 'seconds', 'stdout')

    # Not a trace at all.
    text = os.path.join(tmp, 'text.bin')
    open(text, 'w').write('hello, world\n' * 10)
    case('text file is not a trace', ['--input', text, '--db', os.path.join(tmp, 't.db')],
         1, 'byte 0: expected a CPU window header')

    return report(results)


if __name__ == '__main__':
    sys.exit(main())
