"""What the tests of xenbaked's metrics share: their command line, a free
loopback port, a wait for a condition on a busy machine, and an HTTP
GET."""
import argparse
import socket
import sqlite3
import time
import urllib.request


def programs(*names):
    """The command line of a test that runs NAMES: --NAME PATH each."""
    ap = argparse.ArgumentParser()
    for name in names:
        ap.add_argument('--' + name, required=True)
    return ap.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(cond, timeout):
    """COND() until true or TIMEOUT seconds: its last value.  A server not
    up yet or a database being written count as not yet."""
    end = time.monotonic() + timeout
    while True:
        try:
            v = cond()
        except (OSError, sqlite3.Error):
            v = None
        if v or time.monotonic() > end:
            return v
        time.sleep(0.3)


def get(url, accept=None, timeout=10):
    """(Content-Type, body) of URL."""
    req = urllib.request.Request(url)
    if accept:
        req.add_header('Accept', accept)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.headers.get('Content-Type', ''), r.read().decode()
