#!/bin/bash
# Telling IPC from every other file: the syscall program leaves a read or
# write at once when the file's operations are not those of a pipe, FIFO,
# socket or tty, learned at start.  One process moves bytes through regular
# files, /dev/null and /dev/zero, an eventfd, a timerfd, a memfd, /proc and
# a netlink socket (none of it may be counted) and, to itself, through a
# pipe, a UNIX stream socket pair and a raw pty pair (each counted exactly),
# with the pipe-lock variant the kernel takes and with map locks.
. "$(dirname "$0")/lib.sh"
require_root
FILE_WORKLOAD=$TOP_BUILDDIR/tests/workloads/file_workload
ALL_MECHANISMS="pipe fifo unix-stream unix-dgram unix-seqpacket loopback-tcp loopback-udp pty"

for lock in auto map; do
	# the default (auto) asks for nothing special: in the matrix, the shared exporter
	lock_flag=
	[ "$lock" = auto ] || lock_flag=--pipe-lock=$lock
	exporter_start $lock_flag || continue
	# without the operations, every file would be classified in full: still
	# exact, but the fast way out would go untested
	grep -q "files are told by their operations" "$TEST_TMP/exporter.log"
	tap_ok $? "--pipe-lock=$lock: the file operations of pipes, FIFOs, sockets and ttys were learned"
	grep "could not be learned" "$TEST_TMP/exporter.log" | tap_diag
	prefix=$(unique_prefix k)
	run_ground_truth "--pipe-lock=$lock: IPC beside files that are not IPC" "$ALL_MECHANISMS" "$prefix" \
		"$FILE_WORKLOAD" "$prefix" 200 "$TEST_TMP"
	exporter_stop
done

tap_finish
