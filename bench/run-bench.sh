#!/bin/bash
# What ipc_exporter costs the host, measured in one run, as root:
#   bench/run-bench.sh [--rounds N] [--quick] [--guest] [--output FILE]
# Each round starts every tracing setup in turn (the order rotates from round
# to round, so that drift of the machine falls on all of them alike) and runs
# every workload under it: ordinary work with no IPC (dd), a real server and
# client (redis), and IPC workloads, some pinned to one CPU.  A workload's
# ratio is its time under a setup over its time with nothing attached in the
# same round; the table gives the median ratio over the rounds and the spread
# (25th-75th percentile).
# Then the cost of a scrape with 10, 1,000 and 100,000 process pairs, and the
# exporter's resident memory.  --guest: inside a qemu guest of the kernel
# matrix (bench/run-bench-guest.sh), where the exporter takes the mechanism
# hooks: the exporter on each path and the empty sys_exit programs, the
# workloads at a twentieth, the scrape with 10 pairs only.
# The Markdown report goes to FILE (default
# bench-results.md) and to stdout.  Needs perf (linux-perf), redis-server and
# redis-benchmark (redis-tools); bpftrace is the peer, its column is "n/a"
# without it.
set -u

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${IPC_BUILDDIR:-$top_srcdir}
exporter=$builddir/src/ipc_exporter
hook_floor=$builddir/bench/hook_floor
pingpong=$builddir/bench/ipc_pingpong
peer_script=$top_srcdir/bench/peer_counts.bt

rounds=
quick=0
guest=0
output=bench-results.md
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) [ $# -ge 2 ] || { echo "run-bench: --rounds wants a positive number" >&2; exit 2; }
		rounds=$2; shift ;;
	--rounds=*) rounds=${1#*=} ;;
	--quick) quick=1 ;;
	--guest) guest=1 ;;
	--output) [ $# -ge 2 ] || { echo "run-bench: --output wants a file name" >&2; exit 2; }
		output=$2; shift ;;
	--output=*) output=${1#*=} ;;
	-h|--help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run-bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ -z "$rounds" ] && rounds=$([ "$quick" = 1 ] && echo 1 || echo 10)
case $rounds in
''|*[!0-9]*|0) echo "run-bench: --rounds wants a positive number" >&2; exit 2 ;;
esac
[ -n "$output" ] || { echo "run-bench: --output wants a file name" >&2; exit 2; }

die() { echo "run-bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (it loads BPF programs)"
for f in "$exporter" "$hook_floor" "$pingpong"; do
	[ -x "$f" ] || die "$f is missing: build first (make)"
done
command -v perf >/dev/null || die "perf is missing (apt-get install linux-perf)"
command -v curl >/dev/null || die "curl is missing"
for c in redis-server redis-benchmark redis-cli; do
	command -v $c >/dev/null || die "$c is missing (apt-get install redis-server redis-tools)"
done
have_bpftrace=0
command -v bpftrace >/dev/null && have_bpftrace=1
# The per-syscall tracepoints (the alternative floor, bpftrace) need tracefs.
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing ||
	die "cannot mount tracefs on /sys/kernel/tracing"

work=$(mktemp -d "${TMPDIR:-/tmp}/ipc_bench.XXXXXX")
setup_pid=
client_pid=
redis_pid=
# below the ephemeral range (32768 on), where a connection's own port could
# hold it: the exporter's port, and the server's next to it
port=$((20000 + RANDOM % 12000))
redis_port=$((port + 1))
cleanup() {
	[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
	[ -n "$setup_pid" ] && kill "$setup_pid" 2>/dev/null && wait "$setup_pid" 2>/dev/null
	[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
	[ -n "${exporter_cgroup:-}" ] && rmdir "$exporter_cgroup" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- workloads: name, command (each about a second on 2 vCPUs) ------------

if [ "$guest" = 1 ]; then
	scale=20	# under TCG a twentieth takes about what the whole does natively
	pair_counts="10"
elif [ "$quick" = 1 ]; then
	scale=20
	pair_counts="10 1000"
else
	scale=1
	pair_counts="10 1000 100000"
fi
cached_file=$work/cached
redis_socket=$work/redis.sock
# Pinned, the two ends of a ping-pong take turns on one CPU: no cross-CPU
# wake-up, whose latency hides the hooks' cost when they run free.
pin="taskset -c 0"
workload_names=(dd-zero dd-file redis-unix redis-tcp pipe pipe-pinned messaging messaging-pipes
	unix-pingpong unix-pingpong-pinned tcp-pingpong tcp-pingpong-pinned signal-storm)
workload_commands=(
	"dd if=/dev/zero of=/dev/null bs=64 count=$((2500000 / scale))"
	"dd if=$cached_file of=/dev/null bs=512"
	"redis-benchmark -s $redis_socket -t set,get -n $((80000 / scale)) -q"
	"redis-benchmark -h 127.0.0.1 -p \$redis_port -t set,get -n $((60000 / scale)) -q"	# its port once the server has one
	"perf bench sched pipe -l $((30000 / scale))"
	"$pin perf bench sched pipe -l $((250000 / scale))"
	"perf bench sched messaging -l $((100 / scale))"
	"perf bench sched messaging -p -l $((150 / scale))"
	"$pingpong unix $((30000 / scale))"
	"$pin $pingpong unix $((150000 / scale))"
	"$pingpong tcp $((20000 / scale))"
	"$pin $pingpong tcp $((120000 / scale))"
	"$pingpong signal $((300000 / scale))"
)
workload_labels=(
	"\`dd\` /dev/zero to /dev/null, 64 B blocks (no IPC)"
	"\`dd\` of a page-cached file, 512 B blocks (no IPC)"
	"\`redis-benchmark -t set,get\`, UNIX socket"
	"\`redis-benchmark -t set,get\`, loopback TCP"
	"\`perf bench sched pipe\`"
	"\`perf bench sched pipe\`, pinned to one CPU"
	"\`perf bench sched messaging\` (sockets)"
	"\`perf bench sched messaging -p\` (pipes)"
	"UNIX stream ping-pong, 64 B"
	"UNIX stream ping-pong, 64 B, pinned to one CPU"
	"loopback TCP ping-pong, 64 B"
	"loopback TCP ping-pong, 64 B, pinned to one CPU"
	"signal storm (\`kill\` SIGUSR1)"
)

# The file dd reads: written, flushed (no writeback during the rounds) and
# read once, so that every round reads it from the page cache.
file_blocks=$((1500000 / scale))
{ head -c $((file_blocks * 512)) /dev/zero >"$cached_file" && sync "$cached_file" &&
	cat "$cached_file" >/dev/null; } || die "cannot write $cached_file"

# The real server: a private redis-server, nothing persisted, for the whole
# run (a server outlives the exporter's restarts); its title names the bench.
# A port someone else holds: another one (five tries).
for attempt in 1 2 3 4 5; do
	redis-server --port "$redis_port" --bind 127.0.0.1 --unixsocket "$redis_socket" --save '' --appendonly no \
		--dir "$work" --logfile "$work/redis.log" --proc-title-template '{title} {listen-addr} run-bench' &
	redis_pid=$!
	for i in $(seq 200); do
		[ "$(redis-cli -s "$redis_socket" ping 2>/dev/null)" = PONG ] && break 2
		kill -0 "$redis_pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$redis_pid" 2>/dev/null
	wait "$redis_pid" 2>/dev/null
	grep -q "Address already in use" "$work/redis.log" && [ "$attempt" -lt 5 ] ||
		die "redis-server did not start: $(tail -3 "$work/redis.log")"
	redis_port=$((20000 + RANDOM % 12000))
done

# ---- tracing setups -------------------------------------------------------

setups=(none floor floor-syscalls exporter exporter+events)
[ "$have_bpftrace" = 1 ] && setups+=(bpftrace)
# in a guest: the exporter on its mechanism hooks, and forced onto sys_exit
[ "$guest" = 1 ] && setups=(none floor exporter exporter-sys-exit)

wait_for_line() { # FILE PATTERN PID: until PATTERN is in FILE, or PID died
	local i
	for i in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

wait_for_metrics() {
	local i
	for i in $(seq 600); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && return 0
		kill -0 "$setup_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

start_exporter() { # extra flags
	"$exporter" --web.listen-address="127.0.0.1:$port" "$@" >"$work/exporter.log" 2>&1 &
	setup_pid=$!
	wait_for_metrics || die "the exporter did not start: $(tail -3 "$work/exporter.log")"
	# On the mechanism hooks the sys_exit program stays attached at first for
	# calls in flight at start (at most a minute): time the exporter once it
	# has gone, as it runs for the rest of its life.
	local i
	for i in $(seq 700); do
		curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^ipc_exporter_start_calls_waiting 0$' && break
		sleep 0.1
	done
	if [ -n "$cgroup_root" ]; then
		exporter_cgroup=$cgroup_root/ipc_bench_$$
		mkdir -p "$exporter_cgroup" && echo "$setup_pid" >"$exporter_cgroup/cgroup.procs" || exporter_cgroup=
	fi
}

start_setup() {
	setup_pid=
	case $1 in
	none) ;;
	floor|floor-syscalls)
		"$hook_floor" "$([ "$1" = floor ] && echo raw || echo syscalls)" >"$work/floor.log" 2>&1 &
		setup_pid=$!
		wait_for_line "$work/floor.log" '^ready' "$setup_pid" || die "hook_floor failed: $(cat "$work/floor.log")"
		;;
	exporter) start_exporter ;;
	exporter-sys-exit) start_exporter --hooks=sys-exit ;;
	exporter+events)
		start_exporter --debug.events
		curl -sN "http://127.0.0.1:$port/debug/events" >/dev/null 2>&1 &
		client_pid=$!
		# the client counts once the gauge says it is subscribed
		local i
		for i in $(seq 200); do
			curl -s "http://127.0.0.1:$port/metrics" | grep -q '^ipc_exporter_debug_events_clients 1' && break
			[ "$i" = 200 ] && die "the /debug/events client did not subscribe"
			sleep 0.05
		done
		;;
	bpftrace)
		bpftrace "$peer_script" >"$work/bpftrace.log" 2>&1 &
		setup_pid=$!
		wait_for_line "$work/bpftrace.log" '^Attaching' "$setup_pid" || die "bpftrace failed: $(cat "$work/bpftrace.log")"
		sleep 0.5	# "Attaching" comes just before the probes are
		;;
	esac
}

stop_setup() {
	[ -n "$client_pid" ] && { kill "$client_pid" 2>/dev/null; wait "$client_pid" 2>/dev/null; client_pid=; }
	if [ -n "$setup_pid" ]; then
		kill -INT "$setup_pid" 2>/dev/null
		wait "$setup_pid" 2>/dev/null
		setup_pid=
	fi
	if [ -n "$exporter_cgroup" ]; then
		rmdir "$exporter_cgroup" 2>/dev/null
		exporter_cgroup=
	fi
}

# Resident memory of the running exporter, in KiB: "current peak".
exporter_memory() {
	awk '/^VmRSS/ { rss = $2 } /^VmHWM/ { hwm = $2 } END { print rss, hwm }' "/proc/$setup_pid/status"
}

# CPU time of a process in nanoseconds, from /proc in clock ticks.
proc_cpu_ns() { # PID
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz }' "/proc/$1/stat"
}

# CPU time of the exporter in nanoseconds, threads that already ended
# included (libmicrohttpd serves each connection on a thread of its own):
# from its own cgroup2 group, exact; else from /proc.
cgroup_root=$(findmnt -t cgroup2 -n -o TARGET 2>/dev/null | head -1)
exporter_cgroup=
process_cpu_ns() { # PID
	if [ -n "$exporter_cgroup" ]; then
		awk '$1 == "usage_usec" { printf "%.0f", $2 * 1000 }' "$exporter_cgroup/cpu.stat"
	else
		proc_cpu_ns "$1"
	fi
}

# The seconds a workload took: "WALL CPU", CPU being the user and system
# time of all its processes (the BPF programs run in its system time).
# Fails with the workload (the caller dies: this runs in a subshell).
run_workload() { # INDEX
	local TIMEFORMAT='%R %U %S' server0=0 server1=0
	# redis-server is no child of the workload: its CPU time is read around it
	case ${workload_names[$1]} in redis-*) server0=$(proc_cpu_ns "$redis_pid") ;; esac
	{ time eval "${workload_commands[$1]}" >/dev/null 2>"$work/workload.err"; } 2>"$work/time" || return 1
	case ${workload_names[$1]} in redis-*) server1=$(proc_cpu_ns "$redis_pid") ;; esac
	awk -v server=$((server1 - server0)) '{ printf "%s %.3f", $1, $2 + $3 + server / 1e9 }' "$work/time"
}

machine="$(nproc) vCPU $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
echo "run-bench: $rounds round(s) of ${#setups[@]} setups x ${#workload_names[@]} workloads on $machine" >&2

times=$work/times	# round setup workload wall-seconds cpu-seconds
peak_load_kb=0
declare -A exporter_cpu_ns	# per setup, summed over the rounds
events_lost=0
for r in $(seq "$rounds"); do
	n=${#setups[@]}
	for k in $(seq 0 $((n - 1))); do
		setup=${setups[$(((k + r) % n))]}
		start_setup "$setup"
		case $setup in exporter*) cpu0=$(process_cpu_ns "$setup_pid") ;; esac
		for w in "${!workload_names[@]}"; do
			took=$(run_workload "$w") ||
				die "${workload_names[$w]} failed under $setup: $(tail -3 "$work/workload.err")"
			echo "$r $setup ${workload_names[$w]} $took" >>"$times"
		done
		case $setup in exporter*)
			exporter_cpu_ns[$setup]=$((${exporter_cpu_ns[$setup]:-0} + $(process_cpu_ns "$setup_pid") - cpu0))
			rss=$(exporter_memory | awk '{ print $1 }')
			[ "${rss:-0}" -gt "$peak_load_kb" ] && peak_load_kb=$rss
			;;
		esac
		# what the events client missed: the kernel ring full, or the client too slow
		[ "$setup" = exporter+events ] && events_lost=$((events_lost + $(curl -s "http://127.0.0.1:$port/metrics" |
			awk '/^ipc_exporter_(events_lost_total|debug_events_client_dropped_total)[{ ]/ { n += $NF }
			     END { printf "%.0f", n }')))
		stop_setup
	done
	echo "run-bench: round $r of $rounds done" >&2
done

# ---- work per program run ----------------------------------------------------

# Once more, outside the timed rounds (the statistics cost two clock reads
# per run): the kernel's own account of the time the exporter's programs ran
# during each workload, and how often.  Far steadier than a ratio of elapsed
# times: it is the programs' work alone, whatever the rest of the host does.
# "exporter's programs": those named ipc_* (bpftool prints names as loaded).
program_ns=$work/program_ns	# setup workload runs ns
bpf_program_totals() {
	bpftool prog show 2>/dev/null | awk '
		/^[0-9]+:/ { mine = 0; for (i = 1; i <= NF; i++) if ($i == "name" && $(i + 1) ~ /^ipc_/) mine = 1 }
		mine { for (i = 1; i <= NF; i++) { if ($i == "run_time_ns") ns += $(i + 1); if ($i == "run_cnt") runs += $(i + 1) } }
		END { printf "%.0f %.0f\n", runs, ns }'
}
if stats_before=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null); then
	sysctl -qw kernel.bpf_stats_enabled=1
	for setup in "${setups[@]}"; do
		case $setup in exporter|exporter-sys-exit) ;; *) continue ;; esac
		start_setup "$setup"
		for w in "${!workload_names[@]}"; do
			read -r runs0 ns0 < <(bpf_program_totals)
			run_workload "$w" >/dev/null || die "${workload_names[$w]} failed under $setup"
			read -r runs1 ns1 < <(bpf_program_totals)
			echo "$setup ${workload_names[$w]} $((runs1 - runs0)) $((ns1 - ns0))" >>"$program_ns"
		done
		stop_setup
	done
	sysctl -qw kernel.bpf_stats_enabled="$stats_before"
fi

# ---- scrape cost ----------------------------------------------------------

scrapes=$work/scrapes	# pairs series first_s active_s idle_s cpu_ns_per_active rss_kb hwm_kb
idle_kb=
scrape_time() { curl -s -o "${1:-/dev/null}" -w '%{time_total}\n' "http://127.0.0.1:$port/metrics"; }
median_of() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for pairs in $pair_counts; do
	# room for every pair: nothing folded, nothing in overflow
	start_exporter --series-limit=262144 --flow-table-size=262144
	[ -z "$idle_kb" ] && { scrape_time >/dev/null; idle_kb=$(exporter_memory | awk '{ print $1 }'); }
	# first: every pair is a new series
	"$pingpong" pairs "$pairs" || die "the pairs workload failed"
	first=$(scrape_time "$work/page")
	series=$(grep -c '^ipc_bytes_total{mechanism="pipe",src_comm="bw' "$work/page")
	# then every pair active again before each scrape: each drains them all
	: >"$work/active"
	cpu_ns=0
	for i in 1 2 3 4 5; do
		"$pingpong" pairs "$pairs" || die "the pairs workload failed"
		cpu0=$(process_cpu_ns "$setup_pid")
		scrape_time >>"$work/active"
		cpu_ns=$((cpu_ns + $(process_cpu_ns "$setup_pid") - cpu0))
	done
	# and with nothing new since the last scrape
	: >"$work/idle"
	for i in 1 2 3 4 5; do scrape_time >>"$work/idle"; done
	echo "$pairs $series $first $(median_of "$work/active") $(median_of "$work/idle") $((cpu_ns / 5))" \
		"$(exporter_memory)" >>"$scrapes"
	stop_setup
done

# ---- the report -----------------------------------------------------------

# Per metric (wall, cpu), workload and setup: median ratio to "none" of the
# same round, its 25th and 75th percentiles; for "none", its median time.
summary=$work/summary
for metric in wall cpu; do
awk -v metric=$metric '
	{ t[$1, $2, $3] = metric == "wall" ? $4 : $5; rounds[$1] = 1; setups[$2] = 1; loads[$3] = 1 }
	function sort_values(a, n,    i, j, x) {
		for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	}
	function quantile(a, n, q,    pos, lo) {
		pos = 1 + (n - 1) * q; lo = int(pos)
		return lo >= n ? a[n] : a[lo] + (pos - lo) * (a[lo + 1] - a[lo])
	}
	END {
		for (w in loads) for (s in setups) {
			n = 0
			for (r in rounds) if ((r, s, w) in t && (r, "none", w) in t) v[++n] = t[r, s, w] / t[r, "none", w]
			if (s == "none") { n = 0; for (r in rounds) v[++n] = t[r, s, w] }
			sort_values(v, n)
			printf "%s %s %s %.4f %.4f %.4f\n", metric, w, s, quantile(v, n, 0.5), quantile(v, n, 0.25), quantile(v, n, 0.75)
		}
	}' "$times" >>"$summary"
done

metric=wall
value() { awk -v m="$metric" -v w="$1" -v s="$2" -v f="$(($3 + 1))" '$1 == m && $2 == w && $3 == s { print $f }' "$summary"; }
cell() { # WORKLOAD SETUP: "1.03 (1.01–1.05)"
	local m
	m=$(value "$1" "$2" 3)
	[ -n "$m" ] || { echo "n/a"; return; }
	printf '%.2f× (%.2f–%.2f)' "$m" "$(value "$1" "$2" 4)" "$(value "$1" "$2" 5)"
}
# The header and a row per workload, a column per "LABEL=SETUP", and the
# targets column (VERDICT, a function of the workload) for wall time.
table_of() { # VERDICT LABEL=SETUP...
	local verdict_fn=$1 name col labels= seps= cells
	shift
	for col in "$@"; do
		labels="$labels | ${col%=*}"	# the setup after the last "=": a label may hold one
		seps="$seps---|"
	done
	printf '| workload | %s, nothing attached%s |%s\n' "$([ $metric = wall ] && echo time || echo CPU time)" "$labels" \
		"$([ $metric = wall ] && echo ' targets |')"
	echo "|---|---|$seps$([ $metric = wall ] && echo '---|')"
	for w in "${!workload_names[@]}"; do
		name=${workload_names[$w]}
		cells=
		for col in "$@"; do cells="$cells | $(cell "$name" "${col##*=}")"; done
		printf '| %s | %.3f s%s |%s\n' "${workload_labels[$w]}" "$(value "$name" none 3)" "$cells" \
			"$([ $metric = wall ] && echo " $($verdict_fn "$name") |")"
	done
}
table() {
	if [ "$guest" = 1 ]; then
		table_of verdict_guest "empty programs on sys_exit=floor" "exporter, mechanism hooks=exporter" \
			"exporter, \`--hooks=sys-exit\`=exporter-sys-exit"
	else
		table_of verdict "empty programs, exporter's hooks=floor" \
			"empty programs, per-syscall tracepoints=floor-syscalls" "exporter=exporter" \
			"exporter + one /debug/events client=exporter+events" "bpftrace peer=bpftrace"
	fi
}
# The mechanism hooks' targets: ≤ 1.02× on dd, ≤ 1.10× on redis, and on
# messaging -p at most half the sys_exit path's excess over 1.
verdict_guest() { # WORKLOAD
	local exp sys cap=
	exp=$(value "$1" exporter 3)
	sys=$(value "$1" exporter-sys-exit 3)
	case $1 in dd-*) cap=1.02 ;; redis-*) cap=1.10 ;;
	messaging-pipes) [ -n "$sys" ] && cap=$(awk -v s="$sys" 'BEGIN { printf "%.3f", 1 + (s - 1) / 2 }') ;;
	*) echo "—"; return ;;
	esac
	[ -n "$exp" ] && [ -n "$cap" ] || { echo "n/a"; return; }
	if awk -v e="$exp" -v c="$cap" 'BEGIN { exit !(e > c) }'; then echo "**missed**, > $cap×"; else echo "met (≤ $cap×)"; fi
}

# The targets: on IPC, the exporter within 5 points of the floor on the same
# hooks and below the peer; on ordinary work (dd), within 10 points of the
# floor (the peer hooks read and write too: no yardstick there); and at most
# 1.05x on perf bench sched pipe, 1.15x on redis, 1.45x on messaging -p.
verdict() { # WORKLOAD
	local exp floor peer margin=0.05 cap='' why=
	exp=$(value "$1" exporter 3)
	floor=$(value "$1" floor 3)
	peer=$(value "$1" bpftrace 3)
	[ -n "$exp" ] && [ -n "$floor" ] || { echo "n/a"; return; }
	case $1 in dd-*) margin=0.10 peer= ;; esac
	case $1 in pipe) cap=1.05 ;; redis-*) cap=1.15 ;; messaging-pipes) cap=1.45 ;; esac
	awk -v e="$exp" -v f="$floor" -v m=$margin 'BEGIN { exit !(e > f + m) }' && why="$why, > floor + $margin"
	[ -n "$peer" ] && awk -v e="$exp" -v p="$peer" 'BEGIN { exit !(e >= p) }' && why="$why, not below bpftrace"
	[ -n "$cap" ] && awk -v e="$exp" -v c=$cap 'BEGIN { exit !(e > c) }' && why="$why, > $cap×"
	if [ -z "$why" ]; then echo "met"; else echo "**missed**${why#,}"; fi
}

{
	echo "## ipc_exporter benchmark"
	echo
	echo "$machine; $(date -u +%Y-%m-%d); $rounds alternating round(s)."
	echo "Each cell: the workload's time with that setup over its time with nothing attached,"
	echo "median over the rounds (25th–75th percentile)."
	echo
	echo "### Elapsed time"
	echo
	metric=wall table
	echo
	if [ "$guest" = 1 ]; then
		echo "Targets for the mechanism hooks: ≤ 1.02× on \`dd\` (no IPC), ≤ 1.10× on redis, and on"
		echo "\`perf bench sched messaging -p\` at most half of the sys_exit path's excess over 1."
	else
		echo "Targets: on IPC workloads, exporter ≤ empty programs on its hooks + 0.05 and below bpftrace;"
		echo "on \`dd\` (no IPC), ≤ empty programs + 0.10; and ≤ 1.05× on \`perf bench sched pipe\` (free),"
		echo "≤ 1.15× on redis, ≤ 1.45× on \`perf bench sched messaging -p\`."
	fi
	echo
	echo "### CPU time of the workloads (user + system, all their processes)"
	echo
	echo "Where elapsed time hangs on how fast an idle CPU wakes up (ping-pong between two"
	echo "processes), it can even shrink when more work keeps the CPUs awake; CPU time is the cost itself."
	echo
	metric=cpu table
	echo
	echo "The exporter's own CPU time while all the workloads of a round ran: $((${exporter_cpu_ns[exporter]:-0} / 1000000 / rounds)) ms," \
		"$((${exporter_cpu_ns[exporter+events]:-0} / 1000000 / rounds)) ms with the events client (which formats and sends every event);" \
		"events the client missed (kernel ring full or client too slow, each counted and told): $((events_lost / rounds)) per round."
	echo
	if [ -s "$program_ns" ]; then
		echo "### The exporter's programs: time in the kernel per workload"
		echo
		echo "From the kernel's BPF statistics (\`kernel.bpf_stats_enabled\`), one run of each workload"
		echo "outside the timed rounds: the time all the exporter's programs ran during it, how many"
		echo "times they ran, and the mean time of one run. A program's work alone, unaffected by"
		echo "how the rest of the host is scheduled. A run that gives up at once (a file that is not IPC,"
		echo "a system call that moves nothing) counts as a run too."
		echo
		printf '| workload |'
		for setup in $(awk '{ print $1 }' "$program_ns" | uniq); do
			case $setup in exporter-sys-exit) setup="\`--hooks=sys-exit\`" ;; exporter) setup="exporter, its default hooks" ;; esac
			printf ' %s: total | runs | ns per run |' "$setup"
		done
		echo
		printf '|---|'
		for setup in $(awk '{ print $1 }' "$program_ns" | uniq); do printf -- '---|---|---|'; done
		echo
		for w in "${!workload_names[@]}"; do
			printf '| %s |' "${workload_labels[$w]}"
			awk -v w="${workload_names[$w]}" '$2 == w { printf " %.1f ms | %d | %.0f |", $4 / 1e6, $3, $3 ? $4 / $3 : 0 }' "$program_ns"
			echo
		done
		echo
	fi
	echo "### Scrape cost"
	echo
	echo "| process pairs | series of the pairs | first scrape (all series new) | scrape, every pair active (median of 5) | scrape, nothing new (median of 5) | exporter CPU per active scrape | resident after | peak resident | target (< 250 ms, < 64 MiB) |"
	echo "|---|---|---|---|---|---|---|---|---|"
	while read -r pairs series first active idle cpu rss hwm; do
		ok=met
		awk -v a="$active" -v f="$first" -v h="$hwm" 'BEGIN { exit !(a >= 0.25 || f >= 0.25 || h >= 65536) }' &&
			ok="**missed**"
		ms() { awk -v x="$1" -v k="$2" 'BEGIN { printf "%.1f", x * k }'; }
		printf '| %s | %s | %s ms | %s ms | %s ms | %s ms | %s MiB | %s MiB | %s |\n' "$pairs" "$series" \
			"$(ms "$first" 1000)" "$(ms "$active" 1000)" "$(ms "$idle" 1000)" "$(ms "$cpu" 1e-6)" \
			"$(ms "$rss" 0.0009765625)" "$(ms "$hwm" 0.0009765625)" "$ok"
	done <"$scrapes"
	echo
	printf 'Exporter resident memory: %.1f MiB idle, at most %.1f MiB after the workloads above (peak resident includes loading the BPF programs at start).\n' \
		"$(awk -v x="$idle_kb" 'BEGIN { print x / 1024 }')" "$(awk -v x="$peak_load_kb" 'BEGIN { print x / 1024 }')"
} >"$output"
cat "$output"
