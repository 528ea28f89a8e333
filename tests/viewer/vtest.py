"""Shared by the viewer's tests: a simulated host replayed into a database,
its ground truth, the viewer in tmux, and the checks of shown figures
against sums (TAP: tests/lib/tap.py's Tap, which the tests take from
here).  The database is real (xenmon-sim's trace replayed by xenbaked);
only the host is simulated."""
import csv
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402,F401

START = 1700000000

# The databases here are replays of 2023: followed "live", their newest
# second is years old, which the header would call stale (test_stale.py
# tests that).  The other tests look at the figures, so the viewer's test
# hook moves staleness out of their way.
os.environ.setdefault('XENMON_STALE_AFTER_S', str(100 * 365 * 86400))
SIM_ARGS = ['--cpus', '4', '--domains', '6', '--vcpus', '2', '--seconds', '30',
            '--seed', '7', '--lost-bursts', '3', '--mhz', '2400',
            '--start-time', str(START)]


def make_db(tmp, sim, bake):
    trace, truth, db = tmp + '/t.bin', tmp + '/truth', tmp + '/x.db'
    subprocess.run([sim, '--truth', truth, '-o', trace] + SIM_ARGS, check=True,
                   capture_output=True)
    subprocess.run([bake, '--input', trace, '--db', db, '--cpu-mhz', '2400',
                    '--start-time', str(START), '--quiet'], check=True,
                   capture_output=True)
    return db, Truth(truth)


class Truth:
    """PREFIX-cpu-dom.csv and PREFIX-cpu.csv, summed over windows."""

    COLS = ('exec_count', 'cpu_ns', 'wait_ns', 'blocked_ns', 'alloc_ns',
            'io_count')

    def __init__(self, prefix):
        self.rows = []
        with open(prefix + '-cpu-dom.csv') as f:
            for r in csv.DictReader(f):
                self.rows.append({k: int(v) if v else None for k, v in r.items()})
        with open(prefix + '-cpu.csv') as f:
            self.cpus = [{k: int(v) for k, v in r.items()} for r in csv.DictReader(f)]
        self.ncpus = max(r['cpu'] for r in self.cpus) + 1
        self.last = max(r['t'] for r in self.cpus)
        # the last second of a replay is observed for 999999999 ns only
        self.live = max(r['t'] for r in self.cpus if r['observed_ns'] == 10**9)

    def sums(self, domid, t0, t1, cpu=None):
        s = dict.fromkeys(self.COLS, 0)
        for r in self.rows:
            if r['domid'] == domid and t0 <= r['t'] <= t1 and \
                    (cpu is None or r['cpu'] == cpu):
                for k in self.COLS:
                    s[k] += r[k]
        return s

    def domains(self, t0, t1, cpu=None):
        return sorted({r['domid'] for r in self.rows if t0 <= r['t'] <= t1 and
                       (cpu is None or r['cpu'] == cpu)})

    def passed_ns(self, t0, t1, cpu=None):
        """One CPU's observed time (for all CPUs, the mean), as xenmon."""
        per_t = {}
        for r in self.cpus:
            if t0 <= r['t'] <= t1 and (cpu is None or r['cpu'] == cpu):
                per_t.setdefault(r['t'], []).append(r['observed_ns'])
        return sum(sum(v) // len(v) for v in per_t.values())

    def lost(self, t0, t1, cpu=None):
        return sum(r['lost_records'] for r in self.cpus if t0 <= r['t'] <= t1
                   and (cpu is None or r['cpu'] == cpu))


UNITS = {'ns': 1, 'us': 1e3, 'ms': 1e6, 's': 1e9}


def parse_cell(text):
    """'682.29ms' -> (682.29e6, 0.005e6); '12.34%' -> (12.34, 0.005)."""
    for unit in ('ns', 'us', 'ms', 's', '%', '/s', '/ex'):
        if text.endswith(unit):
            num = text[:-len(unit)]
            decimals = len(num.split('.')[1]) if '.' in num else 0
            scale = UNITS.get(unit, 1)
            return float(num) * scale, 0.5 * 10 ** -decimals * scale
    raise ValueError(text)


def close(shown, want):
    """SHOWN is a screen cell; WANT the exact value: equal within the
    display's rounding (and a hair for float noise)."""
    value, half = parse_cell(shown)
    return abs(value - want) <= half * 1.001 + abs(want) * 1e-9


class DbSums:
    """The same sums as Truth, read from the database itself with Python's
    sqlite3: for windows with lost records, where the daemon cannot know
    what happened while records were lost (docs/metrics.md), so the screen is
    held to the rows it reads rather than to what the simulator did."""

    def __init__(self, path):
        import sqlite3
        self.con = sqlite3.connect('file:%s?mode=ro' % path, uri=True)

    def sums(self, domid, t0, t1, cpu=None):
        cols = Truth.COLS
        r = self.con.execute(
            'SELECT %s FROM sample_1s WHERE domid = ? AND t BETWEEN ? AND ?'
            ' AND (? IS NULL OR cpu = ?)' % ', '.join(
                'coalesce(sum(%s), 0)' % c for c in cols),
            (domid, t0, t1, cpu, cpu)).fetchone()
        return dict(zip(cols, r))

    def passed_ns(self, t0, t1, cpu=None):
        return self.con.execute(
            'SELECT sum(o) FROM (SELECT sum(observed_ns) / count(*) AS o'
            ' FROM cpu_1s WHERE t BETWEEN ? AND ? AND (? IS NULL OR cpu = ?)'
            ' GROUP BY t)', (t0, t1, cpu, cpu)).fetchone()[0]


class Tmux:
    """The real viewer in a tmux pane.  Every start gets a server of its
    own, so that one shutting down after its program quit cannot refuse
    the next session; every wait polls capture-pane until a condition
    holds or a generous timeout passes, never a fixed sleep."""

    def __init__(self, name):
        self.base = 'xenmon-%s-%d' % (name, os.getpid())
        self.n = 0
        self.sock = None

    def run(self, *args):
        return subprocess.run(['tmux', '-L', self.sock] + list(args),
                              capture_output=True, text=True)

    def start(self, cmd, width=80, height=24):
        self.kill()
        self.n += 1
        self.sock = '%s-%d' % (self.base, self.n)
        r = self.run('new-session', '-d', '-x', str(width), '-y', str(height),
                     cmd)
        if r.returncode:
            raise RuntimeError('tmux new-session: ' + r.stderr)

    def screen(self):
        r = self.run('capture-pane', '-p')
        return r.stdout if r.returncode == 0 else ''

    def wait_for(self, pred, timeout=30):
        end = time.time() + timeout
        s = ''
        while time.time() < end:
            s = self.screen()
            if pred(s):
                return True, s
            time.sleep(0.05)
        return False, s

    def wait_text(self, text, timeout=30):
        return self.wait_for(lambda s: text in s, timeout)

    def wait_settled(self, text, timeout=30):
        """TEXT on the screen, and the screen the same on two captures in
        a row: a capture can fall between the header's and the rows'
        drawing on a busy machine."""
        ok, s = self.wait_text(text, timeout)
        end = time.time() + timeout
        while ok and time.time() < end:
            time.sleep(0.1)
            again = self.screen()
            if again == s:
                return True, s
            s = again
            ok = text in s
        return False, s

    def keys(self, *k):
        self.run('send-keys', *k)

    def resize(self, width, height):
        self.run('resize-window', '-x', str(width), '-y', str(height))

    def kill(self):
        if self.sock:
            self.run('kill-server')
        self.sock = None


def cells(text):
    """Terminal columns of TEXT, as wcwidth() counts them."""
    import unicodedata
    n = 0
    for c in text:
        if unicodedata.combining(c) or unicodedata.category(c) in ('Mn', 'Me'):
            continue
        n += 2 if unicodedata.east_asian_width(c) in ('W', 'F') else 1
    return n


METRIC_ROW = re.compile(r'^\s*(\d+)\s.*?\b(Gotten|Alloc|Blocked|Waited|'
                        r'ExCount|I/O)( +)(.*)$')


def metric_rows(text, sep):
    """{(domid, metric): (long cells, short cells)} of a screen or table
    whose windows are split by SEP."""
    out = {}
    for line in text.splitlines():
        m = METRIC_ROW.match(line)
        if not m:
            continue
        halves = m.group(4).split(sep)
        if len(halves) != 2:
            continue
        out[(int(m.group(1)), m.group(2))] = (halves[0].split(),
                                               halves[1].split())
    return out


def check_windows(tap, src, text, sep, windows, cpu, what, least=12):
    """Gotten/Blocked/Waited of every domain shown against SRC (a Truth or
    DbSums), for WINDOWS: the long one and the short one as (t0, t1),
    both inclusive."""
    got = metric_rows(text, sep)
    bad = []
    seen = 0
    for (dom, metric), cl in sorted(got.items()):
        col = {'Gotten': 'cpu_ns', 'Blocked': 'blocked_ns',
               'Waited': 'wait_ns'}.get(metric)
        if not col:
            continue
        for idx, (t0, t1) in enumerate(windows):
            c = cl[idx]
            sums = src.sums(dom, t0, t1, cpu)
            passed = src.passed_ns(t0, t1, cpu)
            want_total = sums[col] * 1e9 / passed
            want_pct = 100.0 * sums[col] / passed
            if col == 'blocked_ns':
                online = sums['cpu_ns'] + sums['wait_ns'] + sums['blocked_ns']
                want_pct = 100.0 * sums[col] / online if online else 0
            try:
                good = len(c) >= 2 and close(c[0], want_total) and \
                    close(c[1], want_pct)
            except ValueError:  # not a figure: '-' for no data
                good = False
            if not good:
                bad.append('%s dom %d %s %d..%d: shown %s, want %.0f ns/s '
                           '%.4f%%' % (what, dom, metric, t0, t1, c,
                                       want_total, want_pct))
            seen += 1
    return tap.ok(seen >= least and not bad, '%s: %d cells match' % (what, seen),
                  '\n'.join(bad[:10]) + '\n' + text)


def run_argv(argv, timeout=60):
    """ARGV run to its end: (exit status, stdout, stderr); None for a
    program that did not exit in TIMEOUT seconds."""
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        return None, '', 'timed out waiting for it to exit'


def copy_db(db, path, *sql):
    """DB copied to PATH, then changed by the statements SQL."""
    import shutil
    import sqlite3
    shutil.copy(db, path)
    con = sqlite3.connect(path, isolation_level=None)
    for s in sql:
        con.execute(s)
    con.close()
    return path


def range_table(xenmon, db, t0, t1, cpu=None, timeout=60):
    """xenmon's plain table of the range [T0, T1], of CPU or all."""
    argv = [xenmon, '--db', db, '--from', str(t0), '--to', str(t1)]
    if cpu is not None:
        argv += ['--cpu', str(cpu)]
    return run_argv(argv, timeout)
