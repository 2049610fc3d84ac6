#!/bin/bash
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ip link set lo up
/work/main/src/ipc_exporter --web.listen-address=127.0.0.1:19000 2>/dev/null &
sleep 3
/work/main/tests/workloads/ipc_workload signal sdbg 10 50
curl -s 127.0.0.1:19000/metrics | grep sdbg
