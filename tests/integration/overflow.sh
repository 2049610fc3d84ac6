#!/bin/bash
# A full flow table: what does not fit is counted in [overflow] series and
# in ipc_exporter_flow_table_full_total, never dropped.
. "$(dirname "$0")/lib.sh"
require_root
exporter_start --flow-table-size=16 || tap_finish

scrape "$TEST_TMP/before"
: >"$TEST_TMP/truth"
prefixes=
for round in 1 2 3 4 5; do
	prefix=$(unique_prefix o)
	prefixes="$prefixes $prefix"
	"$WORKLOAD" pipe "$prefix" 8 1 10 100 >>"$TEST_TMP/truth" || tap_ok 1 "workload $round"
done
scrape "$TEST_TMP/after"

delta() { echo $(($(series_value "$TEST_TMP/after" "$1") - $(series_value "$TEST_TMP/before" "$1"))); }
truth_bytes=$(awk '$1 == "flow" && $2 == "pipe" { s += $6 } END { print s }' "$TEST_TMP/truth")
truth_flows=$(grep -c '^flow pipe' "$TEST_TMP/truth")
listed=0
for prefix in $prefixes; do
	n=$(grep "^ipc_bytes_total{mechanism=\"pipe\",src_comm=\"$prefix-" "$TEST_TMP/after" | awk '{ s += $2 } END { print s + 0 }')
	listed=$((listed + n))
done
overflow=$(delta 'ipc_bytes_total{mechanism="pipe",src_comm="[overflow]",dst_comm="[overflow]"}')
full=$(delta ipc_exporter_flow_table_full_total)
echo "# $truth_flows flows, $truth_bytes bytes: $listed bytes in named series, $overflow in [overflow], $full events found the table full"
tap_ok $((full > 0 ? 0 : 1)) "the 16-entry table filled up ($full events folded)"
tap_ok $((overflow > 0 ? 0 : 1)) "pipe bytes were counted in the [overflow] series"
tap_ok $((listed <= truth_bytes ? 0 : 1)) "named series never exceed the truth"
# Other processes on the host may overflow too, so [overflow] holds at least the rest.
tap_ok $((listed + overflow >= truth_bytes ? 0 : 1)) "nothing lost: named + [overflow] >= truth ($listed + $overflow >= $truth_bytes)"
"$PROMTOOL" check metrics <"$TEST_TMP/after" >/dev/null 2>&1
tap_ok $? "page with [overflow] series passes promtool"
tap_finish
