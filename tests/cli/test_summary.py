#!/usr/bin/env python3
"""Every count in xenbaked's summary, held to the simulator's truth.

    test_summary.py --sim SIM --bake XENBAKED

The truth's meta file gives records, bytes, windows, CPUs, lost records
and seconds; its vcpu file the domains and vCPUs that records name (a
reused domain id once); the records per kind are counted here from the
trace itself, by the event numbers of Xen's public header.  One trace with
domains created and destroyed (ids reused), one with lost records.
"""
import argparse
import collections
import csv
import os
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from tap import report  # noqa: E402
from xentrace import TRC  # noqa: E402

SHAPES = {
    'churn': ['--cpus', '4', '--domains', '6', '--vcpus', '2', '--seconds', '12',
              '--churn', '8', '--reuse-domids', '--seed', '7'],
    'lost': ['--cpus', '3', '--domains', '5', '--vcpus', '2', '--seconds', '8',
             '--lost-bursts', '4', '--seed', '3'],
    'patched-io': ['--cpus', '3', '--domains', '4', '--seconds', '5', '--workload', 'io',
                   '--io-records', 'patched', '--seed', '5'],
}


def kind(ev):
    """The summary's kind of a well-formed record's event number."""
    named = {
        TRC['TRC_SCHED_SWITCH']: 'switch',
        TRC['TRC_SCHED_SWITCH_INFPREV']: 'infprev',
        TRC['TRC_SCHED_SWITCH_INFNEXT']: 'infnext',
        TRC['TRC_SCHED_WAKE']: 'wake/sleep/block',
        TRC['TRC_SCHED_SLEEP']: 'wake/sleep/block',
        TRC['TRC_SCHED_BLOCK']: 'wake/sleep/block',
        TRC['TRC_SCHED_CONTINUE_RUNNING']: 'continue-running',
        TRC['TRC_SCHED_DOM_ADD']: 'domain add',
        TRC['TRC_SCHED_DOM_REM']: 'domain remove',
        TRC['TRC_MEM_PAGE_GRANT_MAP']: 'grant map',
        TRC['TRC_MEM_PAGE_GRANT_TRANSFER']: 'grant transfer',
        # The patched Xen's records (docs/trace-format.md).
        0x00108e01: 'grant copy',
        0x00108e02: 'evtchn notify',
        TRC['TRC_LOST_RECORDS']: 'lost-records',
        TRC['TRC_TRACE_WRAP_BUFFER']: 'wrap padding',
    }
    if ev in named:
        return named[ev]
    if ev & ~0xff0 == TRC['TRC_SCHED_RUNSTATE_CHANGE']:
        return 'runstate'
    if ev >> 12 in (TRC['TRC_SCHED_MIN'] >> 12, TRC['TRC_SCHED_VERBOSE'] >> 12,
                    TRC['TRC_MEM'] >> 12):
        return 'other scheduler/memory'
    return 'of unused classes'


def count_kinds(path):
    data = open(path, 'rb').read()
    kinds = collections.Counter()
    off = 0
    while off < len(data):
        _, _, size = struct.unpack_from('<III', data, off)
        off += 12
        end = off + size
        while off < end:
            hdr, = struct.unpack_from('<I', data, off)
            off += 4 + 8 * (hdr >> 31) + 4 * ((hdr >> 28) & 7)
            kinds[kind(hdr & 0x0fffffff)] += 1
    return kinds


def summary_counts(out):
    """{label: number} from the summary's 'N label' pairs, and its lines."""
    lines = {ln[:11].strip(): ln[11:] for ln in out.splitlines() if ln[:1] != ' '}
    rec = re.search(r'^records +(\d+): (.*?)\(skipped\)$', out, re.M | re.S)
    kinds = {}
    if rec:
        for n, label in re.findall(r'(\d+) ([a-z/ -]+?)(?:,|\s*$)', rec.group(2)):
            kinds[label.strip()] = int(n)
        kinds['records'] = int(rec.group(1))
    return lines, kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim', required=True)
    ap.add_argument('--bake', required=True)
    a = ap.parse_args()
    results = []

    def check(name, ok, detail=''):
        results.append((name, bool(ok), detail))
        return ok
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in SHAPES.items():
            trace, truth = os.path.join(tmp, name + '.trace'), os.path.join(tmp, name)
            subprocess.run([a.sim, '-o', trace, '--truth', truth] + args, check=True,
                           stdout=subprocess.DEVNULL)
            meta = {r['key']: r['value'] for r in csv.DictReader(open(truth + '-meta.csv'))}
            vcpus = list(csv.DictReader(open(truth + '-vcpu.csv')))
            p = subprocess.run([a.bake, '--input', trace, '--db', os.path.join(tmp, name + '.db'),
                                '--cpu-mhz', meta['mhz'], '--start-time', meta['start_time']],
                               capture_output=True, text=True)
            if not check('%s: replays' % name, p.returncode == 0, p.stderr):
                continue
            out = p.stdout
            lines, kinds = summary_counts(out)
            want = count_kinds(trace)
            check('%s: records in all, as the simulator wrote them' % name,
                    kinds.get('records') == int(meta['records']),
                    '%s vs %s' % (kinds.get('records'), meta['records']))
            bad = ['%s %s, trace has %d' % (k, kinds.get(k), n) for k, n in want.items()
                   if kinds.get(k) != n]
            bad += ['%s %d, trace has none' % (k, n) for k, n in kinds.items()
                    if k != 'records' and n and k not in want]
            check('%s: records of every kind as the trace has them' % name,
                    not bad and len(kinds) == 17, '; '.join(bad) or repr(kinds))
            check('%s: trace bytes and windows' % name,
                    lines.get('trace', '').endswith(': %s bytes in %s windows'
                                                    % (meta['bytes'], meta['windows'])),
                    lines.get('trace'))
            check('%s: records lost by Xen' % name,
                    lines.get('lost') == '%s records lost by Xen' % meta['lost_records'],
                    lines.get('lost'))
            # Lost records leave the engine to resynchronise vCPUs, as
            # many times as the losses hide changes: that count has no truth.
            resyncs = r'\d+' if int(meta['lost_records']) else '0'
            check('%s: no malformed records, no anomalies' % name,
                  lines.get('malformed') == '0 (skipped)' and
                  re.fullmatch('0 late, %s state resyncs, 0 TSC backwards, '
                               '0 TSC jumps, 0 untimed' % resyncs,
                               lines.get('anomalies', '')),
                  '%s | %s' % (lines.get('malformed'), lines.get('anomalies')))
            check('%s: seconds written, one per bucket of the truth' % name,
                    lines.get('seconds', '').startswith('%s written, 0 already stored'
                                                        % meta['buckets']),
                    lines.get('seconds'))
            seen = '%s CPUs, %d domains, %d vCPUs' % (
                meta['cpus'], len({v['domid'] for v in vcpus}), len(vcpus))
            check('%s: seen %s' % (name, seen), lines.get('seen') == seen,
                    lines.get('seen'))
            check('%s: frequency as given' % name,
                    lines.get('frequency', '').startswith('%.3f MHz' % float(meta['mhz'])),
                    lines.get('frequency'))
    sys.exit(report(results))


if __name__ == '__main__':
    main()
