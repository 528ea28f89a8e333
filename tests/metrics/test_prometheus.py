#!/usr/bin/env python3
"""xenbaked --metrics-listen scraped by a real Prometheus (Debian's package).

The simulator writes a trace; xenbaked replays it in --realtime mode (one
trace second per wall second) with the endpoint on; Prometheus scrapes it
every second.  Then Prometheus' HTTP API is asked for what it stored, and
the figures are held to the database xenbaked wrote:

* exact: between any two scrapes, the increase of each domain's counters
  equals the sum of the database's rows for the seconds stored between
  them (each scrape carries xen_last_stored_second_timestamp_seconds, the
  newest second its counters include).  Tolerance 1e-6: Prometheus keeps
  float64s, and the counters (under 1000 s, printed to the nanosecond) lose
  nothing above that.
* rate(): over a window of scrapes it is the increase between the first
  and last scrape in the window divided by the wall time between them.
  The seconds the database stored between those scrapes are committed one
  per wall second, so their count differs from that wall time by at most
  one second at each end; the tolerance is 2 x the largest one-second
  figure of the domain in the window / the window's span, plus 1e-6.
* against the simulator's ground truth: PromQL's own difference of the
  counters between two scrapes (the @ modifier), divided by the difference
  of xen_last_stored_second_timestamp_seconds, is each domain's CPU share
  and each CPU's idle share over those seconds; it must equal the truth's
  within 1% of it (it is exact on an undamaged trace; 1% is the issue's
  bound, and leaves room for nothing but float rounding to spare).
* the exposition: promtool check metrics, HELP and TYPE for every family
  (UNIT too in OpenMetrics), content negotiation by Accept.
* the README's PromQL for each of the original XenMon's figures, asked of
  Prometheus over the rate() window, against the database's figure over
  the same scrapes: the rates within the tolerance above, the ratios
  (blocked % of the vCPUs' time, slice per execution) within 0.5% (a
  counter's rate() is extrapolated on its own, a ratio's two rates alike
  but for the clamp at a counter's zero).  The trace is the patched
  hypervisor's, so that the I/O bytes have a figure too.

Usage: test_prometheus.py --sim XENMON_SIM --bake XENBAKED
       --prometheus PROMETHEUS --promtool PROMTOOL --man XENBAKED_8
       --readme README_MD
"""
import re
import argparse
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap  # noqa: E402
from common import free_port, get, wait_for  # noqa: E402

SECONDS = 50            # of trace, so of wall time in --realtime
SCRAPE_S = 1
RATE_WINDOW = '20s'


def prom_query(base, query, at):
    qs = urllib.parse.urlencode({'query': query, 'time': '%.3f' % at})
    _, body = get('%s/api/v1/query?%s' % (base, qs), timeout=60)
    r = json.loads(body)
    if r.get('status') != 'success':
        raise RuntimeError(body)
    return r['data']['result']


def families(text):
    """{family: {'HELP', 'TYPE', 'UNIT'} present} and the sample names."""
    fams, samples = {}, set()
    for line in text.splitlines():
        if line.startswith('# '):
            parts = line.split(' ', 3)
            if parts[1] in ('HELP', 'TYPE', 'UNIT'):
                fams.setdefault(parts[2], set()).add(parts[1])
        elif line:
            samples.add(line.split('{')[0].split(' ')[0])
    return fams, samples


def check_exposition(tap, url, promtool, man):
    ctype, text = get(url)
    tap.ok(ctype.startswith('text/plain; version=0.0.4'),
           'no Accept: Prometheus text format', ctype)
    r = subprocess.run([promtool, 'check', 'metrics'], input=text,
                       capture_output=True, text=True, timeout=120)
    tap.ok(r.returncode == 0, 'promtool check metrics passes',
           r.stdout + r.stderr)
    fams, samples = families(text)
    tap.ok(fams and all(v == {'HELP', 'TYPE'} for v in fams.values()),
           'text format: HELP and TYPE for every family', fams)
    want = {'xen_domain_cpu_seconds_total', 'xen_domain_dispatches_total',
            'xen_domain_io_operations_total',
            'xen_domain_allocated_slice_seconds_total',
            'xen_cpu_idle_seconds_total', 'xen_cpu_lost_records_total',
            'xen_domain_info', 'xen_build_info',
            'xen_last_stored_second_timestamp_seconds'}
    tap.ok(want <= samples, 'the families the issue names are served',
           sorted(want - samples))
    with open(man) as f:
        page = f.read().replace('\\-', '-')
    missing = sorted(s for s in samples if '.B ' + s not in page)
    tap.ok(not missing, 'xenbaked(8) lists every family served', missing)
    ctype, om = get(url, accept='application/openmetrics-text; '
                    'version=1.0.0,text/plain;version=0.0.4;q=0.5')
    tap.ok(ctype.startswith('application/openmetrics-text; version=1.0.0'),
           'Accept: application/openmetrics-text: OpenMetrics', ctype)
    fams, _ = families(om)
    units = {f for f, v in fams.items() if 'UNIT' in v}
    tap.ok(om.endswith('# EOF\n') and
           all({'HELP', 'TYPE'} <= v for v in fams.values()) and
           all(f.endswith(('_seconds', '_bytes')) for f in units) and
           'xen_domain_cpu_seconds' in units and
           '_created{' in om and '# TYPE xen_domain info' in om,
           'OpenMetrics: HELP, TYPE, UNIT of the _seconds and _bytes families, '
           '_created, info, # EOF', om[:3000])
    try:
        get(url.replace('/metrics', '/other'))
        code = 200
    except urllib.error.HTTPError as e:
        code = e.code
    tap.ok(code == 404, 'another path is 404', code)


COLUMNS = ('cpu_ns', 'wait_ns', 'blocked_ns', 'exec_count', 'io_count',
           'io_bytes', 'alloc_ns')


def db_columns(db, first_t, last_t):
    """{domid: {column: sum, 'peak_' + column: largest second}} over
    seconds first_t..last_t."""
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
    out = {}
    q = ('SELECT domid, %s, %s FROM (SELECT t, domid, %s FROM sample_1s '
         'WHERE t BETWEEN ? AND ? GROUP BY t, domid) GROUP BY domid' % (
             ', '.join('sum(%s)' % c for c in COLUMNS),
             ', '.join('max(%s)' % c for c in COLUMNS),
             ', '.join('sum(%s) %s' % (c, c) for c in COLUMNS)))
    for row in con.execute(q, (first_t, last_t)):
        n = len(COLUMNS)
        out[row[0]] = dict(zip(COLUMNS, row[1:1 + n]))
        out[row[0]].update(zip(['peak_' + c for c in COLUMNS], row[1 + n:]))
    con.close()
    return out


def db_sums(db, first_t, last_t):
    """{(domid, state or 'peak'): seconds} over seconds first_t..last_t."""
    out = {}
    for domid, c in db_columns(db, first_t, last_t).items():
        out[(domid, 'running')] = c['cpu_ns'] / 1e9
        out[(domid, 'runnable')] = c['wait_ns'] / 1e9
        out[(domid, 'blocked')] = c['blocked_ns'] / 1e9
        out[(domid, 'dispatches')] = c['exec_count']
        out[(domid, 'peak')] = c['peak_cpu_ns'] / 1e9
    return out


def series(result, key):
    """{label value of KEY: [(ts, value), ...]} of a matrix result."""
    return {r['metric'].get(key, ''): [(float(t), float(v))
                                       for t, v in r['values']]
            for r in result}


def check_counters(tap, base, db, end_at):
    infos = prom_query(base, 'last_over_time(xen_domain_info[10m])', end_at)
    domid = {r['metric']['domain']: int(r['metric']['domid']) for r in infos}
    last = series(prom_query(
        base, 'xen_last_stored_second_timestamp_seconds[10m]', end_at), '')
    last = dict(last.get('', []))
    run = series(prom_query(
        base, 'xen_domain_cpu_seconds_total{state="running"}[10m]', end_at),
        'domain')
    tap.ok(len(last) >= 20 and len(domid) >= 3,
           'Prometheus scraped the endpoint (%d scrapes with a stored second, '
           '%d domains)' % (len(last), len(domid)), (last, domid))
    if len(last) < 2:
        return
    # Two scrapes far apart, each with its newest stored second.
    stamps = sorted(last)
    t1, t2 = stamps[len(stamps) // 10], stamps[-1]
    s1, s2 = int(last[t1]), int(last[t2])
    sums = db_sums(db, s1 + 1, s2)
    bad = []
    for name, samples in run.items():
        vals = dict(samples)
        if t1 not in vals or t2 not in vals or name not in domid:
            bad.append((name, 'no sample at the chosen scrapes'))
            continue
        got = vals[t2] - vals[t1]
        want = sums.get((domid[name], 'running'), 0.0)
        if abs(got - want) > 1e-6:
            bad.append((name, got, want))
    tap.ok(run and not bad, 'increase of running seconds between two scrapes '
           '= the database\'s rows of seconds %d..%d, within 1e-6 s'
           % (s1 + 1, s2), bad)

    # rate() at the last scrape, against the database over the same scrapes.
    window_s = int(RATE_WINDOW.rstrip('s'))
    in_window = [t for t in stamps if t2 - window_s < t <= t2]
    w1 = in_window[0]
    span = t2 - w1
    sums = db_sums(db, int(last[w1]) + 1, s2)
    rates = prom_query(base, 'rate(xen_domain_cpu_seconds_total'
                       '{state="running"}[%s])' % RATE_WINDOW, t2)
    bad, worst = [], 0.0
    for r in rates:
        name = r['metric']['domain']
        got = float(r['value'][1])
        want = sums.get((domid.get(name), 'running'), 0.0) / span
        tol = 2 * sums.get((domid.get(name), 'peak'), 0.0) / span + 1e-6
        worst = max(worst, abs(got - want))
        if abs(got - want) > tol:
            bad.append((name, got, want, tol))
    tap.ok(rates and not bad, 'rate() over %s = the database\'s running '
           'seconds per second over the same scrapes, within 2 seconds\' '
           'worth' % RATE_WINDOW, bad,
           note='largest difference %.4f CPU-seconds/s' % worst)


def rate_of(col, scale=1.0):
    """A README figure that is a rate: (value, tolerance) from the sums C
    over SPAN seconds."""
    return lambda c, span: (scale * c[col] / span,
                            scale * 2 * c['peak_' + col] / span + 1e-6)


def ratio_of(num, den, scale):
    def f(c, span):
        if not c[den]:
            return None, 0
        v = scale * c[num] / c[den]
        return v, 0.005 * abs(v) + 1e-9
    return f


def blocked_pct(c, span):
    online = c['cpu_ns'] + c['wait_ns'] + c['blocked_ns']
    if not online:
        return None, 0
    return 100 * c['blocked_ns'] / online, 0.5


# The README's figures: what each query must give, from the database.
README_FIGURES = [
    ('CPU %', rate_of('cpu_ns', 100 / 1e9)),
    ('waited %', rate_of('wait_ns', 100 / 1e9)),
    ('blocked %', blocked_pct),
    ('executions/s', rate_of('exec_count')),
    ('I/O per second', rate_of('io_count')),
    ('I/O bytes per second', rate_of('io_bytes')),
    ('time slice', ratio_of('alloc_ns', 'exec_count', 1 / 1e9)),
]


def readme_queries(path):
    """{figure: PromQL} of the README's table of the original's figures."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'^\| ([^|`]+?) \| `(.+)` \|$', line.rstrip('\n'))
            if m:
                out[m.group(1)] = m.group(2)
    return out


def check_readme(tap, base, db, end_at, readme):
    queries = readme_queries(readme)
    infos = prom_query(base, 'last_over_time(xen_domain_info[10m])', end_at)
    domid = {r['metric']['domain']: int(r['metric']['domid']) for r in infos}
    last = dict(series(prom_query(
        base, 'xen_last_stored_second_timestamp_seconds[10m]', end_at),
        '').get('', []))
    stamps = sorted(last)
    if len(stamps) < 10:
        tap.ok(False, 'enough scrapes for the README\'s queries', stamps)
        return
    # Prometheus 2's range selectors include their start (3's do not):
    # the scrapes are a whole interval apart, so one falls on it.
    window_s = int(RATE_WINDOW.rstrip('s'))
    t2 = stamps[-1]
    w1 = [t for t in stamps if t2 - window_s - 0.0005 <= t <= t2][0]
    sums = db_columns(db, int(last[w1]) + 1, int(last[t2]))
    for figure, want_of in README_FIGURES:
        query = next((q for f, q in queries.items()
                      if f.startswith(figure)), None)
        if not tap.ok(query, 'the README has a query for %s' % figure,
                      sorted(queries)):
            continue
        result = prom_query(base, query.replace('[1m]', '[%s]'
                                                % RATE_WINDOW), t2)
        bad, n = [], 0
        for r in result:
            c = sums.get(domid.get(r['metric'].get('domain')))
            want, tol = want_of(c, t2 - w1) if c else (None, 0)
            got = float(r['value'][1])
            if want is None:
                continue
            n += 1
            if abs(got - want) > tol:
                bad.append((r['metric'].get('domain'), got, want, tol))
        tap.ok(n >= 3 and not bad, 'README: %s = the database\'s figure '
               'over the same scrapes, for %d domains' % (figure, n),
               (query, bad))


def truth_shares(prefix, first, last):
    """{('dom', domid) or ('cpu', cpu): mean share over seconds first..last}."""
    out = {}
    with open(prefix + '-dom.csv') as f:
        for r in csv.DictReader(f):
            if first <= int(r['t']) <= last:
                k = ('dom', int(r['domid']))
                out[k] = out.get(k, 0) + int(r['cpu_ns'])
    with open(prefix + '-cpu.csv') as f:
        for r in csv.DictReader(f):
            if first <= int(r['t']) <= last:
                k = ('cpu', int(r['cpu']))
                out[k] = out.get(k, 0) + int(r['sched_ns'])
    n = last - first + 1
    return {k: v / 1e9 / n for k, v in out.items()}


def check_truth(tap, base, truth, end_at):
    last = series(prom_query(
        base, 'xen_last_stored_second_timestamp_seconds[10m]', end_at), '')
    stamps = sorted(t for t, _ in last.get('', []))
    if len(stamps) < 10:
        tap.ok(False, 'enough scrapes for the truth', stamps)
        return
    t1, t2 = stamps[len(stamps) // 10], stamps[-1]
    per = ('(%%s @ %.3f - %%s @ %.3f) / scalar('
           'xen_last_stored_second_timestamp_seconds @ %.3f - '
           'xen_last_stored_second_timestamp_seconds @ %.3f)'
           % (t2, t1, t2, t1))
    dom_q = 'xen_domain_cpu_seconds_total{state="running"}'
    cpu_q = 'xen_cpu_idle_seconds_total'
    s1 = int(dict(last[''])[t1])
    s2 = int(dict(last[''])[t2])
    want = truth_shares(truth, s1 + 1, s2)
    infos = prom_query(base, 'last_over_time(xen_domain_info[10m])', end_at)
    domid = {r['metric']['domain']: int(r['metric']['domid']) for r in infos}
    got = {}
    for r in prom_query(base, per % (dom_q, dom_q), end_at):
        got[('dom', domid.get(r['metric']['domain']))] = float(r['value'][1])
    for r in prom_query(base, per % (cpu_q, cpu_q), end_at):
        got[('cpu', int(r['metric']['cpu']))] = float(r['value'][1])
    bad, worst = [], 0.0
    for k, v in want.items():
        g = got.get(k)
        if g is None or abs(g - v) > 0.01 * max(v, 1e-3):
            bad.append((k, g, v))
        elif v:
            worst = max(worst, abs(g - v) / v)
    tap.ok(want and not bad and len(got) == len(want),
           'per-second CPU share of each domain and idle share of each CPU, '
           'by PromQL over seconds %d..%d = the simulator\'s truth within 1%%'
           % (s1 + 1, s2), (bad, got, want),
           note='largest relative difference %.2g' % worst)


def check_config_file(tap, bake, trace, tmp):
    port = free_port()
    conf = os.path.join(tmp, 'xenbaked.conf')
    with open(conf, 'w') as f:
        f.write('metrics-listen = %d\n' % port)
    p = subprocess.Popen([bake, '--db', os.path.join(tmp, 'conf.db'),
                          '--input', trace, '--realtime', '--quiet',
                          '--config', conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        got = wait_for(lambda: get('http://127.0.0.1:%d/metrics' % port)[1],
                       120)
        tap.ok(got and 'xen_build_info' in got,
               'metrics-listen = PORT in the config file: served on '
               '127.0.0.1', got)
    finally:
        p.terminate()
        p.wait(timeout=120)
    r = subprocess.run([bake, '--db', os.path.join(tmp, 'bad.db'), '--input',
                        trace, '--metrics-listen', 'nowhere:x'],
                       capture_output=True, text=True, timeout=120)
    tap.ok(r.returncode != 0 and '--metrics-listen' in r.stderr,
           'a bad --metrics-listen is refused, named', r.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--prometheus', required=True)
    ap.add_argument('--promtool', required=True)
    ap.add_argument('--man', required=True, help='daemon/xenbaked.8')
    ap.add_argument('--readme', required=True, help='README.md')
    a = ap.parse_args()
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-prom-')
    procs = []
    try:
        trace = os.path.join(tmp, 't.trace')
        # The trace starts a little ahead, when xenbaked will have begun:
        # its seconds and the truth's are the same seconds.
        start = int(time.time()) + 5
        truth = os.path.join(tmp, 'truth')
        subprocess.run([a.sim, '--cpus', '2', '--domains', '3',
                        '--seconds', str(SECONDS), '--seed', '20',
                        '--workload', 'mix', '--io-records', 'patched',
                        '--start-time', str(start),
                        '--truth', truth, '-o', trace], check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
        bake_port, prom_port = free_port(), free_port()
        with open(os.path.join(tmp, 'prometheus.yml'), 'w') as f:
            f.write('global:\n  scrape_interval: %ds\n  scrape_timeout: 1s\n'
                    'scrape_configs:\n  - job_name: xenbaked\n'
                    '    static_configs:\n'
                    '      - targets: ["127.0.0.1:%d"]\n'
                    % (SCRAPE_S, bake_port))
        prom = subprocess.Popen(
            [a.prometheus, '--config.file', os.path.join(tmp, 'prometheus.yml'),
             '--storage.tsdb.path', os.path.join(tmp, 'tsdb'),
             '--web.listen-address', '127.0.0.1:%d' % prom_port],
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(tmp, 'prometheus.log'), 'w'))
        procs.append(prom)
        base = 'http://127.0.0.1:%d' % prom_port
        ready = wait_for(lambda: get(base + '/-/ready')[1], 180)
        tap.ok(ready, 'Prometheus is up', open(
            os.path.join(tmp, 'prometheus.log')).read())
        if not ready:
            return tap.done()
        db = os.path.join(tmp, 'x.db')
        bake = subprocess.Popen(
            [a.bake, '--db', db, '--input', trace, '--realtime', '--quiet',
             '--start-time', str(start),
             '--metrics-listen', '127.0.0.1:%d' % bake_port],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(bake)
        url = 'http://127.0.0.1:%d/metrics' % bake_port
        up = wait_for(lambda: 'xen_last_stored_second' in get(url)[1], 120)
        tap.ok(up, 'the endpoint serves a stored second')
        if up:
            check_exposition(tap, url, a.promtool, a.man)
        out, err = bake.communicate(timeout=SECONDS * 10 + 300)
        tap.ok(bake.returncode == 0, 'xenbaked replayed the trace', err)
        # Prometheus has the last scrapes once it answers for them.
        end_at = time.time()
        if up:
            check_counters(tap, base, db, end_at)
            check_truth(tap, base, truth, end_at)
            check_readme(tap, base, db, end_at, a.readme)
        check_config_file(tap, a.bake, trace, tmp)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
