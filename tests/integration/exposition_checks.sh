#!/bin/bash
# The /metrics page as clients see it: promtool's linter, hostile process
# names, HTTP status codes, content type, gzip.
. "$(dirname "$0")/lib.sh"
require_root
exporter_start || tap_finish
base="http://127.0.0.1:$EXPORTER_PORT"

# A process named with a quote, a backslash and a newline, and one that is
# not valid UTF-8, write to a pipe that another reads.
prefix=$(unique_prefix x)
python3 "$TOP_SRCDIR/tests/integration/hostile_names.py" "$prefix"
scrape "$TEST_TMP/page"
tap_ok $? "scrape succeeded"
grep -F 'src_comm="q\"b\\c\nd",dst_comm="'"$prefix"'-rd"} 10' "$TEST_TMP/page" >/dev/null
tap_ok $? 'quote, backslash and newline escaped in a label value'
grep -F 'src_comm="bad'$'\xef\xbf\xbd\xef\xbf\xbd''",dst_comm="'"$prefix"'-rd"} 5' "$TEST_TMP/page" >/dev/null
tap_ok $? 'invalid UTF-8 replaced by U+FFFD'

if [ -x "${PROMTOOL:-}" ] || PROMTOOL=$(command -v promtool); then
	out=$("$PROMTOOL" check metrics <"$TEST_TMP/page" 2>&1)
	tap_eq "$out" "" "promtool check metrics reports nothing"
else
	tap_ok 1 "promtool check metrics (promtool not installed)"
fi

dups=$(grep -v '^#' "$TEST_TMP/page" | awk '{ print $1 }' | sort | uniq -d | head -5)
tap_eq "$dups" "" "no series appears twice"

families=$(grep -c '^# TYPE ' "$TEST_TMP/page")
helps=$(grep -c '^# HELP ' "$TEST_TMP/page")
tap_eq "$helps" "$families" "every family has # HELP and # TYPE ($families)"

ctype=$("$CURL" -s -o /dev/null -w '%{content_type}' "$base/metrics")
tap_eq "$ctype" "text/plain; version=0.0.4; charset=utf-8" "Content-Type of the text format 0.0.4"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "$base/nope")" 404 "unknown path: 404"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' -X POST -d x "$base/metrics")" 405 "POST: 405"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' -X DELETE "$base/metrics")" 405 "DELETE: 405"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' -I "$base/metrics")" 200 "HEAD: 200"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "$base/metrics?x=%zz&&=")" 200 "odd query string ignored: 200"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "$base/")" 200 "landing page: 200"
encoding=$("$CURL" -s -o "$TEST_TMP/gz" -D - -H 'Accept-Encoding: gzip' "$base/metrics" | tr -d '\r' |
	awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
tap_eq "$encoding" gzip "gzip when the client accepts it"
gunzip -c "$TEST_TMP/gz" | grep -q '^# TYPE ipc_messages_total counter'
tap_ok $? "the gzip body is the metrics page"

# Garbage on the socket must not hurt the daemon.
printf 'GARBAGE\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$EXPORTER_PORT; cat >&3; cat <&3" >/dev/null 2>&1
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n' |
	timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$EXPORTER_PORT; cat >&3; cat <&3" >/dev/null 2>&1
head -c 100000 /dev/zero | tr '\0' 'A' | sed 's/^/GET \//' |
	timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$EXPORTER_PORT; cat >&3; cat <&3" >/dev/null 2>&1
kill -0 "$EXPORTER_PID"
tap_ok $? "daemon alive after malformed requests"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "$base/metrics")" 200 "and still serving"
tap_finish
