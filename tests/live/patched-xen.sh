#!/usr/bin/env bash
# The patched hypervisor for the live I/O test (issue 17): patches/check.sh
# builds it from Debian's Xen 4.17 source with the series applied, about
# 2.5 minutes on 2 cores (10 on a loaded one), and keeps the image in a
# cache (XENMON_CACHE, or ~/.cache/xenmon) under the hash of the series
# and of check.sh.  A run after the first, or after the apply-and-build
# check (which builds the same image and leaves it there), boots the
# cached one: the boot itself still runs every time.
#   tests/live/patched-xen.sh WORK     prints the path of xen.gz
set -euo pipefail
work=${1:?usage: patched-xen.sh WORK}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$("$root/patches/check.sh" --cached-image)
if [ ! -s "$out" ]; then
  start=$(date +%s)
  "$root/patches/check.sh" "$work/patches-work" >&2
  [ -s "$out" ] || { echo "patched-xen: check.sh left no $out" >&2; exit 1; }
  echo "patched-xen: built in $(( $(date +%s) - start )) s ($out)" >&2
else
  echo "patched-xen: cached ($out)" >&2
fi
echo "$out"
