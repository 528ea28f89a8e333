#!/usr/bin/env python3
"""Check the live I/O test (issue 17; run-io.sh) on the patched and the stock
hypervisor, each booted with the same dom0, guests and workload (TAP).

    check_io.py PATCHED_OUT STOCK_OUT

Workload (init0, xqmode=io), all of it inside one xenbaked live recording
that starts before the guests exist and ends once the guests say their I/O
is done: the 'blk' guest reads 256 requests of 4 KiB from its disk through
blkback (persistent grants), O_DIRECT, one at a time; then dom0 sends the
'net' guest 2 MiB of TCP through netback on one connection, and the
recording goes on until the guest reports how many bytes it received.
Totals are compared, not rates: under TCG dom0's uptime and the trace's
seconds disagree, so no clock is shared between workload and database.

Expected, and why the tolerances:
* net: the guest received every byte sent (it says so), and io_bytes is
  what netback copied, which the guest's own eth0 counters give exactly:
  every received frame is copied whole, Ethernet header included, which
  netfront's rx_bytes leaves out (14 bytes per rx_packet), and every frame
  the guest sends has its first 128 bytes copied (the rest is grant
  mapped), all of a TCP ACK's 66, which tx_bytes counts whole.  So
  io_bytes = rx_bytes + 14 * rx_packets + tx_bytes; measured equal to the
  byte, so held within 1% (a sent frame longer than 128 bytes would be
  copied in part).  A run that stopped recording before the transfer's end
  booked half the bytes; the recording now outlasts it.
* blk: the guest's disk statistics show what dd issued: 256 reads, none
  merged, 2048 sectors.  On the ring, each request is one notification
  each way: blkfront to blkback when the request is pushed (none when
  blkback is still working through the ring), blkback to blkfront when the
  response is; measured in interrupts, the guest's blkif went up by exactly
  256 over the reads and dom0's blkif-backend received 248 in the guest's
  whole life.  The rest is the guest's boot and disk attach, recorded too:
  its xenstore traffic (xenstored is in dom0, so its notifications are the
  guest's: Linux's xenbus notifies after each chunk it writes or reads,
  about four sends a request each way) and console, a fixed ~380 (five
  runs: 884 to 909 in all, 3.45-3.55 per request).  So io_count is at
  least the ring's interrupts at both ends (each one at least one send),
  and 2-4 per request: the ring's 2 plus a boot burst of up to 2 per
  request's worth.
* stock: no grant copies and no notifications are traced, so io_bytes is 0
  and each guest's io_count is below 2% of the patched run's (6: the grant
  maps of the device's attach).
The patched trace's extra records (grant copy, notify) against the I/O
they cover are printed: the cost of the patches at this rate.
"""
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import Tap  # noqa: E402

tap = Tap()
BLK_REQUESTS = 256


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


def guest_line(out, name, prefix):
    """The words after PREFIX on the last line of guest NAME's console that
    has it, as {word: number} pairs ('got 2097152 rx_bytes ...')."""
    lines = [l for l in read(out, 'guest-%s.log' % name).splitlines() if prefix in l]
    if not lines:
        return None
    words = lines[-1].split(prefix, 1)[1].split()
    words = [prefix.split()[-1]] + words
    return {k: int(v) for k, v in zip(words[0::2], words[1::2]) if v.isdigit()}


def blk_snapshot(out, when):
    """The blk guest's disk statistics and event-channel interrupts."""
    lines = [l for l in read(out, 'guest-blk.log').splitlines()
             if 'guest blk %s stat' % when in l]
    if not lines:
        return None
    m = re.search(r'stat ([\d ]+) irq (.*)', lines[-1])
    if not m:
        return None
    stat = [int(x) for x in m.group(1).split()]
    irq = dict(kv.split('=') for kv in m.group(2).split() if '=' in kv)
    return {'reads': stat[0], 'merged': stat[1], 'sectors': stat[2],
            'blkif': int(irq.get('blkif', 0))}


def figures(out):
    """What the database and the workload logs say about one run."""
    f = {'ids': domids(out), 'status': read(out, 'status').strip()}
    f['net_sent'] = int(read(out, 'net-mib.txt') or 0) << 20
    f['net_guest'] = guest_line(out, 'net', 'guest net got') or {}
    f['blk_before'], f['blk_after'] = blk_snapshot(out, 'before'), blk_snapshot(out, 'after')
    dom0 = dict(kv.split('=', 1) for kv in read(out, 'dom0-irqs.txt').split() if '=' in kv)
    f['dom0_blkback_irqs'] = int(dom0.get('blkif-backend', 0))
    path = os.path.join(out, 'live.db')
    f.update(seconds=0, io_sources=None, net={}, blk={}, copy_recs=None, notify_recs=None)
    if not os.path.exists(path):
        return f
    db = sqlite3.connect(path)
    f['seconds'] = db.execute('SELECT count(DISTINCT t) FROM cpu_1s').fetchone()[0]
    f['io_sources'] = (db.execute("SELECT value FROM meta WHERE key = 'io_sources'")
                       .fetchone() or [None])[0]
    for name in ('net', 'blk'):
        c, b = db.execute('SELECT coalesce(sum(io_count), 0), coalesce(sum(io_bytes), 0) '
                          'FROM sample_1s WHERE domid = ?', (f['ids'].get(name, -1),)).fetchone()
        f[name] = {'io_count': c, 'io_bytes': b}
    m = re.search(r'(\d+) grant copy, (\d+) evtchn notify', read(out, 'xenbaked.out'))
    f['copy_recs'], f['notify_recs'] = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    return f


def net_frames(g):
    """The bytes netback copied by the guest's counters (see above)."""
    return g['rx_bytes'] + 14 * g['rx_packets'] + g['tx_bytes']


def blk_reads(f):
    b, a = f['blk_before'], f['blk_after']
    return a['reads'] - b['reads'] if a and b else 0


def main():
    p, s = figures(sys.argv[1]), figures(sys.argv[2])
    for tag, f in (('patched', p), ('stock', s)):
        print('# %s: status %r, %d s recorded, io_sources %r, net %s (sent %d B, guest %s), '
              'blk %s (guest before %s, after %s; dom0 blkif-backend irqs %d), '
              'records: %s grant copy, %s notify'
              % (tag, f['status'], f['seconds'], f['io_sources'], f['net'], f['net_sent'],
                 f['net_guest'], f['blk'], f['blk_before'], f['blk_after'],
                 f['dom0_blkback_irqs'], f['copy_recs'], f['notify_recs']))
    tap.ok(p['status'] == 'ok' and s['status'] == 'ok', 'both runs finished',
           '%r %r' % (p['status'], s['status']))
    for tag, f in (('patched', p), ('stock', s)):
        tap.ok(f['net_sent'] > 0 and f['net_guest'].get('got') == f['net_sent'],
               '%s: the net guest received every byte sent' % tag,
               '%s of %d' % (f['net_guest'].get('got'), f['net_sent']))
        tap.ok(blk_reads(f) == BLK_REQUESTS and f['blk_after']['merged'] == f['blk_before']['merged'],
               '%s: the blk guest issued %d reads, none merged' % (tag, BLK_REQUESTS),
               '%s %s' % (f['blk_before'], f['blk_after']))
    tap.ok(p['io_sources'] and 'grant-copy' in p['io_sources'] and 'evtchn' in p['io_sources'],
           'patched: meta io_sources names grant copies and notifications', repr(p['io_sources']))
    tap.ok(s['io_sources'] is not None and 'grant-copy' not in s['io_sources'],
           'stock: meta io_sources has no grant copies', repr(s['io_sources']))
    g = p['net_guest']
    want = net_frames(g) if 'rx_bytes' in g else 0
    got = p['net'].get('io_bytes', 0)
    r = got / want if want else 0
    tap.ok(0.99 <= r <= 1.01, "patched: net io_bytes is what the guest's counters say netback "
           "copied (within 1%)", note='ratio %.4f: %d B booked, %d B of frames (rx %d + 14 * %d '
           'packets + tx %d), %d B of payload sent' % (r, got, want, g.get('rx_bytes', 0),
                                                      g.get('rx_packets', 0),
                                                      g.get('tx_bytes', 0), p['net_sent']))
    n = p['blk'].get('io_count', 0)
    ring = (p['blk_after']['blkif'] if p['blk_after'] else 0) + p['dom0_blkback_irqs']
    tap.ok(n >= ring, "patched: blk io_count at least the ring's interrupts at both ends",
           note='%d >= %d' % (n, ring))
    r = n / BLK_REQUESTS
    tap.ok(2.0 <= r <= 4.0, 'patched: blk io_count is 2-4 per request',
           note='%.2f per request: %d for %d requests' % (r, n, BLK_REQUESTS))
    tap.ok(s['net'].get('io_bytes') == 0 and s['blk'].get('io_bytes') == 0,
           'stock: no io_bytes', '%s %s' % (s['net'], s['blk']))
    for g in ('net', 'blk'):
        tap.ok(s[g].get('io_count', 1e9) <= 0.02 * max(p[g].get('io_count', 0), 1),
               'stock: %s io_count almost none (below 2%% of the patched run)' % g,
               note='%s against %s' % (s[g].get('io_count'), p[g].get('io_count')))
    for tag, out in (('patched', sys.argv[1]), ('stock', sys.argv[2])):
        print('# %s evtchn-cost, ns of CPU per send: %s'
              % (tag, read(out, 'evtchn-cost.txt').replace('\n', '; ')))
    if p['copy_recs'] is not None and p['seconds']:
        print('# cost: %d grant-copy and %d notify records in %d s (%.0f/s and %.0f/s) for '
              '%d B to the net guest and %d blkback requests'
              % (p['copy_recs'], p['notify_recs'], p['seconds'], p['copy_recs'] / p['seconds'],
                 p['notify_recs'] / p['seconds'], p['net_sent'], BLK_REQUESTS))
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
