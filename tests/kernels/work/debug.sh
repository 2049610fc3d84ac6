#!/bin/bash
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ip link set lo up
/work/main/src/ipc_exporter --web.listen-address=127.0.0.1:19000 2>/dev/null &
sleep 3
for i in 1 2 3; do /work/main/tests/workloads/ipc_workload pipe dbg$i 2 1 400 100 65536; done
curl -s 127.0.0.1:19000/metrics | grep -E "dbg|ipc_exporter_pipe" | grep -v "^#"
