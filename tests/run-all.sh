#!/bin/bash
# The whole test suite, as root: installs what it needs, builds, runs
# `make check` (unit and integration tests on this machine's kernel) and
# `make check-solo` (the tests that need the host alone: churn, and bench/
# end to end, one quick round), then
# `make check-kernels` (the integration tests again on Debian's 5.10, 6.1 and
# 6.12 kernels under qemu, and arm64's 6.1 and 6.12, cross-built), and ends
# with one line
# "N passed, N failed[, N skipped]" counted from every TAP result.
# Two checks of its own run last: every program the build and the tests ran
# comes from a package a fresh Debian machine has or contrib/install-deps.sh
# installs (tests/install/), and the suite left no new file that .gitignore
# does not cover (build output included).
# Between them, the release: make check-dist (distcheck), the tarball's
# contents, and the Debian package built, installed, run and purged
# (tests/install/).
# IPC_SKIP_KERNELS=1 leaves the qemu matrix out (for a quick run).
set -u
cd "$(dirname "$0")/.."
contrib/install-deps.sh --tests || exit 1
untracked() { git status --porcelain --untracked-files=all 2>/dev/null | sed -n 's/^?? //p'; }
untracked_before=$(untracked)

# Record every program run from here on (bpftrace's tracepoints need tracefs).
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
rm -f tests/execs.out
BPFTRACE_STRLEN=128 bpftrace -o tests/execs.out tests/install/execs.bt $$ 2>tests/execs.err &
exec_tracer=$!
for _ in $(seq 100); do
	grep -q '^Attaching' tests/execs.out 2>/dev/null && break
	kill -0 "$exec_tracer" 2>/dev/null || break
	sleep 0.1
done
stop_exec_tracer() { [ -n "$exec_tracer" ] && kill -INT "$exec_tracer" 2>/dev/null && wait "$exec_tracer" 2>/dev/null; exec_tracer=; }
trap stop_exec_tracer EXIT

[ -x configure ] || autoreconf -fi || exit 1
[ -f Makefile ] || ./configure || exit 1
make -j"$(nproc)" || exit 1

echo "== make check (kernel $(uname -r), natively)"
make -j"$(nproc)" check >tests/check.out 2>&1
check_status=$?
make check-solo >>tests/check.out 2>&1 || check_status=1
grep -E '^(FAIL|ERROR|XPASS):' tests/check.out
count() { awk -v k="# $1:" 'index($0, k) == 1 { n += $3 } END { print n + 0 }' tests/check.out; }
passed=$(count PASS)
failed=$(($(count FAIL) + $(count ERROR) + $(count XPASS)))
skipped=$(count SKIP)
[ "$check_status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1   # the harness itself broke
echo "# kernel $(uname -r): $passed passed, $failed failed"

# The release: make distcheck (the tarball builds, installs, uninstalls and
# passes a short check out of tree), the tarball holds every tracked file,
# and the Debian package built from it installs, counts and purges.
echo "== make check-dist, the Debian package"
tap_counts() { # FILE: adds its TAP results to the totals, shows the failures
	grep -E '^not ok' "$1"
	passed=$((passed + $(grep -c '^ok ' "$1")))
	failed=$((failed + $(grep -c '^not ok ' "$1")))
}
if make check-dist >tests/dist.out 2>&1; then
	echo "ok - make distcheck" >tests/release.out
else
	{ echo "not ok - make distcheck"; grep -E '^(FAIL|ERROR)|rror' tests/dist.out | head -20 | sed 's/^/#   /'; } >tests/release.out
fi
tarball=$(ls -t ipc_exporter-*.tar.gz 2>/dev/null | head -1)
if [ -n "$tarball" ]; then
	tests/install/dist_contents.sh "$tarball" >>tests/release.out 2>&1
	tests/install/debian_package.sh "$tarball" >>tests/release.out 2>&1
else
	echo "not ok - make distcheck left no tarball" >>tests/release.out
fi
tap_counts tests/release.out
echo "# release: $(grep -c '^ok ' tests/release.out) passed, $(grep -c '^not ok ' tests/release.out) failed"

if [ "${IPC_SKIP_KERNELS:-0}" != 1 ]; then
	echo "== make check-kernels"
	make check-kernels
	matrix_status=$?
	matrix_passed=$(grep -c '^ok ' tests/kernels/matrix.log)
	matrix_failed=$(grep -c '^not ok ' tests/kernels/matrix.log)
	[ "$matrix_status" -ne 0 ] && [ "$matrix_failed" -eq 0 ] && matrix_failed=1
	passed=$((passed + matrix_passed))
	failed=$((failed + matrix_failed))
fi

# arm64: a cross build from the release tarball (the sysroot, also the
# guests' root, fetched with a private apt configuration and cached), the
# ground truth inside Debian's arm64 6.1 and 6.12 under qemu.  IPC_SKIP_ARM64=1
# leaves it out.
if [ "${IPC_SKIP_KERNELS:-0}" != 1 ] && [ "${IPC_SKIP_ARM64:-0}" != 1 ]; then
	echo "== make check-kernels-arm64 (cross-built from $tarball)"
	arm64_root=${IPC_ARM64_ROOT:-/var/cache/ipc_exporter/arm64-root}
	rm -rf build-arm64 && mkdir build-arm64
	(
		contrib/arm64-sysroot.sh --guest "$arm64_root" &&
			tar xzf "$tarball" -C build-arm64 && cd build-arm64/*/ &&
			./configure --host=aarch64-linux-gnu --with-sysroot="$arm64_root" &&
			make -j"$(nproc)" && make check-kernels-arm64
	) >tests/arm64.out 2>&1
	arm64_status=$?
	arm64_log=$(echo build-arm64/*/tests/kernels/matrix-arm64.log)
	[ -f "$arm64_log" ] || arm64_log=/dev/null
	grep -E '^(not ok|# kernel )' "$arm64_log"
	arm64_passed=$(grep -c '^ok ' "$arm64_log")
	arm64_failed=$(grep -c '^not ok ' "$arm64_log")
	if [ "$arm64_status" -ne 0 ] && [ "$arm64_failed" -eq 0 ]; then
		arm64_failed=1	# the build or the harness broke
		tail -20 tests/arm64.out
	fi
	passed=$((passed + arm64_passed))
	failed=$((failed + arm64_failed))
fi

echo "== the suite's own checks"
stop_exec_tracer
# shellcheck disable=SC2046
if tests/install/packages_of_execs.py tests/execs.out $(contrib/install-deps.sh --list --tests); then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
left=$(diff <(echo "$untracked_before") <(untracked) | sed -n 's/^> /#   /p')
if [ -z "$left" ]; then
	echo "ok - the suite left nothing in the tree that .gitignore does not cover"
	passed=$((passed + 1))
else
	echo "not ok - the suite left files in the tree that .gitignore does not cover:"
	echo "$left"
	failed=$((failed + 1))
fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
