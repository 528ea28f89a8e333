"""A real tmpfs for full-disk tests (mounting needs root; CI runs as root)."""
import contextlib
import os
import subprocess


def mount(path, mib):
    """Mount a tmpfs of MIB MiB at PATH: None, or why it could not."""
    os.makedirs(path, exist_ok=True)
    m = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%dm' % mib, 'tmpfs', path],
                       capture_output=True, text=True)
    return ('mount a %d MiB tmpfs (needs root): %s' % (mib, m.stderr.strip())
            if m.returncode else None)


def umount(path):
    subprocess.run(['umount', path], capture_output=True)


@contextlib.contextmanager
def tmpfs(path, mib):
    """mount() for the with block, then unmount.  Yields mount()'s answer."""
    why = mount(path, mib)
    try:
        yield why
    finally:
        if why is None:
            umount(path)
