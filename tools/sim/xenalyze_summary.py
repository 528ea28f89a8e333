"""Reads `xenalyze --summary` (Xen's own trace analyser): the one parser of
it, for check_truth.py here and for the tests that hold xenbaked to it
(tests/golden/xenalyze.py, tests/live/check.py).

Per-vCPU lines look like
     |-- Domain 3 --|          (domain-level runstates follow: skipped)
     -- v0 --
      Runstates:
        running:    7329  0.77s 250542 {109865|315509|505140}
       runnable:    7313  0.01s   4072 {  1836|  4361|674964}
           wake:    7313  0.01s   4072 {  1836|  4361|674964}
        blocked:    7313  1.22s 399862 {239371|746818|182476994}
i.e. "%8s: count seconds(%5.2f)s avg-cycles {p5|p50|p95}"; a state with
no time is not printed."""
import re

STATE = re.compile(r'\s+(running|runnable|blocked|offline):\s+\d+\s+([\d.]+)s')


def parse(text):
    """{(domid, vcpu): {state: seconds}} of the summary TEXT."""
    out, dom, vcpu = {}, None, None
    for line in text.splitlines():
        m = re.match(r'\|-- Domain (\d+) --\|', line)
        if m:
            dom, vcpu = int(m.group(1)), None
            continue
        m = re.match(r'-- v(\d+) --', line)
        if m:
            vcpu = int(m.group(1))
            continue
        m = STATE.match(line)
        if m and dom is not None and vcpu is not None:
            out.setdefault((dom, vcpu), {})[m.group(1)] = float(m.group(2))
    return out
