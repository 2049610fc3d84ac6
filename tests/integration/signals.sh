#!/bin/bash
# Signals: one per signal generated, sender to target, per signal name;
# kernel-sent signals (SIGCHLD) come from [kernel].
. "$(dirname "$0")/lib.sh"
require_root
exporter_start || tap_finish

run_signals() { # DESCRIPTION SIGNO COUNT
	local prefix
	prefix=$(unique_prefix s)
	scrape "$TEST_TMP/before"
	"$WORKLOAD" signal "$prefix" "$2" "$3" >"$TEST_TMP/truth"
	tap_ok $? "$1: workload ran"
	scrape "$TEST_TMP/after"
	echo "# $1:"
	tap_diag <"$TEST_TMP/truth"
	check_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth"
	# The same counts appear as messages of mechanism "signal".
	local sent want
	want=$(awk '$1 == "signal" && $3 ~ /-send0$/ { s += $5 } END { print s }' "$TEST_TMP/truth")
	sent=$(grep "^ipc_messages_total{mechanism=\"signal\",src_comm=\"$prefix-send0\"" "$TEST_TMP/after" |
		awk '{ s += $2 } END { print s + 0 }')
	tap_eq "$sent" "$want" "$1: ipc_messages_total{mechanism=\"signal\"} from the sender"
	want=$(awk '$1 == "signal" && $3 ~ /-send0$/ && $4 ~ /-recv0$/ { s += $5 } END { print s }' "$TEST_TMP/truth")
	got=$(series_value "$TEST_TMP/after" "ipc_messages_total{mechanism=\"signal\",src_comm=\"$prefix-send0\",dst_comm=\"$prefix-recv0\"}")
	tap_eq "$got" "$want" "$1: two signal kinds between one pair: one ipc_messages_total series ($want)"
	dups=$(grep -v '^#' "$TEST_TMP/after" | awk '{ print $1 }' | sort | uniq -d | head -3)
	tap_eq "$dups" "" "$1: no series appears twice"
	local extra
	extra=$(grep "^ipc_signals_total{" "$TEST_TMP/after" | grep -- "_comm=\"$prefix-" | grep -v -e 'SIGCHLD' \
		-e "src_comm=\"$prefix-send0\"")
	tap_eq "$extra" "" "$1: no signals beyond the ground truth"
}

run_signals "SIGUSR1 x 50 (regular, merging while pending)" 10 50
run_signals "SIGRTMIN+3 x 40 (realtime, queued with sigqueue)" $(($(kill -l SIGRTMIN) + 3)) 40
run_signals "SIGTERM x 1" 15 1
tap_finish
