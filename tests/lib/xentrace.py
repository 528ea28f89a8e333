"""Write xentrace-format files by hand, for tests of odd and broken input.

Event numbers are taken from Xen's public header at run time (parsed from
/usr/include/xen/trace.h), not restated here.
"""
import re
import struct

_defs = {}


def _load():
    text = open('/usr/include/xen/trace.h').read()
    raw = dict(re.findall(r'#define\s+(TRC_\w+)\s+(.+?)(?:/\*.*)?$', text, re.M))

    def ev(name):
        if name in _defs:
            return _defs[name]
        expr = raw[name].strip()
        expr = re.sub(r'\bTRC_\w+\b', lambda m: str(ev(m.group(0))), expr)
        expr = expr.replace('UL', '')
        val = eval(expr, {})
        _defs[name] = val
        return val
    for name in raw:
        try:
            ev(name)
        except Exception:
            pass


_load()
TRC = _defs
IDLE = 32767


def rec(event, words=(), tsc=None):
    """One record: header, optional TSC, extra words."""
    assert len(words) <= 7
    hdr = (event & 0x0fffffff) | (len(words) << 28) | ((tsc is not None) << 31)
    out = struct.pack('<I', hdr)
    if tsc is not None:
        out += struct.pack('<Q', tsc)
    return out + b''.join(struct.pack('<I', w & 0xffffffff) for w in words)


def window(cpu, body):
    return struct.pack('<III', TRC['TRC_TRACE_CPU_CHANGE'] | (2 << 28), cpu,
                       len(body)) + body


def runstate(tsc, dom, vcpu, old, new):
    return rec(TRC['TRC_SCHED_RUNSTATE_CHANGE'] | (old << 8) | (new << 4),
               [(dom << 16) | vcpu], tsc)


def switch(tsc, prev, nxt, ran_ns, slice_ns, mhz, gap_ticks=500,
           prev_state=1, old_layout=False):
    """A context switch as Xen >= 4.8 emits it: INFPREV, INFNEXT, SWITCH,
    prev's runstate change, next's.  prev/nxt are (domid, vcpu)."""
    (pd, pv), (nd, nv) = prev, nxt
    if old_layout:
        out = rec(TRC['TRC_SCHED_SWITCH_INFPREV'], [pd, ran_ns], tsc)
        out += rec(TRC['TRC_SCHED_SWITCH_INFNEXT'], [nd, 0, slice_ns], tsc + 10)
    else:
        out = rec(TRC['TRC_SCHED_SWITCH_INFPREV'], [pd, pv, ran_ns], tsc)
        out += rec(TRC['TRC_SCHED_SWITCH_INFNEXT'], [nd, nv, 0, slice_ns],
                   tsc + 10)
    out += rec(TRC['TRC_SCHED_SWITCH'], [pd, pv, nd, nv], tsc + 20)
    out += runstate(tsc + 30, pd, pv, 0, prev_state)
    out += runstate(tsc + 30 + gap_ticks, nd, nv, prev_state and 1, 0)
    return out
