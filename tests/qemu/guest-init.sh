#!/bin/sh
# PID 1 of the QEMU test guest (installed as /sbin/ecard-init by build-guest.sh).
# Mounts the repo (9p tag "repo", read-only) at /mnt/repo, the host's out dir (9p tag "out")
# at /mnt/out and, when shared, ../shared (tag "shared", read-only) at /mnt/shared, runs `node <args from /mnt/out/argv>` in /mnt/repo, stores the exit code in
# /mnt/out/exit-code, then powers the VM off. Output goes to the serial console and /mnt/out/output.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root LANG=C.UTF-8

say() { echo "[ecard-init $(cut -d' ' -f1 /proc/uptime)s] $*" > /dev/console; }

power_off() {
  sync
  echo o > /proc/sysrq-trigger
  sleep 5
  exit 1 # unreachable unless sysrq is off: PID 1 exiting panics, and panic=-1 + -no-reboot ends QEMU
}

# The initramfs moves its /proc, /sys and /dev onto the real root; mount whatever is missing.
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
echo 1 > /proc/sys/kernel/sysrq

for module in 9p 9pnet_virtio xhci_pci usbcore vhci-hcd usbmon; do
  modprobe "$module" || say "modprobe $module failed"
done
# Loopback only (QEMU gives the guest no NIC): the USB/IP server and the app's web server live on it.
ip link set lo up
mkdir -p /mnt/repo /mnt/out
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro repo /mnt/repo \
  || ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /mnt/out; then
  say "cannot mount the 9p shares"
  power_off
fi
# The test data beside the repository (reader corpus, ATR list), when the host shares it.
mkdir -p /mnt/shared
if mount -t 9p -o trans=virtio,version=9p2000.L,ro shared /mnt/shared 2>/dev/null; then
  export ECARD_SHARED_DIR=/mnt/shared
fi

# udevd is not needed here: devtmpfs creates /dev/bus/usb/BBB/DDD and libusb scans sysfs itself
# (suites that run pcscd start udevd for its hotplug). With QEMU's usb-ccid on the bus (kernel
# argument ecard_usb=wait), wait up to ~10 s for it behind a root hub (sysfs name "<bus>-<port>").
tries=0
while grep -q ecard_usb=wait /proc/cmdline && [ "$tries" -lt 100 ] \
  && ! ls /sys/bus/usb/devices 2>/dev/null | grep -Eq '^[0-9]+-[0-9.]+$'; do
  sleep 0.1
  tries=$((tries + 1))
done

set --
while IFS= read -r arg; do set -- "$@" "$arg"; done < /mnt/out/argv
say "node $*"
cd /mnt/repo || power_off
{ node "$@"; echo "$?" > /mnt/out/exit-code; } 2>&1 | tee /mnt/out/output > /dev/console
say "exit code $(cat /mnt/out/exit-code)"
power_off
