#!/bin/bash
# The unit tests of this build, run where it runs: in the matrix, the arm64
# guest runs the cross-built ones (char is unsigned there, and the queue
# logic of bpf/pipe_queue.h runs as arm64 code).  One TAP stream: each
# result is "TEST: description"; each test in tests/unit/*.c must have run
# to its plan.
# shellcheck source=tests/kernels/tap_merge.sh
. "$TOP_SRCDIR/tests/kernels/tap_merge.sh"
cd "$TOP_BUILDDIR" || exit 1
for src in "$TOP_SRCDIR"/tests/unit/test_*.c; do
	t=$(basename "$src" .c)
	if [ ! -x "tests/unit/$t" ]; then
		tap_emit not_ok "$t: built"
		continue
	fi
	out=$(cd tests/unit && "./$t" 2>&1)
	status=$?
	tap_merge "$t" "$out"
	[ "$status" = 0 ] && [ "$tap_results" -gt 0 ] ||
		tap_emit not_ok "$t: ran to its end (exit $status, $tap_results results)"
done
echo "1..$tap_count"
