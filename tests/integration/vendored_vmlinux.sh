#!/bin/bash
# The fallback build path: an exporter whose kernel programs were compiled
# against the vendored x86-64 vmlinux.h (used when the build host has no
# BTF) loads on the running kernel, CO-RE relocated, and counts exactly.
. "$(dirname "$0")/lib.sh"
require_root
EXPORTER=$TOP_BUILDDIR/tests/vendored/ipc_exporter_vendored
exporter_start || tap_finish
tap_ok 0 "the vendored-header build loads and attaches"

prefix=$(unique_prefix v)
scrape "$TEST_TMP/before"
"$WORKLOAD" pipe "$prefix" 1 1 100 100 >"$TEST_TMP/truth"
tap_ok $? "workload ran"
scrape "$TEST_TMP/after"
check_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth"
tap_finish
