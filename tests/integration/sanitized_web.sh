#!/bin/bash
# The HTTP tests again, against the exporter built with AddressSanitizer
# and UndefinedBehaviorSanitizer (tests/sanitized/ipc_exporter_sanitized):
# the web configuration, TLS and authentication, slowloris and parallel
# scrapers, the event stream's query strings and clients, the policy file
# and its reloads, the Accept header's negotiation and OpenMetrics.  Their
# results are reported here, each prefixed [asan]; then one more: the sanitizers
# reported nothing (a report goes to a file per process, which must not
# exist), leaks at exit included.
. "$(dirname "$0")/lib.sh"
require_root
SANITIZED=$TOP_BUILDDIR/tests/sanitized/ipc_exporter_sanitized
[ -x "$SANITIZED" ] || { tap_ok 1 "the sanitized exporter is built (make check builds it)"; tap_finish; }
reports=$TEST_TMP/reports
mkdir -p "$reports"
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=0:handle_abort=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="log_path=$reports/lsan"
export IPC_EXPORTER=$SANITIZED
dir=$(dirname "$0")
for test in web_config web_limits events_stream policy openmetrics; do
	bash "$dir/$test.sh" >"$TEST_TMP/$test.tap" 2>"$TEST_TMP/$test.err"
	while IFS= read -r line; do
		case $line in
		"ok "*) tap_ok 0 "[asan] $test: ${line#ok * - }" ;;
		"not ok "*) tap_ok 1 "[asan] $test: ${line#not ok * - }" ;;
		esac
	done <"$TEST_TMP/$test.tap"
	grep -c '^ok \|^not ok ' "$TEST_TMP/$test.tap" | grep -qv '^0$'
	tap_ok $? "[asan] $test ran"
done
found=$(ls "$reports")
tap_ok "$([ -z "$found" ]; echo $?)" "AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer reported nothing"
for f in $found; do head -30 "$reports/$f" | tap_diag; done
tap_finish
