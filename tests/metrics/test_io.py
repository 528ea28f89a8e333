#!/usr/bin/env python3
"""The I/O families: xen_domain_io_operations_total and
xen_domain_io_bytes_total, served where the host's trace showed their
sources and absent (not 0) where it did not.

Three simulated hosts: a patched Xen (grant copies and notifications, so
bytes), a stock one (grant maps: operations, no bytes) and one whose trace
has no I/O at all.  For each:

* the textfile xenbaked leaves at the end of a replay: every domain's I/O
  counters equal the database's sums and the simulator's ground truth; the
  families of sources the trace did not show are absent; promtool check
  metrics passes.
* the backfill (xenmon-export --format openmetrics): each domain's last
  point equals the database's sums, the same families are absent, and
  promtool tsdb create-blocks-from openmetrics accepts the file.

And the endpoint, scraped once during a --realtime replay of the patched
trace: the I/O counters equal the database's sums of the seconds stored up
to the scrape's xen_last_stored_second_timestamp_seconds, and OpenMetrics
gives the bytes family its unit.

Usage: test_io.py --sim XENMON_SIM --bake XENBAKED --export EXPORT
       --promtool PROMTOOL
"""
import csv
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap  # noqa: E402
from common import free_port, get, programs, wait_for  # noqa: E402

SECONDS = 20
START = 1700000000
FAMILIES = {'io_count': 'xen_domain_io_operations_total',
            'io_bytes': 'xen_domain_io_bytes_total'}
# host: simulator options, the families it must have
HOSTS = {
    'patched': (['--workload', 'io', '--io-records', 'patched'],
                {'io_count', 'io_bytes'}),
    'stock': (['--workload', 'io', '--io-records', 'stock'], {'io_count'}),
    'no-io': (['--workload', 'cpu'], set()),
}
SAMPLE = re.compile(r'^(\w+)\{domain="([^"]*)"[^}]*\} (\S+)(?: (\d+))?$')


def samples(text):
    """{(sample name, domain): value}; with timestamps, the last."""
    out = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


def db_sums(db, last_t=None):
    """{(column, domain name): sum} of the I/O columns, seconds to LAST_T."""
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True, timeout=30)
    try:
        rows = con.execute(
            "SELECT coalesce(d.name, 'dom' || s.domid), sum(s.io_count), "
            "sum(s.io_bytes) FROM sample_1s s LEFT JOIN domain d ON "
            "d.domid = s.domid AND s.t BETWEEN d.first_t AND d.last_t "
            "WHERE s.t <= ?1 GROUP BY 1",
            (last_t if last_t is not None else 2 ** 62,)).fetchall()
        names = dict(con.execute(
            "SELECT domid, coalesce(name, 'dom' || domid) FROM domain"))
    finally:
        con.close()
    out = {}
    for name, ios, nbytes in rows:
        out[('io_count', name)] = ios
        out[('io_bytes', name)] = nbytes
    return out, names


def truth_sums(prefix, names):
    out = {}
    with open(prefix + '-dom.csv') as f:
        for r in csv.DictReader(f):
            name = names.get(int(r['domid']), 'dom' + r['domid'])
            for col in FAMILIES:
                out[(col, name)] = out.get((col, name), 0) + int(r[col])
    return out


def compare(tap, what, got, want, families):
    """GOT's I/O samples against WANT's sums: the FAMILIES there, equal;
    the others absent."""
    diff = [(col, name, got.get((FAMILIES[col], name)), v)
            for (col, name), v in sorted(want.items())
            if col in families and got.get((FAMILIES[col], name)) != v]
    absent = sorted(FAMILIES[c] for c in FAMILIES if c not in families)
    stray = sorted({k[0] for k in got if k[0] in absent})
    served = sum(v for (col, _), v in want.items() if col in families)
    tap.ok(not diff and not stray and (served > 0 or not families),
           '%s: the I/O counters equal %s; absent: %s'
           % (what[0], what[1], ', '.join(absent) or 'none'),
           (diff[:10], stray))


def host(tap, a, tmp, name):
    opts, families = HOSTS[name]
    trace = os.path.join(tmp, name + '.trace')
    truth = os.path.join(tmp, name + '-truth')
    db = os.path.join(tmp, name + '.db')
    prom = os.path.join(tmp, name + '.prom')
    subprocess.run([a.sim, '--cpus', '2', '--domains', '3', '--seconds',
                    str(SECONDS), '--seed', '31', '--start-time', str(START),
                    '--truth', truth, '-o', trace] + opts, check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    r = subprocess.run([a.bake, '--db', db, '--input', trace, '--quiet',
                        '--start-time', str(START), '--metrics-textfile',
                        prom], capture_output=True,
                       text=True, timeout=300)
    if not tap.ok(r.returncode == 0 and os.path.exists(prom),
                  '%s: xenbaked replayed the trace and left a textfile'
                  % name, r.stderr):
        return
    text = open(prom).read()
    r = subprocess.run([a.promtool, 'check', 'metrics'], input=text,
                       capture_output=True, text=True, timeout=120)
    tap.ok(r.returncode == 0, '%s: promtool check metrics passes on the '
           'textfile' % name, r.stdout + r.stderr)
    sums, names = db_sums(db)
    got = samples(text)
    compare(tap, (name, 'the database\'s sums in the textfile'), got, sums,
            families)
    compare(tap, (name, 'the simulator\'s truth in the textfile'), got,
            truth_sums(truth, names), families)

    om = os.path.join(tmp, name + '.om')
    r = subprocess.run([a.export, '--db', db, '--from', str(START), '--to',
                        str(START + SECONDS), '--step', '1s', '--format',
                        'openmetrics', '-q', '-o', om],
                       capture_output=True, text=True, timeout=300)
    text = open(om).read() if os.path.exists(om) else ''
    compare(tap, (name, 'the database\'s sums at the backfill\'s last '
                  'points'), samples(text), sums, families)
    r = subprocess.run([a.promtool, 'tsdb', 'create-blocks-from',
                        'openmetrics', om, os.path.join(tmp, name + '-blocks')],
                       capture_output=True, text=True, timeout=600)
    tap.ok(r.returncode == 0, '%s: promtool tsdb create-blocks-from '
           'openmetrics accepts the backfill' % name, r.stdout + r.stderr)


def last_second(text):
    m = re.search(r'^xen_last_stored_second_timestamp_seconds (\d+)$', text,
                  re.M)
    return int(m.group(1)) if m else None


def endpoint(tap, a, tmp):
    trace = os.path.join(tmp, 'patched.trace')
    db = os.path.join(tmp, 'live.db')
    port = free_port()
    bake = subprocess.Popen(
        [a.bake, '--db', db, '--input', trace, '--realtime', '--quiet',
         '--start-time', str(START), '--metrics-listen', '127.0.0.1:%d' % port],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = 'http://127.0.0.1:%d/metrics' % port
        text = wait_for(lambda: (lambda t: t if (last_second(t) or 0) >=
                                 START + 4 else None)(get(url)[1]), 120)
        if not tap.ok(text, 'the endpoint serves the patched trace\'s '
                      'seconds'):
            return
        sums, _ = db_sums(db, last_second(text))
        compare(tap, ('endpoint', 'the database\'s sums of the seconds it '
                      'has stored'), samples(text), sums, HOSTS['patched'][1])
        _, om = get(url, accept='application/openmetrics-text; '
                    'version=1.0.0')
        tap.ok('# UNIT xen_domain_io_bytes bytes\n' in om and
               '# TYPE xen_domain_io_bytes counter\n' in om,
               'endpoint: OpenMetrics gives xen_domain_io_bytes its unit',
               om[:2000])
    finally:
        bake.terminate()
        bake.wait(timeout=120)


def main():
    a = programs('sim', 'bake', 'export', 'promtool')
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-io-')
    try:
        for name in HOSTS:
            host(tap, a, tmp, name)
        endpoint(tap, a, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
