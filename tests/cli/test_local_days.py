#!/usr/bin/env python3
"""Days on the local wall clock (issue 18): xenmon-export's 1d steps and
the times today, yesterday and a bare HH:MM cut at local midnight, days of
23 and 25 hours at daylight-saving changes included (and one whose
midnight the change skips, America/Santiago, which starts at 01:00), and a
zone half an hour off UTC (Asia/Kolkata) whose midnight is no hour's start,
read from minutes.  Recordings of half an hour straddle each midnight, so a day cut
an hour off or 24 hours long shows in its rows' times and covered shares.
Expected midnights come from Python's zoneinfo, not from the C library the
tools use.  Output is TAP.

    test_local_days.py --sim SIM --bake XENBAKED --viewer XENMON --export EXPORT
                       --report REPORT
"""
import argparse
import datetime
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402

HALF = 900                  # each recording: 15 min each side of a midnight

# (zone, local date whose day is checked, its length in hours)
DAYS = [('Europe/Berlin', '2023-03-26', 23), ('Europe/Berlin', '2023-10-29', 25),
        ('America/New_York', '2023-03-12', 23), ('America/New_York', '2023-11-05', 25),
        ('Asia/Kolkata', '2023-11-15', 24),
        # a midnight the change skips: the day starts at 01:00
        ('America/Santiago', '2023-09-03', 23)]


def run(*args, tz=None, **kw):
    env = dict(os.environ, TZ=tz) if tz else None
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=120, env=env, **kw)


def midnight(zone, date):
    d = datetime.date.fromisoformat(date)
    return int(datetime.datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(zone)).timestamp())


def iso(zone, t):
    return datetime.datetime.fromtimestamp(t, ZoneInfo(zone)).isoformat()


def day_rows(export, db, zone, date, *extra):
    """The 1d rows of the day before DATE to the day after, by time."""
    d = datetime.date.fromisoformat(date)
    r = run(export, '--db', db, '--from', str(d - datetime.timedelta(days=1)),
            '--to', str(d + datetime.timedelta(days=2)), '--step', '1d',
            '--format', 'json', '--domain', 'Domain-0', *extra, tz=zone)
    rows = [json.loads(line) for line in r.stdout.splitlines()] if r.returncode == 0 else []
    return r, rows


def main():
    ap = argparse.ArgumentParser()
    for k in ('sim', 'bake', 'viewer', 'export', 'report'):
        ap.add_argument('--' + k, required=True)
    a = ap.parse_args()
    tap = Tap()

    with tempfile.TemporaryDirectory(prefix='xenmon-days-') as tmp:
        trace, db = tmp + '/t.bin', tmp + '/x.db'
        r = run(a.sim, '--cpus', 2, '--domains', 2, '--seconds', 2 * HALF, '--rate', '0.05',
                '-o', trace)
        if r.returncode:
            print('Bail out! no trace: %s' % r.stderr)
            return 1
        # half an hour across the midnight that starts the day and the one
        # that ends it, oldest first
        cuts = []
        for z, d, hours in DAYS:
            lo = midnight(z, d)
            nd = str(datetime.date.fromisoformat(d) + datetime.timedelta(days=1))
            cuts.append((lo, midnight(z, nd)))
        for lo in sorted({c for pair in cuts for c in pair}):
            r = run(a.bake, '--input', trace, '--db', db, '--start-time', lo - HALF,
                    '--quiet')
            if r.returncode:
                print('Bail out! replay at %d: %s' % (lo, r.stderr))
                return 1

        for (zone, date, hours), (lo, hi) in zip(DAYS, cuts):
            tap.ok(hi - lo == hours * 3600, '%s %s lasts %d h (zoneinfo)' % (zone, date, hours))
            r, rows = day_rows(a.export, db, zone, date)
            got = [(o['t'], o['time'], o['covered_pct']) for o in rows]
            # each day holds the quarter hours on each side of its
            # midnights: 15 min (the days around) or 30 min (the day
            # itself) over its own length
            want = [
                (midnight(zone, str(datetime.date.fromisoformat(date) - datetime.timedelta(days=1))),
                 HALF, 86400),
                (lo, 2 * HALF, hi - lo),
                (hi, HALF, 86400),
            ]
            want = [(t, iso(zone, t), round(100 * secs / length, 2)) for t, secs, length in want]
            tap.ok(r.returncode == 0 and got == want,
                   'TZ=%s: the 1d steps around %s start at local midnight, '
                   'covered over %d h' % (zone, date, hours),
                   'exit %d: got %r want %r %r' % (r.returncode, got, want, r.stderr))

        # Kolkata: midnight at 18:30 UTC cuts hours, so minutes are read
        zone, date = 'Asia/Kolkata', '2023-11-15'
        r, rows = day_rows(a.export, db, zone, date)
        tap.ok('sample_1m' in r.stderr and 'warning' not in r.stderr,
               'Asia/Kolkata: days read from minutes, whose rows midnight does not cut',
               repr(r.stderr))
        # the same days from seconds must be the same figures: a second's
        # rows summed by local date
        r1 = run(a.export, '--db', db, '--from', '2023-11-14', '--to', '2023-11-17',
                 '--step', '1s', '--format', 'json', '--domain', 'Domain-0', '-q', tz=zone)
        peak = {}
        for o in map(json.loads, r1.stdout.splitlines()):
            day = o['time'][:10]
            peak[day] = max(peak.get(day, 0), o['cpu_max_pct'])
        got = {o['time'][:10]: o['cpu_max_pct'] for o in rows}
        tap.ok(r1.returncode == 0 and got and got == peak,
               'Asia/Kolkata: each day\'s peak is that of its own seconds (%r)' % got,
               'days %r seconds %r' % (got, peak))

        # Minutes pruned: the hours are read, and the resolution said
        pruned = tmp + '/pruned.db'
        src = sqlite3.connect(db)
        dst = sqlite3.connect(pruned)
        src.backup(dst)
        src.close()
        dst.execute("INSERT OR REPLACE INTO meta (key, value) VALUES "
                    "('pruned_before_1m', ?), ('pruned_before_1s', ?)",
                    (str(2**40), str(2**40)))
        dst.commit()
        dst.close()
        r, rows = day_rows(a.export, pruned, zone, date)
        tap.ok(r.returncode == 0 and 'sample_1h' in r.stderr and
               'not on a boundary of the one-hour roll-ups' in r.stderr and
               'counted in the day it starts in' in r.stderr and rows,
               'Asia/Kolkata with minutes pruned: days from hours, and said so',
               'exit %d: %r' % (r.returncode, r.stderr))

        # -u: days of 86400 s from midnight UTC, whatever TZ says
        r, rows = day_rows(a.export, db, 'Europe/Berlin', '2023-03-26', '-u')
        ts = [o['t'] for o in rows]
        tap.ok(r.returncode == 0 and ts and all(t % 86400 == 0 for t in ts) and
               all(o['time'].endswith('T00:00:00Z') for o in rows),
               '-u: 1d steps start at midnight UTC', repr((ts, r.stderr)))

        # today, yesterday and a bare HH:MM, read at local midnight by
        # every tool that takes times (a second run if midnight passed)
        zone = 'America/New_York'
        for attempt in range(2):
            now = datetime.datetime.now(ZoneInfo(zone))
            today = int(datetime.datetime(now.year, now.month, now.day,
                                          tzinfo=ZoneInfo(zone)).timestamp())
            y = now.date() - datetime.timedelta(days=1)
            yesterday = midnight(zone, str(y))
            ten = int(datetime.datetime(now.year, now.month, now.day, 10,
                                        tzinfo=ZoneInfo(zone)).timestamp())
            ex = run(a.export, '--db', db, '--from', 'yesterday', '--to', 'today',
                     '--step', '1d', tz=zone)
            ex2 = run(a.export, '--db', db, '--from', '09:00', '--to', '10:00',
                      '--step', '1h', tz=zone)
            vw = run(a.viewer, '-b', '-c', 1, '--db', db, '--from', 'yesterday',
                     '--to', 'today', tz=zone)
            vw2 = run(a.viewer, '-b', '-c', 1, '--db', db, '--from', '09:00',
                      '--to', '10:00', tz=zone)
            rp = run(a.report, '--db', db, '--from', 'yesterday', '--to', 'today',
                     '--step', '1d', '-o', tmp + '/r.html', tz=zone)
            if datetime.datetime.now(ZoneInfo(zone)).date() == now.date():
                break
        span = 'no data from %s to %s' % (iso(zone, yesterday), iso(zone, today))
        tap.ok(ex.returncode == 3 and span in ex.stderr,
               'xenmon-export --from yesterday --to today: local midnights (%s)' % span,
               'exit %d: %r' % (ex.returncode, ex.stderr))
        tap.ok(rp.returncode == 3 and span in rp.stderr,
               'xenmon-report --from yesterday --to today --step 1d: the same day',
               'exit %d: %r' % (rp.returncode, rp.stderr))
        span = 'no data from %s to %s' % (iso(zone, ten - 3600), iso(zone, ten))
        tap.ok(ex2.returncode == 3 and span in ex2.stderr,
               'xenmon-export --from 09:00 --to 10:00: today\'s, local',
               'exit %d: %r want %r' % (ex2.returncode, ex2.stderr, span))
        last = datetime.datetime.fromtimestamp(today - 1, ZoneInfo(zone))
        want = last.strftime('%Y-%m-%d %H:%M:%S ') + last.tzname()
        tap.ok(vw.returncode == 0 and want in vw.stdout and
               '%d s from 00:00:00' % (today - yesterday) in vw.stdout,
               'xenmon --from yesterday --to today: the local day before today (%s)' % want,
               'exit %d: %r' % (vw.returncode, vw.stdout[:400]))
        last = datetime.datetime.fromtimestamp(ten - 1, ZoneInfo(zone))
        want = last.strftime('%Y-%m-%d %H:%M:%S ') + last.tzname()
        tap.ok(vw2.returncode == 0 and want in vw2.stdout and
               '3600 s from 09:00:00' in vw2.stdout,
               'xenmon --from 09:00 --to 10:00: today\'s, local (%s)' % want,
               'exit %d: %r' % (vw2.returncode, vw2.stdout[:400]))
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
