#!/usr/bin/env python3
"""A copy of a WAL database without its -shm, in a directory its reader
cannot write: SQLite can neither open nor create the -shm there.  With no
-wal (or an empty one) nothing is pending, and xenmon and xenmon-export
read the copy as it is, the same as the original; with frames in the -wal
they say what to do instead of calling the file unreadable.  Output is TAP.

    test_readonly.py XENMON XENBAKED XENMON_SIM XENMON_EXPORT

As root the readers run as nobody (root may write any directory); as
anybody else, as themselves.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import START, Tap, make_db  # noqa: E402

NOBODY = 65534


def run(argv, reader=True):
    """ARGV's status, output and errors, run as the reader (nobody, as
    root) or, READER false, as ourselves."""
    if reader and os.geteuid() == 0:
        argv = ['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY,
                '--clear-groups'] + argv
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=30)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        return None, '', 'timed out waiting for it to exit'


def view(xenmon, db, prefix, reader):
    """xenmon -n's status, errors and log files over five seconds of DB."""
    rc, _, err = run([xenmon, '-n', '-p', prefix, '--from', str(START),
                      '--to', str(START + 5), '--db', db], reader)
    logs = {}
    for name in sorted(os.listdir(os.path.dirname(prefix))):
        if name.startswith(os.path.basename(prefix) + '-'):
            with open(os.path.join(os.path.dirname(prefix), name)) as f:
                logs[name[len(os.path.basename(prefix)):]] = f.read()
    return rc, err, logs


def read_only_copy(src_files, folder):
    """SRC_FILES into FOLDER, all readable by anybody, none writable."""
    os.mkdir(folder)
    for src, name in src_files:
        shutil.copy(src, os.path.join(folder, name))
        os.chmod(os.path.join(folder, name), 0o444)
    os.chmod(folder, 0o555)
    return os.path.join(folder, 'x.db')


def main():
    xenmon, bake, sim, export = sys.argv[1:5]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-ro-')
    os.chmod(tmp, 0o755)
    try:
        db, _ = make_db(tmp, sim, bake)
        out = tmp + '/out'
        os.mkdir(out)
        os.chmod(out, 0o777)
        exp = [export, '--from', str(START), '--to', str(START + 5), '--step',
               '1s', '--db']
        want_view = view(xenmon, db, out + '/want', False)
        want_exp = run(exp + [db], reader=False)
        assert want_view[0] == 0 and want_exp[0] == 0, (want_view, want_exp)
        with open(db, 'rb') as f:
            assert f.read(20)[18:20] == b'\x02\x02', 'not a WAL database'

        # quiescent: the database file alone (its -wal was empty)
        ro = read_only_copy([(db, 'x.db')], tmp + '/ro')
        got = view(xenmon, ro, out + '/ro', True)
        tap.ok(got[0] == 0 and got[2] and got == want_view,
               'xenmon -n reads a WAL copy without -shm in a read-only '
               'folder, as the original', '%s %s %s' % (got[0], got[1],
                                                      sorted(got[2])))
        got = run(exp + [ro])
        tap.ok(got == want_exp,
               'xenmon-export reads it too, as the original',
               got[2] + got[1][:2000])
        tap.ok(sorted(os.listdir(tmp + '/ro')) == ['x.db'],
               'nothing was created beside it', os.listdir(tmp + '/ro'))

        # pending: a commit still in the -wal, never checkpointed
        busy = tmp + '/busy.db'
        shutil.copy(db, busy)
        con = sqlite3.connect(busy)
        con.execute('PRAGMA wal_autocheckpoint=0')
        con.execute("INSERT OR REPLACE INTO meta (key, value) "
                    "VALUES ('test-pending', '1')")
        con.commit()
        pending = read_only_copy([(busy, 'x.db'), (busy + '-wal', 'x.db-wal')],
                                 tmp + '/pending')
        con.close()
        for name, argv in (('xenmon', [xenmon, '-n', '-p', out + '/p', '-t',
                                        '1', '--db']), ('xenmon-export', exp)):
            rc, _, err = run(argv + [pending])
            tap.ok(rc == 1 and pending in err and '-shm' in err and
                   '-wal' in err and 'not a readable SQLite database'
                   not in err,
                   '%s on a copy whose -wal holds changes: exit 1, says '
                   'that it needs its -shm and what to do' % name, err)
    finally:
        for d in ('ro', 'pending'):
            if os.path.isdir(os.path.join(tmp, d)):
                os.chmod(os.path.join(tmp, d), 0o755)
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
