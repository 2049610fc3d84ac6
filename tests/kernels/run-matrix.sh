#!/bin/bash
# run-matrix.sh [--arch arm64 --root DIR] [--kernels "5.10 6.1 6.12"] [--share "TEST..."] [--last "TEST..."] TEST...
# Boots Debian's stock kernels under qemu (TCG) one after the other and runs
# the given integration tests inside each, against this build.  Prints TAP:
# one result per test result per kernel, "[5.10] tests/integration/pipes.sh:
# ...", and a summary line per kernel.  A --share test runs on one kernel
# only, dealt out from the last (fastest) kernel backwards, or the one it
# names (TEST@5.10): work that is the same on every kernel is shared out
# instead of repeated.  A --last test runs on every kernel after all the
# others: it may stop the guest's shared exporters (startup_errors.sh takes
# the default one over, to see it shut down).  Kernels are cached in
# $IPC_KERNEL_CACHE (default /var/cache/ipc_exporter/kernels).
# --arch arm64: Debian's arm64 kernels under qemu-system-aarch64, this build
# being a cross build (configure --host=aarch64-linux-gnu), with DIR as the
# guest's root (contrib/arm64-sysroot.sh --guest DIR) and the build shared
# at its own path; results read "[arm64 6.1] ...".
set -u
here=$(cd "$(dirname "$0")" && pwd)
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
cache=${IPC_KERNEL_CACHE:-/var/cache/ipc_exporter/kernels}
kernels="5.10 6.1 6.12"
arch=amd64 root=
while [ "${1:-}" = --arch ] || [ "${1:-}" = --root ]; do
	case $1 in
	--arch) arch=$2 ;;
	--root) root=$(cd "$2" && pwd) || exit 2 ;;
	esac
	shift 2
done
boot_opts=()
if [ "$arch" != amd64 ]; then
	[ -x "$root/bin/busybox" ] || { echo "run-matrix: --arch $arch needs --root DIR (contrib/arm64-sysroot.sh --guest DIR)" >&2; exit 2; }
	case $TOP_BUILDDIR/ in
	"$TOP_SRCDIR"/*) ;;
	*) echo "run-matrix: --arch $arch shares one tree: build in or under the source tree" >&2; exit 2 ;;
	esac
	# the mount point of the build tree inside the guest's root
	mkdir -p "$root$TOP_SRCDIR"
	boot_opts=(--arch "$arch" --root "$root" --tree "$TOP_SRCDIR")
fi
if [ "${1:-}" = --kernels ]; then
	kernels=$2
	shift 2
fi
shared=()
if [ "${1:-}" = --share ]; then
	read -ra shared <<<"$2"
	shift 2
fi
last=()
if [ "${1:-}" = --last ]; then
	read -ra last <<<"$2"
	shift 2
fi
every=("$@")
read -ra series_list <<<"$kernels"
# shared_on[i]: the kernel series that runs shared[i]
shared_on=()
dealt=0	# the tests not pinned to a kernel, dealt from the last kernel backwards
for i in "${!shared[@]}"; do
	if [[ ${shared[$i]} == *@* ]]; then	# TEST@SERIES: that kernel's
		shared_on+=("${shared[$i]##*@}")
		shared[$i]=${shared[$i]%@*}
	else
		shared_on+=("${series_list[$(( ${#series_list[@]} - 1 - dealt % ${#series_list[@]} ))]}")
		dealt=$((dealt + 1))
	fi
done
work=$TOP_BUILDDIR/tests/kernels/work
mkdir -p "$work"
# shellcheck source=tests/kernels/tap_merge.sh
. "$here/tap_merge.sh"

for series in $kernels; do
	started=$(date +%s)
	# label: how results name the kernel; tag: its files in $work
	if [ "$arch" = amd64 ]; then label=$series tag=$series; else label="$arch $series" tag=$arch-$series; fi
	kdir=$("$here/fetch-kernel.sh" "$series" "$cache" "$arch" 2>"$work/fetch-$tag.log")
	if [ -z "$kdir" ]; then
		tap_emit not_ok "[$label] kernel package fetched"
		sed 's/^/#   /' "$work/fetch-$tag.log" | tail -5
		continue
	fi
	"$here/make-initramfs.sh" "$kdir" "$work/initrd-$tag.cpio.gz" ${root:+"$root"} || {
		tap_emit not_ok "[$label] initramfs built"
		continue
	}
	tests=("${every[@]}")
	for i in "${!shared[@]}"; do
		[ "${shared_on[$i]}" = "$series" ] && tests+=("${shared[$i]}")
	done
	tests+=("${last[@]}")
	{ echo "$TOP_SRCDIR"; echo "$TOP_BUILDDIR"; printf '%s\n' "${tests[@]}"; } >"$work/plan-$tag"
	# line-buffered, so a guest that hangs shows how far it got
	"$here/boot.sh" "${boot_opts[@]}" "$kdir" "$work/initrd-$tag.cpio.gz" \
		"$TOP_SRCDIR/tests/kernels/guest-tests.sh $work/plan-$tag" 2>&1 | stdbuf -oL tr -d '\r' >"$work/console-$tag.log"

	release=$(sed -n 's/^=== guest kernel //p' "$work/console-$tag.log")
	if [ -z "$release" ]; then
		tap_emit not_ok "[$label] guest booted"
		tail -20 "$work/console-$tag.log" | sed 's/^/#   /'
		continue
	fi
	tap_passed=0 tap_failed=0
	for t in "${tests[@]}"; do
		# The test's own TAP, between its markers.
		section=$(awk -v t="$t" '$0 == "=== begin " t { on = 1; next } on && index($0, "=== end " t " ") == 1 { print; exit } on' \
			"$work/console-$tag.log")
		if ! grep -q "^=== end $t " <<<"$section"; then
			tap_emit not_ok "[$label] $t finished"
			continue
		fi
		tap_merge "[$label] $t" "$section"
	done
	echo "# kernel $release: $tap_passed passed, $tap_failed failed ($(($(date +%s) - started)) s)"
done
echo "1..$tap_count"
