"""Shared by the viewer's tests: a simulated host replayed into a database,
its ground truth, and a TAP reporter.  The database is real (xenmon-sim's
trace replayed by xenbaked); only the host is simulated."""
import csv
import os
import subprocess
import sys

START = 1700000000
SIM_ARGS = ['--cpus', '4', '--domains', '6', '--vcpus', '2', '--seconds', '30',
            '--seed', '7', '--lost-bursts', '3', '--mhz', '2400',
            '--start-time', str(START)]


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=''):
        self.n += 1
        if not cond:
            self.failed += 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, name))
        if not cond and detail:
            for line in str(detail).splitlines():
                print('#   ' + line)
        sys.stdout.flush()
        return cond

    def done(self):
        print('1..%d' % self.n)
        return 1 if self.failed else 0


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
    what happened while records were lost (metrics.md), so the screen is
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
