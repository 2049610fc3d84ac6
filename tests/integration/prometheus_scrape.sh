#!/bin/bash
# A real Prometheus scrapes the exporter; the numbers it stores are the
# workload's ground truth.
. "$(dirname "$0")/lib.sh"
require_root
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus)}
[ -x "$PROMETHEUS" ] || { tap_ok 1 "prometheus is installed (apt-get install prometheus)"; tap_finish; }
exporter_start || tap_finish

cat >"$TEST_TMP/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: ipc
    static_configs:
      - targets: ['127.0.0.1:$EXPORTER_PORT']
EOF2
prometheus_start "$TEST_TMP/prometheus.yml"

tap_eq "$(prom_wait_for 'up{job="ipc"}' 1)" 1 'Prometheus scrapes the exporter: up == 1'
prefix=$(unique_prefix q)
"$WORKLOAD" pipe "$prefix" 2 1 250 80 >"$TEST_TMP/truth"
tap_ok $? "workload ran"
prom_check_truth "$TEST_TMP/truth"
tap_eq "$(prom_query 'scrape_samples_scraped{job="ipc"} > 0' | cut -d. -f1 | grep -c .)" 1 "samples were ingested"
tap_finish
