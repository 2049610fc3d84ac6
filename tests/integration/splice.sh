#!/bin/bash
# Zero-copy transfers through pipes: splice between two pipes, from a pipe
# into a UNIX stream socket and back, vmsplice in and out of a pipe, tee,
# and sendfile from a pipe where the kernel allows it.  Each is checked
# exactly against the workload's truth: a splice, vmsplice or tee call that
# moved data is one message of its caller; the pipe's reader gets the bytes.
. "$(dirname "$0")/lib.sh"
require_root
SPLICE_WORKLOAD=$TOP_BUILDDIR/tests/workloads/splice_workload
exporter_start || tap_finish

run_case() { # DESCRIPTION CASE COUNT SIZE
	local prefix
	prefix=$(unique_prefix s)
	run_ground_truth "$1" "pipe unix-stream" "$prefix" "$SPLICE_WORKLOAD" "$2" "$prefix" "$3" "$4"
}

run_case "splice from one pipe into another" splice-pipe 200 1000
run_case "splice from one pipe into another, whole pages" splice-pipe 100 4096
run_case "vmsplice into a pipe; vmsplice out of another" vmsplice 200 1000
run_case "tee from one pipe into another, then both read" tee 100 1000
run_case "splice from a pipe into a UNIX stream socket" splice-socket 200 1000
run_case "splice from a UNIX stream socket into a pipe" splice-from-socket 200 1000
run_case "splice from a UNIX stream socket into a pipe, 1-byte writes" splice-from-socket 300 1

# sendfile() takes a pipe as its input only where the kernel gives pipes a
# splice_read (the workload exits 3 when it refuses: EINVAL).
prefix=$(unique_prefix s)
scrape "$TEST_TMP/before"
"$SPLICE_WORKLOAD" sendfile-pipe "$prefix" 200 1000 >"$TEST_TMP/truth" 2>"$TEST_TMP/stderr"
status=$?
if [ "$status" -eq 3 ]; then
	tap_ok 0 "sendfile from a pipe is refused by this kernel ($(uname -r))"
else
	tap_ok "$status" "sendfile from a pipe into a UNIX stream socket: workload ran"
	tap_diag <"$TEST_TMP/stderr"
	scrape "$TEST_TMP/after"
	echo "# sendfile from a pipe into a UNIX stream socket:"
	tap_diag <"$TEST_TMP/truth"
	check_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth"
	check_no_other_series "$TEST_TMP/after" "$TEST_TMP/truth" "$prefix" "pipe unix-stream"
fi

# copy_file_range() wants two regular files: with a pipe on either side it
# fails and counts nothing.
run_case "copy_file_range with a pipe on either side" copy-file-range 1 1000
tap_eq "$(cat "$TEST_TMP/truth")" "refused EINVAL" "copy_file_range refuses a pipe both ways with EINVAL"

tap_finish
