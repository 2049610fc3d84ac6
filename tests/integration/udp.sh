#!/bin/bash
# Loopback UDP, exact per (sender, receiver): every receive form on
# connected and unconnected sockets, IPv4, IPv6 and IPv4-mapped, with and
# without the sender's address (two senders at once too); datagrams
# the kernel drops (a full receive buffer) count to [dropped], never to the
# receiver; sendmmsg and recvmmsg attribute each message by its own address.
. "$(dirname "$0")/lib.sh"
require_root
UDP=$TOP_BUILDDIR/tests/workloads/udp_workload
# IPC_HOOKS=sys-exit (lib.sh): the path kernels without fentry take (as this host)
exporter_start ${PIPE_LOCK:+--pipe-lock=$PIPE_LOCK} || tap_finish
scrape "$TEST_TMP/hooks"
grep -q 'hook="fentry/skb_consume_udp"' "$TEST_TMP/hooks" && hooked=yes || hooked=no
echo "skb_consume_udp hooked: $hooked" | tap_diag
if [ "${IPC_HOOKS:-}" = sys-exit ]; then
	tap_eq "$hooked" no "--hooks=sys-exit: the syscall-exit path alone"
elif [ "${IPC_EXPECT_FENTRY:-0}" = 1 ]; then
	tap_eq "$hooked" yes "this kernel attaches fentry: skb_consume_udp is hooked"
fi

run_case() { # DESCRIPTION WORKLOAD_ARGS...   (the prefix is the workload's 2nd argument)
	run_ground_truth "$1" loopback-udp "$3" "$UDP" "${@:2}"
}

# Under TCG (the kernel matrix) a case takes seconds: there, fewer forms,
# fewer still on IPv6 and connected (natively, every one).  With
# --hooks=sys-exit only what that choice changes: unconnected receives.
unconnected_forms="recv read readv recvfrom recvmsg recvmmsg recvfrom-anon recvmsg-anon recvmmsg-anon"
connected_forms="recv read readv recvfrom recvmsg recvmmsg-anon"
if [ "${IPC_TEST_GUEST:-0}" = 1 ]; then
	unconnected_forms="recv read recvfrom recvmsg-anon recvmmsg recvmmsg-anon"
	connected_forms="recv readv recvmmsg-anon"
fi
for addr in 127.0.0.1 ::1; do
	forms=$unconnected_forms
	[ "${IPC_TEST_GUEST:-0}" = 1 ] && [ "$addr" = ::1 ] && forms="recv recvmmsg-anon"
	for form in $forms; do
		run_case "UDP $addr unconnected, $form" forms "$(unique_prefix f)" "$addr" "$form" unconnected 40 100
	done
	[ "${IPC_HOOKS:-}" = sys-exit ] && continue
	[ "${IPC_TEST_GUEST:-0}" = 1 ] && [ "$addr" = ::1 ] && continue
	for form in $connected_forms; do
		run_case "UDP $addr connected, $form" forms "$(unique_prefix c)" "$addr" "$form" connected 40 100
	done
done
senders=300
[ "${IPC_TEST_GUEST:-0}" = 1 ] && senders=100
run_case "UDP two senders at once, unconnected recv" senders "$(unique_prefix s)" 127.0.0.1 recv $senders
run_case "UDP ::1 two senders at once, unconnected recvmsg without address" senders "$(unique_prefix s)" ::1 \
	recvmsg-anon $senders
[ "${IPC_HOOKS:-}" = sys-exit ] && tap_finish
run_case "UDP ::ffff:127.0.0.1 unconnected, recvfrom" forms "$(unique_prefix f)" ::ffff:127.0.0.1 recvfrom \
	unconnected 40 100
run_case "UDP receive buffer full: drops go to [dropped]" drop "$(unique_prefix x)" 127.0.0.1 200 100
run_case "UDP ::1 receive buffer full: drops go to [dropped]" drop "$(unique_prefix x)" ::1 200 100
run_case "UDP sendmmsg to two peers, recvmmsg from two senders" mmsg "$(unique_prefix m)" 127.0.0.1
run_case "UDP ::1 sendmmsg to two peers, recvmmsg from two senders" mmsg "$(unique_prefix m)" ::1
dropped=$(series_value "$TEST_TMP/after" ipc_exporter_udp_dropped_total)
tap_ok $((dropped > 0 ? 0 : 1)) "ipc_exporter_udp_dropped_total counts the drops ($dropped)"
tap_finish
