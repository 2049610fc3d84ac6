#!/bin/bash
# Twice as many distinct pairs as the flow table holds, spread over seconds
# with no scrape between: the exporter drains the table in the background as
# it fills, so one scrape afterwards has every pair exact and nothing in
# [overflow].  Also the tables' fill and capacity gauges.
. "$(dirname "$0")/lib.sh"
require_root
table=2048		# background drain at 1024 entries
queue_table=4096
pairs=2000		# 4000 distinct flows: data and ack per pair
held_pipes=100
# 400 new flows a second: a one-second poll finds the table at most 1024 + 400 full.
exporter_start --flow-table-size=$table --pipe-table-size=$queue_table --series-limit=100000 || tap_finish

scrape "$TEST_TMP/before"
prefix=$(unique_prefix d)
"$WORKLOAD" pairs "$prefix" $pairs 64 100 500 >"$TEST_TMP/truth"
tap_ok $? "workload: $pairs pairs in batches of 100, 0.5 s apart"
# Pipes holding unread bytes at the scrape: queues the gauge must see.
python3 -c '
import os, signal, sys
ends = [os.pipe() for _ in range(int(sys.argv[1]))]
for r, w in ends:
    os.write(w, b"x")
print("ready", flush=True)
signal.pause()
' $held_pipes >"$TEST_TMP/held" &
holder=$!
wait_until 20 grep -qs ready "$TEST_TMP/held"
tap_ok $? "$held_pipes pipes hold unread bytes"
scrape "$TEST_TMP/after"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

value() { series_value "$TEST_TMP/after" "$1"; }
delta() { echo $(($(value "$1") - $(series_value "$TEST_TMP/before" "$1"))); }

# Every flow of the truth, exact; none of the prefix's beyond it.
tap_eq "$(grep -c ^flow "$TEST_TMP/truth")" $((2 * pairs)) "the workload's truth has $((2 * pairs)) flows"
report=$(awk -v before="$TEST_TMP/before" -v truth="$TEST_TMP/truth" -v prefix="$prefix-" '
	function key(m, s, d) { return m "|" s "|" d }
	FILENAME != truth {
		if (match($0, /^ipc_(bytes|messages)_total\{mechanism="[^"]*",src_comm="[^"]*",dst_comm="[^"]*"\} /)) {
			split($0, f, "\"")
			fam = substr($0, 5, index($0, "_total") - 5)
			v[FILENAME == before ? "b" : "a", fam, key(f[2], f[4], f[6])] = $NF
			if (FILENAME != before && (index(f[4], prefix) == 1 || index(f[6], prefix) == 1))
				named[fam, key(f[2], f[4], f[6])] = 1
		}
		next
	}
	$1 == "flow" {
		k = key($2, $3, $4); want[k] = 1
		if (v["a", "bytes", k] - v["b", "bytes", k] == $6 && v["a", "messages", k] - v["b", "messages", k] == $5)
			exact++
		else if (wrong++ < 5)
			print "# wrong: " k " bytes " v["a", "bytes", k] - v["b", "bytes", k] " want " $6
	}
	$1 == "signal" {	# the reader exit SIGCHLD, in ipc_messages_total per pair
		k = key("signal", $3, $4); want[k] = 1
		if (v["a", "messages", k] - v["b", "messages", k] == $5)
			exact++
		else
			print "# wrong: " k " signals " v["a", "messages", k] - v["b", "messages", k] " want " $5
	}
	END {
		for (nk in named) { split(nk, p, SUBSEP); if (!(p[2] in want)) extra++ }
		print "exact " exact + 0 " extra " extra + 0
	}' "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth")
grep '^#' <<<"$report"
tap_eq "$(grep ^exact <<<"$report")" "exact $((2 * pairs + 1)) extra 0" \
	"all $((2 * pairs)) flows and the SIGCHLD exact (bytes, messages), no other series of the workload"

overflow=$(delta 'ipc_bytes_total{mechanism="pipe",src_comm="[overflow]",dst_comm="[overflow]"}')
tap_eq "$overflow" 0 "no pipe bytes in [overflow]"
tap_eq "$(value ipc_exporter_flow_table_full_total)" 0 "the flow table never filled"
# 4000 flows, at most 2048 of them drained by the one scrape: the rest by at least two background drains.
fill=$(delta 'ipc_exporter_flow_drains_total{reason="fill"}')
tap_ok $((fill >= 2 ? 0 : 1)) "the table was drained in the background as it filled ($fill times)"
tap_eq "$(delta 'ipc_exporter_flow_drains_total{reason="scrape"}')" 1 "one drain for the one scrape"
drained=$(delta ipc_exporter_flows_drained_total)
tap_ok $((drained >= 2 * pairs ? 0 : 1)) "flows drained: $drained >= $((2 * pairs))"

tap_eq "$(value 'ipc_exporter_table_capacity{table="flows"}')" $table "flow table capacity is --flow-table-size"
tap_eq "$(value 'ipc_exporter_table_capacity{table="queues"}')" $queue_table "queue table capacity is --pipe-table-size"
# A background drain starts at half the table, and nothing overflowed.
peak=$(value 'ipc_exporter_table_entries{table="flows"}')
tap_ok $((peak >= table / 2 && peak <= table ? 0 : 1)) "flow table fill at its peak: $table / 2 <= $peak <= $table"
queues=$(value 'ipc_exporter_table_entries{table="queues"}')
tap_ok $((queues >= held_pipes && queues <= queue_table ? 0 : 1)) \
	"queue table fill: $held_pipes <= $queues <= $queue_table"
scrape "$TEST_TMP/again"
peak=$(series_value "$TEST_TMP/again" 'ipc_exporter_table_entries{table="flows"}')
tap_ok $((peak < table / 2 ? 0 : 1)) "the flow peak is per scrape interval: $peak after an idle one"
"$PROMTOOL" check metrics <"$TEST_TMP/after" >/dev/null 2>&1
tap_ok $? "the page passes promtool"
tap_finish
