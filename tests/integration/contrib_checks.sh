#!/bin/bash
# What ships around the exporter: the alert rules pass promtool, the
# dashboard is valid JSON, and every metric either names is one the
# exporter really exports.
. "$(dirname "$0")/lib.sh"
require_root
rules=$TOP_SRCDIR/contrib/prometheus/ipc_exporter_alerts.yml
dashboard=$TOP_SRCDIR/dashboards/ipc_exporter.json

out=$("$PROMTOOL" check rules "$rules" 2>&1)
tap_ok $? "promtool check rules accepts the alert rules"
echo "$out" | tap_diag
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$dashboard"
tap_ok $? "the dashboard is valid JSON"

exporter_start || tap_finish
scrape "$TEST_TMP/page"
exported=$(grep '^# TYPE ' "$TEST_TMP/page" | awk '{ print $3 }' | sort -u)
# (the ipc_unexpected_* families exist only with --policy.file: policy.sh checks those)
used=$(cat "$rules" "$dashboard" | grep -oE '\b(ipc|process)_[a-z_]+\b *[{([]' | grep -oE '^[a-z_]+' |
	grep -v '^ipc_unexpected_' | sort -u)
missing=
for m in $used; do
	grep -qx "$m" <<<"$exported" || missing="$missing $m"
done
tap_eq "$missing" "" "every metric the rules and dashboard use is exported ($(echo $used | wc -w) names)"
tap_finish
