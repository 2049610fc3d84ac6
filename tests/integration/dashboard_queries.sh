#!/bin/bash
# Every PromQL expression of every dashboard, run against a real Prometheus
# that scraped the exporter (with a policy, and the recording rules of
# contrib/prometheus loaded) during a workload of pipes, signals and a flow
# the policy does not allow: a panel whose query returns nothing fails.
# Grafana's variables become what "All" selects ($job, $instance: .*) and
# the rate interval 30s.  The variables' own queries are checked too.
. "$(dirname "$0")/lib.sh"
require_root
deadline_in 150
[ -x "$PROMETHEUS" ] || { tap_ok 1 "prometheus is installed"; tap_finish; }
p=$(unique_prefix g)
cat >"$TEST_TMP/policy.yml" <<EOF2
allow:
  - mechanism: pipe
    src: {comm: "$p-w*"}
EOF2
exporter_start --own --policy.file="$TEST_TMP/policy.yml" || tap_finish
cat >"$TEST_TMP/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $TOP_SRCDIR/contrib/prometheus/ipc_exporter_alerts.yml
scrape_configs:
  - job_name: ipc_exporter
    static_configs:
      - targets: ['127.0.0.1:$EXPORTER_PORT']
EOF2
prometheus_start "$TEST_TMP/prometheus.yml"
tap_eq "$(prom_wait_for 'up{job="ipc_exporter"}' 1)" 1 "Prometheus scrapes the exporter"
# about 15 s of traffic: pipes (the writers' allowed, the results pipe not), signals
for _ in $(seq 8); do
	"$WORKLOAD" pipe "$p" 1 1 200 64 >/dev/null
	"$WORKLOAD" signal "$p" 10 5 >/dev/null
	sleep 1
done
count() { # PROMQL -> number of series in the instant result
	"$CURL" -s --get --data-urlencode "query=$1" "http://127.0.0.1:$PROM_PORT/api/v1/query" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))' 2>/dev/null || echo 0
}
python3 - "$TOP_SRCDIR/dashboards" >"$TEST_TMP/queries" <<'PY'
import glob, json, sys
for path in sorted(glob.glob(sys.argv[1] + "/*.json")):
    d = json.load(open(path))
    def walk(panels):
        for p in panels:
            yield p
            yield from walk(p.get("panels", []))
    for p in walk(d["panels"]):
        for t in p.get("targets", []):
            e = t["expr"].replace("$__rate_interval", "30s").replace("$job", ".*").replace("$instance", ".*")
            print(f'{path.split("/")[-1]}\t{p["title"]} [{t["refId"]}]\t{e}')
PY
tap_ok "$([ -s "$TEST_TMP/queries" ]; echo $?)" "the dashboards' queries were read ($(wc -l <"$TEST_TMP/queries"))"
while IFS=$'\t' read -r file title expr; do
	n=0
	for _ in $(seq 40); do
		n=$(count "$expr")
		[ "$n" -gt 0 ] && break
		sleep 0.5
	done
	tap_ok "$([ "$n" -gt 0 ]; echo $?)" "$file: \"$title\" returns $n series"
	[ "$n" -gt 0 ] || echo "#   $expr"
done <"$TEST_TMP/queries"
for label in job instance; do
	got=$("$CURL" -s --get --data-urlencode 'match[]=ipc_exporter_build_info' \
		"http://127.0.0.1:$PROM_PORT/api/v1/label/$label/values" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
	tap_ok "$([ "${got:-0}" -gt 0 ]; echo $?)" "the \$$label variable's values: $got"
done
prometheus_stop
exporter_stop
tap_finish
