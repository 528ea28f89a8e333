#!/usr/bin/env python3
"""report.html as three C strings, split where the chart library and the
data go (the markers /*@CHARTJS@*/ and /*@DATA@*/), so that the page is
edited as a page and carried by the binary."""
import sys

out, src = sys.argv[1:]
with open(src) as f:
    text = f.read()
head, rest = text.split('/*@CHARTJS@*/')
mid, tail = rest.split('/*@DATA@*/')


def c_string(name, s):
    lines = ['const char %s[] =' % name]
    for line in s.splitlines(keepends=True):
        esc = line.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')
        lines.append('    "%s"' % esc)
    if len(lines) == 1:
        lines.append('    ""')
    return '\n'.join(lines) + ';\n'


with open(out, 'w') as f:
    f.write('/* Generated from report.html by tools/report/embed.py. */\n')
    for name, s in (('report_head', head), ('report_mid', mid), ('report_tail', tail)):
        f.write('extern const char %s[];\n' % name)
        f.write(c_string(name, s))
