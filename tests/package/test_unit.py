#!/usr/bin/env python3
"""xenbaked.service as this build installs it, held to what systemd says of
it: `systemd-analyze verify` finds nothing, and `systemd-analyze security
--offline=true` scores its sandbox at most 4.5 (the figure is printed).
The unit's ExecStart is pointed at this build's xenbaked, since verify
wants the program to exist.  Output is TAP.

    test_unit.py BUILT_UNIT XENBAKED
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402

EXPOSURE_MAX = 4.5


def main():
    unit, bake = sys.argv[1], os.path.abspath(sys.argv[2])
    tap = Tap()
    text = open(unit).read()
    m = re.search(r'(?m)^ExecStart=(\S+)', text)
    tap.ok(m is not None and m.group(1).endswith('/xenbaked'), 'ExecStart runs xenbaked',
           text)
    with tempfile.TemporaryDirectory(prefix='xenmon-unit-') as tmp:
        path = os.path.join(tmp, 'xenbaked.service')
        with open(path, 'w') as f:
            f.write(re.sub(r'(?m)^ExecStart=\S+', 'ExecStart=' + bake, text))
        r = subprocess.run(['systemd-analyze', 'verify', '--man=no', path],
                           capture_output=True, text=True)
        tap.ok(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
               'systemd-analyze verify: clean', r.stdout + r.stderr)
        r = subprocess.run(['systemd-analyze', 'security', '--offline=true', path],
                           capture_output=True, text=True)
        m = re.search(r'Overall exposure level for \S+: ([0-9.]+)', r.stdout)
        tap.ok(m is not None and float(m.group(1)) <= EXPOSURE_MAX,
               'systemd-analyze security --offline=true: exposure at most %.1f'
               % EXPOSURE_MAX, r.stdout[-3000:] + r.stderr,
               note=m.group(0) if m else '')
    for key in ('Type=notify', 'Restart=on-failure', 'EnvironmentFile=-/etc/default/xenmon',
                'StateDirectory=xenmon', 'StateDirectoryMode=0750', 'RuntimeDirectory=xenmon',
                'Group=xenmon'):
        tap.ok(re.search(r'(?m)^' + re.escape(key) + r'$', text) is not None, key)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
