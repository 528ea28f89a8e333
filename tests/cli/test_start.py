#!/usr/bin/env python3
"""The README's first command, as a user without a terminal runs it:
`tools/start --demo --seconds 4 < /dev/null` builds (in build/ of the
source tree, as the README says; a new build/ without the tests, so with
only the packages tools/install-deps installs for the build: a fresh
machine has no cmocka; one made before with its own options), streams a simulated host into xenbaked
and prints the newest second as a table; it must end with exit 0 and say
where the database was kept.  Output is TAP.

    test_start.py SOURCE_ROOT
"""
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402


def ungated_test_needs(root):
    """A dependency() or find_program() of a system tool in tests/ that is
    not gated by the tests option would be required by tools/start's build
    too, and a fresh machine has only the build packages."""
    bad = []
    for top, _, files in os.walk(os.path.join(root, 'tests')):
        if 'meson.build' not in files:
            continue
        path = os.path.join(top, 'meson.build')
        text = open(path).read()
        # a call's arguments up to its closing parenthesis, over lines too
        for m in re.finditer(r"(?:dependency|find_program)\(\s*'([^']+)'((?:[^()]|\([^()]*\))*)\)",
                             text):
            call, args = m.group(1), re.sub(r'\s+', ' ', m.group(2))
            in_tree = os.path.exists(os.path.join(top, call))
            if not in_tree and "required : get_option('tests')" not in args:
                bad.append('%s:%d %s' % (os.path.relpath(path, root),
                                         text.count('\n', 0, m.start()) + 1, call))
    return bad


def main():
    root = sys.argv[1]
    bad = ungated_test_needs(root)
    with tempfile.TemporaryDirectory(prefix='xenmon-start-') as tmp:
        db = os.path.join(tmp, 'demo.db')
        r = subprocess.run([os.path.join(root, 'tools', 'start'), '--demo', '--seconds', '4'],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           env=dict(os.environ, XENMON_DEMO_DB=db), timeout=900)
        results = [
            ('every package the tests need is gated by the tests option',
             not bad, ', '.join(bad)),
            ('tools/start --demo without a terminal: exit 0', r.returncode == 0,
             'exit %d: %s' % (r.returncode, r.stderr[-500:])),
            ('it printed the newest second with dom0 in it, and where the database is',
             'Domain-0' in r.stdout and 'database kept: ' + db in r.stdout, r.stdout[-500:]),
        ]
        n = torn = 0
        if os.path.exists(db):
            con = sqlite3.connect(db)
            n = con.execute('SELECT count(DISTINCT t) FROM cpu_1s').fetchone()[0]
            torn = con.execute('SELECT count(*) FROM (SELECT t FROM cpu_1s GROUP BY t '
                               'HAVING count(*) != 4)').fetchone()[0]
            con.close()
        results.append(('the database it kept has seconds, each with all 4 CPUs',
                        n >= 2 and torn == 0, '%d seconds, %d torn' % (n, torn)))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
