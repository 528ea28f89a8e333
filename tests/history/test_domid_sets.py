#!/usr/bin/env python3
"""A second's domids written once (022_domid_sets.sql): the daemon's
packed seconds name a row of sample_dom_1s_domids while their domains
stay the same, a new one when they change; the seconds read back the
domains sample_1s has; retention prunes the rows no second kept names; the ids are a hash of the
set, so the same seconds make the same rows.
Output is TAP.

    test_domid_sets.py XENBAKED SIM

Two simulated traces go into one database, an hour apart: one whose
domains come and go (--churn), then one with other domains.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402

BAKE, SIM = sys.argv[1:3]
START = 1700000000
MHZ = 2000
tap = Tap()


def trace(path, start, *args):
    subprocess.run([SIM, '--seed', '9', '--mhz', str(MHZ), '--start-time', str(start),
                    '-o', path] + list(args), check=True, capture_output=True)


def bake(db, path, start, *args):
    return subprocess.run([BAKE, '--cpu-mhz', str(MHZ), '--db', db, '--input', path,
                           '--start-time', str(start)] + list(args),
                          capture_output=True, text=True, timeout=300)


def domains(con, table, where='1'):
    """Each second's guest domids, as a set per second."""
    out = {}
    for t, d in con.execute('SELECT DISTINCT t, domid FROM %s WHERE domid != 32767 AND %s'
                            % (table, where)):
        out.setdefault(t, set()).add(d)
    return out


def main():
    tmp = tempfile.mkdtemp(prefix='xenmon-domid-sets-')
    try:
        one, two = os.path.join(tmp, 'one.bin'), os.path.join(tmp, 'two.bin')
        db = os.path.join(tmp, 'x.db')
        trace(one, START, '--cpus', '2', '--domains', '3', '--churn', '2', '--seconds', '60')
        trace(two, START + 3600, '--cpus', '2', '--domains', '5', '--seconds', '30')
        r1 = bake(db, one, START)
        r2 = bake(db, two, START + 3600)
        tap.ok(r1.returncode == 0 and r2.returncode == 0,
               'xenbaked replays a trace whose domains come and go, and then another',
               r1.stderr[-300:] + r2.stderr[-300:])
        con = sqlite3.connect(db)
        rows, named = con.execute('SELECT count(*), sum(domid_w = -1 AND length(domid) = 0)'
                                  ' FROM sample_dom_1s_packed').fetchone()
        sets = con.execute('SELECT count(*) FROM sample_dom_1s_domids').fetchone()[0]
        changes = con.execute(
            'SELECT count(*) FROM (SELECT t, group_concat(domid) AS g FROM'
            ' (SELECT t, domid FROM sample_1s WHERE domid != 32767 GROUP BY t, domid'
            '  ORDER BY t, domid) GROUP BY t) a WHERE g IS NOT (SELECT group_concat(domid)'
            ' FROM (SELECT domid FROM sample_1s s WHERE s.t = a.t - 1 AND domid != 32767'
            '  GROUP BY domid ORDER BY domid))').fetchone()[0]
        tap.ok(rows >= 89 and named == rows,
               'every packed second (%d) names a row of domids instead of its own' % rows,
               'named %s' % named)
        tap.ok(2 <= sets <= changes,
               '%d rows of domids: a new one only where the domains changed (%d times, '
               'gaps and the two traces counted)' % (sets, changes))
        got, want = domains(con, 'sample_dom_1s_all'), domains(con, 'sample_1s')
        tap.ok(got == want and len(want) == rows,
               'sample_dom_1s_all: each second\'s domains are those of sample_1s (%d seconds)'
               % len(want),
               'first difference %s' % [(t, got.get(t), want.get(t))
                                        for t in sorted(set(got) | set(want))
                                        if got.get(t) != want.get(t)][:1])
        sums = con.execute('SELECT count(*) FROM domain_1s d JOIN (SELECT t, domid,'
                           ' sum(cpu_ns) AS c FROM sample_1s GROUP BY t, domid) s'
                           ' USING (t, domid) WHERE d.cpu_ns != s.c').fetchone()[0]
        tap.ok(sums == 0, 'domain_1s: each domain\'s CPU time is its sum over sample_1s')
        ids = {i for (i,) in con.execute('SELECT id FROM sample_dom_1s_domids')}
        named = {i for (i,) in con.execute('SELECT DISTINCT domid_base FROM'
                                           ' sample_dom_1s_packed WHERE domid_w < 0')}
        tap.ok(ids == named, 'each row of domids is named by a second, each named one exists',
               'rows %s, named %s' % (sorted(ids), sorted(named)))
        con.close()

        # the first trace's seconds pruned: the rows only they named go
        r = bake(db, two, START + 3600, '--retain-1s', '10m')
        con = sqlite3.connect(db)
        kept = con.execute('SELECT count(*) FROM sample_dom_1s_domids').fetchone()[0]
        left = kept - con.execute('SELECT count(DISTINCT domid_base) FROM sample_dom_1s_packed'
                                  ' WHERE domid_w < 0').fetchone()[0]
        got = domains(con, 'sample_dom_1s_all')
        tap.ok(r.returncode == 0 and left == 0 and kept >= 1,
               'pruning the first trace\'s seconds prunes the domids only they named',
               'left %d, kept %d; %s' % (left, kept, r.stderr[-300:]))
        tap.ok(got == domains(con, 'sample_1s') and len(got) >= 29,
               'the second trace\'s seconds still read their domains (%d)' % len(got))
        con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.done()


if __name__ == '__main__':
    main()
