#!/usr/bin/env bash
# Apply-and-build check of patches/xen-4.17: fetch Debian's Xen 4.17
# source (the version Debian's xen-hypervisor-4.17-amd64 is built from,
# Debian's own patches applied by dpkg-source), apply the series on top,
# build the hypervisor alone with its default configuration, and check
# that the patched code is in the image.
#   patches/check.sh [WORKDIR]     (default: a fresh temporary directory)
#   patches/check.sh --cached-image   where a successful build leaves its
#                                     image (below), and nothing else
# Needs apt-get source to reach bookworm main (a deb-src entry is added
# beside /etc/apt/sources.list.d/debian.sources when none is there) and
# the packages of "tools/install-deps patches".  About 2.5 minutes on 2
# cores; exits non-zero on the first failure, saying which step.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
series=$here/xen-4.17
version=4.17.5+72-g01140da4e8-1
upstream=${version%-*}

# The image this script builds is a function of the series and of this
# script (which names the Xen source and the configuration): a successful
# build is kept in the cache under their hash, where the live I/O test
# (tests/live/patched-xen.sh) boots it without building it again.  The
# cache outlives build directories and checkouts: XENMON_CACHE, or
# ~/.cache/xenmon.
hash=$(cat "$here/check.sh" "$series"/*.patch | sha256sum | cut -c1-16)
image=${XENMON_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/xenmon}/xen-patched-$hash.gz
if [ "${1:-}" = --cached-image ]; then echo "$image"; exit 0; fi
work=${1:-$(mktemp -d /tmp/xenmon-patches.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
step() { echo "check: $*"; }
die() { echo "check: FAILED: $*" >&2; exit 1; }

# apt-get source needs a deb-src line for bookworm main; the binary
# entry's keyring signs it too.
have_deb_src() {
  grep -rqsE '^(Types:.*deb-src|deb-src .*bookworm )' \
    /etc/apt/sources.list /etc/apt/sources.list.d/
}
if ! have_deb_src; then
  step "adding a deb-src entry for bookworm main"
  printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
    'Suites: bookworm' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
    "${sudo[@]}" tee /etc/apt/sources.list.d/xenmon-deb-src.sources >/dev/null
  "${sudo[@]}" apt-get update -q >/dev/null || die "apt-get update"
fi

# A fresh tree each run (the series applied twice would fail); the
# download is kept in WORKDIR and unpacked again.
src=$work/xen-$upstream
dsc=$work/xen_$version.dsc
rm -rf "$src"
if [ -f "$dsc" ]; then
  step "dpkg-source -x $(basename "$dsc")"
  # apt-get checked the download against the signed Release file; the
  # .dsc's own signature is not in a local keyring (gpgv says so).
  (cd "$work" && dpkg-source -q -x "$dsc" >"$work/unpack.log" 2>&1) ||
    { cat "$work/unpack.log"; die "dpkg-source -x"; }
else
  step "apt-get source xen=$version"
  (cd "$work" && apt-get source -q "xen=$version" 2>&1 |
    grep -v '^W: Download is performed unsandboxed' | tail -n 3) ||
    die "apt-get source xen=$version"
fi
[ -d "$src" ] || die "no $src after unpacking"

for p in "$series"/*.patch; do
  step "applying $(basename "$p")"
  patch -d "$src" -p1 -N --batch --quiet <"$p" || die "$(basename "$p") does not apply"
done

step "building the hypervisor (make -C xen defconfig all)"
start=$(date +%s)
make -C "$src/xen" defconfig >"$work/build.log" 2>&1 &&
  make -C "$src/xen" -j"$(nproc)" >>"$work/build.log" 2>&1 ||
  { tail -n 30 "$work/build.log"; die "build (log: $work/build.log)"; }
step "built in $(( $(date +%s) - start )) s: $src/xen/xen.gz"

# Symbols only the series defines: the grant-copy sums, the per-CPU
# coalescing slots of the notification record and its command-line option.
# (The symbol list is read whole: grep -q would end nm with SIGPIPE.)
syms=$(nm "$src/xen/xen-syms") || die "nm xen-syms"
for sym in gnttab_copy_tally_flush per_cpu__notify_trace_cache \
           opt_trace_evtchn_coalesce_us; do
  grep -qw "$sym" <<<"$syms" || die "$sym not in xen-syms"
done
mkdir -p "$(dirname "$image")"
cp "$src/xen/xen.gz" "$image.tmp"
mv "$image.tmp" "$image"
step "ok: series applies to xen $version and the hypervisor builds (kept as $image)"
