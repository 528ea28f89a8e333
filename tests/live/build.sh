#!/usr/bin/env bash
# Build the two initramfs images of the live test from the packages that
# fetch.sh unpacked in WORK/root:
#   WORK/domu.cpio.gz  busybox, busy and an /init that runs the workload
#                      named by wl= on the guest's command line
#   WORK/dom0.cpio.gz  busybox, the Xen toolstack (xl, xenstored,
#                      xenconsoled, xen-init-dom0, xentrace), xenbaked and
#                      every library they load, the kernel modules dom0
#                      needs, the guests' kernel and initramfs, and init0
#   tests/live/build.sh WORK XENBAKED
set -euo pipefail
work=$1; xenbaked=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$work/root
kver=$(cat "$work/kernel-version")
xbin=$root/usr/lib/xen-4.17/bin
libpath=$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu:$root/usr/lib/xen-4.17/lib/x86_64-linux-gnu

gcc -O2 -static -o "$work/busy" "$here/busy.c"
# dom0 only, linked against the host's libxenctrl and libxenevtchn: dom0 has
# the same libraries from the unpacked packages (xenbaked loads them too).
gcc -O2 -o "$work/evtchn-cost" "$here/evtchn-cost.c" -lxenctrl -lxenevtchn

# ---- the guests
u=$work/initrd-domu; rm -rf "$u"; mkdir -p "$u"/{bin,proc,sys,dev,tmp}
cp "$root/bin/busybox" "$work/busy" "$u/bin/"
cat > "$u/init" <<'EOI'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
wl=$(sed -n 's/.* wl=\([a-z0-9_]*\).*/\1/p' /proc/cmdline)
echo "guest workload $wl starting"
case "$wl" in
  spin) exec /bin/busy spin ;;
  duty) exec /bin/busy duty 20 50 ;;
  # The I/O test (init0, xqmode=io).  net: a netfront receiving one TCP
  # stream from dom0, then saying how many bytes came and what eth0's
  # counters (whole life: all that netback copied) say.  blk: a blkfront
  # reading 256 requests of 4 KiB from its disk, O_DIRECT, one at a time,
  # with the disk's stat line and the guest's event-channel interrupts
  # before and after (what dd issued, and how often blkback notified).
  net)  modprobe xen-netfront
        n=0; until ip link show eth0 >/dev/null 2>&1; do
          n=$((n+1)); [ $n -gt 150 ] && { echo "guest net: no eth0"; exec sh; }; sleep 0.2; done
        ip addr add 10.9.0.2/24 dev eth0; ip link set eth0 up
        s=/sys/class/net/eth0/statistics
        echo "guest net up"
        while :; do
          got=$(nc -l -p 5000 | wc -c)
          echo "guest net got $got rx_bytes $(cat $s/rx_bytes) rx_packets $(cat $s/rx_packets)" \
               "tx_bytes $(cat $s/tx_bytes) tx_packets $(cat $s/tx_packets)"
        done ;;
  blk)  modprobe xen-blkfront
        n=0; until [ -b /dev/xvda ]; do
          n=$((n+1)); [ $n -gt 150 ] && { echo "guest blk: no xvda"; exec sh; }; sleep 0.2; done
        echo "guest blk up"
        # interrupts per Xen event channel: "name=count" for each line
        irqs() { awk '/xen-dyn|xen-percpu/ {print $NF "=" $2}' /proc/interrupts | tr '\n' ' '; }
        echo "guest blk before stat $(cat /sys/block/xvda/stat) irq $(irqs)"
        dd if=/dev/xvda of=/dev/null bs=4096 count=256 iflag=direct 2>/dev/null
        echo "guest blk after stat $(cat /sys/block/xvda/stat) irq $(irqs)"
        echo "guest blk done 256"
        exec sh ;;
  *)    exec sh ;;
esac
EOI
chmod +x "$u/init"
for m in drivers/net/xen-netfront drivers/block/xen-blkfront; do
  mkdir -p "$u/lib/modules/$kver/kernel/$(dirname $m)"
  cp "$root/lib/modules/$kver/kernel/$m.ko" "$u/lib/modules/$kver/kernel/$m.ko"
done
cp "$root/lib/modules/$kver"/modules.builtin "$root/lib/modules/$kver"/modules.order \
   "$u/lib/modules/$kver/"
depmod -b "$u" "$kver"
(cd "$u" && find . | cpio -o -H newc --quiet | gzip -6) > "$work/domu.cpio.gz"

# ---- dom0
d=$work/initrd-dom0; rm -rf "$d"
mkdir -p "$d"/{bin,sbin,proc,sys,dev,tmp,run,out,etc/xen,var/lib/xen,var/lib/xenstored} \
         "$d"/{var/log/xen/console,domu,lib64,lib/x86_64-linux-gnu,usr/lib/xen-4.17/bin}
ln -s ../run "$d/var/run"
cp "$root/bin/busybox" "$work/busy" "$work/evtchn-cost" "$d/bin/"
for b in xl xentrace xenstored xenconsoled xen-init-dom0; do
  cp "$xbin/$b" "$d/usr/lib/xen-4.17/bin/"
  ln -s /usr/lib/xen-4.17/bin/$b "$d/sbin/$b"
done
cp "$root/usr/bin/xenstore" "$d/usr/lib/xen-4.17/bin/xenstore"
for t in read write ls exists rm; do
  ln -s /usr/lib/xen-4.17/bin/xenstore "$d/sbin/xenstore-$t"
done
cp "$xenbaked" "$d/sbin/xenbaked"
[ -f "$root/etc/xen/xl.conf" ] && cp "$root/etc/xen/xl.conf" "$d/etc/xen/"
# Libraries: resolved against the unpacked packages first, so that dom0
# runs Debian's builds; libgcc_s is loaded by glibc at run time (xl's
# pthread_cancel) and ldd does not list it.
missing=0
for f in "$d"/usr/lib/xen-4.17/bin/* "$d/sbin/xenbaked"; do
  LD_LIBRARY_PATH=$libpath ldd "$f"
done | awk '/=> not found/ {print "MISSING " $1; next} /=>/ {print $3}' | sort -u |
while read -r lib; do
  case "$lib" in MISSING*) echo "build: library not found: $lib" >&2; exit 1 ;; esac
  cp -L "$lib" "$d/lib/x86_64-linux-gnu/"
done
cp -L "$root/lib/x86_64-linux-gnu/libgcc_s.so.1" "$d/lib/x86_64-linux-gnu/"
cp -L "$root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$d/lib64/"
# Modules: privcmd, evtchn, xenfs, gntdev for the toolstack, virtio for
# the disk the results leave on.
md=$root/lib/modules/$kver
for m in drivers/xen/xen-evtchn drivers/xen/xenfs/xenfs drivers/xen/xen-privcmd \
         drivers/xen/xen-gntdev drivers/xen/xen-gntalloc drivers/virtio/virtio \
         drivers/virtio/virtio_ring drivers/virtio/virtio_pci_modern_dev \
         drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci \
         drivers/block/virtio_blk drivers/net/xen-netback/xen-netback \
         drivers/block/xen-blkback/xen-blkback; do
  mkdir -p "$d/lib/modules/$kver/kernel/$(dirname $m)"
  cp "$md/kernel/$m.ko" "$d/lib/modules/$kver/kernel/$m.ko"
done
cp "$md"/modules.builtin "$md"/modules.builtin.modinfo "$md"/modules.order "$d/lib/modules/$kver/"
depmod -b "$d" "$kver"
cp "$root/boot/vmlinuz-$kver" "$d/domu/vmlinuz"
cp "$work/domu.cpio.gz" "$d/domu/initrd.gz"
cp "$here/init0" "$d/init"; chmod +x "$d/init"
(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/dom0.cpio.gz"
echo "build: $(du -h "$work/dom0.cpio.gz" | cut -f1) dom0 initramfs, $(du -h "$work/domu.cpio.gz" | cut -f1) guest initramfs"
