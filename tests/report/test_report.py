#!/usr/bin/env python3
"""xenmon-report in a real browser.

    test_report.py XENMON_SIM XENBAKED XENMON_EXPORT XENMON_REPORT

A simulated host is replayed twice into one database, ten minutes apart
(a range with no data between) and with lost-record bursts.  Its report
is loaded in headless Chromium (Debian's chromium) with #check, which
makes the page write every chart's series into the DOM; the DOM is held
to xenmon-export's CSV for the same range: the summary table's figures
(computed here from the CSV by the definitions of xenmon-report(1)), every
domain's series step by step, the host's stack, the gaps (null, not zero,
and listed) and the lost-record steps.  The page must say it is ready and
must log no JavaScript error.  A screenshot is taken.
"""
import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap, skip_all  # noqa: E402

SIM, BAKE, EXPORT, REPORT = sys.argv[1:5]
T0 = 1700000000
IDLE = 32767
tap = Tap()


def run(cmd, ok=(0,)):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=600)
    if r.returncode not in ok:
        print('Bail out! %s failed (%d): %s' % (cmd[0], r.returncode, r.stderr[-800:]))
        sys.exit(1)
    return r


def report(db, out, *args, ok=(0,)):
    return run([REPORT, '--db', db, '-o', out] + list(args), ok=ok)


def export_rows(db, *args):
    r = run([EXPORT, '--db', db, '--quiet'] + list(args), ok=(0, 3))
    return list(csv.DictReader(io.StringIO(r.stdout, newline='')))


def browser():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(name):
            return shutil.which(name)
    return None


def chromium(tmp, *args):
    """Run headless Chromium; its standard output."""
    prof = tempfile.mkdtemp(prefix='profile-', dir=tmp)
    cmd = [BROWSER, '--headless', '--no-sandbox', '--disable-gpu',
           '--no-first-run', '--user-data-dir=' + prof, '--hide-scrollbars'] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return r.stdout, r.stderr


class Dom(HTMLParser):
    """The elements the checks read: their attributes, and text of cells."""

    def __init__(self):
        super().__init__()
        self.root = {}
        self.rows = []         # summary table rows: attrs + {class: text}
        self.headroom = []
        self.gaps, self.lost, self.canvases, self.cards = [], [], [], []
        self.table = None
        self.cell = None
        self.row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'html':
            self.root = a
        elif tag == 'table':
            self.table = a.get('id')
        elif tag == 'tr' and self.table in ('xm-summary', 'xm-headroom') and \
                ('data-domid' in a or 'data-t' in a):
            self.row = dict(a)
            (self.rows if self.table == 'xm-summary' else self.headroom).append(self.row)
        elif tag == 'td' and self.row is not None:
            self.cell = a.get('class')
        elif tag == 'li' and a.get('class') in ('gap', 'lost'):
            (self.gaps if a['class'] == 'gap' else self.lost).append(a)
        elif tag == 'canvas':
            self.canvases.append(a)
            if self.cards and a.get('class'):
                self.cards[-1][a['class']] = a
        elif tag == 'div' and a.get('class') == 'card' and 'data-domid' in a:
            self.cards.append(dict(a))

    def handle_endtag(self, tag):
        if tag == 'td':
            self.cell = None
        elif tag == 'tr':
            self.row = None
        elif tag == 'table':
            self.table = None

    def handle_data(self, data):
        if self.row is not None and self.cell:
            self.row[self.cell] = self.row.get(self.cell, '') + data


def load(tmp, html, check=True):
    out, err = chromium(tmp, '--dump-dom', 'file://' + html + ('#check' if check else ''))
    d = Dom()
    d.feed(out)
    return d, err


def num(s):
    return None if s in ('', None) else float(s)


def near(a, b, tol=0.0101):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def summary(rows):
    """Per (domid, name): the table's figures, by xenmon-report(1)."""
    out = {}
    by = {}
    for r in rows:
        if int(r['domid']) != IDLE:
            by.setdefault((r['domid'], r['name']), []).append(r)
    for key, rs in by.items():
        rs = [r for r in rs if r['cpu_pct'] != '']
        w = sum(float(r['covered_pct']) for r in rs)
        mean = sum(float(r['cpu_pct']) * float(r['covered_pct']) for r in rs) / w
        wait = sum(float(r['wait_pct'] or 0) * float(r['covered_pct']) for r in rs) / w
        ys = sorted(float(r['cpu_pct']) for r in rs)
        p95 = ys[math.ceil(0.95 * len(ys)) - 1]
        peak = max(float(r['cpu_max_pct']) for r in rs)
        xs = [int(r['t']) / 86400 for r in rs]
        ys = [float(r['cpu_pct']) for r in rs]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        trend = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
        out[key] = {'mean': mean, 'p95': p95, 'peak': peak, 'wait': wait, 'trend': trend}
    return out


def series_of(rows, domid, name, col, steps, step):
    s = [None] * len(steps)
    for r in rows:
        if r['domid'] == domid and r['name'] == name:
            s[(int(r['t']) - steps[0]) // step] = num(r[col])
    return s


def same_series(got, want):
    return len(got) == len(want) and all(near(g, w, 0.0001) for g, w in zip(got, want))


def test_page(tmp, db):
    frm, to, step = T0, T0 + 900, 60
    html = os.path.join(tmp, 'r.html')
    report(db, html, '--from', frm, '--to', to, '--step', '1m')
    rows = export_rows(db, '--from', frm, '--to', to, '--step', '1m')
    steps = list(range(frm - frm % step, to, step))
    d, err = load(tmp, html)
    tap.ok(d.root.get('data-ready') == '1', 'the page finished drawing',
           'root: %r\nchromium: %s' % (d.root, err[-1500:]))
    tap.ok('data-error' not in d.root, 'no JavaScript error', d.root.get('data-error'))
    doms = sorted({(r['domid'], r['name']) for r in rows if int(r['domid']) != IDLE})
    tap.ok(int(d.root.get('data-charts', 0)) == 1 + 2 * len(doms) == len(d.canvases),
           'one host chart and two per domain, all in the DOM',
           '%s charts, %d canvases, %d domains' % (d.root.get('data-charts'),
                                                   len(d.canvases), len(doms)))
    tap.ok(all(int(c.get('data-drawn', 0) or 0) > 0 for c in d.canvases),
           'every chart drew its points on a canvas of some width',
           [c.get('data-drawn') for c in d.canvases])

    want = summary(rows)
    got = {(r['data-domid'], r['data-name']): r for r in d.rows}
    bad = []
    for key, w in want.items():
        g = got.get(key)
        for k in ('mean', 'p95', 'peak', 'wait'):
            if not g or not near(num(g.get(k)), w[k]):
                bad.append('%s %s: page %s, export %.4f' % (key, k, g and g.get(k), w[k]))
        if not g or not near(num(g.get('trend')), w['trend'], max(0.0101, abs(w['trend']) * 1e-6)):
            bad.append('%s trend: page %s, export %.4f' % (key, g and g.get('trend'), w['trend']))
    tap.ok(set(got) == set(want) and not bad,
           "the summary table's mean, p95, peak, waited and trend are the export's",
           '\n'.join(bad) or 'page %s\nexport %s' % (sorted(got), sorted(want)))
    p95s = [num(r['p95']) for r in d.rows]
    tap.ok(p95s == sorted(p95s, reverse=True), 'the table is sorted by p95', p95s)

    bad = []
    for card in d.cards:
        key = (card['data-domid'], card['data-name'])
        cpu = json.loads(card['cpu']['data-series'])
        sched = json.loads(card['sched']['data-series'])
        for label, col, s in (('mean', 'cpu_pct', cpu), ('p50', 'cpu_p50_pct', cpu),
                              ('p95', 'cpu_p95_pct', cpu), ('p99', 'cpu_p99_pct', cpu),
                              ('peak', 'cpu_max_pct', cpu), ('waited %', 'wait_pct', sched),
                              ('blocked %', 'blocked_pct', sched),
                              ('execs/s', 'execs_per_s', sched), ('I/O/s', 'io_per_s', sched)):
            if not same_series(s[label], series_of(rows, key[0], key[1], col, steps, step)):
                bad.append('%s %s: %s' % (key, label, s[label]))
    tap.ok(len(d.cards) == len(doms) and not bad,
           "every domain's chart has every series, step by step, as exported",
           '\n'.join(bad))

    host = json.loads(d.canvases[0]['data-series'])
    guests = [None] * len(steps)
    for r in rows:
        i = (int(r['t']) - steps[0]) // step
        if int(r['domid']) not in (0, IDLE):
            guests[i] = (guests[i] or 0) + float(r['cpu_pct'])
    tap.ok(all(near(g, w, 0.0001) for g, w in zip(host['guests'], guests)),
           "the host's guests series is the sum of the exported guests' CPU%",
           '%s\n%s' % (host['guests'], guests))

    have = {int(r['t']) for r in rows}
    empty = [t for t in steps if t not in have]
    runs = []
    for t in empty:
        if runs and runs[-1][1] == t:
            runs[-1][1] = t + step
        else:
            runs.append([t, t + step])
    tap.ok(len(runs) >= 1 and [[int(g['data-from']), int(g['data-to'])] for g in d.gaps] == runs,
           'each run of steps with no data is listed as a gap', '%s\n%s' % (d.gaps, runs))
    nulls = all(host['guests'][(t - steps[0]) // step] is None for t in empty) and \
        all(json.loads(c['cpu']['data-series'])['mean'][(t - steps[0]) // step] is None
            for c in d.cards for t in empty)
    tap.ok(nulls, 'steps with no data are gaps in every chart, not zeros')
    lost = sorted({int(r['t']) for r in rows if int(r['lost_records'] or 0) > 0})
    tap.ok(lost and sorted(int(li['data-t']) for li in d.lost) == lost and
           all(host['lost records'][(t - steps[0]) // step] is not None for t in lost),
           'the steps that lost records are listed and marked on the host chart',
           '%s\n%s' % (lost, d.lost))

    used = {}
    for r in rows:
        if int(r['domid']) != IDLE:
            used[int(r['t'])] = used.get(int(r['t']), 0) + float(r['cpu_pct'])
    top = sorted(used, key=lambda t: (-used[t], t))[:5]
    tap.ok([int(h['data-t']) for h in d.headroom] == top and
           all(near(num(h['used']), used[int(h['data-t'])]) for h in d.headroom),
           'the steps of least headroom are those the export adds up to the most',
           '%s\n%s' % (d.headroom, top))

    plain, err = load(tmp, html, check=False)
    tap.ok(plain.root.get('data-ready') == '1' and 'data-error' not in plain.root and
           int(plain.root.get('data-charts', 0)) >= 1 + 2 * min(6, len(doms)),
           'as a reader opens it (charts drawn as they are scrolled to): ready, no error',
           '%r\n%s' % (plain.root, err[-1000:]))

    png = os.path.join(tmp, 'r.png')
    chromium(tmp, '--window-size=1300,1500', '--screenshot=' + png, 'file://' + html)
    head = b''
    if os.path.exists(png):
        with open(png, 'rb') as f:
            head = f.read(8)
    tap.ok(head == b'\x89PNG\r\n\x1a\n', 'a screenshot of the report is taken', png)


def test_options(tmp, db):
    html = os.path.join(tmp, 'g.html')
    report(db, html, '--from', T0, '--to', T0 + 900, '--step', '1m',
           '--domain', 'dom*', '--sort', 'name')
    d, _ = load(tmp, html)
    names = [r['data-name'] for r in d.rows]
    tap.ok(d.root.get('data-ready') == '1' and names == sorted(names) and names and
           all(n.startswith('dom') for n in names),
           "--domain 'dom*' --sort name: those domains alone, by name", names)

    empty = os.path.join(tmp, 'e.html')
    r = report(db, empty, '--from', T0 + 86400, '--to', T0 + 90000, ok=(3,))
    d, _ = load(tmp, empty)
    tap.ok(r.returncode == 3 and d.root.get('data-ready') == '1' and
           'data-error' not in d.root and len(d.gaps) >= 1,
           'a range with no data: status 3, and a page that says so', d.gaps)

    bad = subprocess.run([REPORT, '--db', db, '--from', str(T0), '--to', str(T0 + 60),
                          '--sort', 'colour'], capture_output=True, text=True)
    tap.ok(bad.returncode == 2 and 'colour' in bad.stderr, 'an unknown --sort is a usage error',
           bad.stderr)
    miss = subprocess.run([REPORT, '--db', db, '--from', str(T0), '--to', str(T0 + 60),
                           '--domain', 'nosuch', '-o', os.path.join(tmp, 'n.html')],
                          capture_output=True, text=True)
    tap.ok(miss.returncode == 1 and 'nosuch' in miss.stderr and
           not os.path.exists(os.path.join(tmp, 'n.html')),
           'an unknown domain: the export says so, and no file is left', miss.stderr)


def main():
    global BROWSER
    BROWSER = browser()
    if not BROWSER:
        return skip_all('no chromium (tools/install-deps test installs it)')
    tmp = tempfile.mkdtemp(prefix='xenmon-report-')
    try:
        db = os.path.join(tmp, 'r.db')
        for i, (start, secs, extra) in enumerate(((T0, 180, ['--lost-bursts', '3']),
                                                  (T0 + 600, 120, []))):
            trace = os.path.join(tmp, 'run%d.bin' % i)
            run([SIM, '--seed', 7 + i, '--start-time', start, '--cpus', 2,
                 '--domains', 3, '--seconds', secs, '-o', trace] + extra)
            run([BAKE, '--input', trace, '--db', db, '--cpu-mhz', 2400,
                 '--start-time', start, '--quiet'])
        test_page(tmp, db)
        test_options(tmp, db)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
