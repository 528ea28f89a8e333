#!/usr/bin/env python3
"""The history benchmark: prints figures, fails only if a step fails.

    bench_history.py BENCH_HISTORY XENMON_EXPORT

A host of 16 CPUs and 50 domains.  BENCH_HISTORY_DAYS (default 1) days are
built at one second (116 rows a second, about 10 M rows a day) and 30 days
of roll-ups; 30 days at one second would be 300 M rows and ~12 GB, too much
for CI, so the size of a week of seconds is extrapolated from the bytes per
day measured; `append` measures the size as the daemon's store appends
6 hours, second by second (and 2 hours of a 64-CPU, 200-domain host), and
what each tier and each per-CPU detail reaches under the default retention.  BENCH_DIR chooses where the database goes (default /dev/shm
when it exists, so that the figures measure the code and not the disk).
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

BENCH, EXPORT = sys.argv[1:3]
DAYS = int(os.environ.get('BENCH_HISTORY_DAYS', '1'))
T0 = 1700006400
where = os.environ.get('BENCH_DIR') or ('/dev/shm' if os.path.isdir('/dev/shm') else None)
tmp = tempfile.mkdtemp(prefix='xenmon-bench-history-', dir=where)
db = os.path.join(tmp, 'bench.db')


def run(*cmd):
    r = subprocess.run(list(cmd))
    if r.returncode:
        print('bench: %s failed (%d)' % (cmd[0], r.returncode))
        sys.exit(1)


def timed_export(label, args, out):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run([EXPORT, '--db', db, '-o', out] + args, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode:
        print('bench: export failed: %s' % r.stderr)
        sys.exit(1)
    with open(out, 'rb') as f:
        rows = sum(1 for _ in f) - (0 if '--format' in args else 1)
    table = r.stderr.split('reading ')[1].split(' ')[0] if 'reading ' in r.stderr else '?'
    print('export      %-28s %8d rows from %-9s in %.2f s wall, %.2f s CPU (%.0f rows/s wall)'
          % (label, rows, table, wall, cpu, rows / wall))


try:
    run(BENCH, 'build', db, str(DAYS))
    out = os.path.join(tmp, 'out')
    timed_export('30 days, 1h step, CSV', ['--from', str(T0 - (30 - DAYS) * 86400),
                                           '--to', str(T0 + DAYS * 86400), '--step', '1h'], out)
    timed_export('1 day, 1s step, CSV', ['--from', str(T0), '--to', str(T0 + 86400),
                                         '--step', '1s'], out)
    timed_export('1 day, 1s step, JSON', ['--from', str(T0), '--to', str(T0 + 86400),
                                          '--step', '1s', '--format', 'json'], out)
    timed_export('1 day, 1m step, CSV', ['--from', str(T0), '--to', str(T0 + 86400),
                                         '--step', '1m'], out)
    run(BENCH, 'prune', db, str(DAYS * 86400 - 43200))
    run(BENCH, 'steady', os.path.join(tmp, 'steady.db'))
    run(BENCH, 'append', os.path.join(tmp, 'append.db'), '6')
    os.remove(os.path.join(tmp, 'append.db'))
    # the replay benchmark's host: 64 CPUs, 200 domains
    run(BENCH, 'append', os.path.join(tmp, 'append64.db'), '2', '64', '200')
    run(BENCH, 'budget', db)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
