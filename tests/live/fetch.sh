#!/usr/bin/env bash
# Fetch the Debian packages the live test boots (Xen 4.17, a dom0 kernel,
# the toolstack, busybox and every library of xl, xentrace and xenbaked)
# with apt-get download, and unpack them with dpkg -x under WORK/root.
# Nothing is installed on the host.  Reruns reuse what is already there.
#   tests/live/fetch.sh WORK
set -euo pipefail
work=${1:?usage: fetch.sh WORK}
mkdir -p "$work/debs" "$work/root"
cd "$work/debs"

# The kernel ABI Debian currently ships (linux-image-amd64 names it); an
# image without package lists gets them first.
kernel_abi() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/.*Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -1
}
kver=$(kernel_abi)
if [ -z "$kver" ]; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q >&2 || true
  kver=$(kernel_abi)
fi
[ -n "$kver" ] || { echo "fetch: cannot tell the current linux-image ABI:" \
                    "apt-cache knows no linux-image-amd64" >&2; exit 1; }
echo "$kver" > "$work/kernel-version"

pkgs=(xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils libxenmisc4.17
      libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1
      libxengnttab1 libxenhypfs1 libxenstore4 libxentoollog1 libxentoolcore1
      libyajl2 libext2fs2 liblzma5 libncursesw6 libncurses6 libtinfo6 libuuid1
      libzstd1 zlib1g libc6 libgcc-s1 libsqlite3-0 libnl-3-200 libnl-route-3-200
      libfdt1 libgnutls30 libxxhash0 libcom-err2 libblkid1 libbz2-1.0
      busybox-static "linux-image-$kver")
need=()
for p in "${pkgs[@]}"; do
  ls "${p}"_*.deb >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "fetch: apt-get download ${need[*]}"
  apt-get download "${need[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
fi
for p in "${pkgs[@]}"; do
  ls "${p}"_*.deb >/dev/null 2>&1 || { echo "fetch: could not download $p" >&2; exit 1; }
done
if [ ! -f "$work/root/.unpacked" ] || [ "$(ls | wc -l)" != "$(cat "$work/root/.unpacked")" ]; then
  for d in *.deb; do dpkg -x "$d" "$work/root"; done
  ls | wc -l > "$work/root/.unpacked"
fi
echo "fetch: ${#pkgs[@]} packages unpacked in $work/root (kernel $kver)"
