#!/usr/bin/env python3
"""The default ages the documents give against xenbaked's own.

`xenbaked --help` prints the ages retention_defaults() applies (it formats
them from metrics_tiers[], schema/metrics.c); the file installed as
/etc/xenmon/xenbaked.conf, xenbaked.conf(5) and xenbaked(8) write them by
hand, and xenmon(1) and the README the per-CPU ones, so an age changed in
the table and not in a page (or the other way) fails here.  Output is
TAP.

    test_defaults.py SOURCE_ROOT XENBAKED
"""
import os
import re
import subprocess
import sys

ROOT, XENBAKED = sys.argv[1:3]
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
from tap import Tap  # noqa: E402

TIERS = ['1s', '1m', '1h', '1d', '1w']
KEYS = ['retain-' + t for t in TIERS] + ['retain-%s-cpu' % t for t in TIERS]


def read(*path):
    return open(os.path.join(ROOT, *path)).read()


def help_ages():
    """{key: age} from --help: the tiers' five, then their per-CPU five."""
    text = subprocess.run([XENBAKED, '--help'], capture_output=True, text=True,
                          check=True).stdout
    tier = re.search(r'keep one-second rows for AGE \(default (\w+)\), one-minute\s*'
                     r'--retain-1m AGE\s+roll-ups \((\w+)\), one-hour roll-ups \((\w+)\), '
                     r'one-day \((\w+)\)\s*--retain-1h AGE\s+and one-week roll-ups '
                     r'\((\w+)\)', text)
    cpu = re.search(r'one-second rows \(default\s*--retain-1m-cpu AGE (\w+)\), '
                    r'one-minute \((\w+)\), one-hour \((\w+)\), one-day \((\w+)\)\s*'
                    r'--retain-1h-cpu AGE and one-week roll-ups \((\w+)\)', text)
    if not tier or not cpu:
        return None, text
    return dict(zip(KEYS, tier.groups() + cpu.groups())), text


def conf_ages():
    return dict(re.findall(r'^(retain-[\w-]+)\s*=\s*(\S+)', read('daemon', 'xenbaked.conf'),
                           re.M))


def conf5_ages():
    """xenbaked.conf(5): each key's paragraph's '(default AGE'."""
    text = read('daemon', 'xenbaked.conf.5')
    found = {}
    for key in KEYS:
        m = re.search(r'^\.BI "%s = " AGE\n[^.]*?\(default (\w+)' % re.escape(
            key.replace('-', r'\-')), text, re.M)
        if m:
            found[key] = m.group(1)
    return found


def man8_ages():
    """xenbaked(8): the two '(defaults A, B, C, D, E)' lists, in order."""
    lists = re.findall(r'defaults (\w+), (\w+), (\w+), (\w+), (\w+)\)',
                       read('daemon', 'xenbaked.8'))
    return dict(zip(KEYS, [a for group in lists[:2] for a in group]))


def words_age(n, unit):
    """'6', 'hours' -> '6h'; 'years' -> 'y'."""
    return n + {'hour': 'h', 'day': 'd', 'year': 'y'}[unit.rstrip('s')]


def xenmon1_cpu_ages():
    """xenmon(1): the per-CPU view's '(--retain-1s-cpu, N hours of seconds
    by default, N days of minutes, N of hours)'."""
    m = re.search(r'\\-\\-retain\\-1s\\-cpu ,\n(\d+) (\w+) of seconds by default, '
                  r'(\d+) (\w+) of minutes, (\d+) of hours\)', read('viewer', 'xenmon.1'))
    if not m:
        return {}
    return {'retain-1s-cpu': words_age(m.group(1), m.group(2)),
            'retain-1m-cpu': words_age(m.group(3), m.group(4)),
            'retain-1h-cpu': m.group(5) + 'd'}


def readme_cpu_ages():
    """The README's 'per-CPU split for less, 6 hours, 7 days, 90 days, 1
    and 2 years'."""
    m = re.search(r'per-CPU split for less, (\d+) (\w+), (\d+) (\w+), (\d+) (\w+), '
                  r'(\d+) and (\d+) (\w+)', read('README.md').replace('\n', ' '))
    if not m:
        return {}
    g = m.groups()
    return dict(zip(KEYS[5:], [words_age(g[0], g[1]), words_age(g[2], g[3]),
                               words_age(g[4], g[5]), words_age(g[6], g[8]),
                               words_age(g[7], g[8])]))


def main():
    tap = Tap()
    ages, text = help_ages()
    if not tap.ok(ages is not None, '--help gives every default age', text):
        return tap.done()
    # the formatter's output is what the parser reads: 6h, 90d, 1y, ...
    tap.ok(all(re.fullmatch(r'\d+[smhdy]|forever', a) for a in ages.values()),
           '--help writes each age as an AGE the options take', repr(ages))
    for name, got in (('xenbaked.conf', conf_ages()),
                      ('xenbaked.conf(5)', conf5_ages()),
                      ('xenbaked(8)', man8_ages())):
        tap.ok(got == ages, '%s gives the ages --help does' % name,
               'help: %r\n%s: %r' % (ages, name, got))
    for name, got in (('xenmon(1)', xenmon1_cpu_ages()),
                      ('README.md', readme_cpu_ages())):
        want = {k: ages[k] for k in got}
        tap.ok(got and got == want, '%s gives the per-CPU ages --help does' % name,
               'help: %r\n%s: %r' % (want, name, got))
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
