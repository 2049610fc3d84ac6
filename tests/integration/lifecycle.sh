#!/bin/bash
# The daemon's life as an operator's tools see it: several listen addresses
# each serving; sockets passed by systemd (LISTEN_FDS, as a .socket unit
# would); SIGHUP without a web configuration neither kills nor changes it;
# logs in logfmt and JSON with timestamps and levels, and --log.level;
# --version and ipc_exporter_build_info naming the same revision.
. "$(dirname "$0")/lib.sh"
require_root
deadline_in 120

# ---- two addresses, one process
p2=$((20000 + RANDOM % 20000))
exporter_start --own --web.listen-address="[::1]:$p2" --log.format=logfmt || tap_finish
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$EXPORTER_PORT/metrics")" 200 \
	"the first --web.listen-address serves"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "http://[::1]:$p2/metrics")" 200 \
	"the second --web.listen-address serves"
# ---- SIGHUP without --web.config.file
kill -HUP "$EXPORTER_PID"
wait_until 10 grep -q 'msg="no --web.config.file to re-read"' "$TEST_TMP/exporter.log"
tap_ok $? "SIGHUP without a web configuration: said so"
kill -0 "$EXPORTER_PID"
tap_ok $? "SIGHUP: the exporter lives on"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$EXPORTER_PORT/metrics")" 200 "SIGHUP: it still serves"
# ---- logfmt: every line a timestamp, a level, a quoted message
awk '!/^ts=[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z level=(debug|info|warn|error) source=ipc_exporter msg=".*"$/ { bad++ }
     END { exit bad > 0 || NR == 0 }' "$TEST_TMP/exporter.log"
tap_ok $? "--log.format=logfmt: every line is ts=... level=... msg=\"...\" ($(wc -l <"$TEST_TMP/exporter.log") lines)"
exporter_stop

# ---- JSON, and --log.level=error leaves the info lines out
exporter_start --own --log.format=json --log.level=warn --debug.events || tap_finish
"$CURL" -s "http://127.0.0.1:$EXPORTER_PORT/metrics" >"$TEST_TMP/page"
kill -HUP "$EXPORTER_PID"
sleep 1
exporter_stop
python3 - "$TEST_TMP/exporter.log" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
levels = [json.loads(l)["level"] for l in lines]   # every line parses
assert all(l in ("warn", "error") for l in levels), levels
PY
tap_ok $? "--log.format=json --log.level=warn: every line is JSON, none below warn ($(grep -c . "$TEST_TMP/exporter.log") lines)"
exporter_start --own --log.format=json || tap_finish
exporter_stop
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    assert set(e) == {"ts", "level", "source", "msg"}, e
    assert e["ts"].endswith("Z") and "T" in e["ts"], e
print(len(open(sys.argv[1]).readlines()))' "$TEST_TMP/exporter.log" >"$TEST_TMP/n"
tap_ok $? "--log.format=json: each line has ts, level, source and msg ($(cat "$TEST_TMP/n") lines)"

# ---- --version and ipc_exporter_build_info
version=$("$EXPORTER" --version)
tap_ok "$(echo "$version" | grep -q '^ipc_exporter, version [0-9.]* (revision: [^)]*), libbpf v[0-9.]*, libmicrohttpd'; echo $?)" \
	"--version: $version"
revision=$(echo "$version" | sed -n 's/.*(revision: \([^)]*\)).*/\1/p')
grep -q "^ipc_exporter_build_info{version=\"[0-9.]*\",revision=\"$revision\",libbpf_version=\"v[0-9.]*\"} 1$" "$TEST_TMP/page"
tap_ok $? "ipc_exporter_build_info names the same revision ($revision) and libbpf"
grep -q '^process_virtual_memory_max_bytes 1.8446744073709552e+19$' "$TEST_TMP/page" ||
	grep -q '^process_virtual_memory_max_bytes [0-9]' "$TEST_TMP/page"
tap_ok $? "process_virtual_memory_max_bytes beside the other process metrics ($(grep '^process_virtual_memory_max_bytes' "$TEST_TMP/page"))"

# ---- :PORT on a host without IPv6: IPv4 alone (socket(AF_INET6) refused by a preloaded shim)
cat >"$TEST_TMP/noipv6.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);

	if (domain == AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (!real)
		real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	return real(domain, type, protocol);
}
C
port=$((20000 + RANDOM % 20000))
if ${CC:-gcc} -shared -fPIC -o "$TEST_TMP/noipv6.so" "$TEST_TMP/noipv6.c" -ldl; then
	LD_PRELOAD=$TEST_TMP/noipv6.so "$EXPORTER" --web.listen-address=":$port" >"$TEST_TMP/v4.log" 2>&1 &
	v4=$!
	wait_until 60 grep -q "listening on :$port" "$TEST_TMP/v4.log"
	tap_ok $? ":PORT without IPv6: started"
	grep -q "no IPv6 on this host, listening on IPv4 only" "$TEST_TMP/v4.log"
	tap_ok $? ":PORT without IPv6: says it listens on IPv4 only"
	tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" 200 ":PORT without IPv6: serves on IPv4"
	kill -TERM "$v4"
	wait "$v4"
else
	tap_ok 1 "the no-IPv6 shim builds"
fi

# ---- systemd socket activation: the socket made by the caller, passed as descriptor 3
port=$((20000 + RANDOM % 20000))
python3 - "$EXPORTER" "$port" >"$TEST_TMP/systemd.log" 2>&1 <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[2])))
s.listen(16)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_PID"] = str(os.getpid())    # exec keeps the pid
os.environ["LISTEN_FDS"] = "1"
os.execv(sys.argv[1], [sys.argv[1], "--web.systemd-socket"])
PY
activated=$!
wait_until 60 grep -q "listening on 127.0.0.1:$port" "$TEST_TMP/systemd.log"
tap_ok $? "--web.systemd-socket: serves on the socket it was given (127.0.0.1:$port)"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" 200 "--web.systemd-socket: a scrape on it"
kill -TERM "$activated"
wait "$activated"
tap_eq $? 0 "--web.systemd-socket: clean exit"
timeout 20 "$EXPORTER" --web.systemd-socket >"$TEST_TMP/out" 2>&1
tap_eq $? 1 "--web.systemd-socket without sockets: refused"
grep -q "no sockets passed" "$TEST_TMP/out"
tap_ok $? "--web.systemd-socket without sockets: says so"

# ---- the man page names every flag --help names
missing=
for flag in $("$EXPORTER" --help | grep -o -- '--[a-z][a-z.-]*' | sort -u); do
	grep -q -- "$(echo "$flag" | sed 's/-/\\\\-/g')" "$TOP_SRCDIR/docs/ipc_exporter.8" || missing="$missing $flag"
done
tap_eq "${missing:-none}" none "docs/ipc_exporter.8 documents every flag of --help"
# ... and every family the exporter serves (with --debug.events, as this page was taken)
missing=
for family in $(sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$TEST_TMP/page" | sort -u); do
	grep -q -- "$(echo "$family" | sed 's/_/\\_/g; s/\\//g')" "$TOP_SRCDIR/docs/ipc_exporter.8" || missing="$missing $family"
done
tap_eq "${missing:-none}" none "docs/ipc_exporter.8 documents every metric family ($(grep -c '^# TYPE ' "$TEST_TMP/page") on the page)"
tap_finish
