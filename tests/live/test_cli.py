#!/usr/bin/env python3
"""xenbaked's live mode where it cannot run (TAP): not on Xen, or built
without Xen's libraries.  Exit status 1 and a message naming what is
missing; the live-only options are usage errors with --input.

    test_cli.py XENBAKED xen|noxen
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402

BAKE, BUILD = sys.argv[1], sys.argv[2]
tap = Tap()


def case(what, args, rc, needle):
    p = subprocess.run([BAKE] + args, capture_output=True, text=True, timeout=30)
    tap.ok(p.returncode == rc and needle in p.stderr, what,
           note='rc %d: %s' % (p.returncode,
                               p.stderr.strip()[:300].replace('\n', ' | ')))


tmp = tempfile.mkdtemp()
db = os.path.join(tmp, 'x.db')
# live mode takes its lock before asking for Xen: not /run's, here
os.environ['XENMON_LOCK'] = os.path.join(tmp, 'xenbaked.lock')
on_xen = os.path.exists('/sys/hypervisor/type')
if BUILD == 'noxen':
    case('live without Xen support says so', ['--db', db], 1,
         'built without Xen support')
elif not on_xen:
    case('live on a machine without Xen says so', ['--db', db], 1,
         'not running on Xen')
case('--tbuf-pages 0', ['--tbuf-pages', '0'], 2, '--tbuf-pages')
case('--tbuf-pages too big', ['--tbuf-pages', '70000'], 2, '--tbuf-pages')
case('--tbuf-pages not a number', ['--tbuf-pages', 'lots'], 2, '--tbuf-pages')
case('--tbuf-pages is live only', ['--input', db, '--tbuf-pages', '8'], 2,
     'not with --input')
case('--tee is live only', ['--input', db, '--tee', db], 2, 'not with --input')
case('--start-time needs --input', ['--start-time', '0'], 2, 'need --input')
case('--realtime needs --input', ['--realtime'], 2, 'need --input')
p = subprocess.run([BAKE, '--help'], capture_output=True, text=True)
tap.ok('--tbuf-pages' in p.stdout and '--tee' in p.stdout,
       '--help lists the live options')
sys.exit(tap.done())
