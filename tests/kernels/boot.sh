#!/bin/bash
# boot.sh [--arch amd64|arm64] [--root DIR] [--tree DIR] KERNEL_DIR INITRD COMMAND...
# Boots the kernel under qemu (TCG) with a root shared read-only over
# virtio-9p (the host's own, or DIR: an arm64 guest's, contrib/arm64-sysroot.sh
# --guest), and the directory tree DIR (the build) at the same path inside
# it; runs COMMAND inside, prints the serial console (IPC_GUEST_APPEND: more
# kernel parameters, for experiments).  One job: the qemu
# command lines live only here.
set -u
arch=amd64 root=/ tree=
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--root) root=$2; shift 2 ;;
	--tree) tree=$2; shift 2 ;;
	*) break ;;
	esac
done
kdir=$1
initrd=$2
shift 2
cmd=$(printf '%s' "$*" | sed 's/ /%20/g')
share() { # TAG DIR
	echo -virtfs "local,path=$2,mount_tag=$1,security_model=none,readonly=on,multidevs=remap"
}
shares=$(share hostroot "$root")
append="quiet panic=-1 ${IPC_GUEST_APPEND:-} ipc.run=$cmd"
if [ -n "$tree" ]; then
	shares="$shares $(share tree "$tree")"
	append="$append ipc.tree=$tree"
fi
case $arch in
amd64)
	# -cpu max made 6.12 panic at boot under TCG
	machine=(qemu-system-x86_64 -accel tcg,thread=multi -cpu qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt)
	append="console=ttyS0 $append" ;;
arm64)
	# Debian's arm64 kernels sign return addresses (pointer authentication):
	# QEMU's emulation of the architected algorithm (QARMA) made the guests
	# about 4 times slower than its own (pauth-impdef), which is as good
	# for a test (IPC_GUEST_CPU=max: the architected one)
	machine=(qemu-system-aarch64 -M virt -accel tcg,thread=multi -cpu "${IPC_GUEST_CPU:-max,pauth-impdef=on}")
	append="console=ttyAMA0 $append" ;;
*) echo "boot.sh: unknown architecture $arch" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086 # $shares: the -virtfs options, paths without spaces
exec timeout "${IPC_GUEST_TIMEOUT:-1500}" "${machine[@]}" -smp 2 -m 1536 \
	-nographic -no-reboot -nic none \
	-kernel "$(ls "$kdir"/boot/vmlinuz-* | head -n 1)" -initrd "$initrd" \
	-append "$append" $shares
