#!/bin/bash
# The /metrics page in OpenMetrics 1.0, as Prometheus asks for it, read by
# a strict parser (python3-prometheus-client's, which raises on any
# violation of the format): a workload's exact counts read back through it,
# plain and gzipped; the text format still for everyone else, clean for
# promtool; concurrent scrapes of both formats each get their own.
. "$(dirname "$0")/lib.sh"
require_root
# Debian's python3, where python3-prometheus-client is (not a python3 of pyenv's)
PY=/usr/bin/python3
"$PY" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null ||
	{ tap_ok 1 "python3-prometheus-client is installed (contrib/install-deps.sh --tests)"; tap_finish; }
exporter_start || tap_finish
base="http://127.0.0.1:$EXPORTER_PORT/metrics"
# what Prometheus 2.42 and later send
OM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
OM_TYPE='application/openmetrics-text; version=1.0.0; charset=utf-8'
TEXT_TYPE='text/plain; version=0.0.4; charset=utf-8'

# fetch FILE ACCEPT [gzip]: the body as sent (gzip left packed) in FILE,
# "CONTENT_TYPE|CONTENT_ENCODING" on stdout
fetch() {
	local headers=(-H "Accept: $2")
	[ "${3:-}" = gzip ] && headers+=(-H 'Accept-Encoding: gzip')
	"$CURL" -sf "${headers[@]}" -o "$1" -D "$1.headers" "$base" || return 1
	tr -d '\r' <"$1.headers" | awk -F': ' '
		tolower($1) == "content-type" { t = $2 } tolower($1) == "content-encoding" { e = $2 }
		END { print t "|" e }'
}

# The strict parser over an OpenMetrics page: "name{labels} value" per
# sample, labels in the page's order, as check_truth reads them; a
# violation fails it.
om_samples() { # PAGE OUT
	"$PY" - "$1" >"$2" 2>"$2.err" <<'EOF2'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
def q(v): return v.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')
text = open(sys.argv[1], encoding='utf-8').read()
for family in text_string_to_metric_families(text):
    for s in family.samples:
        labels = ','.join(f'{k}="{q(v)}"' for k, v in s.labels.items())
        value = int(s.value) if float(s.value).is_integer() else s.value
        print(f'{s.name}{{{labels}}} {value}' if labels else f'{s.name} {value}')
EOF2
}

prefix=$(unique_prefix om)
ctype=$(fetch "$TEST_TMP/before.om" "$OM_ACCEPT")
tap_eq "$ctype" "$OM_TYPE|" "Prometheus's Accept gets OpenMetrics 1.0.0"
om_samples "$TEST_TMP/before.om" "$TEST_TMP/before"
tap_ok $? "the strict OpenMetrics parser reads the page"
tap_diag <"$TEST_TMP/before.err"
ctype=$(fetch "$TEST_TMP/before.txt" "text/plain;version=0.0.4")
tap_eq "$ctype" "$TEXT_TYPE|" "text/plain gets the text format 0.0.4"

# The workload: pipes, signals, and names the parser must read back as
# they are (a quote, a backslash, a newline; bytes that are not UTF-8).
{
	"$WORKLOAD" pipe "$prefix" 2 1 250 80 &&
		"$WORKLOAD" signal "$prefix" 10 7
} >"$TEST_TMP/truth"
tap_ok $? "workload ran"
"$PY" "$TOP_SRCDIR/tests/integration/hostile_names.py" "$prefix"
printf 'flow pipe q\\"b\\\\c\\nd %s-rd 1 10\nflow pipe bad\xef\xbf\xbd\xef\xbf\xbd %s-rd 1 5\n' \
	"$prefix" "$prefix" >>"$TEST_TMP/truth"
while IFS= read -r line; do echo "#   $line"; done <"$TEST_TMP/truth"

ctype=$(fetch "$TEST_TMP/after.om.gz" "$OM_ACCEPT" gzip)
tap_eq "$ctype" "$OM_TYPE|gzip" "OpenMetrics gzipped when the client accepts it"
gunzip -c "$TEST_TMP/after.om.gz" >"$TEST_TMP/after.om"
tap_ok $? "the gzip body unpacks"
om_samples "$TEST_TMP/after.om" "$TEST_TMP/after"
tap_ok $? "the strict OpenMetrics parser reads the gzipped page"
tap_diag <"$TEST_TMP/after.err"
echo "# the workload's counts through the OpenMetrics parser (before plain, after gzipped):"
check_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth"

ctype=$(fetch "$TEST_TMP/after.txt.gz" "text/plain;version=0.0.4" gzip)
tap_eq "$ctype" "$TEXT_TYPE|gzip" "the text format gzipped when the client accepts it"
gunzip -c "$TEST_TMP/after.txt.gz" >"$TEST_TMP/after.txt"
echo "# the same counts in the text format (gzipped):"
check_truth "$TEST_TMP/before.txt" "$TEST_TMP/after.txt" "$TEST_TMP/truth"

# The page's shape.
tap_eq "$(tail -n 1 "$TEST_TMP/after.om")" "# EOF" "OpenMetrics: # EOF is the last line"
tap_eq "$(grep -c '^# EOF$' "$TEST_TMP/after.om")" 1 "OpenMetrics: one # EOF"
tap_eq "$(grep -c '^# EOF' "$TEST_TMP/after.txt")" 0 "text format: no # EOF"
tap_eq "$(grep '^# TYPE ' "$TEST_TMP/after.om" | awk '$4 == "counter" && $3 ~ /_total$/' | head -3)" "" \
	"OpenMetrics: no counter family named with _total"
bad=$(grep '^# TYPE ' "$TEST_TMP/after.om" | awk '$4 == "counter" { print $3 }' | while read -r family; do
	grep -v '^#' "$TEST_TMP/after.om" | grep "^$family[{ ]" | head -1
done)
tap_eq "$bad" "" "OpenMetrics: every counter's samples end in _total"
tap_eq "$(grep '^# HELP ' "$TEST_TMP/after.om" | grep -E '(^|[^\\])"' | head -3)" "" \
	"OpenMetrics: double quotes in HELP escaped"
text_families=$(awk '$1 == "#" && $2 == "TYPE" { n = $3; if ($4 == "counter") sub(/_total$/, "", n); print n " " $4 }' \
	"$TEST_TMP/after.txt" | sort)
om_families=$(awk '$1 == "#" && $2 == "TYPE" { print $3 " " $4 }' "$TEST_TMP/after.om" | sort)
tap_eq "$om_families" "$text_families" "the same $(echo "$om_families" | wc -l) families in both formats"
tap_eq "$(echo "$om_families" | awk '{ print $1 }' | uniq -d)" "" "OpenMetrics: no family twice"

if [ -x "${PROMTOOL:-}" ] || PROMTOOL=$(command -v promtool); then
	out=$("$PROMTOOL" check metrics <"$TEST_TMP/after.txt" 2>&1)
	tap_eq "$out" "" "promtool check metrics reports nothing on the text format"
else
	tap_ok 1 "promtool check metrics (promtool not installed)"
fi

# Negotiation as the exporter does it (the cases are in the unit test).
tap_eq "$(fetch "$TEST_TMP/x" '')" "$TEXT_TYPE|" "no Accept: the text format"
tap_eq "$(fetch "$TEST_TMP/x" 'application/openmetrics-text')" "$OM_TYPE|" "unversioned OpenMetrics: OpenMetrics"
tap_eq "$(fetch "$TEST_TMP/x" 'application/openmetrics-text;q=0')" "$TEXT_TYPE|" "OpenMetrics at q=0: the text format"
tap_eq "$(fetch "$TEST_TMP/x" 'text/plain;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4')" "$TEXT_TYPE|" \
	"text/plain at the higher q: the text format"

# Scrapes of both formats at once: each gets a whole page of its own format
# (a scrape shares only a page of its format, never one of the other).
# 16 clients, 25 scrapes each, alternating formats; each answer is checked
# as it comes: content type, and the family and ending of its format.
shared() { awk '$1 == "ipc_exporter_http_scrapes_shared_total" { print $2 }' "$1"; }
scrape "$TEST_TMP/first"
read -r total wrong failed < <("$PY" - "$EXPORTER_PORT" "$OM_ACCEPT" <<'EOF2'
import sys, threading, urllib.request
port, om_accept = sys.argv[1], sys.argv[2]
want = {
    'om': ('application/openmetrics-text; version=1.0.0; charset=utf-8', '# TYPE ipc_messages counter\n', True),
    'text': ('text/plain; version=0.0.4; charset=utf-8', '# TYPE ipc_messages_total counter\n', False),
}
counts = {'total': 0, 'wrong': 0, 'failed': 0}
lock = threading.Lock()
def client(n):
    for i in range(25):
        kind = 'om' if (n + i) % 2 else 'text'
        req = urllib.request.Request(f'http://127.0.0.1:{port}/metrics',
                                     headers={'Accept': om_accept if kind == 'om' else '*/*'})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                ctype, body = r.headers.get('Content-Type'), r.read().decode('utf-8')
        except Exception:
            with lock: counts['failed'] += 1
            continue
        t, family, eof = want[kind]
        ok = ctype == t and family in body and body.endswith('\n# EOF\n') == eof and body.count('# EOF') == eof
        with lock:
            counts['total'] += 1
            counts['wrong'] += not ok
threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(counts['total'], counts['wrong'], counts['failed'])
EOF2
)
scrape "$TEST_TMP/last"
tap_eq "$total/$failed" "400/0" "16 clients scraping both formats at once: 400 answers"
tap_eq "$wrong" 0 "each a whole page of the format it asked for"
echo "# scrapes answered with another's page: $(($(shared "$TEST_TMP/last") - $(shared "$TEST_TMP/first"))) of them"
tap_finish
