#!/bin/bash
# The unit tests of this build, run where it runs: in the matrix, the arm64
# guest runs the cross-built ones (char is unsigned there, and the queue
# logic of bpf/pipe_queue.h runs as arm64 code).  One TAP stream: each
# result is "TEST: description"; each test in tests/unit/*.c must have run
# to its plan.
cd "$TOP_BUILDDIR" || exit 1
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
for src in "$TOP_SRCDIR"/tests/unit/test_*.c; do
	t=$(basename "$src" .c)
	if [ ! -x "tests/unit/$t" ]; then
		not_ok "$t: built"
		continue
	fi
	out=$(cd tests/unit && "./$t" 2>&1)
	status=$?
	results=0
	while IFS= read -r line; do
		case $line in
		"ok "*) results=$((results + 1)); ok "$t: ${line#ok * - }" ;;
		"not ok "*) results=$((results + 1)); not_ok "$t: ${line#not ok * - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <<<"$out"
	planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' <<<"$out")
	[ "$status" = 0 ] && [ "${planned:-x}" = "$results" ] && [ "$results" -gt 0 ] ||
		not_ok "$t: ran to its plan (exit $status, $results results, plan ${planned:-missing})"
done
echo "1..$n"
