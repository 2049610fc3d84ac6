#!/bin/bash
# The HTTP server against hostile and heavy clients, at the full size of
# its targets (tests/integration/web_limits.sh runs a shorter version):
#   - 1,000 slowloris connections from one address (a header byte a
#     second), while 100 scrapes in a row come from another: all answered,
#     p99 < 200 ms;
#   - 200 parallel scrapers for 30 s over four addresses: no connection
#     refused, every answer 200, the first scrape after the burst answered.
# As root, with the exporter's defaults.  Prints a Markdown table.
#   bench/web-load.sh [--output FILE]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${IPC_BUILDDIR:-$here/..}
output=/dev/stdout
[ "${1:-}" = --output ] && output=$2
exporter=$build/src/ipc_exporter
load="python3 $here/../tests/integration/web_limits.py"
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
"$exporter" --web.listen-address="127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 300); do grep -q "listening on" "$log" && break; sleep 0.1; done
read -r _ scrapes _ failed _ p50 _ p99 _ held _ opened _ closed < <($load slowloris "$port" 1000 30 100)
read -r _ ok _ other _ refused _ after < <($load parallel "$port" 200 30)
page=$(curl -s "http://127.0.0.1:$port/metrics")
metric() { echo "$page" | awk -v n="$1" '$1 == n { print $2 }'; }
{
	echo "| load | result | target |"
	echo "|---|---|---|"
	echo "| 1,000 slowloris connections (30 s), 100 scrapes in a row from another address | $((scrapes - failed)) of $scrapes answered, p50 $p50 ms, p99 $p99 ms; of the attacker's $opened connections $closed were cut or refused (one address holds 64 at a time) | all answered, p99 < 200 ms: $([ "$failed" = 0 ] && [ "$p99" -lt 200 ] && echo met || echo '**missed**') |"
	echo "| 200 parallel scrapers for 30 s | $ok answered 200, $other other status, $refused refused; the first scrape after: $after; $(metric ipc_exporter_http_scrapes_shared_total) answered with a page drained for another | none refused: $([ "$refused" = 0 ] && [ "$other" = 0 ] && [ "$after" = 200 ] && echo met || echo '**missed**') |"
	echo
	echo "Connections cut for not sending their headers in time: $(metric ipc_exporter_http_slow_clients_cut_total); exporter resident memory after: $(awk '/^VmRSS/ { printf "%.1f MiB", $2 / 1024 }' /proc/$pid/status), peak $(awk '/^VmHWM/ { printf "%.1f MiB", $2 / 1024 }' /proc/$pid/status)."
} >"$output"
