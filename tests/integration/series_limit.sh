#!/bin/bash
# --series-limit: past the limit, new label sets are folded into the
# [overflow] label set of their mechanism, counted, never dropped; label
# sets exported before the limit was reached keep counting exactly.
. "$(dirname "$0")/lib.sh"
require_root
limit=60
exporter_start --series-limit=$limit || tap_finish

# A flow whose series exists before the limit is reached.
early=$(unique_prefix k)
"$WORKLOAD" pipe "$early" 1 1 10 100 >"$TEST_TMP/early_truth"
scrape "$TEST_TMP/before"
tap_eq "$(series_value "$TEST_TMP/before" "ipc_bytes_total{mechanism=\"pipe\",src_comm=\"$early-w0\",dst_comm=\"$early-r0\"}")" \
	1000 "a flow exported before the limit"

# Many more flows than the limit allows: 8 writers x 1 reader, 10 rounds.
: >"$TEST_TMP/truth"
prefixes=
for round in 1 2 3 4 5 6 7 8 9 10; do
	prefix=$(unique_prefix f)
	prefixes="$prefixes $prefix"
	"$WORKLOAD" pipe "$prefix" 8 1 10 100 >>"$TEST_TMP/truth" || tap_ok 1 "workload $round"
done
# The early flow again: its label set is known, so it keeps counting.
"$WORKLOAD" pipe "$early" 1 1 10 100 >/dev/null
scrape "$TEST_TMP/after"

tap_eq "$(series_value "$TEST_TMP/after" "ipc_bytes_total{mechanism=\"pipe\",src_comm=\"$early-w0\",dst_comm=\"$early-r0\"}")" \
	2000 "a label set from before the limit keeps counting exactly"
sets=$(series_value "$TEST_TMP/after" ipc_exporter_series)
named=$(grep -c '^ipc_bytes_total{.*src_comm="[^[]' "$TEST_TMP/after")
tap_ok $((sets <= limit + 10 ? 0 : 1)) "label sets stay at the limit, [overflow] ones aside ($sets, limit $limit)"
tap_ok $((named <= limit ? 0 : 1)) "named byte series within the limit ($named)"
tap_eq "$(series_value "$TEST_TMP/after" ipc_exporter_series_limit)" "$limit" "the limit is exported"
folded=$(($(series_value "$TEST_TMP/after" ipc_exporter_series_folded_total) - $(series_value "$TEST_TMP/before" ipc_exporter_series_folded_total)))
tap_ok $((folded > 0 ? 0 : 1)) "folded flows are counted ($folded)"

truth_bytes=$(awk '$1 == "flow" && $2 == "pipe" { s += $6 } END { print s }' "$TEST_TMP/truth")
listed=0
for prefix in $prefixes; do
	n=$(grep "^ipc_bytes_total{mechanism=\"pipe\",src_comm=\"$prefix-" "$TEST_TMP/after" | awk '{ s += $2 } END { print s + 0 }')
	listed=$((listed + n))
done
series='ipc_bytes_total{mechanism="pipe",src_comm="[overflow]",dst_comm="[overflow]"}'
overflow=$(($(series_value "$TEST_TMP/after" "$series") - $(series_value "$TEST_TMP/before" "$series")))
echo "# $truth_bytes bytes: $listed in named series, $overflow in [overflow]"
tap_ok $((overflow > 0 ? 0 : 1)) "bytes past the limit are in the [overflow] label set"
# Other processes on the host may be folded too, so [overflow] holds at least the rest.
tap_ok $((listed + overflow >= truth_bytes ? 0 : 1)) "nothing lost: named + [overflow] >= truth ($listed + $overflow >= $truth_bytes)"
tap_ok $((listed < truth_bytes ? 0 : 1)) "some of the workload was folded"
"$PROMTOOL" check metrics <"$TEST_TMP/after" >/dev/null 2>&1
tap_ok $? "page at the limit passes promtool"
tap_finish
