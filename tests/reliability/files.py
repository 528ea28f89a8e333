#!/usr/bin/env python3
"""What xenbaked creates and whom it lets in (TAP): the database's directory
0750 and files 0640, root:xenmon when that group exists; a member of the
group reads with xenmon-export, xenmon and sqlite3 while the daemon writes
and after it stopped, a non-member cannot; a symbolic link planted at the
database, its -wal, -shm, -journal, a directory on its path or the lock
file is refused by name and its target left alone; live mode refuses a
non-root user; the readers never create a database.

Needs root for the ownership and other-user cases (CI runs as root); they
are skipped otherwise.  It creates the system group xenmon if missing.

    files.py --sim SIM --bake XENBAKED --export XENMON_EXPORT [--viewer XENMON]
             [--test-hooks]

The lock file cases need a build with test hooks (XENMON_LOCK), and are
skipped without.
"""
import argparse
import grp
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402

START = 1700000000
NOBODY = 65534
REFUSED = 'is a symbolic link; refusing to follow it'
results = []
ROOT = os.geteuid() == 0


def check(name, cond, detail=''):
    results.append((name, bool(cond), detail))


def skip(name, why):
    results.append(('%s # SKIP %s' % (name, why), True, ''))


def run(argv, user=None, env=None, timeout=60):
    """ARGV as root, or as USER = (uid, gid) with no other groups."""
    if user:
        argv = ['setpriv', '--reuid=%d' % user[0], '--regid=%d' % user[1],
                '--clear-groups'] + argv
    return subprocess.run(argv, capture_output=True, text=True, env=env,
                          timeout=timeout)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def reader_gid():
    """The xenmon group, created as a system group if missing."""
    try:
        return grp.getgrnam('xenmon').gr_gid
    except KeyError:
        pass
    r = run(['groupadd', '--system', 'xenmon'])
    if r.returncode:
        return None
    return grp.getgrnam('xenmon').gr_gid


def nogroup_gid():
    for name in ('nogroup', 'nobody'):
        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            pass
    return NOBODY


def victim_state(path):
    st = os.stat(path)
    return open(path, 'rb').read(), st.st_mtime_ns, stat.S_IMODE(st.st_mode)


def bake_args(a, trace, db, *more):
    return [a.bake, '--input', trace, '--db', db, '--cpu-mhz', '2400',
            '--start-time', str(START), '--quiet'] + list(more)


def test_modes(a, tmp, trace):
    state = os.path.join(tmp, 'state')
    db = os.path.join(state, 'x.db')
    # The group first: the files take it only if it exists when made (a
    # fresh machine has none until this test creates it).
    gid = reader_gid() if ROOT else None
    # a careless umask must not widen anything
    r = subprocess.run(bake_args(a, trace, db), capture_output=True, text=True,
                       preexec_fn=lambda: os.umask(0))
    check('replay into a new directory: exit 0', r.returncode == 0, r.stderr)
    check('the directory it created is 0750', mode(state) == 0o750, oct(mode(state)))
    check('the database is 0640', mode(db) == 0o640, oct(mode(db)))
    for ext in ('-wal', '-shm'):
        check('%s is kept after the writer closed, 0640' % ext,
              os.path.exists(db + ext) and mode(db + ext) == 0o640,
              oct(mode(db + ext)) if os.path.exists(db + ext) else 'missing')
    if gid is None:
        skip('directory and files owned root:xenmon', 'not root')
    else:
        owners = {p: (os.stat(p).st_uid, os.stat(p).st_gid)
                  for p in (state, db, db + '-wal', db + '-shm')}
        check('directory, database, -wal and -shm owned root:xenmon',
              set(owners.values()) == {(0, gid)}, owners)

    # A directory that existed (here one like /tmp) keeps its mode and owner.
    shared = os.path.join(tmp, 'shared')
    os.mkdir(shared)
    os.chmod(shared, 0o1777)
    before = os.stat(shared)
    r = run(bake_args(a, trace, os.path.join(shared, 'y.db')))
    after = os.stat(shared)
    check('an existing directory keeps its mode and owner',
          r.returncode == 0 and stat.S_IMODE(after.st_mode) == 0o1777 and
          (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid),
          r.stderr + oct(after.st_mode))
    check('...the database in it is 0640',
          mode(os.path.join(shared, 'y.db')) == 0o640)
    r = run(bake_args(a, trace, os.path.join(tmp, 'no', 'such', 'x.db')))
    check('only one missing level is created: exit 1 naming the path',
          r.returncode == 1 and os.path.join(tmp, 'no', 'such') in r.stderr and
          not os.path.exists(os.path.join(tmp, 'no')), r.stderr)
    return db, gid


def test_readers(a, tmp, trace, db, gid, bins):
    member, outsider = (NOBODY, gid), (NOBODY, nogroup_gid())
    out = os.path.join(tmp, 'out')
    os.mkdir(out)
    os.chmod(out, 0o777)
    export = [bins['export'], '--db', db, '--from', str(START), '--to',
              str(START + 5), '--step', '1s']
    r = run(export, member)
    check('a xenmon member reads with xenmon-export (daemon stopped)',
          r.returncode == 0 and len(r.stdout.splitlines()) > 5, r.stderr)
    r = run(['sqlite3', '-readonly', db, 'SELECT count(*) FROM sample_1s'], member)
    check('...and with sqlite3', r.returncode == 0 and int(r.stdout or 0) > 0,
          r.stderr)
    if bins.get('viewer'):
        r = run([bins['viewer'], '-n', '--db', db, '-p', out + '/m', '--from',
                 str(START), '--to', str(START + 3)], member)
        check('...and with xenmon -n', r.returncode == 0 and
              os.path.exists(out + '/m-dom0.log'), r.stderr)
    r = run(export, outsider)
    check('a non-member (nobody:nogroup) cannot read: exit 1, named',
          r.returncode == 1 and db in r.stderr, r.stderr)
    r = run(['sqlite3', '-readonly', db, 'SELECT count(*) FROM sample_1s'], outsider)
    check('...not with sqlite3 either', r.returncode != 0, r.stdout)

    # While the daemon writes: the member has a read-only -shm.
    live = os.path.join(tmp, 'state', 'live.db')
    p = subprocess.Popen(bake_args(a, trace, live, '--realtime'),
                         stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not os.path.exists(live + '-shm'):
            time.sleep(0.05)
        time.sleep(1.5)
        writing = p.poll() is None
        r = run(['sqlite3', '-readonly', live, 'SELECT count(*) FROM cpu_1s'],
                member)
        r2 = run([bins['export'], '--db', live, '--from', str(START), '--to',
                  str(START + 5), '--step', '1s'], member)
        check('a member reads while the daemon writes (read-only -shm)',
              writing and r.returncode == 0 and int(r.stdout or 0) > 0 and
              r2.returncode == 0, '%s %s %s' % (writing, r.stderr, r2.stderr))
    finally:
        p.wait(timeout=30)


def test_links(a, tmp, trace, victim):
    want = victim_state(victim)
    for ext in ('', '-wal', '-shm', '-journal'):
        d = tempfile.mkdtemp(prefix='link', dir=tmp)
        db = os.path.join(d, 'x.db')
        os.symlink(victim, db + ext)
        r = run(bake_args(a, trace, db))
        check('a symbolic link at the database%s: exit 1, named' % ext,
              r.returncode == 1 and '%s%s: %s' % (db, ext, REFUSED) in r.stderr,
              r.stderr)
        check('...its target untouched%s' % ('' if ext else ', nothing created'),
              victim_state(victim) == want and
              (ext or os.listdir(d) == ['x.db']), os.listdir(d))
    real = os.path.join(tmp, 'real')
    os.mkdir(real)
    os.symlink(real, os.path.join(tmp, 'via'))
    r = run(bake_args(a, trace, os.path.join(tmp, 'via', 'x.db')))
    check('a symbolic link on the directory path: exit 1, named',
          r.returncode == 1 and '%s: %s' % (os.path.join(tmp, 'via'), REFUSED)
          in r.stderr and os.listdir(real) == [], r.stderr)


def on_xen():
    try:
        return open('/sys/hypervisor/type').read().startswith('xen')
    except OSError:
        return False


def test_lock(a, tmp, victim, db, bins):
    if not a.test_hooks:  # the lock would be /run's
        skip('the lock file: links refused, 0600', 'a build without test hooks')
        return
    want = victim_state(victim)
    lock = os.path.join(tmp, 'lock')
    os.symlink(victim, lock)
    env = dict(os.environ, XENMON_LOCK=lock)
    if not ROOT:
        skip('a symbolic link at the lock file is refused', 'not root')
    else:
        r = run([a.bake, '--db', os.path.join(tmp, 'live.db')], env=env)
        check('live: a symbolic link at the lock file: exit 1, named',
              r.returncode == 1 and '%s: cannot open the lock file: %s' %
              (lock, REFUSED) in r.stderr, r.stderr)
        check('...its target untouched, no database made',
              victim_state(victim) == want and
              not os.path.exists(os.path.join(tmp, 'live.db')))
    if ROOT and not on_xen():
        plain = os.path.join(tmp, 'plain.lock')
        r = run([a.bake, '--db', os.path.join(tmp, 'live.db')],
                env=dict(os.environ, XENMON_LOCK=plain))
        check('live: a new lock file is 0600 (nobody else can flock it)',
              r.returncode == 1 and 'not running on Xen' in r.stderr and
              mode(plain) == 0o600, r.stderr)
    if bins.get('viewer'):
        caps = os.path.join(tmp, 'caps')
        open(caps, 'w').write('control_d\n')
        started = os.path.join(tmp, 'started')
        fake = os.path.join(tmp, 'fake-xenbaked')
        open(fake, 'w').write('#!/bin/sh\ntouch %s\n' % started)
        os.chmod(fake, 0o755)
        r = run([bins['viewer'], '-n', '-t', '1', '--db', db, '-p',
                 os.path.join(tmp, 'v')],
                env=dict(env, XENMON_XEN_CAPS=caps, XENBAKED=fake))
        check('viewer: a symbolic link at the lock: said, no recorder started',
              '%s: %s' % (lock, REFUSED) in r.stderr and
              not os.path.exists(started) and victim_state(victim) == want,
              r.stderr)


def test_live_privileges(a, tmp, bins):
    if not ROOT:
        r = run([a.bake, '--db', os.path.join(tmp, 'nr.db')])
    else:
        r = run([bins['bake'], '--db', os.path.join(tmp, 'nr.db')],
                (NOBODY, nogroup_gid()))
    check('live as a non-root user: exit 1, "needs root"',
          r.returncode == 1 and 'live capture needs root' in r.stderr and
          not os.path.exists(os.path.join(tmp, 'nr.db')), r.stderr)


def test_missing(tmp, bins):
    gone = os.path.join(tmp, 'missing.db')
    r = run([bins['export'], '--db', gone, '--from', '0', '--to', 'now'])
    check('xenmon-export on a missing database: exit 1, named, not created',
          r.returncode == 1 and gone in r.stderr and not os.path.exists(gone),
          r.stderr)
    if bins.get('viewer'):
        t0 = time.time()
        r = run([bins['viewer'], '-n', '--db', gone, '-p', tmp + '/g', '--from',
                 str(START), '--to', str(START + 3)])
        check('xenmon -n --from on a missing database: exit 1 at once, named, '
              'not created', r.returncode == 1 and gone in r.stderr and
              time.time() - t0 < 5 and not os.path.exists(gone), r.stderr)
        r = run([bins['viewer'], '-n', '-t', '1', '--db', gone, '-p', tmp + '/g'])
        check('xenmon -n (live) on a missing database: exit 1, not created',
              r.returncode == 1 and gone in r.stderr and
              not os.path.exists(gone), r.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    ap.add_argument('--export', required=True)
    ap.add_argument('--viewer', default='')
    # the build reads XENMON_LOCK and the others (daemon/test_hook.h)
    ap.add_argument('--test-hooks', action='store_true')
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='xenmon-files-')
    try:
        # other users must reach the files: a world-traversable folder, and
        # the programs copied out of a build tree they may not enter
        os.chmod(tmp, 0o755)
        bindir = os.path.join(tmp, 'bin')
        os.mkdir(bindir)
        bins = {}
        for key, path in (('bake', a.bake), ('export', a.export),
                          ('viewer', a.viewer)):
            if path:
                bins[key] = shutil.copy(path, bindir)
                os.chmod(bins[key], 0o755)
        trace = os.path.join(tmp, 't.bin')
        subprocess.run([a.sim, '--cpus', '2', '--domains', '3', '--seconds', '6',
                        '--seed', '5', '--mhz', '2400', '--start-time', str(START),
                        '-o', trace, '--truth', tmp + '/truth'], check=True,
                       capture_output=True)
        victim = os.path.join(tmp, 'victim')
        open(victim, 'w').write('not yours\n')
        db, gid = test_modes(a, tmp, trace)
        if gid is None:
            skip('a xenmon member reads, a non-member cannot', 'not root')
        else:
            test_readers(a, tmp, trace, db, gid, bins)
        test_links(a, tmp, trace, victim)
        test_lock(a, tmp, victim, db, bins)
        test_live_privileges(a, tmp, bins)
        test_missing(tmp, bins)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
