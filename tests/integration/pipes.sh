#!/bin/bash
# Anonymous pipes: exact bytes and messages per (writer, reader) pair against
# the readers' own tally, whichever of read() and write() returns first.
. "$(dirname "$0")/lib.sh"
require_root
# PIPE_LOCK=map runs the same cases with the map-lock variant (pipes_maplock.sh).
exporter_start ${PIPE_LOCK:+--pipe-lock=$PIPE_LOCK} || tap_finish

# The program chosen for this kernel to count pipes (sys_exit's, or the
# mechanism hook on pipe_read) is said in the log and in a metric.
scrape "$TEST_TMP/hooks"
exported=$(sed -n 's/^ipc_exporter_hook_info{hook="\([^"]*\)",program="\([^"]*\)",mechanisms="\(pipe\|[^"]*,pipe\)[,"].*/\1 \2/p' \
	"$TEST_TMP/hooks" | head -1)
logged=$(sed -n 's/.*hook \([^ ]*\) (program \([^)]*\)) counts \(pipe\|[^ ]*,pipe\)\(,.*\)\?$/\1 \2/p' "$TEST_TMP/exporter.log" |
	head -1)
tap_eq "$exported" "$logged" "the program counting pipes logged and exported alike ($logged)"
[ "${PIPE_LOCK:-}" = map ] && tap_eq "${exported##*_}" maplock "--pipe-lock=map loads the map-lock program"

run_case() { # DESCRIPTION WORKLOAD_ARGS...
	local prefix
	prefix=$(unique_prefix p)
	run_ground_truth "$1" pipe "$prefix" "$WORKLOAD" pipe "$prefix" "${@:2}"
}

run_case "one writer, one reader" 1 1 500 100
first_case=$TEST_TMP/first_truth
cp "$TEST_TMP/truth" "$first_case"
run_case "one writer, one reader, writev/readv" 1 1 300 64 --vectors
run_case "two writers, one reader reading 64 KiB at a time" 2 1 400 100 65536
run_case "one writer, two readers taking turns" 1 2 600 128 --reader-pause-us 200
run_case "writer exits before the reader reads (name kept)" 1 1 20 50 --reader-delay-ms 300
run_case "writer renames itself (prctl) half-way: each name counted from then on" 1 1 40 100 --rename-after 17
# Threads that name themselves count under their process's name (the
# thread-group leader's), for pipe bytes and for signals they send or get.
prefix=$(unique_prefix p)
run_ground_truth "4 named writer threads, a named reader thread" pipe "$prefix" \
	"$TOP_BUILDDIR/tests/workloads/thread_workload" "$prefix" 4 50 100
threads_named=$(grep -c "_comm=\"$prefix-\(t\|rt\)[0-9]" "$TEST_TMP/after")
tap_eq "$threads_named" 0 "no series names a thread"
# Several writers and several readers at once: no hook sees the true
# interleaving inside pipe_write/pipe_read, so per-pair numbers may be off;
# totals must stay exact and the per-pair error is measured here.
prefix=$(unique_prefix p)
scrape "$TEST_TMP/before"
"$WORKLOAD" pipe "$prefix" 3 3 2000 64 --reader-pause-us 20 >"$TEST_TMP/truth"
tap_ok $? "three writers, three readers: workload ran"
scrape "$TEST_TMP/after"
tap_diag <"$TEST_TMP/truth"
read -r truth_bytes truth_messages measured_error <<EOF2
$(awk -v before="$TEST_TMP/before" -v after="$TEST_TMP/after" '
	function load(file, arr,   line, k) {
		while ((getline line < file) > 0) {
			if (line !~ /^ipc_(bytes|messages)_total\{mechanism="pipe"/) continue
			k = line; sub(/ [0-9]+$/, "", k)
			arr[k] = substr(line, length(k) + 2)
		}
	}
	BEGIN { load(before, b); load(after, a) }
	$1 == "flow" && $2 == "pipe" && $3 ~ /-w/ {
		key = "mechanism=\"pipe\",src_comm=\"" $3 "\",dst_comm=\"" $4 "\"}"
		got = a["ipc_bytes_total{" key] - b["ipc_bytes_total{" key]
		want_bytes += $6; want_msgs += $5; err += (got > $6 ? got - $6 : $6 - got)
	}
	END { printf "%d %d %d\n", want_bytes, want_msgs, err / 2 }' "$TEST_TMP/truth")
EOF2
got_bytes=$(grep "^ipc_bytes_total{mechanism=\"pipe\",src_comm=\"$prefix-w" "$TEST_TMP/after" | awk '{s += $2} END {print s + 0}')
got_messages=$(grep "^ipc_messages_total{mechanism=\"pipe\",src_comm=\"$prefix-w" "$TEST_TMP/after" | awk '{s += $2} END {print s + 0}')
tap_eq "$got_bytes" "$truth_bytes" "3x3: total bytes exact"
tap_eq "$got_messages" "$truth_messages" "3x3: total messages exact"
unknown=$(grep -c "^ipc_bytes_total{mechanism=\"pipe\",src_comm=\"$prefix-w[0-9]\",dst_comm=\"\[unknown\]\"" "$TEST_TMP/after")
tap_eq "$unknown" 0 "3x3: no bytes settled against [unknown]"
# Bytes on a wrong pair, as a share of all bytes (documented in docs/ARCHITECTURE.md).
echo "# 3x3 misattributed: $measured_error of $truth_bytes bytes"
grep '^ipc_exporter_pipe_' "$TEST_TMP/after" | tap_diag

# Counters carry on after their processes exited and their kernel entries
# were drained: the first case's series, scraped many times since, still
# hold exactly their values.
scrape "$TEST_TMP/later"
: >"$TEST_TMP/zero"
check_truth "$TEST_TMP/zero" "$TEST_TMP/later" "$first_case"
# Under qemu's TCG a vCPU can stall for milliseconds anywhere, hooks
# included, and more calls overlap: 10% there (6% seen on 6.1).
bound=5
[ "${IPC_TEST_GUEST:-0}" = 1 ] && bound=10
tap_ok $((measured_error * 100 > truth_bytes * bound)) \
	"3x3: per-pair error at most $bound% of bytes (measured $measured_error/$truth_bytes)"

tap_finish
