#!/usr/bin/env python3
"""xenmon-export --format openmetrics: a host's history backfilled into
Prometheus' storage.

A replayed trace is exported at one-second and one-minute steps; promtool
tsdb create-blocks-from openmetrics (Debian's prometheus package) must
accept the file, and promtool tsdb dump, which reads the blocks back, must
return for every domain a running-seconds counter that at each step's end
equals the database's running time summed from the range's start to that
step (exact: the values are printed to the nanosecond, and float64 holds
them to better than 1e-6 s).

Usage: test_backfill.py --sim XENMON_SIM --bake XENBAKED --export EXPORT
       --promtool PROMTOOL
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap  # noqa: E402
from common import programs  # noqa: E402

SECONDS = 150
DUMP = re.compile(r'^\{__name__="([^"]+)", (.*)\} (\S+) (\d+)$')


def db_cumulative(db, step, first, end):
    """{(name, step end): running seconds since FIRST}, seconds before END."""
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
    rows = con.execute(
        "SELECT (s.t / ?1) * ?1 + ?1, coalesce(d.name, 'dom' || s.domid), "
        "sum(s.cpu_ns) FROM sample_1s s LEFT JOIN domain d ON d.domid = "
        "s.domid AND s.t BETWEEN d.first_t AND d.last_t "
        "WHERE s.t >= ?2 AND s.t < ?3 "
        "GROUP BY 1, 2 ORDER BY 1", (step, first, end)).fetchall()
    con.close()
    total, out = {}, {}
    for end, name, ns in rows:
        total[name] = total.get(name, 0) + ns
        out[(name, end)] = total[name] / 1e9
    return out


def dumped(promtool, blocks):
    os.makedirs(os.path.join(blocks, 'wal'), exist_ok=True)
    r = subprocess.run([promtool, 'tsdb', 'dump', blocks], capture_output=True,
                       text=True, timeout=300)
    out = {}
    for line in r.stdout.splitlines():
        m = DUMP.match(line)
        if not m or m.group(1) != 'xen_domain_cpu_seconds_total':
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if labels.get('state') == 'running':
            out[(labels['domain'], int(m.group(4)) // 1000)] = float(m.group(3))
    return r.returncode, out, r.stderr


def main():
    a = programs('sim', 'bake', 'export', 'promtool')
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-backfill-')
    try:
        trace = os.path.join(tmp, 't.trace')
        db = os.path.join(tmp, 'x.db')
        # A recent, minute-aligned start: Prometheus keeps what is recent.
        start = (int(time.time()) - 3 * 3600) // 60 * 60
        subprocess.run([a.sim, '--cpus', '2', '--domains', '3', '--seconds',
                        str(SECONDS), '--seed', '11', '-o', trace], check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
        subprocess.run([a.bake, '--db', db, '--input', trace, '--quiet',
                        '--start-time', str(start)], check=True, timeout=300)
        for step, sec in (('1s', 1), ('1m', 60)):
            om = os.path.join(tmp, 'h-%s.om' % step)
            r = subprocess.run([a.export, '--db', db, '--from', str(start),
                                '--to', str(start + SECONDS), '--step', step,
                                '--format', 'openmetrics', '-q', '-o', om],
                               capture_output=True, text=True, timeout=300)
            text = open(om).read() if os.path.exists(om) else ''
            tap.ok(r.returncode == 0 and text.endswith('# EOF\n'),
                   '--step %s --format openmetrics ends with # EOF' % step,
                   r.stderr + text[-500:])
            blocks = os.path.join(tmp, 'blocks-' + step)
            r = subprocess.run([a.promtool, 'tsdb', 'create-blocks-from',
                                'openmetrics', om, blocks],
                               capture_output=True, text=True, timeout=600)
            tap.ok(r.returncode == 0, 'promtool tsdb create-blocks-from '
                   'openmetrics accepts the %s export' % step,
                   r.stdout + r.stderr)
            rc, got, err = dumped(a.promtool, blocks)
            # --to is widened to a whole step, as the export does.
            end = -(-(start + SECONDS) // sec) * sec
            want = db_cumulative(db, sec, start, end)
            diff = [(k, got.get(k), v) for k, v in sorted(want.items())
                    if k not in got or abs(got[k] - v) > 1e-6]
            extra = sorted(set(got) - set(want))
            tap.ok(rc == 0 and want and not diff and not extra,
                   'the blocks hold, per domain and %s step, the database\'s '
                   'running seconds since the start (%d points)'
                   % (step, len(want)), (err, diff[:10], extra[:10]))
        r = subprocess.run([a.export, '--db', db, '--from', str(start),
                            '--format', 'openmetrics', '--follow'],
                           capture_output=True, text=True, timeout=60)
        tap.ok(r.returncode == 2, '--format openmetrics refuses --follow',
               r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
