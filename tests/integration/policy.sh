#!/bin/bash
# --policy.file: a bad file refused at start with its line and column;
# exact unexpected counts for ground-truth workloads in which some flows are
# allowed and some are not (pipes and signals, globs, signal names and
# globs); nothing unexpected for what is allowed; reloads by SIGHUP and by
# POST /-/reload (good and bad files, the lifecycle flag), and GET /policy.
. "$(dirname "$0")/lib.sh"
require_root
deadline_in 120
url() { echo "http://127.0.0.1:$EXPORTER_PORT$1"; }
value() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }

# ---- a bad file: refused before anything loads
printf 'allow:\n  - mechanism: pipe\n    src: {comm: a}\n    dst: {commm: b}\n' >"$TEST_TMP/bad.yml"
timeout 20 "$EXPORTER" --web.listen-address=127.0.0.1:$((20000 + RANDOM % 20000)) \
	--policy.file="$TEST_TMP/bad.yml" >"$TEST_TMP/out" 2>&1
tap_eq $? 1 "a bad policy: refused at start"
grep -q "bad.yml:4:11: dst: unknown key \"commm\"" "$TEST_TMP/out"
tap_ok $? "a bad policy: the error says where (4:11) and what"
tap_diag <"$TEST_TMP/out"

p=$(unique_prefix y)
cat >"$TEST_TMP/policy.yml" <<EOF2
# the writers may feed the readers; nothing else of this run is expected
allow:
  - mechanism: pipe
    src: {comm: "$p-w*"}
    dst: {comm: "$p-r?"}
  - signal: [SIGUSR2, "SIGCHLD"]
  - mechanism: pipe                      # the signal workload's receiver reports to its parent
    src: {comm: "$p-recv*"}
    dst: {comm: "$p-parent*"}
EOF2
exporter_start --own --policy.file="$TEST_TMP/policy.yml" --web.enable-lifecycle || tap_finish
scrape "$TEST_TMP/before"
tap_eq "$(value "$TEST_TMP/before" ipc_exporter_policy_rules)" 3 "ipc_exporter_policy_rules 3"
tap_eq "$(value "$TEST_TMP/before" ipc_exporter_policy_last_reload_successful)" 1 "the policy took"
"$WORKLOAD" pipe "$p" 1 1 120 50 >"$TEST_TMP/truth"
tap_ok $? "pipe workload ran"
"$WORKLOAD" signal "$p" 10 7 >>"$TEST_TMP/truth"
tap_ok $? "signal workload ran"
scrape "$TEST_TMP/after"
tap_diag <"$TEST_TMP/truth"
# what the truth says is unexpected: the reader's results to the controller, and SIGUSR1
read -r _ _ _ _ rm rb < <(grep "^flow pipe $p-r0 $p-ctl0 " "$TEST_TMP/truth")
sel="mechanism=\"pipe\",src_comm=\"$p-r0\",dst_comm=\"$p-ctl0\""
tap_eq "$(value "$TEST_TMP/after" "ipc_unexpected_messages_total{$sel}")" "$rm" "unexpected: the results pipe's messages ($rm)"
tap_eq "$(value "$TEST_TMP/after" "ipc_unexpected_bytes_total{$sel}")" "$rb" "unexpected: the results pipe's bytes ($rb)"
sel="signal=\"SIGUSR1\",src_comm=\"$p-send0\",dst_comm=\"$p-recv0\""
tap_eq "$(value "$TEST_TMP/after" "ipc_unexpected_signals_total{$sel}")" 7 "unexpected: 7 SIGUSR1 (SIGUSR2 and SIGCHLD are allowed)"
sel="mechanism=\"signal\",src_comm=\"$p-send0\",dst_comm=\"$p-recv0\""
tap_eq "$(value "$TEST_TMP/after" "ipc_unexpected_messages_total{$sel}")" 7 "unexpected messages of the signal pair: the 7 SIGUSR1 alone"
got=$(grep "^ipc_unexpected_[a-z_]*{.*$p-" "$TEST_TMP/after" | grep -v "$p-ctl0\|SIGUSR1\|mechanism=\"signal\"")
tap_eq "$got" "" "nothing allowed is counted as unexpected (writers to readers, SIGUSR2, SIGCHLD)"
tap_eq "$(grep "^ipc_bytes_total{mechanism=\"pipe\",src_comm=\"$p-w0\"" "$TEST_TMP/after" | awk '{ print $2 }')" 6000 \
	"the usual families are unchanged (w0 -> r0: 6000 bytes)"

# ---- every unexpected family the alert rules and dashboard use is on the page
used=$(cat "$TOP_SRCDIR/contrib/prometheus/ipc_exporter_alerts.yml" "$TOP_SRCDIR/dashboards/ipc_exporter.json" |
	grep -oE '\bipc_unexpected_[a-z_]+\b *[{([]' | grep -oE '^[a-z_]+' | sort -u)
missing=
for m in $used; do grep -q "^# TYPE $m counter" "$TEST_TMP/after" || missing="$missing $m"; done
tap_eq "${missing:-none}" none "the unexpected families the rules use are exported ($(echo $used | wc -w) names)"

# ---- GET /policy shows the file in force
"$CURL" -s "$(url /policy)" >"$TEST_TMP/shown"
cmp -s "$TEST_TMP/shown" "$TEST_TMP/policy.yml"
tap_ok $? "GET /policy: the policy in force, as written"

# ---- reload by SIGHUP: the results pipe allowed from now on
cat >>"$TEST_TMP/policy.yml" <<EOF2
  - mechanism: pipe
    dst: {comm: "$p-ctl*"}
EOF2
kill -HUP "$EXPORTER_PID"
wait_until 10 grep -q "policy.yml reloaded (4 rules)" "$TEST_TMP/exporter.log"
tap_ok $? "SIGHUP: the policy is re-read (4 rules)"
scrape "$TEST_TMP/before"
"$WORKLOAD" pipe "$p" 1 1 120 50 >"$TEST_TMP/truth2"
scrape "$TEST_TMP/after"
sel="mechanism=\"pipe\",src_comm=\"$p-r0\",dst_comm=\"$p-ctl0\""
tap_eq "$(value "$TEST_TMP/after" "ipc_unexpected_messages_total{$sel}")" "$rm" \
	"after the reload the results pipe counts as expected: its unexpected total stays $rm"

# ---- POST /-/reload: a bad file is refused and the policy in force stays; a good one takes
printf 'allow:\n  - mechanism: pipes\n' >"$TEST_TMP/policy.yml"
tap_eq "$("$CURL" -s -o "$TEST_TMP/reply" -w '%{http_code}' -X POST "$(url /-/reload)")" 500 "POST /-/reload of a bad file: 500"
grep -q "policy.yml:2:16: mechanism: \"pipes\" is not one of" "$TEST_TMP/reply"
tap_ok $? "POST /-/reload of a bad file: the answer says where and what"
scrape "$TEST_TMP/page"
tap_eq "$(value "$TEST_TMP/page" ipc_exporter_policy_last_reload_successful)" 0 "ipc_exporter_policy_last_reload_successful 0"
tap_eq "$(value "$TEST_TMP/page" ipc_exporter_policy_rules)" 4 "the policy in force stays (4 rules)"
printf 'allow: []\n' >"$TEST_TMP/policy.yml"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' -X POST "$(url /-/reload)")" 200 "POST /-/reload of a good file: 200"
scrape "$TEST_TMP/page"
tap_eq "$(value "$TEST_TMP/page" ipc_exporter_policy_rules)" 0 "the new policy is in force (0 rules)"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "$(url /-/reload)")" 405 "GET /-/reload: 405"
exporter_stop

# ---- exe without the exe label: the exporter notes what its policy needs, adds no series
x=$(unique_prefix x)
cat >"$TEST_TMP/exe.yml" <<EOF2
allow:
  - mechanism: pipe
    src: {exe: "*/ipc_workload"}
EOF2
exporter_start --own --policy.file="$TEST_TMP/exe.yml" || tap_finish
"$WORKLOAD" pipe "$x" 1 1 30 20 >/dev/null && "$WORKLOAD" signal "$x" 10 2 >/dev/null
scrape "$TEST_TMP/page"
tap_eq "$(grep -c "^ipc_unexpected_[a-z_]*{mechanism=\"pipe\".*$x-" "$TEST_TMP/page")" 0 \
	"an exe rule without --process-labels=exe: the workload's pipes are expected"
grep -q "^ipc_unexpected_signals_total{signal=\"SIGUSR1\",src_comm=\"$x-send0\"" "$TEST_TMP/page"
tap_ok $? "... and its signals, which no rule allows, are unexpected"
tap_eq "$(grep -c 'src_exe=\|dst_exe=' "$TEST_TMP/page")" 0 "... and no series gained an exe label"
exporter_stop

# ---- the events of unexpected flows: /debug/events?unexpected=1 and ipcdump --policy
e=$(unique_prefix e)
cat >"$TEST_TMP/events.yml" <<EOF2
allow:
  - mechanism: pipe
    src: {comm: "$e-w*"}
  - mechanism: pipe
    src: {comm: "$e-recv*"}
  - signal: [SIGUSR2, SIGCHLD]
EOF2
exporter_start --own --policy.file="$TEST_TMP/events.yml" --debug.events || tap_finish
"$CURL" -sN "$(url "/debug/events?unexpected=1&comm=$e-r0&comm=$e-send0&format=json")" >"$TEST_TMP/stream" &
streamer=$!
wait_until 10 sh -c "'$CURL' -s '$(url /metrics)' | grep -q '^ipc_exporter_debug_events_clients 1'"
"$WORKLOAD" pipe "$e" 1 1 40 10 >/dev/null && "$WORKLOAD" signal "$e" 10 5 >/dev/null
sleep 1
kill "$streamer"
wait "$streamer" 2>/dev/null
python3 - "$TEST_TMP/stream" "$e" >"$TEST_TMP/kinds" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1]):
    if line.strip():
        ev = json.loads(line)
        if "mechanism" in ev:
            seen.add((ev["mechanism"], ev["src"]["comm"], ev["dst"]["comm"], ev.get("signal", "")))
for s in sorted(seen):
    print(*s)
PY
tap_eq "$(cat "$TEST_TMP/kinds" | tr '\n' ';')" "pipe $e-r0 $e-ctl0 ;signal $e-send0 $e-recv0 SIGUSR1;" \
	"/debug/events?unexpected=1: only the unexpected flows' events (the results pipe, SIGUSR1)"
tap_diag <"$TEST_TMP/stream" | head -8
exporter_stop
"$TOP_BUILDDIR/src/ipcdump" --policy="$TEST_TMP/events.yml" -P "$e-send0" -f json -c 5 >"$TEST_TMP/dump" 2>"$TEST_TMP/dump.err" &
dumper=$!
wait_until 60 sh -c "grep -q . '$TEST_TMP/dump.err' || [ -s '$TEST_TMP/dump' ] || ! kill -0 $dumper 2>/dev/null"
sleep 2
"$WORKLOAD" signal "$e" 10 5 >/dev/null
wait_until 30 gone "$dumper"
tap_eq "$(python3 -c '
import json, sys
print(sorted({(e["mechanism"], e.get("signal", "")) for e in map(json.loads, filter(str.strip, open(sys.argv[1])))}))' "$TEST_TMP/dump")" \
	"[('signal', 'SIGUSR1')]" "ipcdump --policy: only the unexpected SIGUSR1 events ($(grep -c . "$TEST_TMP/dump") lines)"
tap_diag <"$TEST_TMP/dump.err" | grep -v hook | head -5

# ---- learning: the observed policy, loaded back, makes every flow of the same workloads expected
exporter_start --own || tap_finish
q=$(unique_prefix l)
"$WORKLOAD" pipe "$q" 2 1 50 40 >"$TEST_TMP/learn" && "$WORKLOAD" signal "$q" 10 3 >>"$TEST_TMP/learn"
tap_ok $? "learning: workloads ran"
"$CURL" -s -o "$TEST_TMP/observed.yml" -w '%{http_code}' "$(url /policy/observed)" >"$TEST_TMP/code"
tap_eq "$(cat "$TEST_TMP/code")" 200 "GET /policy/observed: 200"
grep -q "^  - mechanism: pipe    # 50 messages, 2000 bytes$" "$TEST_TMP/observed.yml"
tap_ok $? "the observed policy carries each flow's counts in a comment"
grep -A2 "signal: SIGCHLD" "$TEST_TMP/observed.yml" | grep -q 'src: {comm: "\\\\\[kernel\\\\\]"}'
tap_ok $? "a name with glob characters is written as a literal glob ([kernel])"
exporter_stop
exporter_start --own --policy.file="$TEST_TMP/observed.yml" || tap_finish
scrape "$TEST_TMP/page"
tap_ok "$([ "$(value "$TEST_TMP/page" ipc_exporter_policy_rules)" -ge 5 ]; echo $?)" \
	"the observed policy loads as it is ($(value "$TEST_TMP/page" ipc_exporter_policy_rules) rules)"
"$WORKLOAD" pipe "$q" 2 1 50 40 >/dev/null && "$WORKLOAD" signal "$q" 10 3 >/dev/null
scrape "$TEST_TMP/page"
tap_eq "$(grep "^ipc_unexpected_[a-z_]*{.*\"$q-" "$TEST_TMP/page")" "" \
	"the same workloads again: none of their flows is unexpected"
"$WORKLOAD" pipe "$q" 1 1 5 10 --rename-after 1 >/dev/null
scrape "$TEST_TMP/page"
grep -q "^ipc_unexpected_messages_total{mechanism=\"pipe\",src_comm=\"$q-v0\",dst_comm=\"$q-r0\"} " "$TEST_TMP/page"
tap_ok $? "a flow never seen before is unexpected under it ($q-v0 -> $q-r0)"
exporter_stop

# ---- without --web.enable-lifecycle the endpoint is refused
exporter_start --own --policy.file="$TEST_TMP/policy.yml" || tap_finish
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' -X POST "$(url /-/reload)")" 403 "POST /-/reload without --web.enable-lifecycle: 403"
exporter_stop
exporter_start --own || tap_finish
scrape "$TEST_TMP/page"
tap_eq "$(grep -c '^ipc_unexpected_\|^ipc_exporter_policy_' "$TEST_TMP/page")" 0 "without a policy: no unexpected or policy families"
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "$(url /policy)")" 404 "without a policy: GET /policy 404"
exporter_stop
exporter_start --own --debug.events || tap_finish
tap_eq "$("$CURL" -s -o /dev/null -w '%{http_code}' "$(url "/debug/events?unexpected=1")")" 400 \
	"without a policy: /debug/events?unexpected=1 is refused (400)"
exporter_stop
tap_finish
