#!/bin/bash
# Loopback UDP, exact per (sender, receiver): every receive form on
# connected and unconnected sockets, IPv4, IPv6 and IPv4-mapped; datagrams
# the kernel drops (a full receive buffer) count to [dropped], never to the
# receiver; sendmmsg and recvmmsg attribute each message by its own address.
. "$(dirname "$0")/lib.sh"
require_root
UDP=$TOP_BUILDDIR/tests/workloads/udp_workload
exporter_start ${PIPE_LOCK:+--pipe-lock=$PIPE_LOCK} || tap_finish

run_case() { # DESCRIPTION WORKLOAD_ARGS...   (the prefix is the workload's 2nd argument)
	run_ground_truth "$1" loopback-udp "$3" "$UDP" "${@:2}"
}

for addr in 127.0.0.1 ::1; do
	for form in recvfrom recvmsg recvmmsg; do
		run_case "UDP $addr unconnected, $form" forms "$(unique_prefix f)" "$addr" "$form" unconnected 40 100
	done
	for form in recv read readv recvfrom recvmsg recvmmsg-anon; do
		run_case "UDP $addr connected, $form" forms "$(unique_prefix c)" "$addr" "$form" connected 40 100
	done
done
run_case "UDP ::ffff:127.0.0.1 unconnected, recvfrom" forms "$(unique_prefix f)" ::ffff:127.0.0.1 recvfrom \
	unconnected 40 100
run_case "UDP receive buffer full: drops go to [dropped]" drop "$(unique_prefix x)" 127.0.0.1 200 100
run_case "UDP ::1 receive buffer full: drops go to [dropped]" drop "$(unique_prefix x)" ::1 200 100
run_case "UDP sendmmsg to two peers, recvmmsg from two senders" mmsg "$(unique_prefix m)" 127.0.0.1
run_case "UDP ::1 sendmmsg to two peers, recvmmsg from two senders" mmsg "$(unique_prefix m)" ::1
dropped=$(series_value "$TEST_TMP/after" ipc_exporter_udp_dropped_total)
tap_ok $((dropped > 0 ? 0 : 1)) "ipc_exporter_udp_dropped_total counts the drops ($dropped)"
tap_finish
