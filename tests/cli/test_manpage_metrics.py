#!/usr/bin/env python3
"""The documents' metric tables against the metric table (schema/metrics.h):

  * xenbaked(8)'s TABLES section lists sample_1s's and cpu_1s's columns as
    the table has them, in order, and every CPU column of the roll-ups;
  * xenmon(1)'s OPTIONS have each row's --OPTION, --noOPTION as the table's
    VIEW says it (what the rows are, shown by default or not), and no other;
    its keys list the viewer's sort keys as the VIEWs' SORTs give them;
  * xenmon-export(1)'s COLUMNS are the columns the program writes, in
    order (its CSV header), which the table's EXPORTs give, and so is the
    header the README shows;
  * the simulator's README lists its ground truth's columns as the table.

A metric added to the table and not to a page (or the other way) fails
here.  Output is TAP.

    test_manpage_metrics.py SOURCE_ROOT [XENMON_EXPORT]
"""
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

ROOT = sys.argv[1]
EXPORT = sys.argv[2] if len(sys.argv) > 2 else None
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
from tap import report  # noqa: E402


def read(*path):
    return open(os.path.join(ROOT, *path)).read()


def body(text, name):
    """The X-macro NAME's body, its lines joined."""
    m = re.search(r'#define %s\(X\)((?:.*\\\n)*.*)\n' % name, text)
    return m.group(1).replace('\\\n', ' ')


def table(text, name):
    """The descriptors of X-macro NAME: their first three arguments."""
    return [list(d) for d in
            re.findall(r'\bX\((\w+),\s*(\w+),\s*(\w+),', body(text, name))]


def views(text):
    """{option: (rows, shown)} of the VIEWs of METRICS_SAMPLE."""
    found = re.findall(r'\bVIEW\(\s*\d+,\s*"[^"]*",\s*"(\w*)",\s*([01]),\s*"([^"]*)"',
                       body(text, 'METRICS_SAMPLE'))
    return {opt: (rows, shown == '1') for opt, shown, rows in found if opt}


def sort_keys(text):
    """The viewer's sort keys: id, name, then the SORTs of the VIEWs of
    METRICS_SAMPLE in the order of their rows."""
    keys = []
    for desc in re.split(r'\bX\(', body(text, 'METRICS_SAMPLE'))[1:]:
        m = re.search(r'\bVIEW\(\s*(\d+),', desc)
        k = re.search(r'\bSORT\("([^"]*)"\)', desc)
        if m and k:
            keys.append((int(m.group(1)), k.group(1)))
    return ['id', 'name'] + [k for _, k in sorted(keys)]


def exports(text):
    """The EXPORT columns of METRICS_SAMPLE, in their order."""
    found = re.findall(r'\bEXPORT\(\s*(\d+),\s*"(\w+)"', body(text, 'METRICS_SAMPLE'))
    return [c for _, c in sorted((int(o), c) for o, c in found)]


def listed(page, table_name):
    """The parenthesised column list after .B TABLE_NAME in the page."""
    m = re.search(r'^\.B %s\n\(([^)]*)\)' % table_name, page, re.M)
    return [c.strip() for c in m.group(1).replace('\n', ' ').split(',')] if m else None


def section(page, title):
    m = re.search(r'^\.SH %s\n(.*?)(?=^\.SH )' % title, page, re.M | re.S)
    return m.group(1) if m else ''


def xenbaked_page(text, results):
    page = read('daemon', 'xenbaked.8')
    sample = [d[0] for d in table(text, 'METRICS_SAMPLE')]
    cpu = table(text, 'METRICS_CPU')
    cpu_1s = [d[0] for d in cpu if d[2] == '1']
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


def xenmon_page(text, results):
    page = section(read('viewer', 'xenmon.1'), 'OPTIONS')
    want = views(text)
    got = {}
    for opt, no, rows, dflt in re.findall(
            r'^\.BR \\-\\-(\w+) ", " \\-\\-no(\w+)\n(.*) rows \(default (on|off)\)\.$',
            page, re.M):
        got[opt] = (rows, dflt == 'on') if opt == no else None
    results.append(('xenmon.1 has each row option as the table says, and no other',
                    want and got == want, 'page %s\ntable %s' % (got, want)))
    keys = sort_keys(text)
    m = re.search(r'^sort by the next / previous column \(([^;]*);',
                  read('viewer', 'xenmon.1'), re.M)
    got = [k.strip() for k in m.group(1).replace('\n', ' ').split(',')] if m else None
    results.append(("xenmon.1 lists the viewer's sort keys as the table has them",
                    len(keys) > 2 and got == keys, 'page %s\ntable %s' % (got, keys)))


def export_header():
    """The CSV header xenmon-export writes, from an empty database."""
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, 'x.db')
        con = sqlite3.connect(db)
        for v, f in enumerate(['001_init.sql', '002_history.sql'], 1):
            con.executescript(read('schema', f) +
                              'PRAGMA application_id=%d; PRAGMA user_version=%d;'
                              % (0x58656e4d, v))
        con.close()
        r = subprocess.run([EXPORT, '--db', db, '--from', '0', '--to', '3600', '-q'],
                           capture_output=True, text=True, timeout=60)
        # exit 3: no data in the range, the header alone written
        return r.stdout.strip().split(',') if r.returncode in (0, 3) else r.stderr


def export_page(text, results):
    page = section(read('tools', 'export', 'xenmon-export.1'), 'COLUMNS')
    got = [c.strip() for entry in re.findall(r'^\.TP\n\.B (.*)$', page, re.M)
           for c in entry.split(',')]
    table_cols = exports(text)
    results.append(("xenmon-export.1 has the table's export columns, in order",
                    table_cols and [c for c in got if c in table_cols] == table_cols,
                    'page %s\ntable %s' % (got, table_cols)))
    if EXPORT:
        header = export_header()
        results.append(('xenmon-export.1 lists the columns the program writes, in order',
                        got == header, 'page %s\nprogram %s' % (got, header)))
        m = re.search(r'^(t,time,.*)$', read('README.md'), re.M)
        shown = m.group(1).split(',') if m else None
        results.append(("README.md shows xenmon-export's header as the program writes it",
                        shown == header, 'README %s\nprogram %s' % (shown, header)))


def sim_readme(text, results):
    readme = read('tools', 'sim', 'README.md')
    sample = [d[0] for d in table(text, 'METRICS_SAMPLE')]
    # the simulator writes undamaged traces: no malformed records
    cpu = [d[0] for d in table(text, 'METRICS_CPU')
           if d[2] == '1' and d[0] != 'malformed_records']
    files = dict(re.findall(r'^\| PREFIX-([\w-]+)\.csv \| ([\w,]+) \|', readme, re.M))
    for name, want in (('cpu-dom', ['t', 'cpu', 'domid'] + sample),
                       ('dom', ['t', 'domid'] + sample),
                       ('cpu', ['t', 'cpu'] + cpu)):
        got = files.get(name, '').split(',')
        results.append(('tools/sim/README.md lists %s.csv as the table has it' % name,
                        got == want, '%s\n%s' % (got, want)))


def main():
    text = read('schema', 'metrics.h')
    results = []
    xenbaked_page(text, results)
    xenmon_page(text, results)
    export_page(text, results)
    sim_readme(text, results)
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
