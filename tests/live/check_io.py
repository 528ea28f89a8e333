#!/usr/bin/env python3
"""Check the live I/O test (issue 17; run-io.sh) on the patched and the stock
hypervisor, each booted with the same dom0, guests and workload (TAP).

    check_io.py PATCHED_OUT STOCK_OUT

Workload (init0, xqmode=io): dom0 sends the 'net' guest TCP through netback,
1 MiB per connection, stamping each; the 'blk' guest reads its disk through
blkback in 4 KiB O_DIRECT requests, 1024 per chunk, stamping each chunk.
Rates are compared, not totals: the stamps are in dom0's and the guest's
uptime, the database in Unix seconds.

Expected, and why the tolerances:
* net io_bytes per second = bytes sent per second: netback copies every
  received frame into the guest with GNTTABOP_copy, headers included.
  Frames carry 52-66 bytes of headers per 1448 of payload (less with GSO,
  which netfront offers), so the ratio is 1.00-1.05; chunk stamps bound the
  sender's rate to one chunk in the window.  Held to 0.85-1.25.
* blk io_count per request = 2: with one request in flight, blkfront
  notifies blkback for each and blkback notifies back for each response;
  persistent grants map nothing per request.  The guest's console line per
  chunk adds 1 in 1024.  Held to 1.5-2.5.
* stock: no grant copies and no notifications are traced, so io_bytes is 0
  and each guest's io_count per second is below 2% of the patched one's.
The patched trace's extra records per second (grant copy, notify) and the
I/O rates they cover are printed as the cost of the patches.
"""
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402

tap = Tap()
CHUNK_NET = 16 * 65536
CHUNK_BLK = 1024


def read(out, name):
    try:
        with open(os.path.join(out, name), errors='replace') as f:
            return f.read()
    except OSError:
        return ''


def domids(out):
    ids = {}
    for line in read(out, 'xl-list.txt').splitlines()[1:]:
        f = line.split()
        if len(f) >= 2 and f[1].isdigit():
            ids[f[0]] = int(f[1])
    return ids


def rate(stamps, per, lo=None, hi=None):
    """PER units per second over the stamps within [LO, HI]."""
    s = [x for x in stamps if (lo is None or x >= lo) and (hi is None or x <= hi)]
    if len(s) < 3 or s[-1] <= s[0]:
        return None, len(s)
    return (len(s) - 1) * per / (s[-1] - s[0]), len(s)


def figures(out):
    """What the database and the workload logs say about one run."""
    f = {'ids': domids(out)}
    db = sqlite3.connect(os.path.join(out, 'live.db'))
    # complete seconds, without the first (start-up) and the last
    ts = [t for (t,) in db.execute(
        'SELECT t FROM cpu_1s GROUP BY t HAVING min(observed_ns) = 1000000000 ORDER BY t')][1:-1]
    f['seconds'] = len(ts)
    f['io_sources'] = (db.execute("SELECT value FROM meta WHERE key = 'io_sources'")
                       .fetchone() or [None])[0]
    for name in ('net', 'blk'):
        d = f['ids'].get(name, -1)
        c, b = db.execute('SELECT coalesce(sum(io_count), 0), coalesce(sum(io_bytes), 0) '
                          'FROM sample_1s WHERE domid = ? AND t IN (%s)'
                          % ','.join(map(str, ts or [0])), (d,)).fetchone()
        n = max(len(ts), 1)
        f[name] = {'io_per_s': c / n, 'bytes_per_s': b / n}
    lo = float(read(out, 'live-start.txt') or 0)
    hi = float(read(out, 'live-end.txt') or 0)
    f['live_s'] = hi - lo
    net = [float(x) for x in read(out, 'net-chunks.txt').split()]
    f['net_sent'], f['net_chunks'] = rate(net, CHUNK_NET, lo, hi)
    blk = [float(m) for m in re.findall(r'blk chunk \d+ ([0-9.]+)',
                                        read(out, 'guest-blk.log'))]
    f['blk_req'], f['blk_chunks'] = rate(blk, CHUNK_BLK)
    m = re.search(r'(\d+) grant copy, (\d+) evtchn notify', read(out, 'xenbaked.out'))
    f['copy_recs'], f['notify_recs'] = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    return f


def main():
    p, s = figures(sys.argv[1]), figures(sys.argv[2])
    for tag, f in (('patched', p), ('stock', s)):
        print('# %s: %d s, io_sources %r, net sent %s B/s (%d chunks), blk %s req/s '
              '(%d chunks); net io %.0f/s %.0f B/s, blk io %.0f/s %.0f B/s'
              % (tag, f['seconds'], f['io_sources'], f['net_sent'], f['net_chunks'],
                 f['blk_req'], f['blk_chunks'], f['net']['io_per_s'],
                 f['net']['bytes_per_s'], f['blk']['io_per_s'], f['blk']['bytes_per_s']))
    tap.ok(p['seconds'] >= 5 and s['seconds'] >= 5, 'both runs recorded complete seconds',
           '%d and %d' % (p['seconds'], s['seconds']))
    tap.ok(p['io_sources'] and 'grant-copy' in p['io_sources'] and 'evtchn' in p['io_sources'],
           'patched: meta io_sources names grant copies and notifications', repr(p['io_sources']))
    tap.ok(s['io_sources'] is not None and 'grant-copy' not in s['io_sources'],
           'stock: meta io_sources has no grant copies', repr(s['io_sources']))
    r = p['net']['bytes_per_s'] / p['net_sent'] if p['net_sent'] else 0
    tap.ok(0.85 <= r <= 1.25, 'patched: net io_bytes per second is the traffic sent (0.85-1.25)',
           note='ratio %.3f: %.0f B/s booked, %.0f B/s sent' % (
               r, p['net']['bytes_per_s'], p['net_sent'] or 0))
    r = p['blk']['io_per_s'] / p['blk_req'] if p['blk_req'] else 0
    tap.ok(1.5 <= r <= 2.5, 'patched: blk io_count is 2 per request (1.5-2.5)',
           note='ratio %.3f: %.0f/s booked, %.0f requests/s' % (
               r, p['blk']['io_per_s'], p['blk_req'] or 0))
    tap.ok(s['net']['bytes_per_s'] == 0 and s['blk']['bytes_per_s'] == 0,
           'stock: no io_bytes', '%s %s' % (s['net'], s['blk']))
    for g in ('net', 'blk'):
        tap.ok(s[g]['io_per_s'] <= 0.02 * max(p[g]['io_per_s'], 1),
               'stock: %s io_count almost none (below 2%% of the patched run)' % g,
               note='%.1f/s against %.1f/s' % (s[g]['io_per_s'], p[g]['io_per_s']))
    if p['copy_recs'] is not None and p['live_s'] > 0:
        secs = p['live_s']  # the summary counts the whole run
        print('# cost: %.0f grant-copy and %.0f notify records per second for %.0f B/s '
              'of netback traffic and %.0f blkback requests/s'
              % (p['copy_recs'] / secs, p['notify_recs'] / secs, p['net_sent'] or 0,
                 p['blk_req'] or 0))
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
