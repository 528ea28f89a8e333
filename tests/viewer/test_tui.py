#!/usr/bin/env python3
"""Terminal tests of xenmon: the real program in tmux (80x24, then 60 and
back), against a database replayed from a simulator trace, with the numbers
on screen held to the simulator's ground truth for the 1 s and 10 s windows.

    test_tui.py XENMON XENBAKED XENMON_SIM

The only stand-in is the host: the trace comes from xenmon-sim, not Xen.
Every wait polls capture-pane until the expected text shows, with a timeout,
so that a slow machine makes the test slower, not flaky.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vtest import START, DbSums, Tap, close, make_db  # noqa: E402

SOCK = 'xenmon-test-%d' % os.getpid()
ROW = re.compile(r'^\s*(\d+|Idle) (.{8}) (Gotten |Alloc  |Blocked|Waited |'
                 r'ExCount|I/O    )(.*)$')


def tmux(*args, check=True):
    return subprocess.run(['tmux', '-L', SOCK] + list(args), check=check,
                          capture_output=True, text=True)


def screen():
    r = tmux('capture-pane', '-p', check=False)
    return r.stdout if r.returncode == 0 else ''


def wait_for(pred, timeout=15):
    end = time.time() + timeout
    s = ''
    while time.time() < end:
        s = screen()
        if pred(s):
            return True, s
        time.sleep(0.05)
    return False, s


def wait_text(text, timeout=15):
    """TEXT on a screen that has settled: tmux may capture a frame half
    drawn (the new title over the last view's rows) on a busy machine, so
    the same screen twice in a row, 50 ms apart."""
    last = [None]

    def settled(s):
        same, last[0] = s == last[0], s
        return text in s and same
    return wait_for(settled, timeout)


def keys(*k):
    tmux('send-keys', *k)


def rows(s):
    """{(domid, metric): (long cells, short cells)} of the screen."""
    out = {}
    for line in s.splitlines():
        m = ROW.match(line)
        if not m:
            continue
        dom = 32767 if m.group(1) == 'Idle' else int(m.group(1))
        halves = m.group(4).split('\u2502')
        if len(halves) != 2:
            continue
        out[(dom, m.group(3).strip())] = (halves[0].split(), halves[1].split())
    return out


def check_numbers(tap, truth, s, t_end, cpu, what):
    """Gotten/Blocked/Waited of every domain on screen against the truth."""
    got = rows(s)
    windows = ((0, t_end - 9, t_end), (1, t_end, t_end))
    bad = []
    seen = 0
    for (dom, metric), cells in sorted(got.items()):
        col = {'Gotten': 'cpu_ns', 'Blocked': 'blocked_ns',
               'Waited': 'wait_ns'}.get(metric)
        if not col:
            continue
        for idx, t0, t1 in windows:
            c = cells[idx]
            sums = truth.sums(dom, t0, t1, cpu)
            passed = truth.passed_ns(t0, t1, cpu)
            want_total = sums[col] * 1e9 / passed
            want_pct = 100.0 * sums[col] / passed
            if col == 'blocked_ns':  # per vCPU-second: of the online time
                online = sums['cpu_ns'] + sums['wait_ns'] + sums['blocked_ns']
                want_pct = 100.0 * sums[col] / online if online else 0
            if len(c) < 2 or not close(c[0], want_total) or \
                    not close(c[1], want_pct):
                bad.append('%s dom %d %s %ds: screen %s, truth %.0f ns/s %.4f%%'
                           % (what, dom, metric, t1 - t0 + 1, c, want_total,
                              want_pct))
            per = sums['exec_count'] if col != 'blocked_ns' else sums['io_count']
            if per and (len(c) < 3 or not close(c[2], sums[col] / per)):
                bad.append('%s dom %d %s per: screen %s, truth %.1f'
                           % (what, dom, metric, c, sums[col] / per))
            seen += 1
    tap.ok(seen >= 12 and not bad, '%s: %d cells match the ground truth'
           % (what, seen), '\n'.join(bad[:10]) + '\n' + s)


def start(cmd, width=80, height=24):
    """A new session; a server still shutting down after the last program
    quit may refuse it for a moment, so try again for a while."""
    tmux('kill-server', check=False)
    end = time.time() + 15
    while True:
        r = tmux('new-session', '-d', '-x', str(width), '-y', str(height), cmd,
                 check=False)
        if r.returncode == 0 or time.time() > end:
            break
        time.sleep(0.1)
    if r.returncode:
        raise RuntimeError('tmux new-session: ' + r.stderr)


def main():
    xenmon, bake, sim = sys.argv[1:4]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix='xenmon-tui-')
    try:
        db, truth = make_db(tmp, sim, bake)
        live = truth.live
        rcfile = tmp + '/rc'
        env = 'env LANG=C.UTF-8 TERM=screen NO_COLOR=1'
        start("%s %s --db %s; echo $? > %s" % (env, xenmon, db, rcfile))

        ok, s = wait_text('All 4 CPUs')
        tap.ok(ok, 'starts in the whole-host view on a 4-CPU host', s)
        tap.ok('LIVE 2023-11-14 22:13:48 UTC' in s,
               'title says live and the last complete second, in UTC', s)
        tap.ok(all(len(l) <= 80 for l in s.splitlines()) and
               'narrow' not in s, '80x24 shows every essential column', s)
        check_numbers(tap, truth, s, live, None, 'all CPUs')
        tap.ok(re.search(r'Total\s+Gotten\s+4\.00s\s+400\.00%', s) is not None,
               'total (domains + scheduler) is 400% of 4 CPUs', s)
        tap.ok(re.search(r'\b0 Domain-0 Gotten', s) is not None,
               'names next to ids', s)

        keys('c')
        ok, s = wait_text('CPU 0 of 4')
        tap.ok(ok, 'c leaves the whole-host view for CPU 0', s)
        check_numbers(tap, truth, s, live, 0, 'CPU 0')
        tap.ok(re.search(r'Total\s+Gotten\s+1\.00s\s+100\.00%', s) is not None,
               'utilisation adds up to 100% of one CPU', s)
        keys('n')
        ok, s = wait_text('CPU 1 of 4')
        tap.ok(ok, 'n goes to CPU 1', s)
        check_numbers(tap, truth, s, live, 1, 'CPU 1')
        keys('p')
        ok, _ = wait_text('CPU 0 of 4')
        keys('p')
        ok, s = wait_text('CPU 3 of 4')
        tap.ok(ok, 'p wraps around to CPU 3', s)

        keys('End')
        keys('a')
        ok, s = wait_text('All 4 CPUs')
        tap.ok(ok, 'a toggles back to the whole host', s)

        keys('PageDown')
        ok, s = wait_for(lambda s: re.search(r'Idle\s+Gotten', s) is not None)
        tap.ok(ok, 'scrolling reaches the idle domain, named Idle', s)
        check_numbers(tap, truth, s, live, None, 'all CPUs, scrolled')
        keys('Home')

        # time travel: 10 s back, then 1 s forward, then back to live
        keys('<')
        ok, s = wait_text('HISTORY 2023-11-14 22:13:38 UTC')
        tap.ok(ok, '< moves the window 10 s back', s)
        # this window holds lost records: compare with the stored rows
        check_numbers(tap, DbSums(db), s, live - 10, None, 'history -10 s')
        lost = truth.lost(live - 19, live - 10)
        tap.ok(lost > 0 and ('Records lost: %d in 10 s' % lost) in s,
               'lost-records line with the count of the window (%d)' % lost, s)
        keys('Right')
        ok, s = wait_text('HISTORY 2023-11-14 22:13:39 UTC')
        tap.ok(ok, 'Right moves 1 s forward', s)
        keys('[')
        ok, s = wait_text('HISTORY 2023-11-14 22:13:20 UTC')
        tap.ok(ok, '[ goes back a minute, stopping at the oldest second', s)
        tap.ok('[1/10 s]' in s, 'seconds before the data are a gap, not zero', s)
        keys('}')
        ok, s = wait_text('LIVE 2023-11-14 22:13:48 UTC')
        tap.ok(ok, '} (an hour forward) comes back to live', s)
        keys('{')
        ok, s = wait_text('HISTORY')
        keys('L')
        ok, s = wait_text('LIVE 2023-11-14 22:13:48')
        tap.ok(ok, 'L jumps back to live', s)

        keys('s')
        ok, s = wait_text('sort name')
        keys('s')
        ok, s = wait_text('sort cpu desc')
        order = [float(ROW.match(line).group(4).split('\u2502')[0].split()[1]
                       .rstrip('%')) for line in s.splitlines()
                 if ROW.match(line) and ' Gotten ' in line and
                 not line.lstrip().startswith(('32767', 'Idle'))]
        tap.ok(ok and len(order) >= 3 and order == sorted(order, reverse=True),
               's sorts by CPU, busiest first: %s' % order, s)
        keys('s', 's', 's', 's', 's', 's')
        ok, s = wait_text('sort id |')

        keys('h')
        ok, s = wait_text('other keys close it')
        tap.ok(ok, 'h shows the help screen', s)
        keys('x')
        ok, s = wait_text('All 4 CPUs')
        tap.ok(ok, 'any key closes the help', s)
        keys('?')
        ok, s = wait_text('other keys close it')
        tap.ok(ok, '? shows the help screen too', s)
        keys('x')

        tmux('resize-window', '-x', '60', '-y', '24')
        ok, s = wait_text('narrow: hiding')
        tap.ok(ok and all(len(l) <= 60 for l in s.splitlines()),
               'at 60 columns columns are dropped, and it says so', s)
        tap.ok(re.search(r'Domain-0 Gotten', s) is not None and
               len(rows(s)) >= 6, 'at 60 columns rows still show', s)
        tmux('resize-window', '-x', '80', '-y', '24')
        ok, s = wait_for(lambda s: 'narrow' not in s and 'All 4 CPUs' in s)
        tap.ok(ok, 'back at 80 columns every column returns', s)
        check_numbers(tap, truth, s, live, None, 'after resize')

        keys('q')
        ok = False
        for _ in range(200):
            if os.path.exists(rcfile) and open(rcfile).read().strip():
                ok = True
                break
            time.sleep(0.05)
        tap.ok(ok and open(rcfile).read().strip() == '0', 'q quits with status 0')

        # --from/--to: a range of history, [FROM, TO)
        start("%s %s --db %s --from '2023-11-14 22:13:38' --to %d --cpu 2"
              % (env, xenmon, db, START + 28))
        ok, s = wait_text('HISTORY 2023-11-14 22:13:47 UTC')
        tap.ok(ok and '10 s from 22:13:38' in s and 'CPU 2 of 4' in s,
               '--from DATE --to UNIX shows that range', s)
        # lost records shift vCPU residence for a while after a burst; the
        # range is held to the truth only when none fell in it
        src = truth if truth.lost(START + 18, START + 27) == 0 else DbSums(db)
        check_numbers(tap, src, s, START + 27, 2, 'range, CPU 2')
        keys('q')

        # no database yet: a clear message and a wait, not a crash
        start("%s %s --db %s/none.db" % (env, xenmon, tmp))
        # the whole message, not its first line: on a busy machine a
        # capture can fall between the title's drawing and the reason's
        ok, s = wait_for(lambda s: 'waiting for data' in s and
                         'No such file' in s, 15)
        tap.ok(ok and 'none.db' in s and 'No such file' in s,
               'a missing database is waited for, with its name', s)
        shutil.copy(db, tmp + '/none.db')
        ok, s = wait_text('All 4 CPUs', timeout=20)
        tap.ok(ok, 'the screen appears once the database does', s)
        keys('q')

        # a database xenbaked has created but not yet written a second to
        # (an empty trace leaves it so): the viewer must see the seconds
        # that arrive later, not hold on to its first, empty, snapshot
        early = tmp + '/early.db'
        open(tmp + '/empty.bin', 'wb').close()
        subprocess.run([bake, '--input', tmp + '/empty.bin', '--db', early,
                        '--quiet'], capture_output=True)
        start("%s %s --db %s" % (env, xenmon, early))
        ok, s = wait_text('no second recorded yet')
        tap.ok(ok, 'an initialised database without seconds is waited for', s)
        subprocess.run([bake, '--input', tmp + '/t.bin', '--db', early,
                        '--cpu-mhz', '2400', '--start-time', str(START),
                        '--quiet'], check=True, capture_output=True)
        ok, s = wait_text('All 4 CPUs', timeout=20)
        tap.ok(ok, 'seconds written after the viewer started are shown', s)
        keys('q')
    finally:
        tmux('kill-server', check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
