#!/bin/bash
# The whole test suite, as root: installs what it needs, builds, runs
# `make check` (unit and integration tests on this kernel), and ends with
# one line "N passed, N failed[, N skipped]" counted from the TAP results.
set -u
cd "$(dirname "$0")/.."
contrib/install-deps.sh --tests || exit 1
[ -x configure ] || autoreconf -fi || exit 1
[ -f Makefile ] || ./configure || exit 1
make -j"$(nproc)" || exit 1

make -j"$(nproc)" check >tests/check.out 2>&1
status=$?
grep -E '^(FAIL|ERROR|XPASS):' tests/check.out
count() { awk -v k="# $1:" 'index($0, k) == 1 { n += $3 } END { print n + 0 }' tests/check.out; }
passed=$(count PASS)
failed=$(($(count FAIL) + $(count ERROR) + $(count XPASS)))
skipped=$(count SKIP)
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1   # the harness itself broke
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
