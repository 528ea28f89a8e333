"""Print (name, ok, detail) results as TAP; the exit status to return."""


def report(results):
    print('TAP version 13')
    print('1..%d' % len(results))
    for i, (name, ok, detail) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
        if not ok:
            for line in str(detail or '').splitlines()[-8:]:
                print('#   ' + line)
    return 0 if results and all(ok for _, ok, _ in results) else 1
