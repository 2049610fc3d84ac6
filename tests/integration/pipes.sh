#!/bin/bash
# Anonymous pipes: exact bytes and messages per (writer, reader) pair against
# the readers' own tally, whichever of read() and write() returns first.
. "$(dirname "$0")/lib.sh"
require_root
exporter_start || tap_finish

run_case() { # DESCRIPTION WORKLOAD_ARGS...
	local desc=$1 prefix
	shift
	prefix=$(unique_prefix p)
	scrape "$TEST_TMP/before"
	"$WORKLOAD" pipe "$prefix" "$@" >"$TEST_TMP/truth"
	tap_ok $? "$desc: workload ran"
	scrape "$TEST_TMP/after"
	echo "# $desc:" ; tap_diag <"$TEST_TMP/truth"
	check_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth"
	check_no_other_series "$TEST_TMP/after" "$TEST_TMP/truth" "$prefix" ipc_bytes_total pipe
	check_no_other_series "$TEST_TMP/after" "$TEST_TMP/truth" "$prefix" ipc_messages_total pipe
}

run_case "one writer, one reader" 1 1 500 100
run_case "one writer, one reader, writev/readv" 1 1 300 64 --vectors
run_case "two writers, one reader reading 64 KiB at a time" 2 1 400 100 65536
run_case "one writer, two readers" 1 2 600 128
run_case "writer exits before the reader reads (name kept)" 1 1 20 50 --reader-delay-ms 300
tap_finish
