#!/bin/bash
# A busy host: thousands of short connections, processes and pipes, and an
# unprivileged user filling the table on purpose.  After each, pipe, UNIX
# and TCP ground truth is exact (nothing went to [unknown]) and the queue
# table is back near its resting level: queues die with their objects.
# CHURN_SCALE=N divides the counts (20 in the qemu matrix, under TCG).
. "$(dirname "$0")/lib.sh"
require_root
CHURN=$TOP_BUILDDIR/tests/workloads/churn_workload
SOCKETS=$TOP_BUILDDIR/tests/workloads/socket_workload
scale=${CHURN_SCALE:-$([ -n "${IPC_TEST_GUEST:-}" ] && echo 20 || echo 1)}
exporter_start --own || tap_finish

# Queues in the table now: made, less removed for any reason.
queues_held() { # SCRAPE
	echo $(($(series_value "$1" ipc_exporter_queues_created_total) -
		$(series_value "$1" 'ipc_exporter_queues_removed_total{reason="closed"}') -
		$(series_value "$1" 'ipc_exporter_queues_removed_total{reason="swept"}') -
		$(series_value "$1" 'ipc_exporter_queues_removed_total{reason="idle"}')))
}

# Waits (bounded) for the table to come back to REST + slack: other tests
# run beside this one and make queues of their own.
check_back_to_rest() { # DESCRIPTION REST
	local held i
	for i in $(seq 1 40); do
		scrape "$TEST_TMP/rest"
		held=$(queues_held "$TEST_TMP/rest")
		[ "$held" -le $(($2 + 64)) ] && break
		sleep 0.5
	done
	tap_ok $((held > $2 + 64)) "$1: the queue table is back to rest ($held queues held, $2 before)"
}

exact_after() { # DESCRIPTION
	local p
	p=$(unique_prefix p)
	run_ground_truth "$1, then a pipe" pipe "$p" "$WORKLOAD" pipe "$p" 1 1 300 100
	p=$(unique_prefix u)
	run_ground_truth "$1, then a UNIX stream" unix-stream "$p" "$SOCKETS" socketpair "$p" 100 64
	p=$(unique_prefix t)
	run_ground_truth "$1, then loopback TCP" loopback-tcp "$p" "$SOCKETS" server "$p" tcp 127.0.0.1 100 500
}

scrape "$TEST_TMP/start"
rest=$(queues_held "$TEST_TMP/start")

# Short TCP connections with data both ways: each direction's queue is
# dropped when its receiving end is closed (inet_sock_set_state).
n=$((12000 / scale))
"$CHURN" churn tcp "$n" 1000 >"$TEST_TMP/out"
tap_eq "$(cat "$TEST_TMP/out")" "churned $n" "$n short loopback TCP connections, 1000 bytes each way"
scrape "$TEST_TMP/after_tcp"
closed=$(($(series_value "$TEST_TMP/after_tcp" 'ipc_exporter_queues_removed_total{reason="closed"}') -
	$(series_value "$TEST_TMP/start" 'ipc_exporter_queues_removed_total{reason="closed"}')))
tap_ok $((closed < 2 * n * 9 / 10)) "closing the sockets dropped their queues at once ($closed of $((2 * n)))"
exact_after "$n TCP connections"
check_back_to_rest "$n TCP connections" "$rest"

# Short-lived processes, each with a pipe of its own: the sweep finds the
# pipes gone.
n=$((50000 / scale))
scrape "$TEST_TMP/before_pipes"
"$CHURN" churn pipes "$n" >"$TEST_TMP/out"
tap_eq "$(cat "$TEST_TMP/out")" "churned $n" "$n short-lived processes writing into pipes"
exact_after "$n pipe processes"
check_back_to_rest "$n pipe processes" "$rest"
scrape "$TEST_TMP/after_pipes"
full=$(($(series_value "$TEST_TMP/after_pipes" ipc_exporter_pipe_table_full_total) -
	$(series_value "$TEST_TMP/before_pipes" ipc_exporter_pipe_table_full_total)))
tap_eq "$full" 0 "$n pipe processes: no queue refused for a full table"

# Any user may do this: pipe(); write; close, unread, in a loop.  The user
# gets its share of the table and no more; what it cannot track is its own
# loss, counted; everyone else stays exact.
n=$((20000 / scale))
scrape "$TEST_TMP/before_orphans"
setpriv --reuid=65534 --regid=65534 --clear-groups "$CHURN" hostile orphans "$n" >"$TEST_TMP/out"
tap_eq "$(cat "$TEST_TMP/out")" "churned $n" "$n orphaned pipes from an unprivileged user"
exact_after "$n orphaned pipes"
scrape "$TEST_TMP/after_orphans"
refused=$(($(series_value "$TEST_TMP/after_orphans" ipc_exporter_queue_quota_refused_total) -
	$(series_value "$TEST_TMP/before_orphans" ipc_exporter_queue_quota_refused_total)))
unknown='ipc_bytes_total{mechanism="pipe",src_comm="hostile-orphan",dst_comm="[unknown]"}'
unknown=$(($(series_value "$TEST_TMP/after_orphans" "$unknown") - $(series_value "$TEST_TMP/before_orphans" "$unknown")))
tap_eq "$unknown" $((8 * refused)) "the user's own untracked writes, and only those, went to [unknown] ($refused refused)"
if [ "$scale" -eq 1 ]; then
	tap_ok $((refused == 0)) "the user was held to its share of the table"
fi
check_back_to_rest "$n orphaned pipes" "$rest"
tap_finish
