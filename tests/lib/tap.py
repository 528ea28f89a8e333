"""The tests' one TAP emitter.

Two ways to use it, the same lines either way:

    tap = Tap()                        # results printed as they come, so a
    tap.ok(cond, name, detail)         # test that hangs has said how far it
    ...                                # got; the plan comes last
    return tap.done()                  # the exit status

    return report([(name, ok, detail), ...])   # results gathered first

A failed result is followed by its DETAIL as '#' lines; NOTE, given to
ok(), goes on the result's own line whether it passed or not (figures a
passing test measured).  A run with no result fails: a test that asserted
nothing has not passed."""
import sys

# A failure's detail is cut to its first and last lines, so that a whole
# log or screen cannot bury the results around it.
DETAIL_LINES = 40
LINE_CHARS = 1000


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail='', note=''):
        self.n += 1
        if not cond:
            self.failed += 1
        print('%s %d - %s%s' % ('ok' if cond else 'not ok', self.n, name,
                                ' # ' + note if note else ''))
        if not cond:
            print_detail(detail)
        sys.stdout.flush()
        return cond

    def done(self):
        print('1..%d' % self.n)
        return 1 if self.failed or not self.n else 0


def print_detail(detail):
    lines = str(detail or '').splitlines()
    if len(lines) > DETAIL_LINES:
        half = DETAIL_LINES // 2
        lines = lines[:half] + ['... %d lines ...' % (len(lines) - 2 * half)] + \
            lines[-half:]
    for line in lines:
        print('#   ' + line[:LINE_CHARS])


def skip_all(reason):
    """A test that cannot run here: skipped as a whole, for REASON.
    Returns the exit status."""
    print('1..0 # SKIP %s' % reason)
    return 0


def report(results):
    """RESULTS: (name, ok, detail) in order.  Prints them; the exit status."""
    print('TAP version 13')
    print('1..%d' % len(results))
    tap = Tap()
    for name, ok, detail in results:
        tap.ok(ok, name, detail)
    return 1 if tap.failed or not tap.n else 0
