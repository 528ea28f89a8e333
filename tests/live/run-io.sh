#!/usr/bin/env bash
# The live I/O test (issue 17, item 3): boot the patched hypervisor
# (patched-xen.sh, built once per source hash) and then Debian's, each with
# the same dom0 and two PV guests doing I/O through netback and blkback
# (init0, xqmode=io), record with xenbaked live, and check that the I/O
# counts and bytes follow the traffic on the patched one and are almost
# none on the stock one (check_io.py).
#   tests/live/run-io.sh XENBAKED WORK
# About 2.5 minutes per boot on 2 idle cores (xl create of a guest with a
# device takes most of it under TCG), 7 on a loaded machine, plus the first
# build of a series (2.5-10 minutes; then cached, see patched-xen.sh) and
# run.sh's one-time download.
set -euo pipefail
xenbaked=$1; work=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"; work=$(realpath "$work")
"$here/fetch.sh" "$work" | sed 's/^/# /'
xen=$("$here/patched-xen.sh" "$work" 2> >(sed 's/^/# /' >&2))
echo "# run-io: patched hypervisor $xen"
XQ_TIMEOUT_S=2400 XQ_MODE=io XQ_XEN=$xen XQ_OUT=$work/out-io-patched "$here/run.sh" "$xenbaked" "$work"
XQ_TIMEOUT_S=2400 XQ_MODE=io XQ_OUT=$work/out-io-stock "$here/run.sh" "$xenbaked" "$work"
python3 "$here/check_io.py" "$work/out-io-patched" "$work/out-io-stock"
