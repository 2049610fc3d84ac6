#!/bin/bash
# The fallback build path: the kernel programs compiled against the vendored
# x86-64 vmlinux.h (used when the build host has no BTF) must pass the
# verifier of the running kernel, CO-RE relocated, like the generated one.
. "$(dirname "$0")/lib.sh"
require_root
CLANG=${CLANG:-clang}
BPFTOOL=${BPFTOOL:-bpftool}

mkdir -p "$TEST_TMP/include"
ln -s "$TOP_SRCDIR/bpf/vendor/vmlinux_x86_64.h" "$TEST_TMP/include/vmlinux.h"
"$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I"$TEST_TMP/include" -I"$TOP_SRCDIR/bpf" \
	-c "$TOP_SRCDIR/bpf/ipc_exporter.bpf.c" -o "$TEST_TMP/ipc_exporter.bpf.o" 2>"$TEST_TMP/clang.log"
tap_ok $? "compiles against bpf/vendor/vmlinux_x86_64.h"
tap_diag <"$TEST_TMP/clang.log"

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
pin=/sys/fs/bpf/ipc_exporter_vendored_$$
"$BPFTOOL" prog loadall "$TEST_TMP/ipc_exporter.bpf.o" "$pin" >"$TEST_TMP/load.log" 2>&1
tap_ok $? "loads into the running kernel (verifier and CO-RE)"
tail -20 "$TEST_TMP/load.log" | tap_diag
tap_eq "$(ls "$pin" 2>/dev/null | sort | tr '\n' ' ')" "ipc_signal_generate ipc_sys_exit " "both programs loaded"
rm -rf "$pin"
tap_finish
