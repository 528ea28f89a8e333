#!/usr/bin/env python3
"""schema/packed_views.py, the generator a migration that adds a metric
runs for the packed tables' views, against the views 019, 021 and 022 hold:
each statement it prints for the metrics of today is in the migration word
for word.  Output is TAP.

    test_packed_views.py SCHEMA_DIR"""
import os
import subprocess
import sys

SCHEMA = sys.argv[1]


def main():
    cases = [('seconds', '022_domid_sets.sql', 'CREATE VIEW'),
             ('rollups', '019_packed_rollups.sql', 'CREATE'),
             ('cpu', '021_packed_cpu_seconds.sql', 'CREATE'),
             ('cpu-rollups', '023_packed_cpu_rollups.sql', 'CREATE')]
    print('1..%d' % len(cases))
    for n, (what, migration, first) in enumerate(cases, 1):
        out = subprocess.run([sys.executable, os.path.join(SCHEMA, 'packed_views.py'), what],
                             capture_output=True, text=True, check=True).stdout
        with open(os.path.join(SCHEMA, migration)) as f:
            sql = f.read()
        stmts = [s.strip() for s in out.split(';\n') if s.strip().startswith(first)]
        missing = [s.splitlines()[0] for s in stmts if s not in sql]
        ok = stmts and not missing
        print('%s %d - packed_views.py %s: its %d statements are in %s%s'
              % ('ok' if ok else 'not ok', n, what, len(stmts), migration,
                 '' if ok else ' (missing: %s)' % missing))
    return 0


if __name__ == '__main__':
    sys.exit(main())
