#!/bin/bash
# ipcdump, the command line tool: its usage and one-line errors, then its
# events checked one by one against what the workloads really did (pids
# and names, bytes, messages, the pipe's inode, contents, signals), each
# filter flag alone and combined, the text format and its hex dump, and
# clean exits: -c, SIGINT, SIGTERM, a reader that goes away (| head -1),
# with nothing it loaded left in the kernel.  Every run is filtered on this
# run's unique process names or pids, so other processes never show up.
. "$(dirname "$0")/lib.sh"
require_root
IPCDUMP=$TOP_BUILDDIR/src/ipcdump
BPFTOOL=${BPFTOOL:-$(command -v bpftool)}

deadline_in 62

cat >"$TEST_TMP/ev.py" <<'EOF'
import json, os, sys
from event_query import *

def load(path):
    """ipcdump's JSON lines: events, lost records, lines that are not JSON."""
    TEXT = open(path, 'rb').read().decode('utf-8', 'replace') if os.path.exists(path) else ''
    E, LOST, BAD = [], [], []
    for l in TEXT.splitlines():
        try:
            o = json.loads(l)
        except ValueError:
            BAD.append(l)
            continue
        (LOST if 'lost' in o else E).append(o)
    return dict(E=E, LOST=LOST, BAD=BAD, TEXT=TEXT)


run(load, globals())
EOF

# ---- ipcdump in the background: stdout and stderr in files.
declare -A DUMP_PID
# Returns once its programs are attached (it says "hook ..." for each) and a moment more.
dump_start() { # NAME ARGS...
	local name=$1
	shift
	"$IPCDUMP" "$@" >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" &
	DUMP_PID[$name]=$!
	if ! wait_until 10 grep -qs "hook tp_btf/signal_generate" "$TEST_TMP/$name.err"; then
		echo "# ipcdump $name ($*): not attached"
		tap_diag <"$TEST_TMP/$name.err"
		return 1
	fi
	pause 0.5
}

# Its exit status once it ends by itself, or 124 (then it is killed) if it does not in time.
dump_wait() { # NAME SECONDS
	local pid=${DUMP_PID[$1]}
	[ -n "$pid" ] || return 125
	if ! wait_until "$2" gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		DUMP_PID[$1]=
		return 124
	fi
	wait "$pid"
	local status=$?
	DUMP_PID[$1]=
	return $status
}

dump_stop() { # NAME [SIGNAL]: its exit status, 124 if it did not exit within 2 s
	[ -n "${DUMP_PID[$1]}" ] || return 125
	kill -"${2:-TERM}" "${DUMP_PID[$1]}" 2>/dev/null
	dump_wait "$1" 2
}

# Waits (bounded) until EXPRESSION holds over its output, a moment more for
# anything extra, then stops it.
dump_finish() { # NAME EXPRESSION
	wait_until 10 holds "$TEST_TMP/$1.out" "$2" || echo "# ipcdump $1: gave up waiting for: $2"
	pause 0.5
	dump_stop "$1"
}

trap 'for n in "${!DUMP_PID[@]}"; do [ -n "${DUMP_PID[$n]}" ] && kill -KILL "${DUMP_PID[$n]}" 2>/dev/null; done; cleanup' EXIT

# Workloads held before their first byte: hold_pipe_workload, release,
# pid_of, write_pipe_inode (lib.sh).

# The BPF programs and maps a running process holds (from its descriptors' fdinfo).
bpf_objects() { # PID
	cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print "prog", $2 } /^map_id:/ { print "map", $2 }' | sort -u
}
bpf_left() { # FILE of "prog|map ID" lines: those still in the kernel
	local kind id
	while read -r kind id; do
		"$BPFTOOL" "$kind" show id "$id" >/dev/null 2>&1 && echo "$kind $id"
	done <"$1"
}
bpf_all_gone() { [ -z "$(bpf_left "$1")" ]; }
check_unloaded() { # NAME DESCRIPTION: what NAME held (saved by save_objects) is gone within 3 s
	if [ -z "$BPFTOOL" ]; then
		tap_ok 0 "$2 # SKIP no bpftool"
		return
	fi
	local n
	n=$(grep -c '^prog ' "$TEST_TMP/$1.bpf")
	if [ "$n" -eq 0 ]; then
		tap_ok 1 "$2 (no programs were found in its descriptors while it ran)"
		return
	fi
	wait_until 3 bpf_all_gone "$TEST_TMP/$1.bpf"
	tap_ok $? "$2 ($n programs, $(grep -c '^map ' "$TEST_TMP/$1.bpf") maps)"
	bpf_left "$TEST_TMP/$1.bpf" | tap_diag
}
save_objects() { # NAME
	bpf_objects "${DUMP_PID[$1]}" >"$TEST_TMP/$1.bpf"
}

# ---- 1. Usage and bad flags.
timeout 5 "$IPCDUMP" -h >"$TEST_TMP/help.out" 2>"$TEST_TMP/help.err"
tap_eq $? 0 "-h exits 0"
tap_ok "$(head -1 "$TEST_TMP/help.out" | grep -q '^usage: ipcdump ' && ! [ -s "$TEST_TMP/help.err" ] && echo 0 || echo 1)" \
	"-h prints the usage on stdout, nothing on stderr"
examples=$(sed -n '/^examples:$/,$p' "$TEST_TMP/help.out" | tail -n +2)
tap_ok "$([ -n "$examples" ] && ! grep -qv '^  ipcdump' <<<"$examples" && echo 0 || echo 1)" \
	"-h ends with examples, one ipcdump command a line ($(wc -l <<<"$examples"))"
for flag in -t -p -s -d -P -S -D -x -B -f -c -L; do
	grep -q -- "^  $flag " "$TEST_TMP/help.out" || echo "# -h does not explain $flag"
done
tap_eq "$(for flag in -t -p -s -d -P -S -D -x -B -f -c -L; do grep -q -- "^  $flag " "$TEST_TMP/help.out" || echo "$flag"; done)" "" \
	"-h explains every flag"
timeout 5 "$IPCDUMP" --help >"$TEST_TMP/help2.out" 2>&1
tap_eq "$?,$(cmp -s "$TEST_TMP/help.out" "$TEST_TMP/help2.out" && echo same)" "0,same" "--help is -h"
version=$(timeout 5 "$IPCDUMP" --version 2>&1)
tap_eq "$?,$(grep -cE '^ipcdump [0-9]' <<<"$version")" "0,1" "--version: one line, ipcdump VERSION ($version)"

bad_flag() { # WORDS_IN_THE_MESSAGE ARGS...
	local want=$1 out status
	shift
	out=$(timeout 5 "$IPCDUMP" "$@" 2>&1 >"$TEST_TMP/bad.out")
	status=$?
	tap_ok "$([ "$status" -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -qF -- "$want" <<<"$out" &&
		! [ -s "$TEST_TMP/bad.out" ] && echo 0 || echo 1)" "ipcdump $*: exit 2, one line naming the problem ($out)"
	[ "$status" -eq 2 ] || echo "#   exit status $status"
}
bad_flag '-t: unknown type "nope"' -t nope
bad_flag '-p: "12x" is not a process id' -p 12x
bad_flag '-s: "0" is not a process id' -s 0
bad_flag '-d: "-5" is not a process id' -d -5
bad_flag '-B: 0 is out of range (1 to 1024)' -B 0
bad_flag '-B: 5000 is out of range (1 to 1024)' -B 5000
bad_flag '-B: "x1" is not a whole number' -x -B x1
bad_flag '-f: "xml" is not text or json' -f xml
bad_flag '-c: "ten" is not a whole number' -c ten
bad_flag '-S: "sixteen-bytes-xx" is not a process name' -S sixteen-bytes-xx
bad_flag 'unexpected argument "stray"' -t p stray
bad_flag '-t needs a value' -t
bad_flag 'unknown option -q' -q
bad_flag 'unknown option "--bogus"' --bogus
bad_flag '--hooks: "kprobe" is not one of auto, sys-exit, mechanisms' --hooks=kprobe

# ---- 2. -c N, JSON, contents: every field of every event.
P=$(unique_prefix e)
N=20
hold_pipe_workload pipe "$P" pipe "$P" 1 1 $N 100
tap_ok $? "pipe: the workload is up, held before its first write"
W=$(pid_of pipe "$P-w0")
R=$(pid_of pipe "$P-r0")
INODE=$(write_pipe_inode "$W")
echo "# pipe: writer $W, reader $R, pipe inode $INODE"
dump_start count -c $N -S "$P-w0" -f json -x -B 64
save_objects count
dump_start all -S "$P-w0" -f json -B 64
t0=$(date +%s.%N)
release pipe
tap_ok $? "pipe: workload ran"
t1=$(date +%s.%N)
dump_wait count 5
tap_eq $? 0 "pipe: -c $N exits by itself, status 0"
check_unloaded count "pipe: after -c $N, nothing ipcdump loaded is left in the kernel"
dump_finish all "len(E) >= $N"
f=$TEST_TMP/count.out
tap_eq "$(ev "$f" 'len(E), len(LOST), len(BAD)')" "($N, 0, 0)" "pipe: -c $N: exactly $N JSON events, nothing else"
tap_eq "$(ev "$TEST_TMP/all.out" 'len(E), len(LOST)')" "($N, 0)" "pipe: without -c, the same filter gets $N events too"
tap_eq "$(ev "$f" 'keys()')" "bytes,content,content_truncated,dst,inode,mechanism,messages,src,thread,time" \
	"pipe: the keys of a pipe event with contents"
tap_eq "$(ev "$f" 'distinct("mechanism"), distinct("src.pid"), distinct("src.comm"), distinct("dst.pid"), distinct("dst.comm")')" \
	"('pipe', '$W', '$P-w0', '$R', '$P-r0')" "pipe: from the writer to the reader"
tap_eq "$(ev "$f" 'distinct("bytes"), distinct("messages"), distinct("inode")')" "('100', '1', '$INODE')" \
	"pipe: 100 bytes and 1 message each, the pipe's inode"
# The map-lock variant (5.10) applies an operation that found its queue
# locked at a later one, when its buffers are gone: such an event says so.
MAPLOCK=0
grep -q "ipc_sys_exit_maplock" "$TEST_TMP/count.err" && MAPLOCK=1
tap_eq "$(ev "$f" "len(E), len([e for e in E if e.get('content') != enc(tagged(64)) and not ($MAPLOCK and e.get('content_unavailable'))]), len([e for e in E if e.get('content') and not e.get('content_truncated')])")" \
	"($N, 0, 0)" "pipe: contents are the first 64 bytes written (a, then A), content_truncated"
tap_eq "$(ev "$f" "times_bad($t0, $t1)")" 0 "pipe: times are RFC 3339 UTC with nanoseconds, during the run"

# ---- 3. Filters, each in its own ipcdump, on one run: -p either end,
# -s/-d one end, both, -P a name, and a name with a pid.
P=$(unique_prefix p)
hold_pipe_workload filt "$P" pipe "$P" 1 1 30 100
W=$(pid_of filt "$P-w0")
R=$(pid_of filt "$P-r0")
C=$(pid_of filt "$P-ctl0")
dump_start p -f json -p "$R"
dump_start s -f json -s "$R"
dump_start sd -f json -s "$W" -d "$R"
dump_start d -f json -d "$R"
dump_start P -f json -P "$P-r0"
dump_start Sd -f json -S "$P-r0" -d "$C"
release filt
tap_ok $? "filters: workload ran"
# what the reader sent its parent: the truth's line for it
read -r _ _ _ _ RC_MESSAGES RC_BYTES < <(grep "^flow pipe $P-r0 $P-ctl0 " "$TEST_TMP/filt.truth")
wr="pair('$P-w0', '$P-r0')"
rc="pair('$P-r0', '$P-ctl0')"
got_wr="total('bytes', $wr) >= 3000"
got_rc="total('messages', $rc) >= $RC_MESSAGES"
for n in p P; do
	dump_finish $n "$got_wr and $got_rc"
done
for n in s Sd; do
	dump_finish $n "$got_rc"
done
for n in sd d; do
	dump_finish $n "$got_wr"
done
both="len($wr), total('bytes', $wr), total('messages', $rc), total('bytes', $rc), len(E) - len($wr) - len($rc)"
tap_eq "$(ev "$TEST_TMP/p.out" "$both")" "(30, 3000, $RC_MESSAGES, $RC_BYTES, 0)" \
	"-p $R (the reader): its 30 reads from the writer and its $RC_MESSAGES writes to its parent, nothing else"
tap_eq "$(ev "$TEST_TMP/s.out" "$both")" "(0, 0, $RC_MESSAGES, $RC_BYTES, 0)" "-s $R: only what the reader sent its parent"
tap_eq "$(ev "$TEST_TMP/sd.out" "$both, distinct('src.pid'), distinct('dst.pid')")" "(30, 3000, 0, 0, 0, '$W', '$R')" \
	"-s $W -d $R: exactly the 30 writes"
tap_eq "$(ev "$TEST_TMP/d.out" "$both")" "(30, 3000, 0, 0, 0)" "-d $R: only what the reader got"
tap_eq "$(ev "$TEST_TMP/P.out" "$both")" "(30, 3000, $RC_MESSAGES, $RC_BYTES, 0)" "-P $P-r0: as -p with its pid"
tap_eq "$(ev "$TEST_TMP/Sd.out" "$both, distinct('dst.pid')")" "(0, 0, $RC_MESSAGES, $RC_BYTES, 0, '$C')" \
	"-S $P-r0 -d $C: a name and a pid together"

# Types: signals only, signals to one process, pipes of one process, both types.
P=$(unique_prefix k)
dump_start kD -f json -t k -D "$P-recv0"
dump_start kS -f json -t signal -S "$P-send0"
dump_start pP -f json -t p -P "$P-recv0"
dump_start kpP -f json -t k -t pipe -P "$P-recv0"
IPC_WORKLOAD_PIDS=1 timeout "$(budget 20)" "$WORKLOAD" signal "$P" 10 25 >"$TEST_TMP/sig.truth"
tap_ok $? "types: signal workload ran"
S=$(pid_of sig "$P-send0")
RC=$(pid_of sig "$P-recv0")
PA=$(pid_of sig "$P-parent0")
dump_finish kD "len(E) >= 26"
dump_finish kS "len(E) >= 27"
dump_finish pP "len(E) >= 1"
dump_finish kpP "len(E) >= 27"
tap_eq "$(ev "$TEST_TMP/kD.out" "len(E), len([e for e in E if e['signal'] == 'SIGUSR1' and e['signo'] == 10]), len([e for e in E if e['signal'] == 'SIGUSR2']), distinct('src.pid'), distinct('dst.pid')")" \
	"(26, 25, 1, '$S', '$RC')" "-t k -D $P-recv0: exactly its 25 SIGUSR1 and 1 SIGUSR2, from the sender"
tap_eq "$(ev "$TEST_TMP/kD.out" "distinct('mechanism'), distinct('code'), set(distinct('result').split(',')) <= {'delivered', 'already pending'}")" \
	"('signal', '0', 1)" "-t k -D $P-recv0: signal events, SI_USER, delivered or already pending"
tap_eq "$(ev "$TEST_TMP/kS.out" "len(E), len(pair('$P-send0', '$P-recv0')), [(e['signal'], e['code'], e['result']) for e in pair('$P-send0', '$P-send0')]")" \
	"(27, 26, [('SIGUSR2', -6, 'delivered')])" "-t signal -S $P-send0: the 26 to the receiver and the one it raised"
tap_eq "$(ev "$TEST_TMP/pP.out" "[(e['mechanism'], e['src']['pid'], e['dst']['pid'], e['bytes'], e['messages']) for e in E]")" \
	"('pipe', $RC, $PA, 1, 1)" "-t p -P $P-recv0: only its one pipe write (ready), no signals"
tap_eq "$(ev "$TEST_TMP/kpP.out" "len(E), len([e for e in E if e['mechanism'] == 'signal']), len([e for e in E if e['mechanism'] == 'pipe'])")" \
	"(27, 26, 1)" "-t k -t pipe -P $P-recv0: both types"

# ---- 4. Text: the default format, -x, -B, -L.
P=$(unique_prefix x)
hold_pipe_workload text "$P" pipe "$P" 1 1 5 100
W=$(pid_of text "$P-w0")
R=$(pid_of text "$P-r0")
INODE=$(write_pipe_inode "$W")
dump_start text -S "$P-w0" -c 5
dump_start hex -S "$P-w0" -c 5 -x
dump_start B -S "$P-w0" -c 5 -B 100
dump_start L -S "$P-w0" -c 5 -L
release text
tap_ok $? "text: workload ran"
for n in text hex B L; do
	dump_wait $n 5
	tap_eq $? 0 "text: ipcdump -S $P-w0 -c 5 $(case $n in hex) echo -x ;; B) echo -B 100 ;; L) echo -L ;; esac): exits 0 after 5 events"
done
# the thread that made the event last: the writer's or the reader's (one thread each)
line_re="^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{9} pipe $W\\($P-w0\\) > $R\\($P-r0\\): inode $INODE, bytes 100, "
line_re="$line_re(src thread $W\\($P-w0\\)|dst thread $R\\($P-r0\\))\$"
# A busy host may fill the kernel's ring: its "lost N events" lines are
# right to come (the kernel cannot tell whose events it dropped); -L, below,
# shows that they are all there is besides the events.
lost_re="^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{9} lost [0-9]+ events \\("
for n in text hex B; do
	grep -vE "$lost_re" "$TEST_TMP/$n.out" >"$TEST_TMP/$n.kept"
	mv "$TEST_TMP/$n.kept" "$TEST_TMP/$n.out"
done
tap_eq "$(grep -cE "$line_re" "$TEST_TMP/text.out"), $(wc -l <"$TEST_TMP/text.out")" "5, 5" \
	"text: 5 lines 'HH:MM:SS.nnnnnnnnn pipe $W($P-w0) > $R($P-r0): inode $INODE, bytes 100, (src|dst) thread ...', nothing else but lost records"
tap_eq "$(grep -cE "$line_re" "$TEST_TMP/L.out"), $(wc -l <"$TEST_TMP/L.out")" "5, 5" "text: -L, the same 5 lines"
for n in hex B; do
	shown=$([ $n = hex ] && echo 64 || echo 100)
	want=$(ev - "hexdump(tagged($shown)) + ('  ... (64 of 100 bytes shown)' if $shown < 100 else '')")
	tap_eq "$(grep -cE "$line_re" "$TEST_TMP/$n.out")" 5 "text: $([ $n = hex ] && echo -x || echo -B 100): the 5 event lines"
	tap_eq "$(grep -vE "$line_re" "$TEST_TMP/$n.out" | sort | uniq -c | sed 's/^ *//')" "$(echo "$want" | sed 's/^/5 /' | sort)" \
		"text: $([ $n = hex ] && echo "-x: each followed by 64 bytes in hexdump -C's layout and '... (64 of 100 bytes shown)'" || echo "-B 100: each followed by all 100 bytes")"
	tap_eq "$(sed -n "2,$(($(wc -l <<<"$want") + 1))p" "$TEST_TMP/$n.out")" "$want" \
		"text: $([ $n = hex ] && echo -x || echo -B 100): the dump's lines, byte for byte, under the first event"
done

# Lost records: ipcdump writes into a pipe nobody reads yet, so it blocks
# and the kernel's 4 MiB ring fills; the events it had no room for are
# told in one record ("ring buffer full"), or not at all with -L.  Filtered
# on the writer's pid, which the kernel filters too: nothing else is lost.
P=$(unique_prefix l)
hold_pipe_workload burst "$P" pipe "$P" 1 1 60000 1
W=$(pid_of burst "$P-w0")
blocked_dump() { # NAME ARGS...: ipcdump ARGS | (a reader that starts when NAME.go exists)
	local name=$1
	shift
	rm -f "$TEST_TMP/$name.go" "$TEST_TMP/$name.status"
	( ("$IPCDUMP" "$@" 2>"$TEST_TMP/$name.err" & echo $! >"$TEST_TMP/$name.pid"
		wait $!
		echo $? >"$TEST_TMP/$name.status") | python3 -c '
import os, select, sys, time
end = time.time() + float(sys.argv[3])
while not os.path.exists(sys.argv[1]) and time.time() < end:
    time.sleep(0.05)
with open(sys.argv[2], "wb") as out:
    while time.time() < end and select.select([0], [], [], max(0, end - time.time()))[0]:
        b = os.read(0, 1 << 16)
        if not b:
            break
        out.write(b)
        out.flush()' "$TEST_TMP/$name.go" "$TEST_TMP/$name.out" "$(budget 30)" ) &
	wait_until 10 grep -qs "hook tp_btf/signal_generate" "$TEST_TMP/$name.err"
	DUMP_PID[$name]=$(cat "$TEST_TMP/$name.pid")
}
blocked_stop() { # NAME: SIGTERM; its exit status, 124 if it did not exit within 2 s
	kill -TERM "${DUMP_PID[$1]}"
	wait_until 2 gone "${DUMP_PID[$1]}" || { kill -KILL "${DUMP_PID[$1]}"; return 124; }
	DUMP_PID[$1]=
	wait_until 2 test -s "$TEST_TMP/$1.status"
	return "$(cat "$TEST_TMP/$1.status" 2>/dev/null || echo 125)"
}
blocked_dump told -f json -s "$W"
told=$!
blocked_dump hushed -f json -s "$W" -L
hushed=$!
blocked_dump stuck -f json -s "$W"	# its reader never reads
stuck=$!
pause 0.5
release burst
tap_ok $? "lost records: 60000 one-byte writes ran"
touch "$TEST_TMP/told.go" "$TEST_TMP/hushed.go"
wait_until 10 holds "$TEST_TMP/told.out" "len(E) + sum(l['lost'] for l in LOST) >= 60000"
# -L's output: complete once it stops growing
size=-1
while [ "$size" != "$(stat -c %s "$TEST_TMP/hushed.out" 2>/dev/null)" ] && [ "$SECONDS" -lt "$DEADLINE" ]; do
	size=$(stat -c %s "$TEST_TMP/hushed.out" 2>/dev/null)
	pause 1
done
blocked_stop told
tap_eq $? 0 "lost records: ipcdump exits 0 on SIGTERM"
blocked_stop hushed
tap_eq $? 0 "lost records: ipcdump -L exits 0 on SIGTERM"
blocked_stop stuck
tap_eq $? 0 "SIGTERM while blocked writing to a full pipe: exit 0 within 2 s"
touch "$TEST_TMP/stuck.go"
for p in "$told" "$hushed" "$stuck"; do
	wait_until 5 gone "$p" && wait "$p"
done
f=$TEST_TMP/told.out
tap_eq "$(ev "$f" "[(l['mechanism'], l['reason']) for l in LOST][:1], len(E) + sum(l['lost'] for l in LOST), len(BAD)")" \
	"([('pipe', 'ring buffer full')], 60000, 0)" \
	"lost records: pipe, \"ring buffer full\", and the events plus those lost are the 60000 writes"
echo "# lost records: $(ev "$f" "len(E)") events, $(ev "$f" "sum(l['lost'] for l in LOST)") lost in $(ev "$f" "len(LOST)") records"
tap_eq "$(ev "$f" "distinct('src.pid'), distinct('dst.comm'), distinct('bytes')")" "('$W', '$P-r0', '1')" \
	"lost records: the events that came are the writer's"
f=$TEST_TMP/hushed.out
tap_eq "$(ev "$f" "len(LOST), len(BAD), 0 < len(E) < 60000, distinct('src.pid')")" "(0, 0, 1, '$W')" \
	"lost records: -L prints none, though events were lost ($(ev "$f" "60000 - len(E)"))"

# ---- 5. Clean exits, and nothing left loaded.
for sig in INT TERM; do
	dump_start $sig -t k -S "$(unique_prefix none)-x"
	save_objects $sig
	start=$(date +%s.%N)
	dump_stop $sig $sig
	status=$?
	took=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
	tap_eq "$status" 0 "SIG$sig: exit status 0 within 2 s ($took s)"
	check_unloaded $sig "SIG$sig: nothing ipcdump loaded is left in the kernel"
done

# A reader that goes away: ipcdump -t p | head -1 while pipes move bytes.
P=$(unique_prefix h)
rm -f "$TEST_TMP/head.status"
( ( "$IPCDUMP" -t p -S "$P-w0" 2>"$TEST_TMP/head.err" & echo $! >"$TEST_TMP/head.pid"; wait $! ) | head -1 >"$TEST_TMP/head.out"
	echo "${PIPESTATUS[*]}" >"$TEST_TMP/head.status" ) &
pipeline=$!
wait_until 10 grep -qs "hook tp_btf/signal_generate" "$TEST_TMP/head.err"
pause 0.5
DUMP_PID[head]=$(cat "$TEST_TMP/head.pid")
save_objects head
timeout "$(budget 20)" "$WORKLOAD" pipe "$P" 1 1 1000 10 --reader-pause-us 1000 >/dev/null &
wl=$!
wait_until 3 gone "$pipeline"
tap_ok $? "ipcdump -t p | head -1: the pipeline ends within 3 s"
gone "$pipeline" || kill -KILL "${DUMP_PID[head]}" 2>/dev/null
wait "$pipeline"
DUMP_PID[head]=
tap_eq "$(cat "$TEST_TMP/head.status" 2>/dev/null)" "0 0" "ipcdump -t p | head -1: ipcdump exits 0 (PIPESTATUS)"
tap_eq "$(grep -cE "^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{9} pipe [0-9]+\\($P-w0\\) > [0-9]+\\($P-r0\\): inode [0-9]+, bytes 10, (src thread [0-9]+\\($P-w0\\)|dst thread [0-9]+\\($P-r0\\))\$" "$TEST_TMP/head.out")" 1 \
	"ipcdump -t p | head -1: head got one event line"
check_unloaded head "ipcdump -t p | head -1: nothing ipcdump loaded is left in the kernel"
wait "$wl"

tap_finish
