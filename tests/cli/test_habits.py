#!/usr/bin/env python3
"""An operator's habits (issue 18), through the real binaries: -h and -V on
every tool, names in every step and format of the export, CSV that awk
reads, -q that silences, --db's default, a range with no data told apart
from a finished one, and a --cpu the host does not have.  Output is TAP.

    test_habits.py --sim SIM --bake XENBAKED --viewer XENMON --export EXPORT
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402

START = 1700000000          # 22:13:20 UTC: the steps below cut it
DEFAULT_DB = '/var/lib/xenmon/xenmon.db'


def run(*args, tz=None, **kw):
    env = dict(os.environ, TZ=tz) if tz else None
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=120, env=env, **kw)


def main():
    ap = argparse.ArgumentParser()
    for k in ('sim', 'bake', 'viewer', 'export'):
        ap.add_argument('--' + k, required=True)
    a = ap.parse_args()
    for k in ('sim', 'bake', 'viewer', 'export'):
        setattr(a, k, os.path.abspath(getattr(a, k)))
    tap = Tap()
    tools = {'xenbaked': a.bake, 'xenmon': a.viewer, 'xenmon-export': a.export}

    for name, exe in tools.items():
        short, long_ = run(exe, '-h'), run(exe, '--help')
        tap.ok(short.returncode == 0 and short.stdout == long_.stdout and
               'Usage' in short.stdout and long_.returncode == 0,
               '%s -h is --help (exit 0)' % name,
               'exit %d: %r' % (short.returncode, short.stderr))
        short, long_ = run(exe, '-V'), run(exe, '--version')
        tap.ok(short.returncode == 0 and short.stdout == long_.stdout and
               short.stdout.startswith(name + ' '),
               '%s -V is --version (exit 0)' % name,
               'exit %d: %r %r' % (short.returncode, short.stdout, short.stderr))

    with tempfile.TemporaryDirectory(prefix='xenmon-habits-') as tmp:
        trace, db = tmp + '/t.bin', tmp + '/x.db'
        # 2.5 hours over two UTC days' boundary would take long; 2 h at a
        # low rate crosses hours, and the 1d step rolls them up.
        r = run(a.sim, '--cpus', 2, '--domains', 2, '--seconds', 7200, '--rate', '0.05',
                '-o', trace)
        r2 = run(a.bake, '--input', trace, '--db', db, '--start-time', START, '--quiet')
        if r.returncode or r2.returncode:
            print('Bail out! no database: %s %s' % (r.stderr, r2.stderr))
            return 1
        rng = ['--db', db, '--from', START, '--to', START + 7200]

        # Unnamed domains: the simulator's trace names none but the idle
        # domain, so every guest is shown as domN, in every step and format
        bad = []
        for step in ('1s', '10s', '1m', '1h', '1d'):
            for fmt in ('csv', 'json'):
                r = run(a.export, *rng, '--step', step, '--format', fmt, '-q')
                if fmt == 'json':
                    names = {(o['domid'], o['name']) for o in
                             map(json.loads, r.stdout.splitlines())}
                else:
                    names = {(int(f[2]), f[3]) for f in
                             (line.split(',') for line in r.stdout.splitlines()[1:])}
                want = {(0, 'Domain-0'), (1, 'dom1'), (2, 'dom2'), (32767, 'Idle')}
                if r.returncode != 0 or names != want:
                    bad.append((step, fmt, r.returncode, sorted(names, key=str)[:5],
                                r.stderr[-200:]))
        tap.ok(not bad, 'every step (1s to 1d) and format names unnamed domains domN, '
               'never null', repr(bad))

        # Local time, like sar and journalctl: typed and shown on the wall
        # clock of TZ, -u for UTC; the t column stays Unix seconds
        berlin = 'Europe/Berlin'
        r = run(a.export, '--db', db, '--from', '2023-11-15 01:00', '--to',
                '2023-11-15 01:01', '--step', '1m', tz=berlin)
        f = r.stdout.splitlines()[1].split(',') if r.returncode == 0 else ['', '']
        tap.ok(r.returncode == 0 and f[0] == '1700006400' and
               f[1] == '2023-11-15T01:00:00+01:00' and '+01:00' in r.stderr,
               "TZ=Europe/Berlin --from '2023-11-15 01:00': 00:00 UTC, shown "
               "with its offset", 'exit %d: %r %r' % (r.returncode, r.stdout[:200], r.stderr))
        r = run(a.export, '--db', db, '--from', '2023-11-14 23:00', '--to',
                '2023-11-14 23:01', '--step', '1m', '-u', tz=berlin)
        f = r.stdout.splitlines()[1].split(',') if r.returncode == 0 else ['', '']
        tap.ok(r.returncode == 0 and f[0] == '1700002800' and
               f[1] == '2023-11-14T23:00:00Z',
               "-u: --from '2023-11-14 23:00' is 23:00 UTC, shown as Z",
               'exit %d: %r %r' % (r.returncode, r.stdout[:200], r.stderr))
        r = run(a.viewer, '-b', '--db', db, '--from', '2023-11-15 01:00', '--to',
                '2023-11-15 01:00:10', tz=berlin)
        tap.ok(r.returncode == 0 and '2023-11-15 01:00:09 CET' in r.stdout,
               'the viewer shows the local time and its zone (CET)',
               'exit %d: %r %r' % (r.returncode, r.stdout[:300], r.stderr))
        r = run(a.viewer, '-b', '-u', '--db', db, '--from', '2023-11-15 00:00', '--to',
                '2023-11-15 00:00:10', tz=berlin)
        tap.ok(r.returncode == 0 and '2023-11-15 00:00:09 UTC' in r.stdout,
               'xenmon -u reads and shows UTC', 'exit %d: %r %r' % (
                   r.returncode, r.stdout[:300], r.stderr))
        r = run(a.bake, '--input', trace, '--db', tmp + '/tz.db', '--start-time', START,
                tz=berlin)
        tap.ok(r.returncode == 0 and '2023-11-14 23:13:20' in r.stdout and 'CET' in r.stdout,
               "xenbaked's summary shows local times with the zone",
               'exit %d: %r' % (r.returncode, r.stdout[-600:]))

        # --domain takes shell globs, in every step's code path
        bad = []
        for step in ('1s', '1m', '1h'):
            for pat, want in (('dom*', {'dom1', 'dom2'}), ('Dom*', {'Domain-0'}),
                              ('dom[2]', {'dom2'})):
                r = run(a.export, *rng, '--step', step, '--domain', pat, '-q')
                got = {line.split(',')[3] for line in r.stdout.splitlines()[1:]}
                if r.returncode or got != want:
                    bad.append((step, pat, r.returncode, got, r.stderr[-200:]))
        tap.ok(not bad, "--domain 'dom*', 'Dom*', 'dom[2]' select by shell glob "
               "(1s, 1m, 1h steps)", repr(bad))
        r = run(a.export, *rng, '--domain', 'web-*')
        tap.ok(r.returncode == 1 and "no domain matches 'web-*'" in r.stderr,
               "--domain 'web-*' that matches nothing: exit 1, said", repr(r.stderr))

        # CSV for pipelines: LF line ends, so awk compares the last field
        # (bytes: text mode would turn CRLF into LF before the check)
        raw = subprocess.run([a.export] + [str(x) for x in rng] + ['--step', '1h', '-q'],
                             capture_output=True, timeout=120)
        lines = raw.stdout.split(b'\n')
        last = lines[1].split(b',')[-1] if raw.returncode == 0 and len(lines) > 1 else b''
        awk = subprocess.run(['awk', '-F,', 'NR > 1 && $NF == "%s"' % last.decode()],
                             input=raw.stdout, capture_output=True)
        tap.ok(raw.returncode == 0 and b"\r" not in raw.stdout and
               len(awk.stdout.splitlines()) >= 1,
               'CSV lines end in LF: awk matches the last field (%r)' % last,
               '%r' % raw.stdout[:300])
        r = run(a.export, *rng, '--step', '1h', '-q')
        tap.ok(r.returncode == 0 and r.stderr == '',
               '-q: nothing on standard error for a good export', repr(r.stderr))
        r = run(a.export, *rng, '--step', '1h')
        tap.ok(r.returncode == 0 and 'reading' in r.stderr,
               'without -q the table read is named on standard error', repr(r.stderr))

        # A range with no data: said, and status 3, not 0
        r = run(a.export, '--db', db, '--from', START - 86400, '--to', START - 3600)
        tap.ok(r.returncode == 3 and 'no data' in r.stderr and
               len(r.stdout.splitlines()) == 1,
               'a range with no data: exit 3, said on standard error, the header alone',
               'exit %d: %r %r' % (r.returncode, r.stdout, r.stderr))

        # --db defaults to the daemon's database
        r = run(a.export, '--from', START, '--to', START + 60, cwd=tmp)
        tap.ok(DEFAULT_DB in r.stderr or (os.path.exists(DEFAULT_DB) and
                                          r.returncode in (0, 3)),
               'without --db the daemon\'s database (%s) is read' % DEFAULT_DB,
               'exit %d: %r' % (r.returncode, r.stderr))

        # --cpu the host does not have: a usage error, named
        r = run(a.viewer, '-n', '--cpu', 9, '--db', db, '-t', 1, cwd=tmp)
        tap.ok(r.returncode == 2 and 'CPUs 0 to 1' in r.stderr and
               not os.path.exists(tmp + '/log-cpu9.txt'),
               'xenmon -n --cpu 9 on a 2-CPU host: exit 2, the CPUs named',
               'exit %d: %r' % (r.returncode, r.stderr))
        r = run(a.viewer, '-n', '--cpu', 1, '--db', db, '-t', 1, '--from', START,
                '--to', START + 2, cwd=tmp)
        tap.ok(r.returncode == 0, 'xenmon -n --cpu 1 on the same host is accepted',
               'exit %d: %r' % (r.returncode, r.stderr))
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
