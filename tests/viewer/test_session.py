#!/usr/bin/env python3
"""xenmon starts a xenbaked for the session on a Xen host that nobody
records, and stops it on exit; it leaves a recording xenbaked alone and
starts nothing off Xen.  Output is TAP.

This machine is no Xen host, so the test plays one: XENMON_XEN_CAPS points
at a capabilities file saying control_d, XENMON_LOCK at a lock file in a
temporary folder, and XENBAKED at a stand-in daemon that writes down how it
was started and stopped.  The viewer itself is the real one.

    test_session.py XENMON
"""
import fcntl
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402

FAKE = '''#!/usr/bin/env python3
import signal, sys, time
log = open(%r, 'a')
log.write('started ' + ' '.join(sys.argv[1:]) + '\\n'); log.flush()
def stop(*_):
    log.write('stopped\\n'); log.flush(); sys.exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    time.sleep(0.1)
'''


def main():
    xenmon = sys.argv[1]
    results = []
    tmp = tempfile.mkdtemp(prefix='xenmon-session-')
    log = tmp + '/fake.log'
    fake = tmp + '/xenbaked'
    open(fake, 'w').write(FAKE % log)
    os.chmod(fake, 0o755)
    caps = tmp + '/capabilities'
    open(caps, 'w').write('control_d\n')
    lock = tmp + '/xenbaked.lock'
    db = tmp + '/x.db'
    env = dict(os.environ, XENMON_XEN_CAPS=caps, XENMON_LOCK=lock, XENBAKED=fake)

    def run_log_mode(environ):
        if os.path.exists(log):
            os.unlink(log)
        r = subprocess.run([xenmon, '-n', '-t', '2', '-p', tmp + '/log', '--db', db],
                           env=environ, capture_output=True, text=True, timeout=30)
        time.sleep(0.2)
        return r, open(log).read() if os.path.exists(log) else ''

    r, got = run_log_mode(env)
    results.append(('dom0 with nobody recording: xenbaked started with our database',
                    ('started --db %s' % db) in got and 'started' in r.stderr, got + r.stderr))
    results.append(('...and stopped when xenmon exits', got.endswith('stopped\n'), got))

    holder = open(lock, 'w')
    fcntl.flock(holder, fcntl.LOCK_EX)
    r, got = run_log_mode(env)
    results.append(('a recording xenbaked (it holds the lock) is left alone', got == '',
                    got + r.stderr))
    holder.close()

    # An older xenbaked, running since before an upgrade, holds the lock
    # where it kept it (/run/xenbaked.lock; here a file of the test's).
    old = tmp + '/old.lock'
    holder = open(old, 'w')
    fcntl.flock(holder, fcntl.LOCK_EX)
    r, got = run_log_mode(dict(env, XENMON_LOCK_LEGACY=old))
    results.append(('an older xenbaked holding the old lock is left alone', got == '',
                    got + r.stderr))
    holder.close()

    r, got = run_log_mode(dict(env, XENMON_XEN_CAPS=tmp + '/none'))
    results.append(('not on Xen: nothing started', got == '', got))

    # the full-screen viewer: started, said on screen, stopped on q
    if os.path.exists(log):
        os.unlink(log)
    sock = 'xenmon-session-%d' % os.getpid()
    cmd = 'env XENMON_XEN_CAPS=%s XENMON_LOCK=%s XENBAKED=%s %s --db %s' % (
        caps, lock, fake, xenmon, db)
    subprocess.run(['tmux', '-L', sock, 'new-session', '-d', '-x', '100', '-y', '24', cmd])
    seen = ''
    # Generous: on a loaded machine the viewer's first screen took over 6 s.
    for _ in range(300):
        seen = subprocess.run(['tmux', '-L', sock, 'capture-pane', '-p'],
                              capture_output=True, text=True).stdout
        if 'started' in seen:
            break
        time.sleep(0.1)
    subprocess.run(['tmux', '-L', sock, 'send-keys', 'q'])
    for _ in range(300):
        if os.path.exists(log) and 'stopped' in open(log).read():
            break
        time.sleep(0.1)
    subprocess.run(['tmux', '-L', sock, 'kill-server'], capture_output=True)
    got = open(log).read() if os.path.exists(log) else ''
    results.append(('full screen: the start is said on screen, q stops it',
                    'started' in seen and got.endswith('stopped\n'), seen + got))
    return report(results)


if __name__ == '__main__':
    sys.exit(main())
