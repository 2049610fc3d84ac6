#!/bin/bash
# Is ipc_exporter still exact, and its memory flat, after a long time on a
# busy host?  As root:
#   bench/soak.sh [--minutes N] [--output FILE]
# Starts the built exporter (default flags, a free loopback port) and, for N
# minutes (default 60), background churn: short loopback TCP connections,
# short-lived processes with pipes, and orphaned pipes from an unprivileged
# user (tests/workloads/churn_workload), beside steady traffic of fixed
# names.  Every minute it runs pipe, UNIX stream, loopback TCP, signal and
# pty workloads under names of that minute and checks every line of their
# ground truth exactly (messages and bytes) and that nothing naming them
# went to [unknown] or another peer; it records the exporter's resident
# memory, queue table, series and counters.  At the end the steady traffic's
# totals over the whole run are checked too.  The Markdown report goes to
# FILE (default soak-results.md) and to stdout.  Exit 0 when everything was
# exact and resident memory grew less than 8 MiB after the warm-up.
# SOAK_EXPORTER_ARGS adds exporter flags (a shared host's other IPC makes
# label sets too: --series-limit=200000 keeps them from folding the soak's).
set -u

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${IPC_BUILDDIR:-$top_srcdir}
exporter=$builddir/src/ipc_exporter
workloads=$builddir/tests/workloads

minutes=60
output=soak-results.md
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) [ $# -ge 2 ] || { echo "soak: --minutes wants a positive number" >&2; exit 2; }
		minutes=$2; shift ;;
	--minutes=*) minutes=${1#*=} ;;
	--output) [ $# -ge 2 ] || { echo "soak: --output wants a file name" >&2; exit 2; }
		output=$2; shift ;;
	--output=*) output=${1#*=} ;;
	-h|--help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "soak: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $minutes in
''|*[!0-9]*|0) echo "soak: --minutes wants a positive number" >&2; exit 2 ;;
esac
[ "$minutes" -le 999 ] || { echo "soak: --minutes at most 999 (names carry the minute)" >&2; exit 2; }
[ -n "$output" ] || { echo "soak: --output wants a file name" >&2; exit 2; }

die() { echo "soak: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (it loads BPF programs)"
for f in "$exporter" "$workloads"/{ipc,socket,pty,churn}_workload; do
	[ -x "$f" ] || die "$f is missing: build first (make && make check TESTS=)"
done
command -v curl >/dev/null || die "curl is missing"
command -v setpriv >/dev/null || die "setpriv is missing (util-linux)"
# Another exporter's hooks would run on every IPC call of the soak too, and
# its tests' floods would land in this one's tables.
others=$(pgrep -x ipc_exporter | tr '\n' ' ')
[ -z "$others" ] || die "another ipc_exporter is running (pid ${others% }): the soak needs a quiet machine; stop it first"

# Churn per round and the pause between rounds: a few thousand of each a
# minute, continuous but leaving CPU for the samples.
churn_tcp=50 churn_pipes=50 churn_orphans=100 churn_pause=1
steady_pause=2

work=$(mktemp -d "${TMPDIR:-/tmp}/ipc_soak.XXXXXX")
exporter_pid=
loop_pids=()
cleanup() {
	local pid
	touch "$work/stop"
	# each loop is a process group of its own (set -m): its workloads go with it
	for pid in "${loop_pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
	for pid in "${loop_pids[@]}"; do wait "$pid" 2>/dev/null; done
	[ -n "$exporter_pid" ] && kill -INT "$exporter_pid" 2>/dev/null && wait "$exporter_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the exporter -----------------------------------------------------------

port=
start_exporter() {
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 20000))
		# shellcheck disable=SC2086
		"$exporter" --web.listen-address="127.0.0.1:$port" ${SOAK_EXPORTER_ARGS:-} >"$work/exporter.log" 2>&1 &
		exporter_pid=$!
		for _ in $(seq 300); do
			curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && return 0
			kill -0 "$exporter_pid" 2>/dev/null || break
			sleep 0.1
		done
		wait "$exporter_pid" 2>/dev/null
		exporter_pid=
		grep -q "already in use" "$work/exporter.log" || break
	done
	die "the exporter did not start: $(tail -3 "$work/exporter.log")"
}

scrape() { curl -sf "http://127.0.0.1:$port/metrics" >"$1"; } # FILE

# The value of one exact series in a scrape, 0 if absent.
value() { # FILE SERIES
	awk -v s="$2" 'index($0, s " ") == 1 { v = $NF } END { printf "%.0f\n", v }' "$1"
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$exporter_pid/status"; }

# ---- background load ----------------------------------------------------------

# Runs COMMAND... in a loop, pausing SECONDS between rounds, until the stop
# file appears; in a process group of its own, so cleanup ends it whole.
start_loop() { # NAME SECONDS COMMAND...
	local name=$1 pause=$2
	shift 2
	set -m
	(
		trap - EXIT	# the parent's cleanup is not ours
		while [ ! -e "$work/stop" ]; do
			"$@" >>"$work/$name.out" 2>>"$work/$name.err" || echo "failed $*" >>"$work/$name.out"
			sleep "$pause"
		done
	) &
	loop_pids+=($!)
	set +m
}

# The churn: fixed names, so that churn adds no series after its first round.
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
start_churn() {
	start_loop churn-tcp "$churn_pause" "$workloads/churn_workload" sct tcp "$churn_tcp" 1000
	start_loop churn-pipes "$churn_pause" "$workloads/churn_workload" scp pipes "$churn_pipes"
	start_loop churn-orphans "$churn_pause" "${nobody[@]}" "$workloads/churn_workload" sco orphans "$churn_orphans"
}

churned() { # NAME: how many so far
	awk '$1 == "churned" { n += $2 } END { print n + 0 }' "$work/$1.out" 2>/dev/null || echo 0
}
failed_rounds() { # NAME
	awk '$1 == "failed" { n++ } END { print n + 0 }' "$work/$1.out" 2>/dev/null || echo 0
}

# Steady traffic under fixed names, its truth appended round after round:
# the exporter's totals of these series over the whole run must be its sum.
steady_round() {
	local w=$workloads
	"$w/ipc_workload" pipe stp 1 1 50 100 &&
		"$w/socket_workload" socketpair stu 50 64 &&
		"$w/socket_workload" server stt tcp 127.0.0.1 50 200 &&
		"$w/socket_workload" udp stg 127.0.0.1 20 100 &&
		"$w/ipc_workload" signal sts 10 5
}
steady_prefixes="stp stu stt stg sts"

# ---- ground truth -------------------------------------------------------------

# Truth lines (flow M SRC DST MESSAGES BYTES / signal SIGNO SRC DST COUNT)
# as the series they must move: "LINE SERIES WANT", LINE the truth line's number.
expected_series() { # TRUTH
	local n=0 kind a b c d e
	while read -r kind a b c d e; do
		n=$((n + 1))
		case $kind in
		flow)
			echo "$n ipc_messages_total{mechanism=\"$a\",src_comm=\"$b\",dst_comm=\"$c\"} $d"
			echo "$n ipc_bytes_total{mechanism=\"$a\",src_comm=\"$b\",dst_comm=\"$c\"} $e"
			;;
		signal)
			echo "$n ipc_signals_total{signal=\"SIG$(kill -l "$a")\",src_comm=\"$b\",dst_comm=\"$c\"} $d"
			# the same signals as messages of mechanism "signal": checked for peers only
			echo "0 ipc_messages_total{mechanism=\"signal\",src_comm=\"$b\",dst_comm=\"$c\"} -"
			;;
		*) n=$((n - 1)) ;;
		esac
	done <"$1"
}

# Compares the deltas BEFORE..AFTER with the truth.  Prints "EXACT TOTAL"
# (truth lines all of whose series moved exactly so).  To PROBLEMS go every
# series that missed, and every series naming a PREFIX process, in a
# mechanism its truth has, that the truth does not name: [unknown] or a
# wrong peer.  (As in tests/integration/lib.sh: a workload's truth leaves
# out its control pipes, and the kernel's SIGCHLD to its own parent.)
check_truth() { # BEFORE AFTER TRUTH "PREFIXES" PROBLEMS
	expected_series "$3" >"$work/expected"
	awk -v prefixes="$4" -v problems="$5" '
		function key(line) { return substr(line, 1, length(line) - length($NF) - 1) }
		function mech(s) {
			if (s ~ /^ipc_signals_total/) return "signal"
			match(s, /mechanism="[^"]*"/)
			return substr(s, RSTART + 11, RLENGTH - 12)
		}
		function prefix_of(s, end,    v) { # the PREFIX of the src or dst comm, "" if not one of ours
			if (!match(s, end "_comm=\"[^\"]*\"")) return ""
			v = substr(s, RSTART + length(end) + 7, RLENGTH - length(end) - 8)
			return v ~ ours ? substr(v, 1, index(v, "-") - 1) : ""
		}
		function mark_mechs(s,    p) {
			if ((p = prefix_of(s, "src")) != "") mechs[p, mech(s)] = 1
			if ((p = prefix_of(s, "dst")) != "") mechs[p, mech(s)] = 1
		}
		function ours_in_mech(s,    p) {
			return ((p = prefix_of(s, "src")) != "" && (p SUBSEP mech(s)) in mechs) ||
			       ((p = prefix_of(s, "dst")) != "" && (p SUBSEP mech(s)) in mechs)
		}
		BEGIN { gsub(/^ +| +$/, "", prefixes); gsub(/ +/, "|", prefixes); ours = "^(" prefixes ")-" }
		FILENAME == ARGV[1] { line[$2] = $1; want[$2] = $3; if ($1 > 0) lines[$1] = 1; mark_mechs($2); next }
		$0 ~ /^#/ { next }
		FILENAME == ARGV[2] { before[key($0)] = $NF; next }
		{ after[key($0)] = $NF }
		$0 ~ /^ipc_(bytes|messages|signals)_total\{/ && !(key($0) in want) && ours_in_mech($0) &&
		    !($0 ~ /src_comm="\[kernel\]"/ && $0 ~ /(signal="SIGCHLD"|mechanism="signal")/) {
			print "not in the truth: " $0 >problems
		}
		END {
			for (s in want) {
				if (want[s] == "-") continue
				got = after[s] - before[s]
				if (got != want[s]) { bad[line[s]] = 1; print s ": got " got ", want " want[s] >problems }
			}
			total = 0; exact = 0
			for (l in lines) { total++; if (!(l in bad)) exact++ }
			print exact, total
		}' "$work/expected" "$1" "$2"
}

# One sample: each workload under a name of this minute, between two scrapes.
sample() { # MINUTE
	local m=$1 p tag tags="" t=$work/truth.$1 problems=$work/problems.$1 status=0
	tag=$(printf '%03d' "$m")
	: >"$t"
	: >"$problems"
	scrape "$work/before" || die "the exporter stopped answering at minute $m: $(tail -3 "$work/exporter.log")"
	run_truth() { # COMMAND... (its truth appended to $t)
		"$@" >>"$t" 2>>"$work/sample.err" || { status=1; echo "workload failed: $*" >>"$problems"; }
	}
	run_truth "$workloads/ipc_workload" pipe "skp$tag" 1 1 300 100
	run_truth "$workloads/socket_workload" socketpair "sku$tag" 100 64
	run_truth "$workloads/socket_workload" server "skt$tag" tcp 127.0.0.1 100 500
	run_truth "$workloads/ipc_workload" signal "sks$tag" 10 50
	run_truth "$workloads/pty_workload" raw "sky$tag" 100 256
	for p in p u t s y; do tags="$tags sk$p$tag"; done
	scrape "$work/after" || die "the exporter stopped answering at minute $m: $(tail -3 "$work/exporter.log")"
	read -r exact total < <(check_truth "$work/before" "$work/after" "$t" "$tags" "$problems")
	[ "$status" = 0 ] || exact=0	# a broken workload's truth is no truth
	record "$m" "$exact" "$total" "$work/after"
}

# minute elapsed_s exact total rss_kb queues series closed swept idle refused pipe_full flow_full cpu_s problems tcp pipes orphans
record() { # MINUTE EXACT TOTAL SCRAPE
	local s=$4
	echo "$1 $SECONDS $2 $3 $(rss_kb)" \
		"$(value "$s" 'ipc_exporter_table_entries{table="queues"}') $(value "$s" ipc_exporter_series)" \
		"$(value "$s" 'ipc_exporter_queues_removed_total{reason="closed"}')" \
		"$(value "$s" 'ipc_exporter_queues_removed_total{reason="swept"}')" \
		"$(value "$s" 'ipc_exporter_queues_removed_total{reason="idle"}')" \
		"$(value "$s" ipc_exporter_queue_quota_refused_total) $(value "$s" ipc_exporter_pipe_table_full_total)" \
		"$(value "$s" ipc_exporter_flow_table_full_total)" \
		"$(awk '$1 == "process_cpu_seconds_total" { printf "%.2f", $2 }' "$s")" \
		"$(grep -c . "$work/problems.$1")" \
		"$(churned churn-tcp) $(churned churn-pipes) $(churned churn-orphans)" >>"$work/samples"
	awk -v m="$1" '$1 == m { printf "soak: minute %d: %d/%d truth lines exact, RSS %.1f MiB, %d queues, %d series\n", m, $3, $4, $5 / 1024, $6, $7 }' \
		"$work/samples" >&2
	sed 's/^/soak:   /' "$work/problems.$1" >&2
}

# Waits (bounded) for the queue table to come back near REST; prints what it holds.
settle_queues() { # REST
	local held
	for _ in $(seq 60); do
		scrape "$work/settle"
		held=$(value "$work/settle" 'ipc_exporter_table_entries{table="queues"}')
		[ "$held" -le $(($1 + 64)) ] && break
		sleep 0.5
	done
	echo "$held"
}

# ---- the run --------------------------------------------------------------------

machine="$(nproc) vCPU $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
echo "soak: $minutes minute(s) on $machine" >&2
start_exporter
scrape "$work/start"
rest=$(value "$work/start" 'ipc_exporter_table_entries{table="queues"}')
rss_start=$(rss_kb)
: >"$work/samples"

start_churn
start_loop steady "$steady_pause" steady_round
t0=$SECONDS
for m in $(seq 0 "$minutes"); do
	# sleep in the background: a signal runs the trap at once
	while [ $((SECONDS - t0)) -lt $((m * 60)) ]; do sleep 1 & wait $!; done
	sample "$m"
done

# Stop the load at the end of a round (the steady truth is then whole).
touch "$work/stop"
for pid in "${loop_pids[@]}"; do wait "$pid" 2>/dev/null; done
loop_pids=()
held_end=$(settle_queues "$rest")
rss_end=$(rss_kb)

# The steady traffic over the whole run: the sum of its truth, by series.
awk '$1 == "flow" { k = $1 " " $2 " " $3 " " $4; m[k] += $5; b[k] += $6 }
     $1 == "signal" { k = $1 " " $2 " " $3 " " $4; m[k] += $5 }
     END { for (k in m) print k, m[k], (k in b ? b[k] : "") }' "$work/steady.out" >"$work/steady.truth"
: >"$work/problems.steady"
read -r steady_exact steady_total < <(check_truth "$work/start" "$work/settle" "$work/steady.truth" \
	"$steady_prefixes" "$work/problems.steady")
steady_rounds=$(grep -c '^flow pipe stp-w0 ' "$work/steady.out")
steady_failed=$(failed_rounds steady)

# ---- the report -----------------------------------------------------------------

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# RSS after the warm-up (5 minutes, or the first 20 % of a short run) is
# the reference for growth; the verdict takes the last sample against it.
warm=$(((minutes + 4) / 5))
[ "$warm" -gt 5 ] && warm=5
rss_at() { awk -v m="$1" '$1 == m { print $5 }' "$work/samples"; }
rss_warm=$(rss_at "$warm")
rss_mid=$(rss_at $((minutes / 2)))
rss_last=$(rss_at "$minutes")
rss_peak=$(awk -v w="$warm" '$1 >= w && $5 > p { p = $5 } END { print p }' "$work/samples")
growth_kb=$((rss_last - rss_warm))
samples_total=$(wc -l <"$work/samples")
failed_samples=$(awk '$3 != $4 || $4 == 0 || $15 > 0 { printf "%s%d", sep, $1; sep = ", " }' "$work/samples")
n_failed=$(awk '$3 != $4 || $4 == 0 || $15 > 0 { n++ } END { print n + 0 }' "$work/samples")

ok=1
[ "$n_failed" -eq 0 ] || ok=0
[ "$steady_exact" = "$steady_total" ] && [ "$steady_failed" -eq 0 ] && [ ! -s "$work/problems.steady" ] || ok=0
[ "$growth_kb" -lt 8192 ] || ok=0

# every minute for short runs; else every 5th, and the first, the last and any that failed
shown() { # MINUTE EXACT TOTAL PROBLEMS
	[ "$minutes" -le 15 ] || [ $(($1 % 5)) -eq 0 ] || [ "$1" -le 1 ] || [ "$1" -eq "$minutes" ] ||
		[ "$2" != "$3" ] || [ "$4" -gt 0 ]
}

{
	echo "## ipc_exporter soak"
	echo
	echo "$machine; $(date -u +%Y-%m-%d); $minutes minute(s) (${SECONDS}s with start and settling), exporter with ${SOAK_EXPORTER_ARGS:-its default flags}."
	echo
	echo "Background, all the time: churn in rounds of $churn_tcp short loopback TCP connections (1000 bytes each way)," \
		"$churn_pipes short-lived processes each writing into a pipe of its own, and $churn_orphans pipes written and closed unread" \
		"by an unprivileged user (uid 65534), each loop pausing ${churn_pause}s between rounds; steady traffic (a pipe, a UNIX" \
		"socketpair, loopback TCP, loopback UDP and signals under fixed names) every ${steady_pause}s."
	echo
	echo "Churned: $(churned churn-tcp) TCP connections, $(churned churn-pipes) pipe processes, $(churned churn-orphans) orphaned pipes" \
		"(failed rounds: $(failed_rounds churn-tcp), $(failed_rounds churn-pipes), $(failed_rounds churn-orphans))."
	echo
	echo "Every minute: a pipe (300 × 100 B), a UNIX socketpair (100 × 64 B), loopback TCP (100 × 500 B), signals" \
		"(50 SIGUSR1, SIGUSR2, SIGCHLD) and a raw pty (100 × 256 B each way) under names of that minute, between two scrapes:" \
		"every truth line exact (messages and bytes), and no series naming them beyond the truth ([unknown] or another peer)."
	echo
	echo "| minute | exact / truth lines | resident | queues | series | queues removed closed / swept / idle | quota refused | pipe table full | flow table full | exporter CPU, total | churned TCP / pipes / orphans, total |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	while read -r m _ ex tot rss q ser cl sw id ref pf ff cpu prob ct cp co; do
		shown "$m" "$ex" "$tot" "$prob" || continue
		mark=
		[ "$ex" = "$tot" ] && [ "$tot" -gt 0 ] && [ "$prob" -eq 0 ] || mark=" **failed**"
		printf '| %d | %d / %d%s | %s MiB | %d | %d | %d / %d / %d | %d | %d | %d | %s s | %d / %d / %d |\n' \
			"$m" "$ex" "$tot" "$mark" "$(mib "$rss")" "$q" "$ser" "$cl" "$sw" "$id" "$ref" "$pf" "$ff" "$cpu" "$ct" "$cp" "$co"
	done <"$work/samples"
	echo
	echo "Steady traffic over the whole run ($steady_rounds rounds, $steady_failed failed): $steady_exact of $steady_total flows exact in the exporter's totals."
	echo
	echo "Resident memory: $(mib "$rss_start") MiB at start, $(mib "$rss_warm") MiB after the warm-up (minute $warm)," \
		"$(mib "$rss_mid") MiB at minute $((minutes / 2)), $(mib "$rss_last") MiB at the end (peak after the warm-up" \
		"$(mib "$rss_peak") MiB, $(mib "$rss_end") MiB once the load stopped): growth $(mib "$growth_kb") MiB after the warm-up (limit 8 MiB)."
	echo "Queue table: $rest queues at rest before the load, $held_end after it stopped (near rest: within 64)."
	if [ -s "$work/problems.steady" ] || grep -q . "$work"/problems.[0-9]* 2>/dev/null; then
		echo
		echo "What missed:"
		echo
		for f in "$work"/problems.*; do
			[ -s "$f" ] && sed "s/^/- ${f##*.}: /" "$f"
		done
	fi
	echo
	printf '**Verdict: %s.** %d of %d samples exact%s; steady totals %s; resident memory %s (%+.1f MiB after minute %d); queue table %s.\n' \
		"$([ $ok = 1 ] && echo passed || echo FAILED)" $((samples_total - n_failed)) "$samples_total" \
		"$([ -n "$failed_samples" ] && echo " (failed: minute $failed_samples)")" \
		"$([ "$steady_exact" = "$steady_total" ] && [ "$steady_failed" -eq 0 ] && echo exact || echo "**not exact**")" \
		"$([ "$growth_kb" -lt 8192 ] && echo flat || echo "**grew**")" "$(awk -v k="$growth_kb" 'BEGIN { print k / 1024 }')" "$warm" \
		"$([ "$held_end" -le $((rest + 64)) ] && echo "back near rest" || echo "**not back to rest** ($held_end, $rest before)")"
} >"$output"
cat "$output"
[ "$ok" = 1 ]
