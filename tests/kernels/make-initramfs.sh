#!/bin/bash
# make-initramfs.sh KERNEL_DIR OUT.cpio.gz [ROOT]
# A tiny initramfs: busybox, the modules that reach the host's root over
# virtio-9p (and veth, for the tests), and guest-init as /init.  Everything else (bash, curl, python3,
# prometheus, the build tree) is the host's own root, mounted read-only, or
# ROOT, another architecture's (its busybox goes into the initramfs).
set -eu
kdir=$1
out=$2
root=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
ver=$(ls "$kdir/lib/modules" | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

depmod -b "$kdir" "$ver"
mkdir -p "$work/bin" "$work/modules" "$work/proc" "$work/sys" "$work/dev" "$work/newroot"
if [ -n "$root" ]; then
	cp "$root/bin/busybox" "$work/bin/busybox"
else
	cp "$(command -v busybox)" "$work/bin/busybox"
fi
for tool in sh mount umount mkdir insmod chroot poweroff cat sleep echo; do
	ln -s busybox "$work/bin/$tool"
done
: >"$work/modules/order"
modprobe -d "$kdir" -S "$ver" --show-depends -a virtio_pci 9pnet_virtio 9p veth |
	awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
	while read -r module; do
		name=$(basename "$module")
		case $name in
		*.ko.xz) xz -dc "$module" >"$work/modules/${name%.xz}"; name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$module" >"$work/modules/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$module" "$work/modules/$name" ;;
		esac
		echo "$name" >>"$work/modules/order"
	done
cp "$here/guest-init" "$work/init"
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
