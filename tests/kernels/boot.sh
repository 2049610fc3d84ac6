#!/bin/bash
# boot.sh KERNEL_DIR INITRD COMMAND...: boots the kernel under qemu (TCG)
# with the host's root shared read-only, runs COMMAND inside, prints the
# serial console.  One job: the qemu command line lives only here.
set -u
kdir=$1
initrd=$2
shift 2
cmd=$(printf '%s' "$*" | sed 's/ /%20/g')
exec timeout "${IPC_GUEST_TIMEOUT:-1500}" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt -smp 2 -m 1536 \
	-nographic -no-reboot -nic none \
	-kernel "$(ls "$kdir"/boot/vmlinuz-* | head -n 1)" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 ipc.run=$cmd" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
