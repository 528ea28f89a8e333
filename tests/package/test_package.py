#!/usr/bin/env python3
"""The Debian package on a fresh Debian 12: what an administrator gets from
`apt-get install ./xenmon_*.deb`.  Output is TAP.  Needs root (chroot,
mounts), the network (the Debian mirror apt uses) and what
`tools/install-deps package` installs; about 4 minutes, 2 with the cached
root.

1. dpkg-buildpackage -us -uc -b on a clean copy of the source tree (its
   tracked and new files, no build directories); lintian with no errors or
   warnings;
2. a minbase bookworm root from debootstrap, cached under
   /var/cache/xenmon-test keyed by the day and debootstrap's version (a
   day-old root would upgrade on install anyway);
3. the package installed there with apt-get, which fetches the Xen
   libraries its shlibs dependencies name; then: group xenmon and
   /var/lib/xenmon 0750 root:xenmon made by the system; the three
   programs' --version; the unit verified and its sandbox scored by
   systemd-analyze; a simulated trace (tools/sim/xenmon-sim, copied in)
   replayed into /var/lib/xenmon/xenmon.db; a user in group xenmon reads
   it with the viewer's log mode and sqlite3, a user outside cannot;
4. apt-get purge: the package, its conffiles, the unit's links and the
   history gone.

    test_package.py SOURCE_ROOT XENMON_SIM
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
from tap import Tap  # noqa: E402

CACHE = '/var/cache/xenmon-test'
SUITE = 'bookworm'
START = 1700000000
SECONDS = 20
EXPOSURE_MAX = 4.5


def sh(cmd, **kw):
    kw.setdefault('capture_output', True)
    kw.setdefault('text', True)
    return subprocess.run(cmd, **kw)


def mirror():
    """The Debian mirror this machine's apt uses."""
    for path in ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*')):
        try:
            text = open(path).read()
        except OSError:
            continue
        for m in re.finditer(r'(?m)^(?:deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+%s\s|URIs:\s*(\S+))' % SUITE
                             if path.endswith('.list') else r'(?m)^URIs:\s*(\S+)', text):
            uri = next(g for g in m.groups() if g)
            if 'security' not in uri and 'debian' in uri:
                return uri
    return 'http://deb.debian.org/debian'


def clean_copy(src, dst):
    """SRC's tracked and untracked, not ignored, files: a clean checkout of
    the tree as it is, with no build directory."""
    os.makedirs(dst)
    ls = sh(['git', '-C', src, 'ls-files', '-z', '-co', '--exclude-standard'])
    if ls.returncode == 0:
        names = [n for n in ls.stdout.split('\0') if n and os.path.exists(os.path.join(src, n))]
        tar = subprocess.run(['tar', '-C', src, '--null', '-T', '-', '-cf', '-'],
                             input='\0'.join(names).encode(), capture_output=True, check=True)
        subprocess.run(['tar', '-C', dst, '-xf', '-'], input=tar.stdout, check=True)
    else:
        shutil.copytree(src, dst, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns('build', 'build-*', '.git'))


def build(tap, src, tmp):
    tree = os.path.join(tmp, 'src', 'xenmon')
    clean_copy(src, tree)
    t0 = time.monotonic()
    r = sh(['dpkg-buildpackage', '-us', '-uc', '-b'], cwd=tree)
    debs = glob.glob(os.path.join(tmp, 'src', 'xenmon_*.deb'))
    tap.ok(r.returncode == 0 and len(debs) == 1,
           'dpkg-buildpackage -us -uc -b on a clean checkout builds xenmon_*.deb',
           r.stdout[-3000:] + r.stderr[-3000:], note='%.0f s' % (time.monotonic() - t0))
    if not debs:
        return None
    changes = glob.glob(os.path.join(tmp, 'src', 'xenmon_*.changes'))
    r = sh(['lintian', '--fail-on', 'error,warning'] + changes)
    bad = [line for line in r.stdout.splitlines() if re.match(r'[EW]: ', line)]
    tap.ok(r.returncode == 0 and not bad, 'lintian: no errors, no warnings',
           r.stdout + r.stderr)
    deps = sh(['dpkg-deb', '-f', debs[0], 'Depends']).stdout
    tap.ok(re.search(r'libxenctrl|libxenmisc', deps) is not None and 'libsqlite3-0' in deps,
           'Depends from shlibs: the Xen libraries and SQLite', deps)
    return debs[0]


def fresh_root(tap, root):
    """A minbase bookworm in ROOT, from the day's cache or debootstrap."""
    ver = sh(['dpkg-query', '-W', '-f=${Version}', 'debootstrap']).stdout.strip()
    key = '%s-minbase-%s-debootstrap-%s' % (SUITE, time.strftime('%Y%m%d', time.gmtime()),
                                            ver)
    tarball = os.path.join(CACHE, key + '.tar.gz')
    t0 = time.monotonic()
    os.makedirs(root)
    if os.path.exists(tarball):
        r = sh(['tar', '-C', root, '-xzf', tarball])
        how = 'cached ' + key
    else:
        r = sh(['debootstrap', '--variant=minbase', SUITE, root, mirror()])
        how = 'debootstrap'
        if r.returncode == 0:
            os.makedirs(CACHE, exist_ok=True)
            for old in glob.glob(os.path.join(CACHE, SUITE + '-minbase-*.tar.gz')):
                os.unlink(old)
            sh(['tar', '-C', root, '-czf', tarball + '.part', '.'])
            os.rename(tarball + '.part', tarball)
    tap.ok(r.returncode == 0, 'a fresh Debian 12 root (minbase)', r.stdout[-2000:] + r.stderr,
           note='%s, %.0f s' % (how, time.monotonic() - t0))
    return r.returncode == 0


def chroot(root, cmd, user=None, groups=None, inp=None):
    args = ['chroot']
    if user:
        args.append('--userspec=%s' % user)
    if groups:
        args.append('--groups=%s' % groups)
    env = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
           'HOME': '/tmp', 'LANG': 'C.UTF-8', 'DEBIAN_FRONTEND': 'noninteractive'}
    return sh(args + [root, 'sh', '-c', cmd], env=env, input=inp)


def host_sources(root):
    """The host's Debian 12 sources (main, updates, security) in ROOT, in
    place of debootstrap's main alone: the package's shlibs dependencies
    name the library versions it was built against, which may be a
    security update's."""
    found = False
    paths = ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*'))
    for path in paths:
        if not re.search(r'\.(list|sources)$', path) or not os.path.exists(path):
            continue
        text = open(path).read()
        if SUITE in text and 'debian' in text:
            dst = os.path.join(root, path.lstrip('/'))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(path, dst)
            found = True
    if found and not os.path.exists('/etc/apt/sources.list'):
        os.unlink(os.path.join(root, 'etc', 'apt', 'sources.list'))


def install(tap, root, deb, sim):
    host_sources(root)
    shutil.copy('/etc/resolv.conf', os.path.join(root, 'etc', 'resolv.conf'))
    shutil.copy(deb, os.path.join(root, 'tmp'))
    shutil.copy(sim, os.path.join(root, 'tmp', 'xenmon-sim'))
    name = os.path.basename(deb)
    r = chroot(root, 'apt-get update -q && cd /tmp && '
               'apt-get install -y -q ./%s sqlite3' % name)
    tap.ok(r.returncode == 0, 'apt-get install ./%s (and sqlite3) in the fresh root' % name,
           r.stdout[-3000:] + r.stderr[-2000:])
    return r.returncode == 0


def check_installed(tap, root):
    r = chroot(root, 'getent group xenmon')
    tap.ok(r.returncode == 0 and r.stdout.startswith('xenmon:'),
           'group xenmon made (sysusers.d)', r.stdout + r.stderr)
    r = chroot(root, 'stat -c "%a %U %G" /var/lib/xenmon')
    tap.ok(r.stdout.strip() == '750 root xenmon',
           '/var/lib/xenmon is 0750 root:xenmon (tmpfiles.d)', r.stdout + r.stderr)
    for prog, want in (('xenbaked', 'xenbaked 0.1.0'), ('xenmon', 'xenmon'),
                       ('xenmon-export', 'xenmon-export')):
        r = chroot(root, '%s --version' % prog)
        tap.ok(r.returncode == 0 and r.stdout.startswith(want), '%s --version' % prog,
               r.stdout + r.stderr, note=r.stdout.strip())
    r = chroot(root, 'ls /lib/systemd/system/xenbaked.service /usr/sbin/xenbaked '
               '/usr/bin/xenmon /usr/bin/xenmon-export /usr/share/man/man8/xenbaked.8.gz '
               '/usr/share/man/man1/xenmon.1.gz /usr/share/man/man1/xenmon-export.1.gz '
               '/usr/share/man/man5/xenbaked.conf.5.gz && '
               'grep -x -e /etc/default/xenmon -e /etc/xenmon/xenbaked.conf '
               '/var/lib/dpkg/info/xenmon.conffiles')
    tap.ok(r.returncode == 0 and len(r.stdout.splitlines()) == 10,
           'unit, programs, man pages where Debian expects them; both settings files '
           'conffiles', r.stdout + r.stderr)
    r = chroot(root, 'systemd-analyze verify --man=no /lib/systemd/system/xenbaked.service')
    tap.ok(r.returncode == 0 and not r.stderr.strip() and not r.stdout.strip(),
           'systemd-analyze verify: clean', r.stdout + r.stderr)
    r = chroot(root, 'systemd-analyze security --offline=true '
               '/lib/systemd/system/xenbaked.service')
    m = re.search(r'Overall exposure level for \S+: ([0-9.]+)', r.stdout)
    tap.ok(m is not None and float(m.group(1)) <= EXPOSURE_MAX,
           'systemd-analyze security --offline=true: exposure at most %.1f' % EXPOSURE_MAX,
           r.stdout[-3000:] + r.stderr, note=m.group(0) if m else '')


def check_readers(tap, root):
    db = '/var/lib/xenmon/xenmon.db'
    r = chroot(root, '/tmp/xenmon-sim --cpus 2 --domains 3 --seconds %d --seed 7 '
               '-o /tmp/t.bin && xenbaked --input /tmp/t.bin --db %s --cpu-mhz 2400 '
               '--start-time %d --quiet && stat -c "%%a %%U %%G" %s'
               % (SECONDS, db, START, db))
    tap.ok(r.returncode == 0 and r.stdout.strip() == '640 root xenmon',
           'a simulated trace replayed into %s, 0640 root:xenmon' % db, r.stdout + r.stderr)
    r = chroot(root, 'useradd -m reader && useradd -m outsider && '
               'usermod -aG xenmon reader && '
               'mkdir -m 1777 /tmp/logs && '
               'echo $(id -u reader):$(id -g reader):$(getent group xenmon | cut -d: -f3) '
               '$(id -u outsider):$(id -g outsider)')
    if r.returncode != 0:
        tap.ok(False, 'users reader (in xenmon) and outsider', r.stdout + r.stderr)
        return
    ids = r.stdout.split()
    ru, rg, xg = ids[0].split(':')
    ou, og = ids[1].split(':')
    view = ('cd /tmp/logs && xenmon -n --db %s -p /tmp/logs/%%s --from %d --to %d && '
            'cat /tmp/logs/%%s-dom0.log | wc -l' % (db, START, START + 10))
    query = 'sqlite3 %s "SELECT count(*) FROM domain_1s"' % db
    r = chroot(root, view % ('r', 'r'), user='%s:%s' % (ru, rg), groups=xg)
    lines = int(r.stdout.split()[-1]) if r.returncode == 0 and r.stdout.split() else 0
    tap.ok(r.returncode == 0 and lines > 1,
           'a user in group xenmon reads it with the viewer\'s log mode (xenmon -n)',
           r.stdout + r.stderr, note='%d lines of dom0' % lines)
    r = chroot(root, query, user='%s:%s' % (ru, rg), groups=xg)
    tap.ok(r.returncode == 0 and int((r.stdout.split() or ['0'])[0]) > 0,
           '...and with sqlite3', r.stdout + r.stderr, note=r.stdout.strip() + ' rows')
    # Refused for the permissions, not for something else going wrong.
    denied = re.compile(r'ermission denied|unable to open|cannot open', re.I)
    r = chroot(root, view % ('o', 'o'), user='%s:%s' % (ou, og))
    tap.ok(r.returncode != 0 and denied.search(r.stderr) is not None,
           'a user outside the group cannot: the viewer refuses',
           r.stdout + r.stderr, note=r.stderr.strip().splitlines()[-1] if r.stderr.strip() else '')
    r = chroot(root, query, user='%s:%s' % (ou, og))
    tap.ok(r.returncode != 0 and not r.stdout.strip() and denied.search(r.stderr) is not None,
           '...and sqlite3 cannot open it', r.stdout + r.stderr,
           note=r.stderr.strip().splitlines()[-1] if r.stderr.strip() else '')


def check_purge(tap, root):
    r = chroot(root, 'apt-get purge -y -q xenmon')
    tap.ok(r.returncode == 0, 'apt-get purge xenmon', r.stdout[-2000:] + r.stderr)
    left = chroot(root, 'dpkg-query -W -f="${Status}" xenmon; '
                  'ls -d /var/lib/xenmon /etc/xenmon /etc/default/xenmon '
                  '/lib/systemd/system/xenbaked.service /usr/sbin/xenbaked '
                  '/etc/systemd/system/multi-user.target.wants/xenbaked.service '
                  '/var/lib/dpkg/info/xenmon.list 2>/dev/null')
    tap.ok(left.stdout.strip() in ('', 'unknown ok not-installed'),
           'nothing of it is left (package, conffiles, unit and its link, history)',
           left.stdout + left.stderr)


def main():
    src, sim = sys.argv[1], sys.argv[2]
    t0 = time.monotonic()
    tap = Tap()
    if os.geteuid() != 0:
        tap.ok(False, 'the package test needs root (chroot, mounts)')
        return tap.done()
    tmp = tempfile.mkdtemp(prefix='xenmon-package-', dir='/var/tmp')
    root = os.path.join(tmp, 'root')
    mounted = False
    try:
        deb = build(tap, src, tmp)
        if deb and fresh_root(tap, root):
            # Nothing may start a service in the root: it has no init.
            policy = os.path.join(root, 'usr', 'sbin', 'policy-rc.d')
            with open(policy, 'w') as f:
                f.write('#!/bin/sh\nexit 101\n')
            os.chmod(policy, 0o755)
            mounted = sh(['mount', '-t', 'proc', 'proc',
                          os.path.join(root, 'proc')]).returncode == 0
            if install(tap, root, deb, sim):
                check_installed(tap, root)
                check_readers(tap, root)
                check_purge(tap, root)
    finally:
        if mounted:
            sh(['umount', '-l', os.path.join(root, 'proc')])
        shutil.rmtree(tmp, ignore_errors=True)
    print('# package test: %.0f s' % (time.monotonic() - t0))
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
