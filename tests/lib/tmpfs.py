"""A real tmpfs for full-disk tests (mounting needs root; CI runs as root)."""
import contextlib
import os
import subprocess


@contextlib.contextmanager
def tmpfs(path, mib):
    """Mount a tmpfs of MIB MiB at PATH for the with block, then unmount it.
    Yields None, or the reason it could not be mounted."""
    os.makedirs(path, exist_ok=True)
    m = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%dm' % mib, 'tmpfs', path],
                       capture_output=True, text=True)
    try:
        yield ('mount a %d MiB tmpfs (needs root): %s' % (mib, m.stderr.strip())
               if m.returncode else None)
    finally:
        if m.returncode == 0:
            subprocess.run(['umount', path], capture_output=True)
