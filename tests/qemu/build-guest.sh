#!/bin/sh
# Builds (once) the Debian bookworm guest for the QEMU USB tests and prints its directory on stdout.
# The directory holds vmlinuz, initrd.img and rootfs.ext4 (root on virtio-blk; QEMU opens it with
# snapshot=on so the cached image never changes). One guest serves every real-stack suite: the
# usb-ccid suite, USB/IP (`usbip`, vhci-hcd), the reference CCID driver (pcscd + libccid, pyscard,
# pcsc-tools), usbmon captures (tcpdump) and Debian's Chromium. It lives outside the repo, keyed by the sha256 of
# this script + guest-init.sh + the host Node version (Node is copied in):
#   ${ECARD_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecard-pin-qemu}/<key>/
# Needs root (debootstrap, chroot) unless the guest is already cached.
# Env: DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
node_bin=$(command -v node)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache_root=${ECARD_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecard-pin-qemu}
key=$({ cat "$here/build-guest.sh" "$here/guest-init.sh"; "$node_bin" --version; } | sha256sum | cut -c1-64)
out=$cache_root/$key

log() { echo "[build-guest] $*" >&2; }

if [ -f "$out/ready" ]; then
  log "cached: $out"
  echo "$out"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { log "building the guest needs root (debootstrap)"; exit 1; }
mkdir -p "$cache_root"
exec 9> "$cache_root/.lock"
flock 9 # one build at a time; a concurrent caller finds the finished guest below
if [ -f "$out/ready" ]; then
  echo "$out"
  exit 0
fi

work=$(mktemp -d "$cache_root/.build-XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

started=$(date +%s)
log "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=linux-image-amd64,udev,kmod,iproute2 \
  bookworm "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# The guest's packages, with bookworm-security for the current Chromium (the one the host's
# Playwright runs). No service starts at boot: each suite starts what it uses.
security=${DEBIAN_SECURITY_MIRROR:-$(echo "$mirror" | sed 's#/debian$#/debian-security#')}
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
  "$mirror" "$mirror" "$security" > "$rootfs/etc/apt/sources.list"
for fs in proc sys dev; do mount --bind "/$fs" "$rootfs/$fs"; done
trap 'for fs in proc sys dev; do umount "$rootfs/$fs" 2>/dev/null; done; rm -rf "$work"' EXIT
log "apt-get install usbip pcscd libccid python3-pyscard pcsc-tools tcpdump chromium"
{ chroot "$rootfs" apt-get update && DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y --no-install-recommends \
    usbip pcscd libccid python3-pyscard pcsc-tools tcpdump procps chromium fonts-dejavu-core; } > "$work/apt.log" 2>&1 \
  || { tail -n 30 "$work/apt.log" >&2; exit 1; }
for fs in proc sys dev; do umount "$rootfs/$fs"; done
trap 'rm -rf "$work"' EXIT

install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
install -m 0755 "$here/guest-init.sh" "$rootfs/sbin/ecard-init"
chroot "$rootfs" /usr/local/bin/node --version > /dev/null \
  || { log "the host's node does not run in the guest (missing libraries?)"; exit 1; }

# A small initrd (only what mounts root) unpacks and boots much faster under TCG than MODULES=most.
sed -i 's/^MODULES=.*/MODULES=list/' "$rootfs/etc/initramfs-tools/initramfs.conf"
printf '%s\n' virtio_pci virtio_blk ext4 >> "$rootfs/etc/initramfs-tools/modules"
chroot "$rootfs" update-initramfs -u -k all > "$work/initramfs.log" 2>&1 \
  || { cat "$work/initramfs.log" >&2; exit 1; }

kernel=$(ls "$rootfs"/boot/vmlinuz-* | head -n 1)
initrd=$(ls "$rootfs"/boot/initrd.img-* | head -n 1)
# The initrd must reach the root fs on virtio-blk; 9p and xHCI are loaded later from the rootfs.
initrd_modules=$(chroot "$rootfs" lsinitramfs "/boot/$(basename "$initrd")")
for module in virtio_pci virtio_blk ext4; do
  echo "$initrd_modules" | grep -q "/$module\.ko" || { log "initrd lacks $module"; exit 1; }
done
kver=${kernel#*vmlinuz-}
for module in 9p 9pnet_virtio xhci-pci vhci-hcd usbmon; do
  find "$rootfs/lib/modules/$kver" -name "$module.ko*" | grep -q . \
    || { log "kernel $kver lacks module $module"; exit 1; }
done

cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd.img"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/locale
chromium=$(chroot "$rootfs" dpkg-query -W -f '${Version}' chromium)
size_mb=$(( $(du -sm "$rootfs" | cut -f1) + 256 ))
mkfs.ext4 -q -F -L ecard-root -d "$rootfs" "$work/rootfs.ext4" "${size_mb}M" >&2
rm -rf "$rootfs"

echo "kernel $kver, node $("$node_bin" --version), chromium $chromium, built in $(( $(date +%s) - started )) s" > "$work/ready"
rm -rf "$out"
mv "$work" "$out"
trap - EXIT
log "built: $out ($(cat "$out/ready"))"
echo "$out"
