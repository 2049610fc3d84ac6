#!/bin/bash
# UNIX stream, seqpacket and datagram sockets, loopback TCP and UDP: exact messages and
# bytes per (sender, receiver) against the workload's ground truth, for the
# processes that really send and receive (a pre-forked worker, a socket
# passed with SCM_RIGHTS), through every send/receive call family.
. "$(dirname "$0")/lib.sh"
require_root
SOCKETS=$TOP_BUILDDIR/tests/workloads/socket_workload
exporter_start ${PIPE_LOCK:+--pipe-lock=$PIPE_LOCK} || tap_finish

run_case() { # DESCRIPTION MECHANISMS WORKLOAD_ARGS...   (the prefix is the workload's 2nd argument)
	run_ground_truth "$1" "$2" "$4" "$SOCKETS" "${@:3}"
}

run_case "socketpair shared across fork, write/read" unix-stream socketpair "$(unique_prefix u)" 200 64
run_case "socketpair, sendmmsg/recvmmsg" unix-stream socketpair "$(unique_prefix u)" 200 64 sendmmsg
run_case "named stream socket, pre-forked worker, sendmsg/recvmsg" unix-stream \
	server "$(unique_prefix u)" stream "$TEST_TMP/stream.sock" 100 100 sendmsg
run_case "abstract socket, the reader peeks first (MSG_PEEK is not a transfer)" unix-stream \
	server "$(unique_prefix u)" stream "@ipc_exporter_test_$$" 100 100 peek
run_case "seqpacket, pre-forked worker" unix-seqpacket \
	server "$(unique_prefix u)" seqpacket "$TEST_TMP/seqpacket.sock" 60 300
run_case "socketpair, sendfile into the socket" unix-stream socketpair "$(unique_prefix u)" 100 500 sendfile
run_case "TCP over 127.0.0.1, splice from a pipe into the socket" loopback-tcp \
	server "$(unique_prefix t)" tcp 127.0.0.1 50 700 splice
run_case "socket passed with SCM_RIGHTS" unix-stream scm-rights "$(unique_prefix u)" 50 40
run_case "datagram server receiving from two clients" unix-dgram \
	dgram "$(unique_prefix d)" "$TEST_TMP/dgram.sock" 150 100
run_case "TCP over 127.0.0.1, pre-forked worker" loopback-tcp \
	server "$(unique_prefix t)" tcp 127.0.0.1 100 1000
run_case "TCP over ::1, send/recv" loopback-tcp server "$(unique_prefix t)" tcp ::1 100 1000 send
run_case "TCP over IPv4-mapped ::ffff:127.0.0.1, sendmmsg" loopback-tcp \
	server "$(unique_prefix t)" tcp ::ffff:127.0.0.1 100 500 sendmmsg
run_case "UDP over 127.0.0.1: sendto, and connect + send; recvfrom" loopback-udp \
	udp "$(unique_prefix d)" 127.0.0.1 100 200
run_case "UDP over ::1, recvmsg" loopback-udp udp "$(unique_prefix d)" ::1 100 200 sendmsg

# The host's own non-loopback address is still this host: TCP and UDP to
# it count as loopback.  Traffic to another host is not IPC: a server in a
# network namespace of our own, reached over a veth pair, is never counted.
ns=ipcx$$
if ip netns add "$ns" 2>/dev/null; then
	ip link add "v$ns" type veth peer name "p$ns" &&
		ip link set "p$ns" netns "$ns" &&
		ip addr add 10.231.47.1/30 dev "v$ns" && ip link set "v$ns" up &&
		ip -n "$ns" addr add 10.231.47.2/30 dev "p$ns" && ip -n "$ns" link set "p$ns" up &&
		ip -n "$ns" link set lo up
	tap_ok $? "network namespace with a veth pair"
	run_case "TCP to this host's own veth address" loopback-tcp server "$(unique_prefix t)" tcp 10.231.47.1 30 400
	run_case "UDP to this host's own veth address" loopback-udp udp "$(unique_prefix d)" 10.231.47.1 30 100

	prefix=$(unique_prefix n)
	scrape "$TEST_TMP/before"
	ip netns exec "$ns" python3 -c '
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("10.231.47.2", 7778))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.231.47.2", 7777)); s.listen(); c, _ = s.accept(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    n += len(b)
c.sendall(b"x" * 10); c.close()
n += len(u.recvfrom(100)[0]); print(n)' "$prefix-far" >"$TEST_TMP/far" &
	far=$!
	for _ in $(seq 1 50); do ip netns exec "$ns" ss -ltn 2>/dev/null | grep -q ":7777 " && break; sleep 0.1; done
	timeout 30 python3 -c '
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
c = socket.create_connection(("10.231.47.2", 7777)); c.sendall(b"y" * 5000); c.shutdown(socket.SHUT_WR)
while c.recv(100): pass
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"z" * 50, ("10.231.47.2", 7778))' "$prefix-near"
	( sleep 30; kill "$far" 2>/dev/null ) &
	wait "$far"
	tap_eq "$(cat "$TEST_TMP/far")" 5050 "5000 TCP and 50 UDP bytes crossed the veth pair"
	scrape "$TEST_TMP/after"
	counted=$(grep -c -- "_comm=\"$prefix-" "$TEST_TMP/after")
	tap_eq "$counted" 0 "TCP and UDP to another network namespace over veth are not counted"
	ip netns del "$ns"
	ip link del "v$ns" 2>/dev/null
else
	tap_ok 1 "network namespace with a veth pair (ip netns add failed)"
fi
tap_finish
