#!/bin/bash
# Start-up and shutdown: one clear line for each way start-up can fail, a
# clean exit on SIGTERM and SIGINT with every program detached.
. "$(dirname "$0")/lib.sh"
require_root

expect_error() { # DESCRIPTION EXIT_STATUS PATTERN COMMAND...
	local desc=$1 status=$2 pattern=$3 got
	shift 3
	# under TCG (the kernel matrix) a load that succeeds takes tens of seconds
	timeout $([ "${IPC_TEST_GUEST:-0}" = 1 ] && echo 150 || echo 20) "$@" >"$TEST_TMP/out" 2>&1
	got=$?
	tap_eq "$got" "$status" "$desc: exit status $status"
	grep -q -- "$pattern" "$TEST_TMP/out"
	tap_ok $? "$desc: says \"$pattern\""
	grep -v "^ipc_exporter: hook\|^ipc_exporter: mechanism" "$TEST_TMP/out" | tap_diag
}

expect_error "unknown flag" 2 'unknown option "--nope" (see --help)' "$EXPORTER" --nope
expect_error "listen address without port" 2 'expected HOST:PORT' "$EXPORTER" --web.listen-address=localhost
expect_error "listen port out of range" 2 'port must be a number from 1 to 65535' \
	"$EXPORTER" --web.listen-address=:70000
expect_error "flow table size not a number" 2 '\-\-flow-table-size: "12x" is not a whole number' \
	"$EXPORTER" --flow-table-size=12x
expect_error "flow table size out of range" 2 '\-\-flow-table-size: 1 is out of range' \
	"$EXPORTER" --flow-table-size=1
expect_error "telemetry path without slash" 2 'must start with /' "$EXPORTER" --web.telemetry-path=metrics
expect_error "option without its value" 2 "\-\-flow-table-size needs a value" "$EXPORTER" --flow-table-size
expect_error "stray argument" 2 'unexpected argument "extra"' "$EXPORTER" extra
expect_error "unknown process label" 2 '\-\-process-labels: "uid" is not one of pid, exe, cgroup' \
	"$EXPORTER" --process-labels=pid,uid
expect_error "process label twice" 2 '\-\-process-labels: "exe" is given twice' "$EXPORTER" --process-labels=exe,exe
expect_error "unknown hook choice" 2 '\-\-hooks: "kprobe" is not one of auto, sys-exit, mechanisms' "$EXPORTER" --hooks=kprobe
expect_error "series limit zero" 2 '\-\-series-limit: 0 is out of range' "$EXPORTER" --series-limit=0
expect_error "pid label in a pid namespace of its own" 2 'run it in the host' \
	unshare --pid --fork "$EXPORTER" --process-labels=pid
expect_error "not privileged" 1 'run as root' \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$EXPORTER" --web.listen-address=127.0.0.1:$((20000 + RANDOM % 20000))
expect_error "privileged port, unprivileged" 1 'ports below 1024 need CAP_NET_BIND_SERVICE' \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-net_bind_service \
	"$EXPORTER" --web.listen-address=127.0.0.1:1
expect_error "listen address twice" 2 '\-\-web.listen-address=127.0.0.1:1 is given twice' \
	"$EXPORTER" --web.listen-address=127.0.0.1:1 --web.listen-address=127.0.0.1:1
expect_error "no kernel BTF" 1 'kernel BTF not found at /sys/kernel/btf/vmlinux' \
	unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" --web.listen-address=127.0.0.1:1' "$EXPORTER"

# Port taken: hold it with a listening socket of our own.
port=$((20000 + RANDOM % 20000))
python3 -c "
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(); print('ready', flush=True); time.sleep(300)" >"$TEST_TMP/holder" &
holder=$!
for _ in $(seq 50); do grep -q ready "$TEST_TMP/holder" && break; sleep 0.1; done
# The sockets are bound before the programs load: the port's error is the
# only line, and it comes at once.  The second address is the one taken.
expect_error "port in use" 1 "cannot listen on 127.0.0.1:$port: the port is already in use" \
	"$EXPORTER" --web.listen-address="127.0.0.1:$((port + 1))" --web.listen-address="127.0.0.1:$port"
tap_eq "$(grep -c . "$TEST_TMP/out")" 1 "port in use: the one line it prints"
kill "$holder"

# Clean exit: status 0, and no BPF program left held by the process.  SIGINT
# with --hooks=sys-exit: six programs, the sys_exit path.  SIGTERM with the
# default, and with --hooks=mechanisms (the same): the mechanism hooks
# instead of sys_exit where fexit attaches and tracing programs may take
# spin locks (the matrix's 6.1 and 6.12), with the sys_exit program and a
# sys_enter one as the bridge for calls in flight at start (not hooks of
# their own in ipc_exporter_hook_info); else the sys_exit path, and fentry
# on skb_consume_udp where the kernel attaches it (the matrix).  Otherwise
# one program per exported hook.
# In the matrix, where a start takes up to a minute under TCG, the default's
# run alone: it is each kernel's own path (on 5.10 the sys_exit path, as
# --hooks=sys-exit; elsewhere the mechanism hooks, as --hooks=mechanisms);
# the forced sys_exit path is the one this machine takes by default.  There
# the test runs last (run-matrix.sh --last) and takes over the guest's shared
# exporter on the default hooks, up since the guest started: its exit status
# is not ours to read (not our child), that it exits, logs it and leaves no
# program loaded is.
runs="TERM: INT:--hooks=sys-exit TERM:--hooks=mechanisms"
own=--own
[ "${IPC_TEST_GUEST:-0}" = 1 ] && runs="TERM:" own=--adopt
for run in $runs; do
	sig=${run%%:*}
	hooks_flag=${run#*:}
	exporter_start $own $hooks_flag
	tap_ok $? "started for SIG$sig ${hooks_flag:-(default hooks)}"
	pid=$EXPORTER_PID
	ids=$(awk '$1 == "prog_id:" { print $2 }' /proc/"$pid"/fdinfo/* 2>/dev/null | sort -u)
	scrape "$TEST_TMP/hooks"
	hooks=$(grep -c '^ipc_exporter_hook_info{' "$TEST_TMP/hooks")
	fentry=$(grep -c '^ipc_exporter_hook_info{hook="f\(entry\|exit\)/' "$TEST_TMP/hooks")
	sys_exit=$(grep -c '^ipc_exporter_hook_info{hook="tp_btf/sys_exit"' "$TEST_TMP/hooks")
	pipe_read=$(grep -c '^ipc_exporter_hook_info{hook="fexit/pipe_read"' "$TEST_TMP/hooks")
	bridge=0
	case $hooks_flag in
	--hooks=sys-exit)
		tap_eq "$fentry $sys_exit" "0 1" "SIG$sig: $hooks_flag: no fentry or fexit hook, sys_exit hooked"
		tap_eq "$(echo $ids | wc -w)" 6 "SIG$sig: $hooks_flag: 6 BPF programs loaded while running" ;;
	*)
		if [ "${IPC_EXPECT_MECHANISMS:-0}" = 1 ]; then
			tap_eq "$pipe_read $sys_exit" "1 0" "SIG$sig: ${hooks_flag:-default hooks}: fexit/pipe_read instead of sys_exit"
			bridge=2
		else
			tap_eq "$pipe_read $sys_exit" "0 1" "SIG$sig: ${hooks_flag:-default hooks}: not here: the sys_exit path"
			grep -q "the mechanism hooks: .*using the sys_exit path" "$TEST_TMP/exporter.log"
			tap_ok $? "SIG$sig: ${hooks_flag:-default hooks}: logged why not"
		fi ;;
	esac
	tap_eq "$(echo $ids | wc -w)" "$((hooks + bridge))" \
		"SIG$sig: each BPF program loaded ($hooks + $bridge of the start bridge) exported in ipc_exporter_hook_info"
	how=${EXPORTER_ADOPTED:+exited (the status of an adopted exporter is not ours to read)}
	kill -"$sig" "$pid"
	exporter_wait
	tap_eq $? 0 "SIG$sig: ${how:-exit status 0}"
	EXPORTER_PID=
	grep -q "received SIG$sig, shutting down" "$TEST_TMP/exporter.log"
	tap_ok $? "SIG$sig: logged the shutdown"
	# The kernel frees programs after an RCU grace period: allow it a moment.
	for _ in $(seq 1 50); do
		left=
		for id in $ids; do
			bpftool prog show id "$id" >/dev/null 2>&1 && left="$left $id"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	tap_eq "$left" "" "SIG$sig: every BPF program unloaded"
done
tap_finish
