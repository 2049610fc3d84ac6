#!/bin/bash
# A real Prometheus scrapes the exporter; the numbers it stores are the
# workload's ground truth.
. "$(dirname "$0")/lib.sh"
require_root
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus)}
[ -x "$PROMETHEUS" ] || { tap_ok 1 "prometheus is installed (apt-get install prometheus)"; tap_finish; }
exporter_start || tap_finish

prom_port=$((20000 + RANDOM % 20000))
cat >"$TEST_TMP/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: ipc
    static_configs:
      - targets: ['127.0.0.1:$EXPORTER_PORT']
EOF2
"$PROMETHEUS" --config.file="$TEST_TMP/prometheus.yml" --storage.tsdb.path="$TEST_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$prom_port" >"$TEST_TMP/prometheus.log" 2>&1 &
prom_pid=$!
trap 'kill $prom_pid 2>/dev/null; wait $prom_pid 2>/dev/null; cleanup' EXIT

query() { # PROMQL -> the first sample's value, or nothing
	"$CURL" -s --get --data-urlencode "query=$1" "http://127.0.0.1:$prom_port/api/v1/query" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}

wait_for() { # PROMQL WANT -> last value seen
	local got
	for _ in $(seq 1 60); do
		got=$(query "$1")
		[ "$got" = "$2" ] && break
		sleep 0.5
	done
	echo "$got"
}

tap_eq "$(wait_for 'up{job="ipc"}' 1)" 1 'Prometheus scrapes the exporter: up == 1'
prefix=$(unique_prefix q)
"$WORKLOAD" pipe "$prefix" 2 1 250 80 >"$TEST_TMP/truth"
tap_ok $? "workload ran"
while read -r kind mech src dst messages bytes; do
	[ "$kind" = flow ] || continue
	sel="mechanism=\"$mech\",src_comm=\"$src\",dst_comm=\"$dst\""
	tap_eq "$(wait_for "ipc_bytes_total{$sel}" "$bytes")" "$bytes" "Prometheus stored ipc_bytes_total{$sel}"
	tap_eq "$(wait_for "ipc_messages_total{$sel}" "$messages")" "$messages" "Prometheus stored ipc_messages_total{$sel}"
done <"$TEST_TMP/truth"
tap_eq "$(query 'scrape_samples_scraped{job="ipc"} > 0' | cut -d. -f1 | grep -c .)" 1 "samples were ingested"
tap_finish
