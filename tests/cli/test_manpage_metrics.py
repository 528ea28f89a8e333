#!/usr/bin/env python3
"""The man page's TABLES section against the metric table: xenbaked(8)
lists sample_1s's and cpu_1s's columns as schema/metrics.h has them, in
order, and every CPU column of the roll-ups.  A metric added to the table
and not to the page (or the other way) fails here.  Output is TAP.

    test_manpage_metrics.py SOURCE_ROOT
"""
import os
import re
import sys

ROOT = sys.argv[1]
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
from tap import report  # noqa: E402


def table(text, name):
    """The descriptors of X-macro NAME: their first three arguments."""
    m = re.search(r'#define %s\(X\)((?:.*\\\n)*.*)\n' % name, text)
    body = m.group(1).replace('\\\n', ' ')
    return [list(d) for d in re.findall(r'\bX\((\w+),\s*(\w+),\s*(\w+),', body)]


def listed(page, table_name):
    """The parenthesised column list after .B TABLE_NAME in the page."""
    m = re.search(r'^\.B %s\n\(([^)]*)\)' % table_name, page, re.M)
    return [c.strip() for c in m.group(1).replace('\n', ' ').split(',')] if m else None


def main():
    text = open(os.path.join(ROOT, 'schema', 'metrics.h')).read()
    page = open(os.path.join(ROOT, 'daemon', 'xenbaked.8')).read()
    sample = [d[0] for d in table(text, 'METRICS_SAMPLE')]
    cpu = table(text, 'METRICS_CPU')
    cpu_1s = [d[0] for d in cpu if d[2] == '1']
    results = []
    got = listed(page, 'sample_1s')
    results.append(('xenbaked.8 lists sample_1s as the table has it',
                    got == ['t', 'cpu', 'domid'] + sample, '%s\n%s' % (got, sample)))
    got = listed(page, 'cpu_1s')
    results.append(('xenbaked.8 lists cpu_1s as the table has it',
                    got == ['t', 'cpu'] + cpu_1s, '%s\n%s' % (got, cpu_1s)))
    m = re.search(r'^\.BR cpu_1m ", " cpu_1h\n((?:[^.].*\n)+)', page, re.M)
    para = m.group(1) if m else ''
    missing = [d[0] for d in cpu if not re.search(r'\b%s\b' % d[0], para)]
    results.append(('xenbaked.8 names every CPU column of cpu_1m, cpu_1h',
                    m and not missing, 'missing %s in %r' % (missing, para)))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
