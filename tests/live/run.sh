#!/usr/bin/env bash
# The live test: boot Debian's Xen 4.17 and a dom0 under QEMU (software
# emulation, no KVM needed), record two guests with xenbaked live and with
# xentrace, and check the database on this side (check.py).
#   tests/live/run.sh XENBAKED WORK
# Downloads are kept in WORK and reused.  Anything that cannot be done
# (download, boot, a guest that does not start) fails the test loudly.
# About 2.5 minutes on 2 cores (QEMU 2 min), plus a one-time download of
# 85 MB; QEMU is killed after 15.
set -euo pipefail
xenbaked=$(realpath "$1"); work=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"; work=$(realpath "$work")
t0=$(date +%s)
say() { echo "# live: $(( $(date +%s) - t0 ))s $*"; }

for tool in qemu-system-x86_64 cpio depmod gcc apt-get dpkg python3; do
  command -v $tool >/dev/null || { echo "live: $tool is missing (tools/install-deps live)" >&2; exit 1; }
done
if "$xenbaked" --db /nonexistent/x.db 2>&1 | grep -q 'built without Xen support'; then
  echo "live: $xenbaked was built without Xen support (install libxen-dev and reconfigure)" >&2
  exit 1
fi
say "fetching packages"
"$here/fetch.sh" "$work" | sed 's/^/# /'
say "building the initramfs images"
"$here/build.sh" "$work" "$xenbaked" | sed 's/^/# /'

kver=$(cat "$work/kernel-version")
# XQ_TIMEOUT_S: QEMU's time limit (default 900 s).
# XQ_XEN: another hypervisor image (run-io.sh's patched one); XQ_MODE=io:
# init0's I/O test, with a second disk for the blkback guest; XQ_OUT: where
# the results go (default WORK/out).
zcat "${XQ_XEN:-$work/root/boot/xen-4.17-amd64.gz}" > "$work/xen"
out=${XQ_OUT:-$work/out}; rm -rf "$out" "$work/out.img"; mkdir -p "$out"
truncate -s 256M "$work/out.img"
io_args=()
if [ "${XQ_MODE:-}" = io ]; then
  truncate -s 64M "$work/blk.img"
  io_args=(-drive file="$work/blk.img",format=raw,if=virtio)
fi

# -cpu qemu64: with -cpu max the PV dom0 faults at its first instruction
# (SMEP/SMAP under emulation).  -no-reboot: dom0's reboot ends QEMU.
# XQ_XEN_ARGS adds to Xen's command line, e.g. sched=credit for the
# credit1 scheduler (Xen 4.17's default is credit2).
say "booting Xen under qemu-system-x86_64 (TCG)"
set +e
timeout "${XQ_TIMEOUT_S:-900}" qemu-system-x86_64 -accel tcg -machine q35 -cpu qemu64 -smp 2 -m 2048 \
  -nographic -no-reboot \
  -kernel "$work/xen" \
  -append "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all dom0_mem=1024M,max:1024M dom0_max_vcpus=2${XQ_XEN_ARGS:+ $XQ_XEN_ARGS}" \
  -initrd "$work/root/boot/vmlinuz-$kver console=hvc0 earlyprintk=xen rdinit=/init xqlive=${XQ_LIVE_S:-25} xqtrace=${XQ_TRACE_S:-12} xqmode=${XQ_MODE:-sched},$work/dom0.cpio.gz" \
  -drive file="$work/out.img",format=raw,if=virtio "${io_args[@]}" \
  > "$work/console.log" 2>&1
qrc=$?
set -e
say "QEMU exited with status $qrc"
grep -a '^\[dom0 ' "$work/console.log" | sed 's/^/# /' || true
if ! grep -aq 'XQ-TAR-DONE' "$work/console.log"; then
  echo "live: the run inside QEMU did not finish; the end of $work/console.log:" >&2
  tail -40 "$work/console.log" >&2
  exit 1
fi
tar xf "$work/out.img" -C "$out"
status=$(cat "$out/status")
if [ "$status" != ok ]; then
  echo "live: dom0 gave up: $status" >&2
  tail -40 "$work/console.log" >&2
  exit 1
fi
[ "${XQ_MODE:-}" = io ] && { say "done (checked by run-io.sh)"; exit 0; }
say "checking the results"
python3 "$here/check.py" "$xenbaked" "$out"
rc=$?
say "done"
exit $rc
