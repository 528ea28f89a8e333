#!/usr/bin/env python3
"""Turn the schema's .sql migrations into a C array, one string per version.

The binaries carry the SQL so that the file on disk and the code never
disagree: migration N (file NNN_*.sql) takes a database from user_version
N-1 to N.
"""
import sys

out, *sources = sys.argv[1:]
with open(out, 'w') as f:
    f.write('/* Generated from the schema .sql files by schema/embed.py. */\n')
    f.write('#include "schema.h"\n\n')
    f.write('const char *const schema_migrations[] = {\n')
    for path in sorted(sources):
        with open(path) as sql:
            text = sql.read()
        f.write('    /* %s */\n' % path.rsplit('/', 1)[-1])
        for line in text.splitlines():
            esc = line.replace('\\', '\\\\').replace('"', '\\"')
            f.write('    "%s\\n"\n' % esc)
        f.write('    ,\n')
    f.write('};\n\n')
    f.write('const int schema_version = %d;\n' % len(sources))
