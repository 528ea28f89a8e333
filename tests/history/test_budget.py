#!/usr/bin/env python3
"""The size budget (xenbaked --max-size) on a real file system: a 32 MiB
tmpfs made here (needs root; CI runs as root).  Output is TAP.

    test_budget.py SIM XENBAKED EXPORT XENMON

A three-hour trace (about 4 MB of rows) is replayed into a 2 MiB budget,
set in the config file, while its file and WAL are measured every few
milliseconds; then
  * the database file never passed the budget (the WAL is counted as its
    share of it, 256 KiB here, which a checkpoint cuts it back to), and
    with its WAL never passed it by more than the stated slack: twice that
    share (past which the writer checkpoints) and the 1000 frames of 4 KiB
    that daemon/checkpoint.c lets pile up before it catches up, which a
    busy machine can reach;
  * the oldest seconds went, the newest survived (at least the hour that is
    never pruned for size, up to the last second), and every minute and
    hour equals that of a replay without a budget;
  * table pruned says which seconds went and why, and xenmon-export and the
    viewer say so for a range that covers them, not for one that does not;
  * start-up and the start of pruning are said;
  * bad sizes on the command line or in the config file exit 2 with a clear
    message.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import report  # noqa: E402
import tmpfs  # noqa: E402

SIM, BAKE, EXPORT, XENMON = sys.argv[1:5]
START = 1700000000
SECONDS = 10800
BUDGET = 2 << 20
WAL_SHARE = 256 << 10        # budget.c: a sixteenth, at least 256 KiB
SLACK = 2 * WAL_SHARE + 1000 * 4096
results = []


def check(name, cond, detail=''):
    results.append((name, bool(cond), detail))


def size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


class Watch(threading.Thread):
    """The largest file, and file with WAL, seen while the replay runs."""
    def __init__(self, db):
        super().__init__(daemon=True)
        self.db, self.stop, self.max_db, self.max_all, self.samples = db, False, 0, 0, 0

    def run(self):
        while not self.stop:
            d, w = size(self.db), size(self.db + '-wal')
            self.max_db, self.max_all = max(self.max_db, d), max(self.max_all, d + w)
            self.samples += 1
            threading.Event().wait(0.005)


def rows(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def bake(db, trace, *extra):
    return subprocess.run([BAKE, '--input', trace, '--db', db, '--cpu-mhz', '2400',
                           '--start-time', str(START)] + list(extra),
                          capture_output=True, text=True)


def bad_values(tmp, trace):
    for v in ('0', '5X', '101%', '512K', '-1G', '', '2 G', '1e30'):
        r = bake(os.path.join(tmp, 'bad.db'), trace, '--max-size', v)
        check('--max-size %r: exit 2, the option and the value named' % v,
              r.returncode == 2 and "--max-size: '%s' is not a size" % v in r.stderr,
              'exit %d: %s' % (r.returncode, r.stderr))
    conf = os.path.join(tmp, 'bad.conf')
    with open(conf, 'w') as f:
        f.write('retain-1s = 7d\nmax-size = lots\n')
    r = bake(os.path.join(tmp, 'bad.db'), trace, '--config', conf)
    check('max-size = lots in the config: exit 2, file and line named',
          r.returncode == 2 and '%s:2: max-size: \'lots\' is not a size' % conf in r.stderr,
          'exit %d: %s' % (r.returncode, r.stderr))
    check('no database made by a refused start', not os.path.exists(os.path.join(tmp, 'bad.db')))


def main():
    tmp = tempfile.mkdtemp(prefix='xenmon-budget-')
    mnt = os.path.join(tmp, 'small')
    try:
        trace = os.path.join(tmp, 't.bin')
        subprocess.run([SIM, '--cpus', '2', '--domains', '3', '--vcpus', '1',
                        '--seconds', str(SECONDS), '--workload', 'periodic',
                        '--rate', '0.05', '--start-time', str(START), '-o', trace],
                       check=True, capture_output=True)
        bad_values(tmp, trace)
        full = os.path.join(tmp, 'full.db')
        r = bake(full, trace, '--quiet', '--max-size', 'off')
        check('replay without a budget', r.returncode == 0, r.stderr)

        why = tmpfs.mount(mnt, 32)
        if why:
            check(why, False)
            return
        db = os.path.join(mnt, 'x.db')
        conf = os.path.join(tmp, 'xenbaked.conf')
        with open(conf, 'w') as f:
            f.write('# a small budget\nmax-size = 2M\n')
        w = Watch(db)
        w.start()
        r = bake(db, trace, '--config', conf)
        w.stop = True
        w.join()
        check('replay into a 2 MiB budget set in the config file',
              r.returncode == 0, r.stderr)
        check('start-up says the budget and where it comes from',
              'xenbaked: size budget 2.0 MiB (max-size)' in r.stderr, r.stderr)
        check('the start of pruning for size is said, once',
              r.stderr.count('size budget: pruning the oldest one-second samples') == 1,
              r.stderr)
        check('the file never passed the budget (%d samples, at most %d bytes)'
              % (w.samples, w.max_db), w.samples > 10 and w.max_db <= BUDGET,
              'max %d > %d' % (w.max_db, BUDGET))
        check('file and WAL never passed the budget by more than %d bytes '
              '(at most %d)' % (SLACK, w.max_all), w.max_all <= BUDGET + SLACK,
              'max %d > %d' % (w.max_all, BUDGET + SLACK))

        (lo, hi, n), = rows(db, 'SELECT min(t), max(t), count(DISTINCT t) FROM cpu_1s')
        check('the oldest seconds went', lo > START, 'oldest %s' % lo)
        check('the newest seconds survived, at least the hour never pruned for '
              'size, none missing', hi == START + SECONDS - 1 and n >= 3600 and
              n == hi - lo + 1, 'seconds %s..%s, %s of them' % (lo, hi, n))
        (d_lo,), = rows(db, 'SELECT min(t) FROM sample_dom_1s_all')
        (s_lo,), = rows(db, 'SELECT min(t) FROM sample_1s')
        check('samples pruned with their CPU rows, the per-CPU detail first',
              d_lo == lo and s_lo >= lo, '%s, %s vs %s' % (d_lo, s_lo, lo))
        for table in ('sample_1h', 'cpu_1h', 'sample_1m', 'cpu_1m'):
            want = rows(full, 'SELECT * FROM %s ORDER BY 1, 2, 3' % table)
            got = rows(db, 'SELECT * FROM %s ORDER BY 1, 2, 3' % table)
            check('every row of %s survived, as without a budget (%d rows)'
                  % (table, len(want)), got == want and want,
                  '%d rows vs %d' % (len(got), len(want)))

        rec = rows(db, 'SELECT tier, first_t, last_t, reason FROM pruned')
        check('table pruned: the seconds that went, and why',
              sorted(rec) == [('sample_1s', START, s_lo - 1, 'size budget'),
                              ('sample_dom_1s', START, lo - 1, 'size budget')], rec)

        e = subprocess.run([EXPORT, '--db', db, '--from', str(START), '--to',
                            str(START + SECONDS), '--step', '1s', '-o',
                            os.path.join(tmp, 'all.csv')], capture_output=True, text=True)
        check('xenmon-export says the seconds dropped for the size budget',
              e.returncode == 0 and 'one-second samples from 2023-11-14T22:13:20Z' in e.stderr
              and 'dropped for the size budget' in e.stderr, e.stderr)
        e = subprocess.run([EXPORT, '--db', db, '--from', str(hi - 600), '--to',
                            str(hi + 1), '--step', '1s', '-o',
                            os.path.join(tmp, 'new.csv')], capture_output=True, text=True)
        check('... not for a range of seconds still kept',
              e.returncode == 0 and 'dropped' not in e.stderr, e.stderr)
        v = subprocess.run([XENMON, '-u', '--db', db, '--from', str(START), '--to',
                            str(START + 7199)], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        check('the viewer says the seconds dropped for the size budget',
              v.returncode == 0 and 'one-second samples 22:13:20..' in v.stdout and
              'dropped (size budget)' in v.stdout, v.stdout[-400:] + v.stderr)
        v = subprocess.run([XENMON, '--db', db], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        check('... not for the newest seconds',
              v.returncode == 0 and 'dropped' not in v.stdout, v.stdout[-400:] + v.stderr)

        # a share of the file system, said as such
        r = bake(os.path.join(mnt, 'share.db'), trace, '--max-size', '50%')
        check('--max-size 50%: said as a share of the file system',
              r.returncode == 0 and 'size budget 16.0 MiB (50% of ' + mnt +
              "'s 32.0 MiB file system)" in r.stderr, r.stderr)
    finally:
        tmpfs.umount(mnt)
        shutil.rmtree(tmp, ignore_errors=True)
        report(results)


main()
