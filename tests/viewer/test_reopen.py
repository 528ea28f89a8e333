#!/usr/bin/env python3
"""The viewer follows its database path, not the file it first opened: a
database deleted under it is said to be missing, a new recorder's database
at that path is shown (not the old file, kept open, shown as LIVE), and so
is a database moved over the path.  The real xenmon in tmux; the databases
are xenmon-sim traces replayed by the real xenbaked.  Output is TAP.

    test_reopen.py XENMON XENBAKED XENMON_SIM
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import START, Tap, Tmux, make_db, metric_rows  # noqa: E402

# Two other hosts, each an hour after the one before.
OTHERS = [['--cpus', '2', '--domains', '5', '--vcpus', '1', '--seconds', '15',
           '--seed', '3', '--start-time', str(START + 3600)],
          ['--cpus', '3', '--domains', '4', '--vcpus', '1', '--seconds', '15',
           '--seed', '5', '--start-time', str(START + 7200)]]


def domids(s):
    return {dom for dom, _ in metric_rows(s, '\u2502')}


def drop(path):
    for p in (path, path + '-wal', path + '-shm'):
        if os.path.exists(p):
            os.unlink(p)


def main():
    xenmon, bake, sim = sys.argv[1:4]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-reopen-')
    tm = Tmux('reopen')
    rec = None
    try:
        first, _ = make_db(tmp, sim, bake)
        traces = []
        for i, args in enumerate(OTHERS):
            traces.append('%s/other%d.bin' % (tmp, i))
            subprocess.run([sim, '-o', traces[i]] + args, check=True,
                           capture_output=True)
        second = tmp + '/second.db'
        subprocess.run([bake, '--input', traces[0], '--db', second,
                        '--start-time', str(START + 3600), '--quiet'],
                       check=True, capture_output=True)
        os.mkdir(tmp + '/live')
        path = tmp + '/live/x.db'
        shutil.copy(first, path)

        tm.start('env LANG=C.UTF-8 TERM=screen NO_COLOR=1 %s --db %s '
                 '--noblocked --nowaited' % (xenmon, path), 80, 24)
        ok, s = tm.wait_text('All 4 CPUs')
        tap.ok(ok and 6 in domids(s), 'the first database: 4 CPUs, 6 guests', s)

        # an administrator moves another database over the path: the path
        # is never missing, only the file it names changes
        shutil.copy(second, tmp + '/new.db')
        os.replace(tmp + '/new.db', path)
        ok, s = tm.wait_for(lambda s: 'All 2 CPUs' in s)
        tap.ok(ok and domids(s) == {0, 1, 2, 3, 4, 5, 32767} and
               re.search(r'LIVE 2023-11-14 23:13:\d\d UTC', s) is not None,
               'a database moved over the path is shown: 2 CPUs, 5 guests, '
               'an hour later', s)

        drop(path)
        ok, s = tm.wait_text('No such file')
        tap.ok(ok and 'x.db' in s and 'LIVE' not in s,
               'a deleted database is said to be missing, not shown as LIVE', s)

        # a new recorder writes a third host's seconds at the same path,
        # one per second, while the viewer watches
        rec = subprocess.Popen([bake, '--input', traces[1], '--db', path,
                                '--start-time', str(START + 7200), '--quiet',
                                '--realtime'], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        ok, s = tm.wait_for(lambda s: 'All 3 CPUs' in s and
                            domids(s) == {0, 1, 2, 3, 4, 32767})
        tap.ok(ok and
               re.search(r'LIVE 2023-11-15 00:13:\d\d UTC', s) is not None,
               "the new recorder's database is shown: 3 CPUs, 4 guests, two "
               "hours later", s)
        tm.keys('q')
    finally:
        if rec:
            rec.kill()
            rec.wait()
        tm.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
