#!/bin/bash
# bench/ runs end to end: one quick round of every workload under every
# setup, a well-formed report, the pairs workload's series exact, and clear
# errors for bad arguments.  The numbers themselves are not judged here
# (benchmarks are not timed tests; see bench/README.md).
. "$(dirname "$0")/lib.sh"
require_root
BENCH=$TOP_SRCDIR/bench/run-bench.sh
export IPC_BUILDDIR=$TOP_BUILDDIR

expect_usage_error() { # DESCRIPTION PATTERN COMMAND...
	local desc=$1 pattern=$2
	shift 2
	"$@" >"$TEST_TMP/out" 2>&1
	tap_eq "$?" 2 "$desc: exit status 2"
	grep -q -- "$pattern" "$TEST_TMP/out"
	tap_ok $? "$desc: says \"$pattern\""
}
expect_usage_error "run-bench unknown argument" "unknown argument '--fast'" "$BENCH" --fast
expect_usage_error "run-bench zero rounds" "wants a positive number" "$BENCH" --rounds 0
expect_usage_error "run-bench rounds without a value" "wants a positive number" "$BENCH" --rounds
expect_usage_error "hook_floor unknown hooks" "usage: hook_floor" "$TOP_BUILDDIR/bench/hook_floor" kprobes
expect_usage_error "ipc_pingpong unknown workload" "unknown workload 'pipes'" \
	"$TOP_BUILDDIR/bench/ipc_pingpong" pipes 10
expect_usage_error "ipc_pingpong bad count" "usage: ipc_pingpong" "$TOP_BUILDDIR/bench/ipc_pingpong" unix 0

report=$TEST_TMP/report.md
timeout -k 30 600 "$BENCH" --quick --output "$report" >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr"
tap_eq "$?" 0 "run-bench --quick exits 0"
tap_diag <"$TEST_TMP/stderr" | tail -5
cmp -s "$report" "$TEST_TMP/stdout"
tap_ok $? "the report on stdout is the one written to --output"

# Two rows per workload (elapsed and CPU time), a ratio in every setup's column (the peer's too
# when bpftrace is installed, as CI installs it), and a verdict.
ratio='[0-9]+\.[0-9]{2}× \([0-9]+\.[0-9]{2}–[0-9]+\.[0-9]{2}\)'
peer=$ratio
command -v bpftrace >/dev/null || peer='n/a'
for label in '`dd` /dev/zero to /dev/null, 64 B blocks (no IPC)' '`dd` of a page-cached file, 512 B blocks (no IPC)' \
	'`redis-benchmark -t set,get`, UNIX socket' '`redis-benchmark -t set,get`, loopback TCP' \
	'`perf bench sched pipe`' '`perf bench sched pipe`, pinned to one CPU' '`perf bench sched messaging` (sockets)' \
	'`perf bench sched messaging -p` (pipes)' 'UNIX stream ping-pong, 64 B' 'UNIX stream ping-pong, 64 B, pinned to one CPU' \
	'loopback TCP ping-pong, 64 B' 'loopback TCP ping-pong, 64 B, pinned to one CPU' \
	'signal storm (`kill` SIGUSR1)'; do
	rows=$(grep -F "| $label |" "$report")
	cells="^\| [^|]+ \| [0-9]+\.[0-9]{3} s \| $ratio \| $ratio \| $ratio \| $ratio \| $peer \|"
	tap_eq "$(grep -cE "$cells (met|\*\*missed\*\*[^|]*) \|$" <<<"$rows"), $(grep -cE "$cells$" <<<"$rows")" "1, 1" \
		"report rows: $label, elapsed time with a verdict, CPU time"
done
# The scrape table: the pairs workload made exactly as many series as pairs.
for pairs in 10 1000; do
	row=$(grep -E "^\| $pairs \| " "$report")
	echo "$row" | grep -Eq "^\| $pairs \| $pairs \| [0-9.]+ ms \| [0-9.]+ ms \| [0-9.]+ ms \| [0-9.]+ ms \| [0-9.]+ MiB \| [0-9.]+ MiB \| (met|\*\*missed\*\*) \|$"
	tap_ok $? "scrape row: $pairs pairs, $pairs series"
	[ -n "$row" ] || tap_diag <"$report"
done
grep -Eq '^Exporter resident memory: [0-9.]+ MiB idle' "$report"
tap_ok $? "report gives the idle resident memory"
grep -Eq "^The exporter's own CPU time .* [0-9]+ ms, .* events the client missed .*: [0-9]+ per round\.$" "$report"
tap_ok $? "report gives the exporter's own CPU time and the events client's losses"

# Nothing is left attached: no hook_floor, exporter, bpftrace, workload process or the bench's redis-server.
pgrep -f "$TOP_BUILDDIR/bench/hook_floor|$TOP_BUILDDIR/src/ipc_exporter|bench/peer_counts.bt|bench/ipc_pingpong|^redis-server .* run-bench" >/dev/null
tap_ok $((!$?)) "no setup left running"
tap_finish
