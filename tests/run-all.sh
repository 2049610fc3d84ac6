#!/bin/bash
# The whole test suite, as root: installs what it needs, builds, runs
# `make check` (unit and integration tests on this machine's kernel) and
# `make check-bench` (bench/ end to end, one quick round), then
# `make check-kernels` (the integration tests again on Debian's 5.10, 6.1 and
# 6.12 kernels under qemu), and ends with one line
# "N passed, N failed[, N skipped]" counted from every TAP result.
# IPC_SKIP_KERNELS=1 leaves the qemu matrix out (for a quick run).
set -u
cd "$(dirname "$0")/.."
contrib/install-deps.sh --tests || exit 1
[ -x configure ] || autoreconf -fi || exit 1
[ -f Makefile ] || ./configure || exit 1
make -j"$(nproc)" || exit 1

echo "== make check (kernel $(uname -r), natively)"
make -j"$(nproc)" check >tests/check.out 2>&1
check_status=$?
make check-bench >>tests/check.out 2>&1 || check_status=1
grep -E '^(FAIL|ERROR|XPASS):' tests/check.out
count() { awk -v k="# $1:" 'index($0, k) == 1 { n += $3 } END { print n + 0 }' tests/check.out; }
passed=$(count PASS)
failed=$(($(count FAIL) + $(count ERROR) + $(count XPASS)))
skipped=$(count SKIP)
[ "$check_status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1   # the harness itself broke
echo "# kernel $(uname -r): $passed passed, $failed failed"

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

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
