#!/bin/bash
# run-matrix.sh [--kernels "5.10 6.1 6.12"] [--share "TEST..."] TEST...
# Boots Debian's stock kernels under qemu (TCG) one after the other and runs
# the given integration tests inside each, against this build.  Prints TAP:
# one result per test result per kernel, "[5.10] tests/integration/pipes.sh:
# ...", and a summary line per kernel.  A --share test runs on one kernel
# only, dealt out from the last (fastest) kernel backwards, or the one it
# names (TEST@5.10): work that is the same on every kernel is shared out
# instead of repeated.  Kernels are cached in
# $IPC_KERNEL_CACHE (default /var/cache/ipc_exporter/kernels).
set -u
here=$(cd "$(dirname "$0")" && pwd)
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
cache=${IPC_KERNEL_CACHE:-/var/cache/ipc_exporter/kernels}
kernels="5.10 6.1 6.12"
if [ "${1:-}" = --kernels ]; then
	kernels=$2
	shift 2
fi
shared=()
if [ "${1:-}" = --share ]; then
	read -ra shared <<<"$2"
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
count=0

emit() { # OK|NOT_OK DESCRIPTION
	count=$((count + 1))
	if [ "$1" = ok ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}

for series in $kernels; do
	started=$(date +%s)
	kdir=$("$here/fetch-kernel.sh" "$series" "$cache" 2>"$work/fetch-$series.log")
	if [ -z "$kdir" ]; then
		emit not_ok "[$series] kernel package fetched"
		sed 's/^/#   /' "$work/fetch-$series.log" | tail -5
		continue
	fi
	"$here/make-initramfs.sh" "$kdir" "$work/initrd-$series.cpio.gz" || {
		emit not_ok "[$series] initramfs built"
		continue
	}
	tests=("${every[@]}")
	for i in "${!shared[@]}"; do
		[ "${shared_on[$i]}" = "$series" ] && tests+=("${shared[$i]}")
	done
	{ echo "$TOP_SRCDIR"; echo "$TOP_BUILDDIR"; printf '%s\n' "${tests[@]}"; } >"$work/plan-$series"
	# line-buffered, so a guest that hangs shows how far it got
	"$here/boot.sh" "$kdir" "$work/initrd-$series.cpio.gz" \
		"$TOP_SRCDIR/tests/kernels/guest-tests.sh $work/plan-$series" 2>&1 | stdbuf -oL tr -d '\r' >"$work/console-$series.log"

	release=$(sed -n 's/^=== guest kernel //p' "$work/console-$series.log")
	if [ -z "$release" ]; then
		emit not_ok "[$series] guest booted"
		tail -20 "$work/console-$series.log" | sed 's/^/#   /'
		continue
	fi
	passed=0
	failed=0
	for t in "${tests[@]}"; do
		# The test's own TAP, between its markers.
		section=$(awk -v t="$t" '$0 == "=== begin " t { on = 1; next } on && index($0, "=== end " t " ") == 1 { print; exit } on' \
			"$work/console-$series.log")
		if ! grep -q "^=== end $t " <<<"$section"; then
			emit not_ok "[$series] $t finished"
			failed=$((failed + 1))
			continue
		fi
		planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' <<<"$section")
		results=0
		while IFS= read -r line; do
			case $line in
			"ok "*) results=$((results + 1)); passed=$((passed + 1)); emit ok "[$series] $t: ${line#ok * - }" ;;
			"not ok "*) results=$((results + 1)); failed=$((failed + 1)); emit not_ok "[$series] $t: ${line#not ok * - }" ;;
			"#"*) echo "$line" ;;
			esac
		done <<<"$section"
		if [ "${planned:-x}" != "$results" ]; then
			emit not_ok "[$series] $t: ran as planned ($results results, plan ${planned:-missing})"
			failed=$((failed + 1))
		fi
	done
	echo "# kernel $release: $passed passed, $failed failed ($(($(date +%s) - started)) s)"
done
echo "1..$count"
