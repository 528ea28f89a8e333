#!/usr/bin/env python3
"""Developer check for xenmon-sim (python3, standard library only).

  check_truth.py decode TRACE PREFIX
      Decode TRACE alone, apply docs/metrics.md (as README.md in this folder
      spells it out), and compare with PREFIX-cpu-dom.csv, PREFIX-cpu.csv and
      PREFIX-vcpu.csv row by row.  Exit 1 on any difference.  Not meaningful
      for traces made with --lost-bursts (the truth describes what really
      happened, the trace lacks the lost records).

  check_truth.py xenalyze SUMMARY PREFIX
      SUMMARY is the output of `xenalyze --cpu-hz=<mhz>M --summary TRACE`.
      Compare its per-vCPU running/runnable/blocked seconds with
      PREFIX-vcpu-xenalyze.csv to its printed resolution (0.005 s).  Exit 1
      on any difference.  Without --churn and --lost-bursts only.

This is an independent second implementation of the contract: if both agree,
the trace and the truth say the same thing.
"""
import collections
import csv
import heapq
import struct
import sys

import xenalyze_summary

NS = 10**9
LOST, CPU_CHANGE = 0x1f001, 0x1f003
RS_CHANGE, CONTINUE = 0x21001, 0x21002
DOM_ADD, DOM_REM, WAKE, BLOCK = 0x28001, 0x28002, 0x28004, 0x28006
SWITCH, INFPREV, INFNEXT, INFCONT = 0x2800a, 0x2800e, 0x2800f, 0x28011
GMAP, GXFER = 0x10f001, 0x10f003


def read_meta(prefix):
    return {r['key']: r['value'] for r in csv.DictReader(open(prefix + '-meta.csv'))}


def mhz_to_hz(mhz):
    ip, _, fp = mhz.partition('.')
    return int(ip) * 10**6 + int(fp.ljust(6, '0') or 0)


def read_trace(path):
    """-> {cpu: [(tsc, event, words)]} (records with TSC only), record count"""
    data = open(path, 'rb').read()
    off, nrec, per, last = 0, 0, collections.defaultdict(list), {}
    while off < len(data):
        h, cpu, size = struct.unpack_from('<III', data, off)
        if h != CPU_CHANGE | (2 << 28):
            sys.exit('offset %d: expected a CPU_CHANGE window header, got %#x' % (off, h))
        off += 12
        end = off + size
        while off < end:
            hdr, = struct.unpack_from('<I', data, off)
            off += 4
            ev, n = hdr & 0x0fffffff, (hdr >> 28) & 7
            tsc = None
            if hdr >> 31:
                lo, hi = struct.unpack_from('<II', data, off)
                off += 8
                tsc = lo | hi << 32
                if tsc < last.get(cpu, 0):
                    sys.exit('cpu %d: TSC goes backwards at offset %d' % (cpu, off))
                last[cpu] = tsc
            w = struct.unpack_from('<%dI' % n, data, off)
            off += 4 * n
            nrec += 1
            if tsc is not None:
                per[cpu].append((tsc, ev, w))
        if off != end:
            sys.exit('window overrun at offset %d' % off)
    return per, nrec


def decode(path, prefix):
    meta = read_meta(prefix)
    hz, tsc0 = mhz_to_hz(meta['mhz']), int(meta['tsc0'])
    start, ncpu = int(meta['start_time']), int(meta['cpus'])
    per, nrec = read_trace(path)
    ok = True
    if nrec != int(meta['records']):
        print('records: trace has %d, meta says %s' % (nrec, meta['records']))
        ok = False

    def ns_of(tsc):
        return (2 * (tsc - tsc0) * NS + hz) // (2 * hz)

    E = max(ns_of(lst[-1][0]) for lst in per.values())
    cells = collections.defaultdict(lambda: [0, 0, 0, 0, 0, None, None, 0, 0, 0])
    # exec, cpu, wait, blocked, alloc, min, max, unbounded, io, n_bounded
    sched = collections.defaultdict(int)
    lost = collections.defaultdict(int)
    vst = {}      # (domid, vcpu) -> [state or None, since, residence]
    vtot = collections.defaultdict(lambda: [0, 0, 0, 0])
    running = {}  # cpu -> vcpu key
    gap = {c: 0 for c in range(ncpu)}  # cpu -> since when nothing runs (None: something runs)
    added = {}    # domid -> ns of DOM_ADD

    def book(key, st, a, b, cpu):
        if st is None or b <= a:
            return
        vtot[key][st] += b - a
        while st != 3 and a < b:
            s = a // NS
            e = min(b, (s + 1) * NS)
            cells[(s, cpu, key[0])][1 + st] += e - a
            a = e

    def book_sched(c, a, b):
        while a < b:
            s = a // NS
            e = min(b, (s + 1) * NS)
            sched[(s, c)] += e - a
            a = e

    def name(key, cpu):
        if key not in vst:
            t0 = added.get(key[0], 0)
            vst[key] = [None, t0, cpu]

    def enter(key, c, ns):
        if c in running:
            sys.exit('%.9f: two vCPUs running on cpu %d' % (ns / NS, c))
        running[c] = key
        if gap[c] is not None:
            book_sched(c, gap[c], ns)
        gap[c] = None
        vst[key][2] = c

    heap = [(lst[0][0], c, 0) for c, lst in per.items()]
    heapq.heapify(heap)
    while heap:
        tsc, c, i = heapq.heappop(heap)
        lst = per[c]
        if i + 1 < len(lst):
            heapq.heappush(heap, (lst[i + 1][0], c, i + 1))
        _, ev, w = lst[i]
        ns = ns_of(tsc)
        if (ev & ~0xff0) == RS_CHANGE:
            key, old, new = (w[0] >> 16, w[0] & 0xffff), (ev >> 8) & 0xf, (ev >> 4) & 0xf
            name(key, c)
            v = vst[key]
            if v[0] is None:
                v[0] = old
            if v[0] != old:
                sys.exit('%.9f: d%dv%d is in state %d, record says %d' % (ns / NS, *key, v[0], old))
            book(key, v[0], v[1], ns, v[2])
            if old == 0:
                del running[c]
                gap[c] = ns
            if new == 0:
                enter(key, c, ns)
            v[0], v[1] = new, ns
        elif ev == CONTINUE:
            key = (w[0] >> 16, w[0] & 0xffff)
            name(key, c)
            if vst[key][0] is None:
                vst[key][0] = 0
                enter(key, c, ns)
        elif ev in (WAKE, BLOCK) or (ev == INFPREV and len(w) == 3) or (ev == INFCONT and len(w) == 4):
            name((w[0], w[1]), c)
        elif ev == INFNEXT:
            if len(w) == 4:
                name((w[0], w[1]), c)
            sl = w[-1]
            cell = cells[(ns // NS, c, w[0])]
            cell[0] += 1
            if sl == 0 or sl >= 0x80000000:
                cell[7] += 1
            else:
                cell[4] += sl
                cell[9] += 1
                cell[5] = sl if cell[5] is None else min(cell[5], sl)
                cell[6] = sl if cell[6] is None else max(cell[6], sl)
        elif ev == SWITCH:
            name((w[0], w[1]), c)
            name((w[2], w[3]), c)
        elif ev in (GMAP, GXFER):
            cells[(ns // NS, c, w[0])][8] += 1
        elif ev == LOST:
            lost[(ns // NS, c)] += w[0]
        elif ev == DOM_ADD:
            added[w[0]] = ns
        elif ev == DOM_REM:
            for key in [k for k in vst if k[0] == w[0]]:
                v = vst.pop(key)
                book(key, v[0], v[1], ns, v[2])
            added.pop(w[0], None)
    for key, v in vst.items():
        book(key, v[0], v[1], E, v[2])
    for c in range(ncpu):
        if gap[c] is not None:
            book_sched(c, gap[c], E)

    mine = []
    for (s, c, d), x in sorted(cells.items()):
        if any((x[0], x[1], x[2], x[3], x[4], x[7], x[8])):
            mm = ('', '') if not x[9] else (str(x[5]), str(x[6]))
            mine.append([str(start + s), str(c), str(d)] + [str(y) for y in x[:5]] +
                        list(mm) + [str(x[7]), str(x[8])])
    ok &= compare('cpu-dom', mine, prefix + '-cpu-dom.csv')
    mine = [[str(start + s), str(c), str(min(E, (s + 1) * NS) - s * NS), str(sched[(s, c)]),
             str(lost[(s, c)])] for s in range(E // NS + 1) for c in range(ncpu)]
    ok &= compare('cpu', mine, prefix + '-cpu.csv')
    mine = [[str(k[0]), str(k[1])] + [str(x) for x in t] for k, t in sorted(vtot.items())]
    ok &= compare('vcpu', mine, prefix + '-vcpu.csv')
    return ok


def compare(what, mine, path):
    truth = list(csv.reader(open(path)))[1:]
    if mine == truth:
        print('%s: %d rows identical' % (what, len(mine)))
        return True
    print('%s: DIFFERENT (decoded %d rows, truth %d rows)' % (what, len(mine), len(truth)))
    ts, ms = set(map(tuple, truth)), set(map(tuple, mine))
    for r in [r for r in mine if tuple(r) not in ts][:10]:
        print('  decoded only: ' + ','.join(r))
    for r in [r for r in truth if tuple(r) not in ms][:10]:
        print('  truth only:   ' + ','.join(r))
    return False


def xenalyze(summary, prefix):
    """SUMMARY's per-vCPU runstate seconds (xenalyze_summary.py) against
    PREFIX-vcpu-xenalyze.csv."""
    with open(summary) as f:
        xa = xenalyze_summary.parse(f.read())
    ok = True
    n = 0
    for r in csv.DictReader(open(prefix + '-vcpu-xenalyze.csv')):
        key = (int(r['domid']), int(r['vcpu']))
        for st in ('running', 'runnable', 'blocked'):
            t = int(r[st + '_ns']) / NS
            a = xa.get(key, {}).get(st, 0.0)
            n += 1
            if abs(t - a) > 0.0051:
                print('d%dv%d %s: truth %.4f s, xenalyze %.2f s' % (*key, st, t, a))
                ok = False
    print('xenalyze: %d values compared, %s' % (n, 'all agree' if ok else 'DIFFERENT'))
    return ok


if __name__ == '__main__':
    if len(sys.argv) != 4 or sys.argv[1] not in ('decode', 'xenalyze'):
        sys.exit(__doc__)
    sys.exit(0 if (decode if sys.argv[1] == 'decode' else xenalyze)(sys.argv[2], sys.argv[3]) else 1)
