#!/bin/bash
# Calls in flight when the exporter starts: readers already blocked in a
# pipe read, a UNIX stream recv and a TCP recv, and connections older than
# the exporter.  Their first transfer returns after the start, and counts
# exactly, with nothing on [unknown].  On the sys_exit path the syscall's
# exit sees such a call whenever it began; on the mechanism hooks an fexit
# program does not (the call entered its function before the hook), so the
# sys_exit program bridges those calls (bpf/start_bridge.bpf.h).  The
# matrix also runs this with --hooks=mechanisms (6.1, 6.12).
. "$(dirname "$0")/lib.sh"
require_root
SOCKETS=$TOP_BUILDDIR/tests/workloads/socket_workload
declare -A HELD_PID

# Everyone blocked before the start: a pipe's reader (its writer held by a
# go file), and the workers of a UNIX stream and a TCP server whose clients
# connected and wait for theirs.
pipe_prefix=$(unique_prefix f)
deadline_in 120
hold_pipe_workload pipe "$pipe_prefix" pipe "$pipe_prefix" 1 1 40 300
tap_ok $? "pipe workload held, its reader blocked in read"
stream_prefix=$(unique_prefix u)
tcp_prefix=$(unique_prefix t)
rm -f "$TEST_TMP"/go*
"$SOCKETS" server "$stream_prefix" stream "$TEST_TMP/stream.sock" 60 500 --wait-file "$TEST_TMP/go-stream" \
	>"$TEST_TMP/stream.truth" &
stream=$!
"$SOCKETS" server "$tcp_prefix" tcp 127.0.0.1 80 700 --wait-file "$TEST_TMP/go-tcp" >"$TEST_TMP/tcp.truth" &
tcp=$!
for _ in $(seq 1 100); do
	[ -e "$TEST_TMP/go-stream.connected" ] && [ -e "$TEST_TMP/go-tcp.connected" ] && break
	sleep 0.05
done
sleep 0.5	# the servers' workers reach their recv
exporter_start --own || tap_finish
scrape "$TEST_TMP/before"
waiting=$(series_value "$TEST_TMP/before" ipc_exporter_start_calls_waiting)
if grep -q '^ipc_exporter_hook_info{hook="fexit/pipe_read"' "$TEST_TMP/before"; then
	# at least our three readers (and whatever else the host is blocked in)
	tap_ok $((waiting >= 3 ? 0 : 1)) "mechanism hooks: the sys_exit bridge waits for the threads in a call ($waiting)"
else
	tap_eq "$waiting" 0 "sys_exit path: no bridge, no thread waited for"
fi
release pipe
tap_ok $? "pipe reader blocked at start: workload ran"
touch "$TEST_TMP/go-stream" "$TEST_TMP/go-tcp"
wait "$stream"
tap_ok $? "UNIX stream worker blocked at start: workload ran"
wait "$tcp"
tap_ok $? "TCP connection older than the exporter: workload ran"
scrape "$TEST_TMP/after"
grep -v '^pid ' "$TEST_TMP/pipe.truth" >"$TEST_TMP/truth"
cat "$TEST_TMP/stream.truth" "$TEST_TMP/tcp.truth" >>"$TEST_TMP/truth"
echo "# truth:"
tap_diag <"$TEST_TMP/truth"
check_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth"
check_no_other_series "$TEST_TMP/after" "$TEST_TMP/truth" "$pipe_prefix" pipe
check_no_other_series "$TEST_TMP/after" "$TEST_TMP/truth" "$stream_prefix" unix-stream
check_no_other_series "$TEST_TMP/after" "$TEST_TMP/truth" "$tcp_prefix" loopback-tcp
tap_finish
