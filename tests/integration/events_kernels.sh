#!/bin/bash
# The kernel side of full events, mechanism by mechanism, through ipcdump:
# light enough for every kernel of the qemu matrix (events_stream.sh and
# ipcdump.sh test the HTTP stream and the command line in depth, natively).
# Per (mechanism, source, destination) of a workload's truth, the events'
# bytes and messages add up exactly to it; metadata and contents are exact.
. "$(dirname "$0")/lib.sh"
require_root
IPCDUMP=$TOP_BUILDDIR/src/ipcdump
SOCKETS=$TOP_BUILDDIR/tests/workloads/socket_workload
PTYS=$TOP_BUILDDIR/tests/workloads/pty_workload

# One ipcdump (JSON, 16 bytes of contents) for the whole test: under TCG
# loading the programs takes tens of seconds.  Each case runs its workload
# and takes what ipcdump wrote so far (it writes each event at once); the
# checks look at the case's own prefix.
# IPC_HOOKS (the matrix's hooks=CHOICE:TEST) picks its hooks as the exporter's
"$IPCDUMP" -f json -B 16 ${IPC_HOOKS:+--hooks=$IPC_HOOKS} >"$TEST_TMP/dump" 2>"$TEST_TMP/dump.err" &
dump=$!
for i in $(seq 1 900); do
	grep -q "hook tp_btf/signal_generate" "$TEST_TMP/dump.err" 2>/dev/null && break
	kill -0 "$dump" 2>/dev/null || break
	sleep 0.1
done
sleep 0.5
dump_around() { # OUT COMMAND...
	local out=$1
	shift
	"$@" >"$TEST_TMP/truth"
	tap_ok $? "workload ran: ${*:2:2}"
	sleep 1.5	# the map-lock variant applies deferred operations every second
	cp "$TEST_TMP/dump" "$out"
}

# Sums per truth line, and the checks passed as python expressions on `ev`
# (the events of the prefix) and `truth`.
check_events() { # DUMP PREFIX DESCRIPTION [PYTHON_CHECK...]
	python3 - "$@" "$TEST_TMP/truth" <<'PY'
import base64, json, re, sys
dump, prefix, desc, *checks, truthfile = sys.argv[1:]
ev = []
for line in open(dump):
    if not line.strip():
        continue
    e = json.loads(line)
    if "lost" in e:
        print("not ok - %s: events lost: %s" % (desc, line.strip()))
        continue
    if e["src"]["comm"].startswith(prefix + "-") or e["dst"]["comm"].startswith(prefix + "-"):
        ev.append(e)
truth = [l.split() for l in open(truthfile) if l.startswith(("flow ", "signal "))]
for t in truth:
    if t[0] != "flow":
        continue
    mech, src, dst, msgs, nbytes = t[1], t[2], t[3], int(t[4]), int(t[5])
    mine = [e for e in ev if e["mechanism"] == mech and e["src"]["comm"] == src and e["dst"]["comm"] == dst]
    got = (sum(e["bytes"] for e in mine), sum(e["messages"] for e in mine))
    ok = got == (nbytes, msgs)
    print("%s - %s: %s %s > %s events add up to %d bytes, %d messages%s" % (
        "ok" if ok else "not ok", desc, mech, src, dst, nbytes, msgs, "" if ok else " (got %d, %d)" % got))
# The map-lock variant (5.10) may apply an operation after its syscall has
# returned (a lock held elsewhere): that event has its bytes but no metadata
# or contents, and says so.  Metadata checks look at the others.
late = [e for e in ev if e.get("content_unavailable") and not any(k in e for k in ("inode", "tty", "src_addr", "signal"))]
if late:
    print("# %d of %d events applied late (map-lock variant): no metadata" % (len(late), len(ev)))
    ok = len(late) * 2 <= len(ev)
    print("%s - %s: most events carry their metadata (%d late of %d)" % ("ok" if ok else "not ok", desc, len(late), len(ev)))
ev = [e for e in ev if e not in late]
for c in checks:
    try:
        ok = eval(c)
    except Exception as x:
        ok = False
        c += " (%s)" % x
    print("%s - %s: %s" % ("ok" if ok else "not ok", desc, c))
PY
}

# check_events prints TAP lines of its own: count them into ours (read from
# a file, not a pipe: a pipe's end would run in a subshell).
tap_lines() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) tap_ok 0 "${line#ok - }" ;;
		"not ok - "*) tap_ok 1 "${line#not ok - }" ;;
		*) echo "# $line" ;;
		esac
	done
}

# Pipes, writev/readv: contents are the first 16 bytes of each write.
p=$(unique_prefix v)
dump_around "$TEST_TMP/d1" "$WORKLOAD" pipe "$p" 1 1 6 40 --vectors
check_events "$TEST_TMP/d1" "$p" "pipe writev/readv" \
	'all(base64.b64decode(e["content"]) == b"a" + b"A" * 15 for e in ev if e["src"]["comm"] == prefix + "-w0")' \
	'len({e["inode"] for e in ev if e["src"]["comm"] == prefix + "-w0"}) == 1' \
	'all(e.get("content_truncated") for e in ev if e["src"]["comm"] == prefix + "-w0")' >"$TEST_TMP/checks"
tap_lines <"$TEST_TMP/checks"

# A FIFO: its path as the processes opened it.
p=$(unique_prefix f)
fifo=$TEST_TMP/events.fifo
dump_around "$TEST_TMP/d2" "$WORKLOAD" fifo "$p" 1 1 4 30 --fifo-path "$fifo"
check_events "$TEST_TMP/d2" "$p" "fifo" \
	"all(e['path'] == '$(readlink -f "$TEST_TMP")/events.fifo' for e in ev if e['mechanism'] == 'fifo')" \
	"len([e for e in ev if e['mechanism'] == 'fifo']) == 4" >"$TEST_TMP/checks"
tap_lines <"$TEST_TMP/checks"

# A UNIX stream socketpair, sendmsg/recvmsg: contents through the msghdr.
p=$(unique_prefix u)
dump_around "$TEST_TMP/d3" "$SOCKETS" socketpair "$p" 5 50 msg
check_events "$TEST_TMP/d3" "$p" "unix-stream sendmsg/recvmsg" \
	'all(e["inode"] > 0 for e in ev if e["mechanism"] == "unix-stream")' \
	'all(len(base64.b64decode(e["content"])) == min(16, e["bytes"]) for e in ev if e["mechanism"] == "unix-stream")' >"$TEST_TMP/checks"
tap_lines <"$TEST_TMP/checks"

# Loopback TCP: the sender's port first, each way.
p=$(unique_prefix t)
dump_around "$TEST_TMP/d4" "$SOCKETS" server "$p" tcp 127.0.0.1 4 60
check_events "$TEST_TMP/d4" "$p" "loopback-tcp" \
	'all(e["src_addr"] == "127.0.0.1" and e["dst_addr"] == "127.0.0.1" for e in ev if e["mechanism"] == "loopback-tcp")' \
	'len({(e["src_port"], e["dst_port"]) for e in ev if e["mechanism"] == "loopback-tcp" and e["src"]["comm"].endswith("-cli0")}) == 1' \
	'{(e["dst_port"], e["src_port"]) for e in ev if e["mechanism"] == "loopback-tcp" and e["src"]["comm"].endswith("-cli0")} == {(e["src_port"], e["dst_port"]) for e in ev if e["mechanism"] == "loopback-tcp" and e["dst"]["comm"].endswith("-cli0")}' >"$TEST_TMP/checks"
tap_lines <"$TEST_TMP/checks"

# Loopback UDP on unconnected sockets: each event shows the peer the call
# named (the sender's address and port, the receiver's), from both ends.
UDP=$TOP_BUILDDIR/tests/workloads/udp_workload
for addr in 127.0.0.1 ::1; do
	p=$(unique_prefix d)
	dump_around "$TEST_TMP/d7" "$UDP" forms "$p" "$addr" recvfrom unconnected 5 40
	# here-strings, not process substitution: the qemu guests have no /dev/fd
	read -r _ _ cli_addr cli_port <<<"$(grep "^peer $p-cli0 " "$TEST_TMP/truth")"
	read -r _ _ srv_addr srv_port <<<"$(grep "^peer $p-srv0 " "$TEST_TMP/truth")"
	check_events "$TEST_TMP/d7" "$p" "loopback-udp $addr unconnected" \
		"len([e for e in ev if e['mechanism'] == 'loopback-udp']) == 5" \
		"all((e['src_addr'], e['src_port'], e['dst_addr'], e['dst_port']) == ('$cli_addr', $cli_port, '$srv_addr', $srv_port) for e in ev if e['mechanism'] == 'loopback-udp')" >"$TEST_TMP/checks"
	tap_lines <"$TEST_TMP/checks"
done

# A pty in raw mode: the slave's name.
p=$(unique_prefix y)
dump_around "$TEST_TMP/d5" "$PTYS" raw "$p" 5 32
check_events "$TEST_TMP/d5" "$p" "pty" \
	'all(re.fullmatch(r"pts/[0-9]+", e["tty"]) for e in ev if e["mechanism"] == "pty")' \
	'len({e["tty"] for e in ev if e["mechanism"] == "pty"}) == 1' >"$TEST_TMP/checks"
tap_lines <"$TEST_TMP/checks"

# Signals: number, name, delivery (a regular signal sent again before its
# handler ran merges: "already pending").
p=$(unique_prefix k)
dump_around "$TEST_TMP/d6" "$WORKLOAD" signal "$p" 10 6
check_events "$TEST_TMP/d6" "$p" "signal" \
	'len([e for e in ev if e["mechanism"] == "signal" and e["signal"] == "SIGUSR1" and e["signo"] == 10 and e["src"]["comm"] == prefix + "-send0" and e["dst"]["comm"] == prefix + "-recv0"]) == 6' \
	'[e["result"] for e in ev if e.get("signo") == 10][0] == "delivered"' \
	'{e["result"] for e in ev if e.get("signo") == 10} <= {"delivered", "already pending"}' \
	'len([e for e in ev if e["mechanism"] == "signal" and e["signal"] == "SIGCHLD" and e["src"]["comm"] == "[kernel]"]) == 2' >"$TEST_TMP/checks"
tap_lines <"$TEST_TMP/checks"

# Named threads: both ends are processes; an event names the thread whose
# call made it (its end, id and name), and a signal its sending thread.
p=$(unique_prefix h)
dump_around "$TEST_TMP/d7" "$TOP_BUILDDIR/tests/workloads/thread_workload" "$p" 3 20 50
threads='{(l.split()[1], int(l.split()[2])) for l in open(truthfile) if l.startswith("thread ")}'
writes='[e for e in ev if e["mechanism"] == "pipe" and e["src"]["comm"] == prefix + "-w" and "thread" in e]'
check_events "$TEST_TMP/d7" "$p" "named threads" \
	'{(e["thread"]["comm"], e["thread"]["tid"]) for e in ev if e["mechanism"] == "signal" and e["src"]["comm"] == prefix + "-w" and e["dst"]["comm"] == prefix + "-r" and e["thread"]["end"] == "src"} == '"$threads" \
	"len($writes) > 0" \
	"all((e['thread']['end'], e['thread']['comm']) == ('dst', prefix + '-rt0') or (e['thread']['end'] == 'src' and (e['thread']['comm'], e['thread']['tid']) in $threads) for e in $writes)" >"$TEST_TMP/checks"
tap_lines <"$TEST_TMP/checks"

kill -INT "$dump"
wait "$dump"
tap_ok $? "ipcdump exited 0 on SIGINT"
tap_finish
