#!/bin/bash
# The alert and recording rules under promtool's unit tests
# (contrib/prometheus/ipc_exporter_alerts_test.yml): every alert fires when it
# should and not before, the first event of a new unexpected pair included,
# an exporter restart not; every recording rule's value.  Also that every
# rule in the file has a test.
. "$(dirname "$0")/../integration/lib.sh"
dir=$TOP_SRCDIR/contrib/prometheus
out=$(cd "$dir" && "$PROMTOOL" test rules ipc_exporter_alerts_test.yml 2>&1)
tap_ok $? "promtool test rules: every test of the alert and recording rules passes"
echo "$out" | tap_diag
untested=
for name in $(awk '/^ *- (alert|record):/ { print $3 }' "$dir/ipc_exporter_alerts.yml"); do
	grep -q "alertname: $name\$\|expr: $name\$" "$dir/ipc_exporter_alerts_test.yml" || untested="$untested $name"
done
tap_eq "${untested:-none}" none "every alert and recording rule has a unit test"
tap_finish
