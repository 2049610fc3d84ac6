#!/bin/bash
# Named FIFOs: the same exact attribution as pipes, under mechanism="fifo",
# and bytes discarded with an earlier opening are never handed to a later one.
. "$(dirname "$0")/lib.sh"
require_root
exporter_start || tap_finish

run_fifo() { # DESCRIPTION ARGS...
	local prefix
	prefix=$(unique_prefix f)
	run_ground_truth "$1" fifo "$prefix" "$WORKLOAD" fifo "$prefix" "${@:2}" --fifo-path "$TEST_TMP/fifo"
}

run_fifo "one writer, one reader" 1 1 400 256
run_fifo "two writers, one reader" 2 1 300 100 65536
run_fifo "one writer, two readers taking turns" 1 2 400 64 --reader-pause-us 200

prefix=$(unique_prefix f)
scrape "$TEST_TMP/before"
"$WORKLOAD" fifo-reopen "$prefix" "$TEST_TMP/fifo" >"$TEST_TMP/truth"
tap_ok $? "reopened FIFO: workload ran"
scrape "$TEST_TMP/after"
check_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth"
check_no_other_series "$TEST_TMP/after" "$TEST_TMP/truth" "$prefix" fifo ipc_bytes_total
stale=$(($(series_value "$TEST_TMP/after" ipc_exporter_pipe_stale_bytes_total) - $(series_value "$TEST_TMP/before" ipc_exporter_pipe_stale_bytes_total)))
echo "# bytes dropped as stale on reopening: $stale (100 when the kernel reused the pipe's address)"
tap_finish
