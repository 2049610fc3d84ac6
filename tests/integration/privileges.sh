#!/bin/bash
# Least privilege: once its programs are loaded and attached the exporter
# keeps no capability (CAP_SYS_PTRACE alone with --process-labels=exe, to
# read other users' /proc/PID/exe) and sets no-new-privileges, in every
# thread, read back from /proc/PID/task/*/status, and it still counts a
# ground truth exactly.  It runs as an unprivileged user given only
# CAP_BPF and CAP_PERFMON (what a systemd unit's AmbientCapabilities= gives);
# as root without those, the error names them.
. "$(dirname "$0")/lib.sh"
require_root
deadline_in 200

caps_of() { # PID FIELD -> the distinct values of FIELD over its threads
	cat /proc/"$1"/task/*/status 2>/dev/null | awk -v f="$2:" '$1 == f { print $2 }' | sort -u | tr '\n' ' '
}

exporter_start --own || tap_finish
pid=$EXPORTER_PID
for field in CapEff CapPrm CapInh CapAmb CapBnd; do
	tap_eq "$(caps_of "$pid" $field)" "0000000000000000 " "after loading, every thread's $field is empty"
done
tap_eq "$(caps_of "$pid" NoNewPrivs)" "1 " "every thread has no-new-privileges"
tap_ok "$([ "$(ls /proc/"$pid"/task | wc -l)" -gt 2 ]; echo $?)" "(the HTTP threads are among them: $(ls /proc/"$pid"/task | wc -l) threads)"
grep -q "capabilities kept after loading: none; no new privileges" "$TEST_TMP/exporter.log"
tap_ok $? "it says what it kept"
prefix=$(unique_prefix c)
run_ground_truth "without capabilities: a pipe counted exactly" "pipe" "$prefix" "$WORKLOAD" pipe "$prefix" 1 1 200 100
exporter_stop

exporter_start --own --process-labels=exe || tap_finish
tap_eq "$(caps_of "$EXPORTER_PID" CapEff)" "0000000000080000 " "--process-labels=exe: CAP_SYS_PTRACE alone is kept (other users' /proc/PID/exe)"
exporter_stop

# An unprivileged user with CAP_BPF and CAP_PERFMON only.
port=$((20000 + RANDOM % 20000))
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon \
	"$EXPORTER" --web.listen-address="127.0.0.1:$port" >"$TEST_TMP/unprivileged.log" 2>&1 &
unprivileged=$!
wait_until 120 grep -q "^ipc_exporter: listening on" "$TEST_TMP/unprivileged.log"
tap_ok $? "as uid 65534 with CAP_BPF and CAP_PERFMON only: started"
tap_diag <"$TEST_TMP/unprivileged.log" | grep -v "hook " | tail -5
EXPORTER_PORT=$port EXPORTER_PID=$unprivileged
prefix=$(unique_prefix u)
run_ground_truth "as uid 65534 with CAP_BPF and CAP_PERFMON: a UNIX socket counted exactly" "unix-stream" "$prefix" \
	"$TOP_BUILDDIR/tests/workloads/socket_workload" socketpair "$prefix" 50 64
kill -TERM "$unprivileged"
wait "$unprivileged"
tap_eq $? 0 "as uid 65534: clean exit"
EXPORTER_PID=

# Root without CAP_BPF and CAP_PERFMON (a container's root): the missing capabilities are named.
timeout 60 setpriv --bounding-set=-bpf,-perfmon,-sys_admin --inh-caps=-all \
	"$EXPORTER" --web.listen-address=127.0.0.1:$((20000 + RANDOM % 20000)) >"$TEST_TMP/out" 2>&1
tap_eq $? 1 "root without CAP_BPF, CAP_PERFMON: refused"
grep -q "lacks CAP_PERFMON, CAP_BPF" "$TEST_TMP/out"
tap_ok $? "root without them: the error names CAP_PERFMON and CAP_BPF"
tap_diag <"$TEST_TMP/out"
tap_finish
