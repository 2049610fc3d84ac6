# Shared helpers for the integration tests: TAP output, a real exporter on a
# free port, scrapes with curl, and comparison with a workload's ground truth.
# shellcheck shell=bash

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
CURL=${CURL:-curl}
PROMTOOL=${PROMTOOL:-$(command -v promtool)}
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus)}
# IPC_EXPORTER: another build of it (tests/integration/sanitized_web.sh)
EXPORTER=${IPC_EXPORTER:-$TOP_BUILDDIR/src/ipc_exporter}
WORKLOAD=$TOP_BUILDDIR/tests/workloads/ipc_workload

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ipc_exporter_test.XXXXXX")
TAP_COUNT=0
TAP_FAILED=0
EXPORTER_PID=
EXPORTER_PORT=

tap_ok() { # CONDITION_EXIT_STATUS DESCRIPTION
	TAP_COUNT=$((TAP_COUNT + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_COUNT - $2"
	else
		echo "not ok $TAP_COUNT - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

tap_eq() { # GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		echo "#   got:  $1"
		echo "#   want: $2"
	fi
}

tap_diag() { sed 's/^/#   /'; }

tap_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

cleanup() {
	exporter_stop
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT

# Failures are reported by "not ok" lines; a non-zero exit is kept for a
# script that broke.
tap_finish() {
	echo "1..$TAP_COUNT"
	exit 0
}

require_root() {
	[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root to load BPF programs"
}

# A name prefix unique to this run: process names are PREFIX-ROLE, <= 15 bytes.
# Unique within the test: the ones given are kept in a file, since each is
# drawn in a subshell ($(unique_prefix X)), and two cases sharing one would
# see each other's series (it happened).
unique_prefix() {
	local p used=() taken u
	[ -f "$TEST_TMP/prefixes" ] && mapfile -t used <"$TEST_TMP/prefixes"	# builtins: no process
	while :; do
		printf -v p '%s%04x' "$1" $(((RANDOM << 1 ^ RANDOM) % 65536))
		taken=
		for u in "${used[@]}"; do [ "$u" = "$p" ] && taken=1; done
		[ -z "$taken" ] && break
	done
	echo "$p" >>"$TEST_TMP/prefixes"
	printf '%s' "$p"
}

# Starts the exporter on a free loopback port; extra arguments are passed on.
# In the kernel matrix a test that asks for nothing special is given the
# guest's long-running exporter on its path instead (IPC_SHARED_EXPORTERS,
# "HOOKS=PORT:PID:LOG ...", see tests/kernels/guest-tests.sh): under TCG a
# start costs 20 s on the sys_exit path and a minute on the mechanism hooks,
# and an exporter that has been up while other workloads came and went is
# what users run.
# --own: a fresh exporter all the same (a test of what it sees at start).
# --adopt: the shared one taken over as the test's own, to be stopped by it
# (a test that runs last in the guest: run-matrix.sh --last); the log is the
# shared exporter's own file, so its last lines are there to read.  Not the
# caller's child: `wait` cannot give its exit status (EXPORTER_ADOPTED=1).
EXPORTER_SHARED= EXPORTER_ADOPTED=
exporter_start() {
	local attempt hooks= shared own= adopt=
	[ "${1:-}" = --own ] && { own=1; shift; }
	[ "${1:-}" = --adopt ] && { adopt=1; shift; }
	# (the shared ones are this build's exporter: a test of another binary starts it)
	if [ $# -eq 0 ] && [ -z "$own" ] && [ -n "${IPC_SHARED_EXPORTERS:-}" ] &&
		[ "$EXPORTER" = "$TOP_BUILDDIR/src/ipc_exporter" ]; then
		for shared in $IPC_SHARED_EXPORTERS; do
			[ "${shared%%=*}" = "${IPC_HOOKS:-auto}" ] || continue
			shared=${shared#*=}
			EXPORTER_PORT=${shared%%:*}
			shared=${shared#*:}
			EXPORTER_PID=${shared%%:*}
			if kill -0 "$EXPORTER_PID" 2>/dev/null &&
				"$CURL" -sf -o /dev/null "http://127.0.0.1:$EXPORTER_PORT/metrics"; then
				if [ -n "$adopt" ]; then
					EXPORTER_ADOPTED=1
					ln -sf "${shared#*:}" "$TEST_TMP/exporter.log"
				else
					EXPORTER_SHARED=1
					cp "${shared#*:}" "$TEST_TMP/exporter.log"
				fi
				return 0
			fi
			EXPORTER_PID=
		done
	fi
	# IPC_HOOKS=sys-exit: the whole test on the syscall-exit path (the matrix runs some so)
	case " $* " in *" --hooks="*) ;; *) hooks=${IPC_HOOKS:+--hooks=$IPC_HOOKS} ;; esac
	for attempt in 1 2 3 4 5; do
		EXPORTER_PORT=$((20000 + RANDOM % 20000))
		"$EXPORTER" --web.listen-address="127.0.0.1:$EXPORTER_PORT" $hooks "$@" >"$TEST_TMP/exporter.log" 2>&1 &
		EXPORTER_PID=$!
		local i tries=100
		# under TCG (the kernel matrix) loading and verifying the programs takes tens of seconds
		[ "${IPC_TEST_GUEST:-0}" = 1 ] && tries=900
		for i in $(seq 1 $tries); do
			# ("listening" is logged once it serves: also over TLS, which curl here would not speak)
			if grep -q '^ipc_exporter: listening on' "$TEST_TMP/exporter.log" ||
				"$CURL" -sf -o /dev/null "http://127.0.0.1:$EXPORTER_PORT/metrics"; then
				return 0
			fi
			kill -0 "$EXPORTER_PID" 2>/dev/null || break
			sleep 0.1
		done
		wait "$EXPORTER_PID" 2>/dev/null
		EXPORTER_PID=
		grep -q "already in use" "$TEST_TMP/exporter.log" || break
	done
	tap_ok 1 "exporter started"
	tap_diag <"$TEST_TMP/exporter.log" | grep -v "CO-RE" | tail -40
	return 1
}

exporter_stop() {
	if [ -n "$EXPORTER_SHARED" ]; then	# not ours to stop
		EXPORTER_SHARED= EXPORTER_PID=
	elif [ -n "$EXPORTER_PID" ]; then
		kill -TERM "$EXPORTER_PID" 2>/dev/null
		exporter_wait
		EXPORTER_PID=
	fi
}

# Waits for the exporter to exit (kill sent); its exit status, or 0 for an
# adopted one that is gone (not a child of ours), 124 if it did not go in 60 s.
exporter_wait() {
	local _
	if [ -z "$EXPORTER_ADOPTED" ]; then
		wait "$EXPORTER_PID" 2>/dev/null
		return
	fi
	for _ in $(seq 600); do
		kill -0 "$EXPORTER_PID" 2>/dev/null || { EXPORTER_ADOPTED=; return 0; }
		sleep 0.1
	done
	return 124
}

scrape() { # FILE
	"$CURL" -sf "http://127.0.0.1:$EXPORTER_PORT/metrics" >"$1"
}

# The value of one exact series in a scrape, 0 if absent.
series_value() { # FILE SERIES
	awk -v s="$2" 'index($0, s " ") == 1 { v = substr($0, length(s) + 2) } END { print (v == "" ? 0 : v) }' "$1"
}

# Checks the scrape deltas against a workload's truth lines:
#   flow MECHANISM SRC DST MESSAGES BYTES  /  signal SIGNO SRC DST COUNT
# One awk for the whole case (under qemu's TCG every process costs a
# quarter of a second): it prints "GOT<TAB>WANT<TAB>SERIES" per check.
check_truth() { # BEFORE AFTER TRUTH
	local rtmin got want series checks=0
	rtmin=$(kill -l SIGRTMIN 2>/dev/null || echo 34)
	# a file, not a process substitution: that needs /dev/fd, which a bare
	# system (the matrix's guests) may lack, and then checks nothing
	awk -v rtmin="$rtmin" '
		function value(file, s) { return (s in file) ? file[s] : 0 }
		function signame(n) {
			if (n == 10) return "SIGUSR1"; if (n == 12) return "SIGUSR2"
			if (n == 17) return "SIGCHLD"; if (n == 15) return "SIGTERM"
			return n == rtmin ? "SIGRTMIN" : "SIGRTMIN+" (n - rtmin)
		}
		function check(s, want) { printf "%.0f\t%s\t%s\n", value(after, s) - value(before, s), want, s }
		# a series is the line up to its value (a label value may hold spaces)
		FILENAME == ARGV[1] { before[substr($0, 1, length($0) - length($NF) - 1)] = $NF; next }
		FILENAME == ARGV[2] { after[substr($0, 1, length($0) - length($NF) - 1)] = $NF; next }
		FILENAME == ARGV[3] && $1 == "flow" {
			l = "{mechanism=\"" $2 "\",src_comm=\"" $3 "\",dst_comm=\"" $4 "\"}"
			check("ipc_messages_total" l, $5); check("ipc_bytes_total" l, $6)
		}
		FILENAME == ARGV[3] && $1 == "signal" {
			check("ipc_signals_total{signal=\"" signame($2) "\",src_comm=\"" $3 "\",dst_comm=\"" $4 "\"}", $5)
		}' "$1" "$2" "$3" >"$TEST_TMP/truth_checks"
	while IFS=$'\t' read -r got want series; do
		tap_eq "$got" "$want" "$series"
		checks=$((checks + 1))
	done <"$TEST_TMP/truth_checks"
	# a truth with lines that made no check is a broken harness, not a pass
	[ "$checks" -gt 0 ] || ! grep -q '^\(flow\|signal\) ' "$3" || tap_ok 1 "the truth in $3 was checked"
}

# Every series of FAMILY naming a PREFIX process must be one the truth names:
# no bytes went to an [unknown] or wrong peer.  One TAP result per mechanism
# and family, from one awk.
check_no_other_series() { # AFTER TRUTH PREFIX "MECHANISMS" [FAMILIES]
	local m family extra line extras=()
	local families=${5:-ipc_bytes_total ipc_messages_total}
	# fixed strings throughout: names such as [dropped] are not patterns
	awk -v prefix="$3" '
		FILENAME == ARGV[1] { if ($1 == "flow") known[$2 " " $3 " " $4] = 1; next }
		index($0, "_comm=\"" prefix "-") && match($0, /\{mechanism="[^"]*",src_comm="[^"]*",dst_comm="[^"]*"/) {
			split(substr($0, RSTART, RLENGTH), f, "\"")
			if (!((f[2] " " f[4] " " f[6]) in known)) print substr($0, 1, RSTART - 1) " " f[2] "\t" $0
		}' "$2" "$1" >"$TEST_TMP/extra_series" || tap_ok 1 "series beyond the truth looked for"
	mapfile -t extras <"$TEST_TMP/extra_series"
	for m in $4; do
		for family in $families; do
			extra=
			for line in "${extras[@]}"; do
				[ "${line%%$'\t'*}" = "$family $m" ] && extra+=${extra:+$'\n'}${line#*$'\t'}
			done
			tap_eq "$extra" "" "no $m $family series for $3 processes beyond the ground truth"
		done
	done
}

# One ground-truth case: scrape, run COMMAND (it prints the truth), scrape,
# compare the deltas, and check that no MECHANISMS series names a PREFIX
# process beyond the truth.
run_ground_truth() { # DESCRIPTION "MECHANISMS" PREFIX COMMAND...
	local desc=$1 mechanisms=$2 prefix=$3 line
	shift 3
	scrape "$TEST_TMP/before"
	"$@" >"$TEST_TMP/truth"
	tap_ok $? "$desc: workload ran"
	scrape "$TEST_TMP/after"
	echo "# $desc:"
	while IFS= read -r line; do echo "#   $line"; done <"$TEST_TMP/truth"
	check_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth"
	check_no_other_series "$TEST_TMP/after" "$TEST_TMP/truth" "$prefix" "$mechanisms"
}

signal_name() { # NUMBER -> the exporter's name for it
	local n=$1
	case $n in
	10) echo SIGUSR1 ;; 12) echo SIGUSR2 ;; 17) echo SIGCHLD ;; 15) echo SIGTERM ;;
	*)
		local rtmin
		rtmin=$(kill -l SIGRTMIN 2>/dev/null || echo 34)
		if [ "$n" -eq "$rtmin" ]; then echo SIGRTMIN; else echo "SIGRTMIN+$((n - rtmin))"; fi
		;;
	esac
}

# ---- bounded waits (the event tests) ---------------------------------------
# Every wait is bounded, and all of them together by a deadline set with
# deadline_in: a broken build fails its tests instead of hanging.  Under
# qemu's TCG (the kernel matrix) everything runs many times slower.
SLOW=1
grep -qi qemu /proc/cpuinfo 2>/dev/null && SLOW=3
# an arm64 guest's /proc/cpuinfo names no QEMU: the matrix says so itself
[ "${IPC_TEST_GUEST:-0}" = 1 ] && SLOW=3
DEADLINE=$((SECONDS + 60 * SLOW))
deadline_in() { DEADLINE=$((SECONDS + $1 * SLOW)); } # SECONDS, scaled
budget() { # SECONDS -> that, scaled, but never past the deadline (at least 1)
	local want=$(($1 * SLOW)) left=$((DEADLINE - SECONDS))
	[ "$left" -lt 1 ] && left=1
	echo $((want < left ? want : left))
}
wait_until() { # SECONDS COMMAND...: polls COMMAND until it succeeds; its status
	local end=$((SECONDS + $(budget "$1")))
	[ "$SECONDS" -ge "$DEADLINE" ] && end=$SECONDS	# past the deadline: one look only
	shift
	while ! "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}
pause() { [ "$SECONDS" -lt "$DEADLINE" ] && sleep "$1"; return 0; }	# skipped past the deadline
gone() { ! kill -0 "$1" 2>/dev/null; } # PID

# ---- the event tests' events and workloads ---------------------------------
# Each event test writes $TEST_TMP/ev.py (its parser, then event_query.run).
ev() { # FILE|- EXPRESSION: the expression's value over the file's events (E, LOST, BAD, ...)
	PYTHONPATH="$TOP_SRCDIR/tests/integration" python3 "$TEST_TMP/ev.py" "$@"
}
holds() { [ "$(ev "$1" "$2")" = 1 ]; }

# Workloads held before their first byte, so their pids, inodes and ports
# can be read first: ipc_workload's writers wait for a go file.
declare -A HELD_PID
hold_pipe_workload() { # NAME PREFIX IPC_WORKLOAD_ARGS... (1 writer, 1 reader)
	local name=$1 prefix=$2
	shift 2
	rm -f "$TEST_TMP/$name.go"
	IPC_WORKLOAD_PIDS=1 timeout "$(budget 30)" "$WORKLOAD" "$@" --go-file "$TEST_TMP/$name.go" \
		>"$TEST_TMP/$name.truth" 2>"$TEST_TMP/$name.err" &
	HELD_PID[$name]=$!
	wait_until 5 grep -qs "^pid $prefix-w0 " "$TEST_TMP/$name.truth" &&
		wait_until 5 grep -qs "^pid $prefix-r0 " "$TEST_TMP/$name.truth"
}

release() { # NAME: lets the held workload go and waits for it; its status
	touch "$TEST_TMP/$1.go"
	wait "${HELD_PID[$1]}"
}

pid_of() { # NAME ROLE_COMM: from the workload's "pid NAME PID" lines
	awk -v n="$2" '$1 == "pid" && $2 == n { print $3 }' "$TEST_TMP/$1.truth"
}

write_pipe_inode() { # PID: the inode of the pipe PID holds open for writing only (not one it inherited from us)
	local fd link flags ours
	ours=$(for fd in /proc/$$/fd/*; do readlink "$fd"; done)
	for fd in /proc/"$1"/fd/*; do
		link=$(readlink "$fd") || continue
		grep -qxF -- "$link" <<<"$ours" && continue
		case $link in
		pipe:*)
			flags=$(awk '/^flags:/ { print $2 }' "/proc/$1/fdinfo/${fd##*/}")
			[ $((8#$flags & 3)) -eq 1 ] && echo "${link//[^0-9]/}"
			;;
		esac
	done
}

# ---- a real Prometheus (prometheus_scrape.sh, web_config.sh)
PROM_PORT=
PROM_PID=
prometheus_start() { # CONFIG_FILE: Prometheus on a free loopback port, stopped at exit
	PROM_PORT=$((20000 + RANDOM % 20000))
	"$PROMETHEUS" --config.file="$1" --storage.tsdb.path="$TEST_TMP/tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" >"$TEST_TMP/prometheus.log" 2>&1 &
	PROM_PID=$!
	trap 'prometheus_stop; cleanup' EXIT
}
prometheus_stop() {
	[ -n "$PROM_PID" ] && { kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; }
	PROM_PID=
}
prom_query() { # PROMQL -> the first sample's value, or nothing
	"$CURL" -s --get --data-urlencode "query=$1" "http://127.0.0.1:$PROM_PORT/api/v1/query" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}
prom_wait_for() { # PROMQL WANT -> the last value seen, once it is WANT or after 30 s
	local got
	for _ in $(seq 1 60); do
		got=$(prom_query "$1")
		[ "$got" = "$2" ] && break
		sleep 0.5
	done
	echo "$got"
}
prom_check_truth() { # TRUTH_FILE: each flow of a workload's ground truth, as Prometheus stored it
	local kind mech src dst messages bytes sel
	while read -r kind mech src dst messages bytes; do
		[ "$kind" = flow ] || continue
		sel="mechanism=\"$mech\",src_comm=\"$src\",dst_comm=\"$dst\""
		tap_eq "$(prom_wait_for "ipc_bytes_total{$sel}" "$bytes")" "$bytes" "Prometheus stored ipc_bytes_total{$sel}"
		tap_eq "$(prom_wait_for "ipc_messages_total{$sel}" "$messages")" "$messages" \
			"Prometheus stored ipc_messages_total{$sel}"
	done <"$1"
}
