#!/bin/bash
# /debug/events: the exporter's stream of full events, checked event by
# event against what the workloads really did: pids and names of both ends,
# bytes and messages, the channel's metadata (pipe inode, FIFO and socket
# paths, socket inodes, loopback ports, the pty), signals with their code
# and result, and the contents at each share's offset.  Also the endpoint's
# contract: 404 when off, 400 naming a bad parameter, 503 past the client
# cap, count= ending the stream, text format, independent filters for
# concurrent clients, a stalled client that loses events (told, counted)
# without slowing /metrics or the others, and the keep-alive line.
# Every stream is filtered on this run's unique process names, so other
# processes on the host never show up in what is checked.
. "$(dirname "$0")/lib.sh"
require_root
SOCKETS=$TOP_BUILDDIR/tests/workloads/socket_workload
PTY_WORKLOAD=$TOP_BUILDDIR/tests/workloads/pty_workload
SPLICE_WORKLOAD=$TOP_BUILDDIR/tests/workloads/splice_workload

deadline_in 68

# ---- Python helpers: NDJSON parsing, base64, /proc lookups.
cat >"$TEST_TMP/ev.py" <<'EOF'
import collections, json, os, re, sys
from event_query import *

def load(path):
    """The stream's lines: events, lost records, empty lines, lines that are not JSON."""
    TEXT = open(path, 'rb').read().decode('utf-8', 'replace') if os.path.exists(path) else ''
    lines = TEXT.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    E, LOST, BLANK, BAD = [], [], 0, []
    for l in lines:
        if l == '':
            BLANK += 1
            continue
        try:
            o = json.loads(l)
        except ValueError:
            BAD.append(l)
            continue
        (LOST if 'lost' in o else E).append(o)
    return dict(E=E, LOST=LOST, BLANK=BLANK, BAD=BAD, TEXT=TEXT)

def pattern(k, n):
    """splice_workload's and pty_workload's streams: byte k is k * 7 + k / 256."""
    return bytes((i * 7 + i // 256) & 255 for i in range(k, k + n))

def contents_bad(es, data, shown, unavailable_ok=False):
    """Can the events of one direction be laid end to end over DATA, the
    bytes that moved, so that each one's contents are the bytes at its
    place?  Their times nearly tell the order, not quite: shares settled on
    two CPUs may be stamped out of order.  So the events are tried at each
    place, those with fitting contents first, then in time order,
    backtracking when one does not fit.  '' if they
    can, else why not."""
    evs = by_time(es)
    kinds = []
    for e in evs:
        if 'content' in e:
            c = dec(e['content'])
            if len(c) != min(e['bytes'], shown):
                return 'contents of %d bytes for %d moved: %s' % (len(c), e['bytes'], json.dumps(e))
            if e.get('content_truncated') != (True if e['bytes'] > shown else None):
                return 'content_truncated wrong: %s' % json.dumps(e)
        elif unavailable_ok and e.get('content_unavailable'):
            c = None
        else:
            return 'an event without contents: %s' % json.dumps(e)
        kinds.append((e['bytes'], c))
    moved = sum(b for b, c in kinds)
    if moved != len(data):
        return 'the events hold %d bytes, %d moved' % (moved, len(data))
    used = [False] * len(kinds)
    # At each place the events whose contents fit go first: contents of the
    # pattern name their offset, so events without any rarely need trying.
    order = sorted(range(len(kinds)), key=lambda i: kinds[i][1] is None)
    steps = [0]
    def place(off):
        if off == len(data):
            return True
        steps[0] += 1
        if steps[0] > 200000:
            raise RuntimeError('too many ways to try')
        tried = set()	# events alike are tried once at a place
        for i in order:
            k = kinds[i]
            if used[i] or k in tried:
                continue
            tried.add(k)
            if k[1] is None or data[off:off + len(k[1])] == k[1]:
                used[i] = True
                if place(off + k[0]):
                    return True
                used[i] = False
        return False
    sys.setrecursionlimit(100000)
    try:
        return '' if place(0) else 'no order of the events puts each one\'s contents at its place'
    except RuntimeError as err:
        return str(err)

def socket_inodes(pid):
    out = []
    for fd in os.listdir('/proc/%s/fd' % pid):
        try:
            link = os.readlink('/proc/%s/fd/%s' % (pid, fd))
        except OSError:
            continue
        m = re.fullmatch(r'socket:\[(\d+)\]', link)
        if m:
            out.append(int(m.group(1)))
    return out

def unix_connected(pid):
    """The inode of PID's one connected UNIX socket (state 03 in /proc/net/unix)."""
    mine = set(socket_inodes(pid))
    found = []
    for line in open('/proc/net/unix').read().splitlines()[1:]:
        f = line.split()
        if len(f) >= 7 and int(f[6]) in mine and f[5] == '03':
            found.append(f[6])
    return ','.join(found)

def tcp_ports(pid):
    """Local and remote port of PID's one connected TCP socket: 'LOCAL REMOTE'."""
    mine = set(socket_inodes(pid))
    found = []
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        for line in open(name).read().splitlines()[1:]:
            f = line.split()
            if int(f[9]) in mine and f[3] != '0A':	# not the listener it inherited
                found.append('%d %d' % (int(f[1].split(':')[1], 16), int(f[2].split(':')[1], 16)))
    return ','.join(found)


run(load, globals(), newline=len(sys.argv) <= 3)
EOF

# ---- Streams: curl in the background, headers and body in files.
declare -A STREAM_PID STREAM_T0
events_url() { echo "http://127.0.0.1:$EXPORTER_PORT/debug/events?$1"; }

# Connects, and returns once the response's headers are in (the client is
# subscribed before they are sent) and a moment more.
stream_start() { # NAME QUERY
	local name=$1
	rm -f "$TEST_TMP/$name.hdr" "$TEST_TMP/$name.out"
	timeout "$(budget 60)" "$CURL" -sN -D "$TEST_TMP/$name.hdr" -o "$TEST_TMP/$name.out" "$(events_url "$2")" &
	STREAM_PID[$name]=$!
	STREAM_T0[$name]=$(date +%s.%N)
	if ! wait_until 5 test -s "$TEST_TMP/$name.hdr"; then
		echo "# stream $name: no response headers"
		return 1
	fi
	pause 0.5
}

stream_stop() { # NAME
	local pid=${STREAM_PID[$1]}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	STREAM_PID[$1]=
}

# The stream's own end (count=): curl's status, or 124 if it did not end in time.
stream_wait_end() { # NAME SECONDS
	local pid=${STREAM_PID[$1]} status
	if ! wait_until "$2" gone "$pid"; then
		stream_stop "$1"
		return 124
	fi
	wait "$pid"
	status=$?
	STREAM_PID[$1]=
	return $status
}

# Waits until EXPRESSION holds over the stream's events (bounded), lets a
# moment pass for anything extra to arrive, and disconnects.
stream_finish() { # NAME EXPRESSION
	wait_until 10 holds "$TEST_TMP/$1.out" "$2" ||
		echo "# stream $1: gave up waiting for: $2"
	pause 0.5
	stream_stop "$1"
}

status_of() { # QUERY [CURL_ARGS...]: the HTTP status of a plain request; the body in $TEST_TMP/body
	local q=$1
	shift
	"$CURL" -s --max-time "$(budget 5)" -o "$TEST_TMP/body" -w '%{http_code}' "$@" "$(events_url "$q")"
}

metric() { # SERIES: its value now
	scrape "$TEST_TMP/scrape.now"
	series_value "$TEST_TMP/scrape.now" "$1"
}
clients_are() { [ "$(metric ipc_exporter_debug_events_clients)" = "$1" ]; }

# Workloads held before their first byte, their pids and pipe inodes:
# hold_pipe_workload, release, pid_of, write_pipe_inode (lib.sh).
comm_pid() { # COMM: the one process of that name
	grep -lxF -- "$1" /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3
}

# ---- 1. The endpoint's contract.
exporter_start ${PIPE_LOCK:+--pipe-lock=$PIPE_LOCK} || tap_finish
tap_eq "$(status_of "")" 404 "without --debug.events, /debug/events is 404"
tap_eq "$(status_of "mechanism=pipe&count=1")" 404 "without --debug.events, /debug/events?QUERY is 404"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$EXPORTER_PORT/metrics")" 200 \
	"without --debug.events, /metrics still answers"
exporter_stop

exporter_start ${PIPE_LOCK:+--pipe-lock=$PIPE_LOCK} --debug.events --debug.events-clients=2 || tap_finish
bad_param() { # QUERY WORD DESCRIPTION: 400, one line naming the parameter and WORD
	local code body
	code=$(status_of "$1")
	body=$(cat "$TEST_TMP/body")
	tap_eq "$code" 400 "$3: 400"
	tap_ok "$([ "$(wc -l <"$TEST_TMP/body")" -eq 1 ] && grep -qF -- "$2" "$TEST_TMP/body" && echo 0 || echo 1)" \
		"$3: the one-line reply names it ($2)"
	[ "$code" = 400 ] || echo "#   body: $body"
}
bad_param "pid=12x" 'pid: "12x"' "pid=12x"
bad_param "mechanism=nope" 'mechanism: unknown type "nope"' "mechanism=nope"
bad_param "contents=99999" 'contents: "99999"' "contents=99999"
bad_param "format=xml" 'format: "xml"' "format=xml"
bad_param "bogus=1" 'unknown parameter "bogus"' "bogus=1"
bad_param "src_comm=sixteen-bytes-xx" 'src_comm: "sixteen-bytes-xx"' "src_comm longer than 15 bytes"
bad_param "mechanism=pipe&count=-1" 'count: "-1"' "count=-1 after a good parameter"
bad_param "contents=64" "--debug.events-contents" "contents=64 without --debug.events-contents"
tap_eq "$(status_of "contents=0&mechanism=signal" -I)" 200 "contents=0 without --debug.events-contents is fine (HEAD)"
grep -qi '^content-type: application/x-ndjson' "$TEST_TMP/body"
tap_ok $? "the stream is application/x-ndjson"

# The client cap: two streams, the third is refused; HEAD takes no slot.
stream_start cap1 "mechanism=signal&comm=$(unique_prefix none)-x"
stream_start cap2 "mechanism=signal&comm=$(unique_prefix none)-x"
tap_eq "$(metric ipc_exporter_debug_events_clients)" 2 "two clients: ipc_exporter_debug_events_clients 2"
tap_eq "$(status_of "mechanism=signal")" 503 "a third client with --debug.events-clients=2: 503"
grep -q -- "--debug.events-clients" "$TEST_TMP/body"
tap_ok $? "the 503 says which flag sets the cap"
tap_eq "$(status_of "mechanism=signal" -I)" 200 "HEAD at the cap: 200 (it streams nothing)"
stream_stop cap1
wait_until 3 clients_are 1
tap_ok $? "a client leaves: ipc_exporter_debug_events_clients 1 within 3 s"
stream_start cap3 "mechanism=signal&comm=$(unique_prefix none)-x"
tap_eq "$(head -1 "$TEST_TMP/cap3.hdr" | tr -d '\r')" "HTTP/1.1 200 OK" "its slot is free again: 200"
stream_stop cap2
stream_stop cap3
wait_until 3 clients_are 0
tap_ok $? "all clients gone: ipc_exporter_debug_events_clients 0 within 3 s"
exporter_stop

# ---- The rest with contents allowed (and the default cap of 4).
exporter_start ${PIPE_LOCK:+--pipe-lock=$PIPE_LOCK} --debug.events --debug.events-contents || tap_finish
MAPLOCK=0
grep -q "ipc_sys_exit_maplock" "$TEST_TMP/exporter.log" && MAPLOCK=1
# The map-lock variant applies an operation that found its queue locked at
# a later one, when its buffers are gone: such events say so instead of
# showing contents.  Scraping applies what is still waiting.
flush() { [ "$MAPLOCK" = 1 ] && scrape "$TEST_TMP/scrape.flush"; }

# A quiet stream all along, for the keep-alive (an empty line after 15 s of silence).
stream_start quiet "mechanism=signal&comm=$(unique_prefix none)-x"

# ---- 2. Pipe: count=N, every field, contents.
P=$(unique_prefix e)
N=20
hold_pipe_workload pipe "$P" pipe "$P" 1 1 $N 100
tap_ok $? "pipe: the workload is up, held before its first write"
W=$(pid_of pipe "$P-w0")
R=$(pid_of pipe "$P-r0")
INODE=$(write_pipe_inode "$W")
echo "# pipe: writer $W, reader $R, pipe inode $INODE"
stream_start pipe_count "src_comm=$P-w0&count=$N&contents=64"
stream_start pipe_all "src_comm=$P-w0&contents=64"
t0=$(date +%s.%N)
release pipe
tap_ok $? "pipe: workload ran"
t1=$(date +%s.%N)
flush
stream_wait_end pipe_count 5
tap_eq $? 0 "pipe: count=$N ends the stream by itself, cleanly"
stream_finish pipe_all "len(E) >= $N"
f=$TEST_TMP/pipe_count.out
tap_eq "$(ev "$f" 'len(E), len(LOST), BLANK, len(BAD)')" "($N, 0, 0, 0)" "pipe: count=$N: exactly $N JSON events, nothing else"
tap_eq "$(ev "$TEST_TMP/pipe_all.out" 'len(E), len(LOST)')" "($N, 0)" "pipe: without count= the same filter gets $N events too"
tap_eq "$(ev "$f" 'keys()')" "bytes,content,content_truncated,dst,inode,mechanism,messages,src,thread,time" \
	"pipe: the keys of a pipe event with contents"
tap_eq "$(ev "$f" 'distinct("mechanism")')" pipe "pipe: mechanism"
tap_eq "$(ev "$f" 'distinct("src.pid"), distinct("src.comm")')" "('$W', '$P-w0')" "pipe: src is the writer"
tap_eq "$(ev "$f" 'distinct("dst.pid"), distinct("dst.comm")')" "('$R', '$P-r0')" "pipe: dst is the reader"
tap_eq "$(ev "$f" 'distinct("bytes"), distinct("messages")')" "('100', '1')" "pipe: 100 bytes, 1 message each"
tap_eq "$(ev "$f" 'distinct("inode")')" "$INODE" "pipe: the pipe's inode"
if [ "$MAPLOCK" = 1 ]; then
	tap_eq "$(ev "$f" 'len(E) - len([e for e in E if e.get("content", enc(tagged(64))) == enc(tagged(64))])')" 0 \
		"pipe: contents, where shown, are the first 64 bytes written (a, then A)"
else
	tap_eq "$(ev "$f" 'distinct("content") == enc(tagged(64))')" 1 "pipe: contents are the first 64 bytes written (a, then A)"
fi
tap_eq "$(ev "$f" 'distinct("content_truncated", [e for e in E if "content" in e])')" true "pipe: content_truncated (100 bytes moved)"
tap_eq "$(ev "$f" "times_bad($t0, $t1)")" 0 "pipe: times are RFC 3339 UTC with nanoseconds, during the run"

# ---- 3. One case per mechanism.
# FIFO: its path as the workload gave it, its inode.
P=$(unique_prefix f)
FIFO=$(cd "$TEST_TMP" && pwd -P)/$P.fifo
hold_pipe_workload fifo "$P" fifo "$P" 1 1 10 50 --fifo-path "$FIFO"
W=$(pid_of fifo "$P-w0")
R=$(pid_of fifo "$P-r0")
INODE=$(stat -c %i "$FIFO")
stream_start fifo "comm=$P-w0&contents=8"
release fifo
tap_ok $? "fifo: workload ran"
flush
stream_finish fifo "len(E) >= 10"
f=$TEST_TMP/fifo.out
tap_eq "$(ev "$f" 'len(E), len(LOST)')" "(10, 0)" "fifo: 10 events"
tap_eq "$(ev "$f" 'distinct("mechanism"), distinct("path"), distinct("inode")')" "('fifo', '$FIFO', '$INODE')" \
	"fifo: mechanism fifo, the FIFO's path and inode"
tap_eq "$(ev "$f" 'distinct("src.pid"), distinct("dst.pid"), distinct("dst.comm"), distinct("bytes"), distinct("messages")')" \
	"('$W', '$R', '$P-r0', '50', '1')" "fifo: writer to reader, 50 bytes and 1 message each"

# A socketpair (unix-stream): a python workload that tells its sockets'
# inodes; the event's inode is one of them (see "inode" below).  sendmsg with two
# buffers, recvmsg into two buffers of other sizes: the contents must be
# the bytes sent at each share's offset.
cat >"$TEST_TMP/sockpair.py" <<'EOF'
import ctypes, os, socket, sys
prefix, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
libc = ctypes.CDLL(None)
def role(name):
    libc.prctl(15, ('%s-%s' % (prefix, name)).encode(), 0, 0, 0)
def message(i):
    return bytes((i * 31 + k * 7 + k // 5) & 255 for k in range(size))
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
print('inode a0', os.fstat(a.fileno()).st_ino)
print('inode b0', os.fstat(b.fileno()).st_ino, flush=True)
pa = os.fork()
if pa == 0:
    role('a0')
    b.close()
    for i in range(n):
        m = message(i)
        if a.sendmsg([m[:size // 3], m[size // 3:]]) != size:
            os._exit(1)
    reply = a.recv(100)
    os._exit(0 if reply == b'0123456789' else 1)
pb = os.fork()
if pb == 0:
    role('b0')
    a.close()
    got, want = bytearray(), b''.join(message(i) for i in range(n))
    b1, b2 = bytearray(size // 2 + 3), bytearray(size)
    while len(got) < len(want):
        r = b.recvmsg_into([b1, b2])[0]
        if r <= 0:
            os._exit(1)
        got += (b1 + b2)[:r]
    b.send(b'0123456789')
    os._exit(0 if got == want else 1)
a.close()
b.close()
print('pid a0', pa)
print('pid b0', pb, flush=True)
bad = 0
for p in (pa, pb):
    bad |= os.waitpid(p, 0)[1]
sys.exit(1 if bad else 0)
EOF
P=$(unique_prefix u)
stream_start sockpair "comm=$P-a0&contents=1024"
timeout "$(budget 20)" python3 "$TEST_TMP/sockpair.py" "$P" 200 100 >"$TEST_TMP/sockpair.truth"
tap_ok $? "socketpair (python, sendmsg/recvmsg): workload ran"
stream_finish sockpair "total('bytes', pair('$P-a0', '$P-b0')) >= 20000 and len(pair('$P-b0', '$P-a0')) >= 1"
f=$TEST_TMP/sockpair.out
A=$(awk '$1 == "pid" && $2 == "a0" { print $3 }' "$TEST_TMP/sockpair.truth")
B=$(awk '$1 == "pid" && $2 == "b0" { print $3 }' "$TEST_TMP/sockpair.truth")
IA=$(awk '$1 == "inode" && $2 == "a0" { print $3 }' "$TEST_TMP/sockpair.truth")
IB=$(awk '$1 == "inode" && $2 == "b0" { print $3 }' "$TEST_TMP/sockpair.truth")
ab="pair('$P-a0', '$P-b0')"
ba="pair('$P-b0', '$P-a0')"
# (the reader's two buffers take 153 bytes a call: shares of writes, some merged)
tap_eq "$(ev "$f" "len(E) - len($ab), total('bytes', $ab), total('messages', $ab), len(LOST)")" "(1, 20000, 200, 0)" \
	"socketpair: 200 x 100 bytes a0 -> b0 (20000 bytes, 200 messages); 1 event back"
tap_eq "$(ev "$f" "distinct('mechanism'), distinct('src.pid', $ab), distinct('dst.pid', $ab)")" \
	"('unix-stream', '$A', '$B')" "socketpair: unix-stream, a0's pid to b0's"
# The inode should be the reading end's socket's (bpf/ipc_types.h), but a
# share that settles when the sender's call returns (the reader returned
# first) carries the sender's socket's: either end of this pair, then.
tap_eq "$(ev "$f" "len(E) > 0 and {e['inode'] for e in E} <= {$IA, $IB}, distinct('path')")" "(1, '-')" \
	"socketpair: every event's inode is one of the pair's sockets ($IA, $IB); no path"
echo "# socketpair: $(ev "$f" "len([e for e in $ab if e['inode'] != $IB]) + len([e for e in $ba if e['inode'] != $IA])") events carry the sender's socket's inode, not the reader's"
tap_eq "$(ev "$f" "contents_bad($ab, b''.join(bytes((i * 31 + k * 7 + k // 5) & 255 for k in range(100)) for i in range(200)), 1024)")" "" \
	"socketpair: sendmsg/recvmsg with two buffers each: contents are the bytes sent, share by share"
tap_eq "$(ev "$f" "[(e['bytes'], e['messages'], dec(e['content']), e.get('content_truncated')) for e in $ba]")" \
	"(10, 1, b'0123456789', None)" "socketpair: the reply, 10 bytes, recv into one buffer"

# socket_workload's socketpair through the other call families: exactly its
# truth.  A share that settles when the sender's call returns (the reader
# was quicker) takes its contents from the sender's call: a sendmmsg of
# several messages has no single buffer, so such an event has none
# (content_unavailable) and counts the call's messages on its first share.
for api in sendmsg sendmmsg; do
	P=$(unique_prefix u)
	stream_start sp_$api "comm=$P-a0&contents=100"
	timeout "$(budget 20)" "$SOCKETS" socketpair "$P" 300 64 $api >"$TEST_TMP/sp_$api.truth"
	tap_ok $? "socketpair ($api): workload ran"
	stream_finish sp_$api "len(E) >= 301"
	f=$TEST_TMP/sp_$api.out
	ab="pair('$P-a0', '$P-b0')"
	ba="pair('$P-b0', '$P-a0')"
	tap_eq "$(ev "$f" "len(E), len($ab), distinct('bytes', $ab), total('messages', $ab), [(e['bytes'], e['messages']) for e in $ba]")" \
		"(301, 300, '64', 300, [(10, 1)])" "socketpair ($api): 300 events of 64 bytes (300 messages) a0 -> b0, and the reply"
	tap_eq "$(ev "$f" "len([e for e in $ab if e.get('content') != enc(b'x' * 64) and not ('$api' == 'sendmmsg' and 'content' not in e and e.get('content_unavailable'))]), distinct('content', $ba) == enc(b'0123456789')")" \
		"(0, 1)" "socketpair ($api): contents are the bytes sent (x..., and 0123456789 read by ${api/send/recv})"
	echo "# socketpair ($api): inodes a0 -> b0 $(ev "$f" "distinct('inode', $ab)"), b0 -> a0 $(ev "$f" "distinct('inode', $ba)")"
done

# A named UNIX stream server: the path it binds, on both directions'
# events; the inode of one of the connection's ends (the worker's accepted
# socket, the client's).  The client connects, then waits for a file.
P=$(unique_prefix u)
SOCK=$(cd "$TEST_TMP" && pwd -P)/$P.sock
rm -f "$TEST_TMP/srv.go" "$TEST_TMP/srv.go.connected"
timeout "$(budget 30)" "$SOCKETS" server "$P" stream "$SOCK" 50 200 --wait-file "$TEST_TMP/srv.go" >"$TEST_TMP/srv.truth" &
wl=$!
wait_until 5 test -e "$TEST_TMP/srv.go.connected"
CLI=$(comm_pid "$P-cli0")
WRK=$(comm_pid "$P-wrk0")
ICLI=$(ev - "unix_connected($CLI)")
IWRK=$(ev - "unix_connected($WRK)")
echo "# unix server: client $CLI (socket $ICLI), worker $WRK (socket $IWRK)"
stream_start srv "comm=$P-cli0&contents=16"
touch "$TEST_TMP/srv.go"
wait "$wl"
tap_ok $? "unix stream server: workload ran"
stream_finish srv "len(E) >= 51"
f=$TEST_TMP/srv.out
cw="pair('$P-cli0', '$P-wrk0')"
wc_="pair('$P-wrk0', '$P-cli0')"
tap_eq "$(ev "$f" "len(E), len($cw), total('bytes', $cw), total('messages', $cw), total('bytes', $wc_), total('messages', $wc_)")" \
	"(51, 50, 10000, 50, 10, 1)" "unix stream server: 50 x 200 bytes client -> worker, 10 back"
tap_eq "$(ev "$f" "distinct('mechanism'), distinct('path')")" "('unix-stream', '$SOCK')" \
	"unix stream server: the socket's path on every event, both ways"
tap_eq "$(ev "$f" "distinct('src.pid', $cw), distinct('dst.pid', $cw), len(E) > 0 and {e['inode'] for e in E} <= {${IWRK:-0}, ${ICLI:-0}}")" \
	"('$CLI', '$WRK', 1)" "unix stream server: pids; every event's inode is one of the connection's sockets"
echo "# unix stream server: inodes client -> worker $(ev "$f" "distinct('inode', $cw)"), worker -> client $(ev "$f" "distinct('inode', $wc_)")"

# Loopback TCP: the sender's address and port first.  The client's ports
# are read from /proc/net/tcp while it waits.
P=$(unique_prefix t)
rm -f "$TEST_TMP/tcp.go" "$TEST_TMP/tcp.go.connected"
timeout "$(budget 30)" "$SOCKETS" server "$P" tcp 127.0.0.1 100 1000 --wait-file "$TEST_TMP/tcp.go" >"$TEST_TMP/tcp.truth" &
wl=$!
wait_until 5 test -e "$TEST_TMP/tcp.go.connected"
CLI=$(comm_pid "$P-cli0")
WRK=$(comm_pid "$P-wrk0")
read -r CPORT SPORT <<<"$(ev - "tcp_ports($CLI)")"
echo "# tcp: client $CLI port $CPORT, worker $WRK, server port $SPORT"
stream_start tcp "comm=$P-cli0&contents=4"
touch "$TEST_TMP/tcp.go"
wait "$wl"
tap_ok $? "loopback tcp: workload ran"
stream_finish tcp "total('bytes') >= 100010"
f=$TEST_TMP/tcp.out
cw="pair('$P-cli0', '$P-wrk0')"
wc_="pair('$P-wrk0', '$P-cli0')"
tap_eq "$(ev "$f" "total('bytes', $cw), total('messages', $cw), total('bytes', $wc_), total('messages', $wc_), len(E) == len($cw) + len($wc_)")" \
	"(100000, 100, 10, 1, 1)" "loopback tcp: 100 x 1000 bytes client -> worker, 10 back, nothing else"
tap_eq "$(ev "$f" "distinct('mechanism'), distinct('src_addr'), distinct('dst_addr')")" "('loopback-tcp', '127.0.0.1', '127.0.0.1')" \
	"loopback tcp: 127.0.0.1 at both ends"
tap_eq "$(ev "$f" "distinct('src_port', $cw), distinct('dst_port', $cw), distinct('src_port', $wc_), distinct('dst_port', $wc_)")" \
	"('$CPORT', '$SPORT', '$SPORT', '$CPORT')" "loopback tcp: the sender's port first, swapped for the reply"
tap_eq "$(ev "$f" "distinct('src.pid', $cw), distinct('dst.pid', $cw), distinct('content', $cw) == enc(b'xxxx'), distinct('content', $wc_) == enc(b'0123')")" \
	"('$CLI', '$WRK', 1, 1)" "loopback tcp: pids, contents"

# A pty in raw mode: master to slave and back; the slave's name on every
# event; contents are the workload's byte pattern at each share's offset.
P=$(unique_prefix y)
stream_start pty "comm=$P-mw&comm=$P-sw&contents=64"
timeout "$(budget 20)" "$PTY_WORKLOAD" raw "$P" 100 256 >"$TEST_TMP/pty.truth"
tap_ok $? "raw pty: workload ran"
stream_finish pty "total('bytes') >= 51200"
f=$TEST_TMP/pty.out
ms="pair('$P-mw', '$P-sr')"
sm="pair('$P-sw', '$P-mr')"
tap_eq "$(ev "$f" "total('bytes', $ms), total('messages', $ms), total('bytes', $sm), total('messages', $sm), len(E) == len($ms) + len($sm)")" \
	"(25600, 100, 25600, 100, 1)" "raw pty: 100 x 256 bytes each way, nothing else"
tty=$(ev "$f" "distinct('tty')")
[[ $tty =~ ^pts/[0-9]+$ ]]
tap_ok $? "raw pty: one tty, pts/N, on every event both ways ($tty)"
tap_eq "$(ev "$f" "distinct('mechanism'), contents_bad($ms, pattern(0, 25600), 64), contents_bad($sm, pattern(0, 25600), 64)")" \
	"('pty', '', '')" "raw pty: contents at each share's offset in the stream"

# Signals: every SIGUSR1 (standard signals do not queue: while one is
# pending another is "already pending"), the SIGUSR2s, SIGCHLD from the kernel.
P=$(unique_prefix k)
stream_start sig "mechanism=signal&comm=$P-send0&comm=$P-parent0&contents=64"
IPC_WORKLOAD_PIDS=1 timeout "$(budget 20)" "$WORKLOAD" signal "$P" 10 30 >"$TEST_TMP/sig.truth"
tap_ok $? "signals: workload ran"
stream_finish sig "len(E) >= 34"
f=$TEST_TMP/sig.out
S=$(pid_of sig "$P-send0")
RC=$(pid_of sig "$P-recv0")
PA=$(pid_of sig "$P-parent0")
u1="[e for e in pair('$P-send0', '$P-recv0') if e['signo'] == 10]"
tap_eq "$(ev "$f" "len(E), len($u1), len(LOST)")" "(34, 30, 0)" "signals: 34 events, 30 of them SIGUSR1 to $P-recv0"
tap_eq "$(ev "$f" "distinct('mechanism'), distinct('signal', $u1), distinct('src.pid', $u1), distinct('dst.pid', $u1), distinct('code', $u1)")" \
	"('signal', 'SIGUSR1', '$S', '$RC', '0')" "signals: SIGUSR1 from the sender's pid to the receiver's, code 0 (SI_USER)"
tap_eq "$(ev "$f" "by_time($u1)[0]['result'], set(distinct('result', $u1).split(',')) <= {'delivered', 'already pending'}")" \
	"('delivered', 1)" "signals: the first SIGUSR1 delivered, the others delivered or already pending"
tap_eq "$(ev "$f" "[(e['src']['pid'], e['dst']['pid'], e['signal'], e['signo'], e['code'], e['result']) for e in by_time(pair('$P-send0', '$P-recv0') + pair('$P-send0', '$P-send0')) if e['signo'] != 10]")" \
	"($S, $RC, 'SIGUSR2', 12, 0, 'delivered') ($S, $S, 'SIGUSR2', 12, -6, 'delivered')" \
	"signals: SIGUSR2 by kill to the receiver, then by raise to itself (SI_TKILL)"
tap_eq "$(ev "$f" "[(e['src']['pid'], e['src']['comm'], e['dst']['pid'], e['signal'], e['signo'], e['code'], e['result']) for e in pair('[kernel]', '$P-parent0')]")" \
	"(0, '[kernel]', $PA, 'SIGCHLD', 17, 1, 'ignored') (0, '[kernel]', $PA, 'SIGCHLD', 17, 1, 'ignored')" \
	"signals: two SIGCHLD from [kernel] (pid 0) to the parent, CLD_EXITED, ignored"
tap_eq "$(ev "$f" "keys()")" "code,dst,mechanism,result,signal,signo,src,thread,time" "signals: no bytes, messages or contents"

# ---- 4. Contents layouts.
# writev/readv in two halves: contents cross the iovecs.
for shown in 150 1024; do
	P=$(unique_prefix v)
	hold_pipe_workload vec "$P" pipe "$P" 1 1 30 200 --vectors
	stream_start vec "src_comm=$P-w0&contents=$shown"
	release vec
	tap_ok $? "writev/readv (contents=$shown): workload ran"
	flush
	stream_finish vec "len(E) >= 30"
	f=$TEST_TMP/vec.out
	n=$((shown < 200 ? shown : 200))
	trunc=$([ "$shown" -lt 200 ] && echo true || echo -)
	tap_eq "$(ev "$f" "len(E), distinct('bytes'), distinct('content') == enc(tagged($n)), distinct('content_truncated')")" \
		"(30, '200', 1, '$trunc')" "writev/readv (contents=$shown): 30 events, contents the first $n bytes across both buffers"
done

# splice from one pipe into another: the splicing side never sees the bytes.
P=$(unique_prefix s)
stream_start splice "comm=$P-m&contents=16"
timeout "$(budget 20)" "$SPLICE_WORKLOAD" splice-pipe "$P" 100 1000 >"$TEST_TMP/splice.truth"
tap_ok $? "splice pipe -> pipe: workload ran"
flush
stream_finish splice "total('bytes') >= 200000"
f=$TEST_TMP/splice.out
wm="pair('$P-w', '$P-m')"
mr="pair('$P-m', '$P-r')"
tap_eq "$(ev "$f" "total('bytes', $wm), total('messages', $wm), total('bytes', $mr), total('messages', $mr), len(E) == len($wm) + len($mr)")" \
	"(100000, 100, 100000, 100, 1)" "splice pipe -> pipe: 100 x 1000 bytes in each pipe, nothing else"
# What the splicer took is not in user memory at the splice; a share it took
# before the writer's write returned settles at that write, whose buffer holds it.
tap_eq "$(ev "$f" "contents_bad($wm, pattern(0, 100000), 16, True)")" "" \
	"splice pipe -> pipe: what the splicer took has no contents (content_unavailable), or the writer's at its offset"
tap_eq "$(ev "$f" "int(any(e.get('content_unavailable') for e in $wm))")" "1" \
	"splice pipe -> pipe: shares settled at the splice say content_unavailable"
# A share the reader took before the splice returned settles at the splice,
# whose bytes are not in user memory: that event has no contents either.
tap_eq "$(ev "$f" "contents_bad($mr, pattern(0, 100000), 16, True)")" "" \
	"splice pipe -> pipe: what the reader read has its contents at each share's offset (or content_unavailable)"
echo "# splice: $(ev "$f" "len([e for e in $wm if e.get('content_unavailable')])") of $(ev "$f" "len($wm)") splicer events settled at the splice, $(ev "$f" "len([e for e in $mr if e.get('content_unavailable')])") of $(ev "$f" "len($mr)") reader events"

# ---- 5. Text format.
P=$(unique_prefix x)
hold_pipe_workload text "$P" pipe "$P" 1 1 5 100
W=$(pid_of text "$P-w0")
R=$(pid_of text "$P-r0")
INODE=$(write_pipe_inode "$W")
stream_start text "src_comm=$P-w0&format=text"
stream_start texthex "src_comm=$P-w0&format=text&contents=20"
release text
tap_ok $? "text format: workload ran"
flush
stream_finish text "TEXT.count('\n') >= 5"
stream_finish texthex "TEXT.count('\n') >= 5 * 4"
grep -qi '^content-type: text/plain' "$TEST_TMP/text.hdr"
tap_ok $? "text format: text/plain"
# the thread that made the event last: the writer's or the reader's (one thread each)
line_re="^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{9} pipe $W\\($P-w0\\) > $R\\($P-r0\\): inode $INODE, bytes 100, "
line_re="$line_re(src thread $W\\($P-w0\\)|dst thread $R\\($P-r0\\))\$"
tap_eq "$(grep -cE "$line_re" "$TEST_TMP/text.out"), $(wc -l <"$TEST_TMP/text.out")" "5, 5" \
	"text format: 5 lines 'HH:MM:SS.nnnnnnnnn pipe $W($P-w0) > $R($P-r0): inode $INODE, bytes 100, (src|dst) thread ...', nothing else"
want=$(ev - "hexdump(tagged(20)) + '  ... (20 of 100 bytes shown)'")
got=$(grep -vE "$line_re" "$TEST_TMP/texthex.out" | sort | uniq -c | sed 's/^ *//')
tap_eq "$(grep -cE "$line_re" "$TEST_TMP/texthex.out")" 5 "text format with contents: the 5 event lines"
tap_eq "$got" "$(echo "$want" | sed 's/^/5 /' | sort)" "text format with contents: each followed by a hexdump -C of 20 bytes and how many were shown"
# the layout, byte for byte, after the first event line
tap_eq "$(sed -n 2,4p "$TEST_TMP/texthex.out")" "$want" "text format with contents: the hexdump's layout"
now=$(date +%s)
first=$(head -c 8 "$TEST_TMP/text.out")
tap_ok "$(python3 -c "
import sys, time
try:
    h, m, s = map(int, '$first'.split(':'))
except ValueError:
    sys.exit(print(1))
lt = time.localtime($now)
d = (lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec - (h * 3600 + m * 60 + s)) % 86400
sys.stdout.write('0' if d <= 30 * $SLOW else '1')")" "text format: the time is the local time of day ($first)"

# ---- 6. Two clients, two filters, at the same time.
A=$(unique_prefix a)
B=$(unique_prefix b)
stream_start two_a "src_comm=$A-w0"
stream_start two_b "mechanism=signal&dst_comm=$B-recv0"
timeout "$(budget 20)" "$WORKLOAD" pipe "$A" 1 1 200 64 >"$TEST_TMP/two_a.truth" &
wa=$!
timeout "$(budget 20)" "$WORKLOAD" signal "$B" 34 40 >"$TEST_TMP/two_b.truth"
sb=$?
wait "$wa"
tap_ok $(($? | sb)) "two clients: both workloads ran"
flush
stream_finish two_a "len(E) >= 200"
stream_finish two_b "len(E) >= 41"
tap_eq "$(ev "$TEST_TMP/two_a.out" "len(E), distinct('mechanism'), distinct('src.comm'), distinct('dst.comm'), total('bytes')")" \
	"(200, 'pipe', '$A-w0', '$A-r0', 12800)" "two clients: src_comm=$A-w0 gets exactly its 200 pipe events"
tap_eq "$(ev "$TEST_TMP/two_b.out" "len(E), distinct('mechanism'), distinct('dst.comm'), len([e for e in E if e['signal'] == 'SIGRTMIN' and e['result'] == 'delivered' and e['code'] == -1])")" \
	"(41, 'signal', '$B-recv0', 40)" "two clients: mechanism=signal&dst_comm=$B-recv0 gets exactly its 40 SIGRTMIN (queued, delivered) and 1 SIGUSR2"

# ---- 7. A stalled client: it asks for everything of a workload and does
# not read.  Its buffer fills (1 MiB) and it loses events, counted; /metrics
# and another client do not wait for it.
cat >"$TEST_TMP/stalled.py" <<'EOF'
import os, socket, sys, time
port, query, out, go = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('127.0.0.1', port))
s.sendall(('GET /debug/events?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' % query).encode())
# The answer's headers come once the server has subscribed the stream: only then
# may the workload start (a count of clients can include one that is leaving).
raw = b''
s.settimeout(float(sys.argv[5]))
while b'\r\n\r\n' not in raw:
    b = s.recv(1)
    if not b:
        break
    raw += b
open(out + '.subscribed', 'w').close()
deadline = time.time() + float(sys.argv[5])
while not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.05)
# Now read what there is, until two seconds pass without a byte.
s.settimeout(2)
while True:
    try:
        b = s.recv(1 << 16)
    except socket.timeout:
        break
    if not b:
        break
    raw += b
s.close()
head, _, rest = raw.partition(b'\r\n\r\n')
body = b''
while True:
    size, sep, after = rest.partition(b'\r\n')
    if not sep:
        break
    try:
        n = int(size.split(b';')[0], 16)
    except ValueError:
        break
    if n == 0:
        break
    body += after[:n]
    if len(after) < n + 2:
        break
    rest = after[n + 2:]
open(out + '.hdr', 'wb').write(head)
open(out, 'wb').write(body)
EOF
S=$(unique_prefix z)
Q=$(unique_prefix q)
stream_start reader "src_comm=$Q-w0&contents=16"
# Two stalled clients, the second with lost=hide.
rm -f "$TEST_TMP/stalled.go"
timeout "$(budget 60)" python3 "$TEST_TMP/stalled.py" "$EXPORTER_PORT" "src_comm=$S-w0&contents=1024" \
	"$TEST_TMP/stalled.out" "$TEST_TMP/stalled.go" "$(budget 40)" &
stalled=$!
timeout "$(budget 60)" python3 "$TEST_TMP/stalled.py" "$EXPORTER_PORT" "src_comm=$S-w0&contents=1024&lost=hide" \
	"$TEST_TMP/hidden.out" "$TEST_TMP/stalled.go" "$(budget 40)" &
hidden=$!
wait_until 10 test -e "$TEST_TMP/stalled.out.subscribed" -a -e "$TEST_TMP/hidden.out.subscribed"
tap_ok $? "stalled clients: both streams answered (subscribed) before the workload starts"
wait_until 5 clients_are 4
tap_ok $? "stalled clients: connected (4 clients with the quiet one and the reader)"
scrape "$TEST_TMP/stall.before"
timeout "$(budget 30)" "$WORKLOAD" pipe "$S" 1 1 5000 1024 --reader-pause-us 200 >"$TEST_TMP/stall.truth" &
ws=$!
timeout "$(budget 30)" "$WORKLOAD" pipe "$Q" 1 1 1000 100 --reader-pause-us 500 >"$TEST_TMP/reader.truth" &
wq=$!
slowest=0
for _ in 1 2 3 4 5 6; do
	sleep 0.25
	t=$("$CURL" -s -o /dev/null -w '%{time_total}' --max-time 5 "http://127.0.0.1:$EXPORTER_PORT/metrics")
	slowest=$(python3 -c "print(max($slowest, $t))")
done
wait "$ws"
s1=$?
wait "$wq"
tap_ok $(($? | s1)) "stalled client: workloads ran (5000 x 1024 bytes for it, 1000 x 100 for the reader)"
flush
pause 0.5
t=$("$CURL" -s -o /dev/null -w '%{time_total}' --max-time 5 "http://127.0.0.1:$EXPORTER_PORT/metrics")
slowest=$(python3 -c "print(max($slowest, $t))")
tap_ok "$(python3 -c "print(0 if $slowest < 1 else 1)")" "stalled client: /metrics answers in under 1 s meanwhile (slowest ${slowest} s)"
scrape "$TEST_TMP/stall.after"
dropped=$(($(series_value "$TEST_TMP/stall.after" ipc_exporter_debug_events_client_dropped_total) -
	$(series_value "$TEST_TMP/stall.before" ipc_exporter_debug_events_client_dropped_total)))
ring=$(($(series_value "$TEST_TMP/stall.after" 'ipc_exporter_events_lost_total{mechanism="pipe"}') -
	$(series_value "$TEST_TMP/stall.before" 'ipc_exporter_events_lost_total{mechanism="pipe"}')))
echo "# stalled clients: $dropped events dropped for them"
tap_ok "$([ "$dropped" -gt 0 ] && echo 0 || echo 1)" "stalled clients: ipc_exporter_debug_events_client_dropped_total grew ($dropped)"
tap_eq "$ring" 0 "stalled clients: the kernel's ring buffer lost nothing (the loss is the clients' alone)"
touch "$TEST_TMP/stalled.go"
wait "$stalled"
s1=$?
wait "$hidden"
tap_ok $(($? | s1)) "stalled clients: they read what they had"
stream_finish reader "len(E) >= 1000"
f=$TEST_TMP/stalled.out
tap_eq "$(ev "$f" "[(l['mechanism'], l['reason']) for l in LOST]")" "('pipe', 'client too slow')" \
	"stalled client: its stream has one lost record, pipe, \"client too slow\""
told=$(ev "$f" "sum(l['lost'] for l in LOST)")
tap_eq "$(ev "$f" "len(E) + sum(l['lost'] for l in LOST), len(BAD)")" "(5000, 0)" \
	"stalled client: events received plus lost are the 5000 writes, no broken line"
tap_eq "$(ev "$f" "distinct('src.comm'), distinct('dst.comm'), distinct('bytes'), len([e for e in E if e.get('content') != enc(tagged(1024)) and not ($MAPLOCK and e.get('content_unavailable'))]), distinct('content_truncated')")" \
	"('$S-w0', '$S-r0', '1024', 0, '-')" "stalled client: what it got is intact: 1024 bytes, all of them in contents"
f=$TEST_TMP/hidden.out
got=$(ev "$f" "len(E)")
tap_eq "$(ev "$f" "len(LOST), len(BAD)")" "(0, 0)" "stalled client with lost=hide: no lost record"
tap_eq "$((told + 5000 - got))" "$dropped" \
	"the dropped counter's increase is what the two were told or not told ($told + (5000 - $got))"
tap_ok "$([ "$got" -gt 0 ] && [ "$got" -lt 5000 ] && echo 0 || echo 1)" "stalled client with lost=hide: it got events, and lost some ($((5000 - got)))"
# (Lost records may come if the host was busy enough to fill the kernel's
# ring: they are told to every client whose filter the lost could match.)
tap_eq "$(ev "$TEST_TMP/reader.out" "len(E), distinct('src.comm'), total('bytes'), distinct('content') == enc(tagged(16))")" \
	"(1000, '$Q-w0', 100000, 1)" "stalled client: the other client got all its 1000 events"

# ---- The keep-alive: the quiet stream got only empty lines, one per ~15 s
# (the exporter looks once a second, at whole seconds: 14 to 16 s apart).
e=$(python3 -c "import time; print(time.time() - ${STREAM_T0[quiet]})")
python3 -c "import sys; sys.exit(0 if $e < 17.5 else 1)" && sleep "$(python3 -c "print(17.5 - $e)")"
e=$(python3 -c "import time; print(round(time.time() - ${STREAM_T0[quiet]}, 1))")
stream_stop quiet
# A lost record may come (signals lost anywhere while the ring was full
# could have matched its filter, for all the kernel knows); events may not.
read -r blank other <<<"$(ev "$TEST_TMP/quiet.out" "'%d %d' % (BLANK, len(E) + len(BAD))")"
lo=$(python3 -c "print(int($e // 16))")
hi=$(python3 -c "print(int($e // 14))")
tap_eq "$other" 0 "keep-alive: a quiet stream gets no event, only empty lines (and lost records)"
tap_ok "$([ "${blank:-0}" -ge "$lo" ] && [ "${blank:-0}" -le "$hi" ] && echo 0 || echo 1)" \
	"keep-alive: one empty line per 15 s of silence ($blank in $e s)"

# ---- 8. Everyone has left.
wait_until 3 clients_are 0
tap_ok $? "all clients gone: ipc_exporter_debug_events_clients 0 within 3 s"

tap_finish
