#!/usr/bin/env python3
"""The report benchmark: prints figures, fails only if a step fails.

    bench_report.py BENCH_HISTORY XENMON_EXPORT XENMON_REPORT

tests/history's benchmark host (16 CPUs, 50 domains; one day of seconds
and 30 days of roll-ups, built by bench_history), reported over 30 days
at one-hour steps: the time to make the file, its size, and the time
headless Chromium takes from navigation to the first screen's charts
drawn (the page's own performance.now(), written into the DOM as
data-render-ms; the others are drawn as they are scrolled near).
A figure, not an assertion: the machine may be busy.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# XENMON_EXPORT: only so that meson builds it; the report runs the one
# beside it in the build tree.
BENCH, EXPORT, REPORT = sys.argv[1:4]
T0 = 1700006400
where = os.environ.get('BENCH_DIR') or ('/dev/shm' if os.path.isdir('/dev/shm') else None)
tmp = tempfile.mkdtemp(prefix='xenmon-bench-report-', dir=where)


def run(*cmd):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if r.returncode:
        print('bench: %s failed (%d): %s' % (cmd[0], r.returncode, r.stderr[-500:]))
        sys.exit(1)
    return r


try:
    db, html = os.path.join(tmp, 'bench.db'), os.path.join(tmp, 'month.html')
    run(BENCH, 'build', db, 1)
    t = time.perf_counter()
    run(REPORT, '--db', db, '--from', T0 - 29 * 86400, '--to', T0 + 86400,
        '--step', '1h', '-o', html)
    made = time.perf_counter() - t
    print('report      30 days x 50 domains, 1h steps: made in %.2f s, %.1f MB'
          % (made, os.path.getsize(html) / 1e6))
    browser = shutil.which('chromium')
    if not browser:
        print('report      no chromium: render time not measured')
        sys.exit(0)
    for run_no in (1, 2, 3):
        prof = tempfile.mkdtemp(dir=tmp)
        t = time.perf_counter()
        r = subprocess.run([browser, '--headless', '--no-sandbox', '--disable-gpu',
                            '--user-data-dir=' + prof, '--window-size=1400,1000',
                            '--dump-dom', 'file://' + html],
                           capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - t
        root = re.search(r'<html[^>]*>', r.stdout)
        root = root.group(0) if root else ''
        ms = re.search(r'data-render-ms="(\d+)"', root)
        ok = 'data-ready="1"' in root and 'data-error' not in root
        print('report      render %d: %s ms in the page (navigation to the first screen\'s charts drawn), '
              '%.1f s for chromium from start to exit%s'
              % (run_no, ms.group(1) if ms else '?', wall, '' if ok else ', NOT READY'))
        if not ok:
            sys.exit(1)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
