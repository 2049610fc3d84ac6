#!/bin/bash
# Pseudo-terminals: exact messages and bytes per (writer, reader) pair for
# data written on one side of a pty pair and read on the other, both ways,
# with the slave in raw mode; and, with the slave left canonical with echo,
# what the line discipline does: the slave's reader gets the master's lines,
# and the master's reader gets an echo that no process wrote.
. "$(dirname "$0")/lib.sh"
require_root
PTY_WORKLOAD=$TOP_BUILDDIR/tests/workloads/pty_workload
exporter_start || tap_finish

run_raw() { # DESCRIPTION WRITES SIZE
	local prefix
	prefix=$(unique_prefix y)
	run_ground_truth "$1" pty "$prefix" "$PTY_WORKLOAD" raw "$prefix" "$2" "$3"
}

run_raw "raw pty, master to slave and back, 256-byte writes" 200 256
run_raw "raw pty, 1-byte writes" 500 1
run_raw "raw pty, 512-byte writes (the writer waits for room)" 400 512

# The delta, summed over every series of a scrape that matches REGEX.
sum_delta() { # BEFORE AFTER REGEX
	local before after
	before=$(grep -E -- "$3" "$1" | awk '{ s += $NF } END { printf "%.0f\n", s }')
	after=$(grep -E -- "$3" "$2" | awk '{ s += $NF } END { printf "%.0f\n", s }')
	echo $((after - before))
}

# Canonical mode, ECHO and ONLCR on: PREFIX-mw writes "hello\n" lines to the
# master, PREFIX-sr reads them from the slave, PREFIX-mr reads the echo
# ("hello\r\n" a line) from the master.  MODE cooked: a write a line;
# held: one write of all the lines, blocked until PREFIX-mr has read 2,048
# bytes of its echo (the echo is read before the write returns).
run_cooked() { # MODE LINES DESCRIPTION
	local prefix want series got family extra
	prefix=$(unique_prefix y)
	scrape "$TEST_TMP/before"
	"$PTY_WORKLOAD" "$1" "$prefix" "$2" >"$TEST_TMP/truth"
	tap_ok $? "$3: workload ran"
	scrape "$TEST_TMP/after"
	echo "# $3:"
	tap_diag <"$TEST_TMP/truth"
	# The flow line, exactly: what PREFIX-mw wrote and PREFIX-sr read.
	check_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth"

	# The echo: no process wrote these bytes, the slave's line discipline
	# made them (as it adds \r before \n with ONLCR), counted from [tty].
	want=$(awk '$1 == "echo" && $2 == "pty" { print $4 }' "$TEST_TMP/truth")
	series="ipc_bytes_total{mechanism=\"pty\",src_comm=\"[tty]\",dst_comm=\"$prefix-mr\"}"
	got=$(($(series_value "$TEST_TMP/after" "$series") - $(series_value "$TEST_TMP/before" "$series")))
	tap_eq "$got" "$want" "$3: the echo's bytes to $prefix-mr come from [tty]"
	got=$(sum_delta "$TEST_TMP/before" "$TEST_TMP/after" \
		"^ipc_bytes_total\\{mechanism=\"pty\",src_comm=\"[^\"]*\",dst_comm=\"$prefix-mr\"\\} ")
	tap_eq "$got" "$want" "$3: $prefix-mr got nothing else"

	# Beyond the truth's flow and the echo to PREFIX-mr, no pty series
	# names a PREFIX process.
	for family in ipc_bytes_total ipc_messages_total; do
		extra=$(grep "^$family{mechanism=\"pty\"" "$TEST_TMP/after" | grep -- "_comm=\"$prefix-" |
			grep -v -- "dst_comm=\"$prefix-mr\"" | while read -r series value; do
				grep -q "^flow $(echo "$series" | sed -E 's/.*mechanism="([^"]*)",src_comm="([^"]*)",dst_comm="([^"]*)".*/\1 \2 \3/') " "$TEST_TMP/truth" ||
					echo "$series $value"
			done)
		tap_eq "$extra" "" "$3: no $family series for $prefix processes beyond the truth and the echo"
	done
}

run_cooked cooked 100 "cooked pty with echo"
run_cooked held 5000 "cooked pty, echo read before the write returns"

# A bulk writer on a cooked pty (script(1) around dd and cat, as a user's
# terminal would be): a large write passes the line discipline in chunks
# while the writer sleeps, so the master reads long before write()
# returns.  The writer's bytes are credited to it whatever the chunking;
# [tty] gets only what the line discipline made: one \r per line (ONLCR).
lines=20000
awk -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) printf "%059d\n", i }' >"$TEST_TMP/bulk.txt"
size=$(stat -c %s "$TEST_TMP/bulk.txt")
for writer in dd cat; do
	tag=$(unique_prefix b)
	cp "$(command -v "$writer")" "$TEST_TMP/$tag-$writer"
	cp "$(command -v script)" "$TEST_TMP/$tag-term"
	case $writer in
	dd) cmd="$TEST_TMP/$tag-dd if=$TEST_TMP/bulk.txt bs=1M status=none" ;;
	cat) cmd="$TEST_TMP/$tag-cat $TEST_TMP/bulk.txt" ;;
	esac
	scrape "$TEST_TMP/before"
	"$TEST_TMP/$tag-term" -q -e -c "$cmd" /dev/null </dev/null >"$TEST_TMP/bulk.out"
	tap_ok $? "script -c '$writer' of $size bytes ($lines lines) ran"
	scrape "$TEST_TMP/after"
	# what the terminal showed: every line, \r\n-terminated
	tap_eq "$(stat -c %s "$TEST_TMP/bulk.out")" $((size + lines)) "$writer: the terminal got $((size + lines)) bytes"
	series="ipc_bytes_total{mechanism=\"pty\",src_comm=\"$tag-$writer\",dst_comm=\"$tag-term\"}"
	got=$(($(series_value "$TEST_TMP/after" "$series") - $(series_value "$TEST_TMP/before" "$series")))
	tap_eq "$got" "$size" "cooked pty, $writer in chunks: all $size bytes credited to the writer"
	series="ipc_bytes_total{mechanism=\"pty\",src_comm=\"[tty]\",dst_comm=\"$tag-term\"}"
	got=$(($(series_value "$TEST_TMP/after" "$series") - $(series_value "$TEST_TMP/before" "$series")))
	tap_eq "$got" "$lines" "cooked pty, $writer: [tty] made one \\r per line ($lines)"
	got=$(sum_delta "$TEST_TMP/before" "$TEST_TMP/after" \
		"^ipc_bytes_total\\{mechanism=\"pty\",src_comm=\"[^\"]*\",dst_comm=\"$tag-term\"\\} ")
	tap_eq "$got" $((size + lines)) "cooked pty, $writer: the terminal's reads add up, nothing from elsewhere"
done

tap_finish
