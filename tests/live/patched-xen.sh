#!/usr/bin/env bash
# The patched hypervisor for the live I/O test (issue 17): patches/check.sh
# builds it from Debian's Xen 4.17 source with the series applied, about
# 2.5 minutes on 2 cores; the image is kept in WORK under the hash of the
# series and of check.sh, so that a run after the first boots the cached
# one and the boot itself still runs every time.
#   tests/live/patched-xen.sh WORK     prints the path of xen.gz
set -euo pipefail
work=${1:?usage: patched-xen.sh WORK}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
hash=$(cat "$root/patches/check.sh" "$root"/patches/xen-4.17/*.patch | sha256sum | cut -c1-16)
out=$work/xen-patched-$hash.gz
if [ ! -s "$out" ]; then
  start=$(date +%s)
  "$root/patches/check.sh" "$work/patches-work" >&2
  cp "$work"/patches-work/xen-*/xen/xen.gz "$out.tmp"
  mv "$out.tmp" "$out"
  echo "patched-xen: built in $(( $(date +%s) - start )) s ($out)" >&2
fi
echo "$out"
