#!/bin/bash
# Every parser of outside input under libFuzzer (clang's, with
# AddressSanitizer and UndefinedBehaviorSanitizer), for a bounded time
# each: the web configuration, the policy file, the /debug/events query
# string, the command-line values, and a scrape's Accept and
# Accept-Encoding headers.  TAP, one result per target.
#   FUZZ_SECONDS=N   time per target (default 10; `make fuzz` gives 300)
# Seeds are in tests/fuzz/corpus/TARGET; what the fuzzer finds goes to a
# copy outside the tree, and a crashing input is kept in the build
# directory as tests/fuzz/crash-TARGET-* for the log to name.
set -u
SRC=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${TOP_BUILDDIR:-$SRC}
SECONDS_EACH=${FUZZ_SECONDS:-10}
CLANG=${CLANG:-clang}
out=$BUILD/tests/fuzz
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/ipc_fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

n=0
failed=0
result() { # STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

declare -A sources=(
	[web_config]="src/web/web_config.c src/util/yaml_doc.c"
	[event_query]="src/events/event_filter.c src/kernel/ipc_names.c"
	[flags]="src/web/listen_address.c src/identity/process_labels.c src/util/option_parse.c src/util/log.c"
	[policy]="src/policy/policy.c src/util/yaml_doc.c src/kernel/ipc_names.c"
	[accept]="src/web/negotiate.c src/web/gzip.c src/util/strbuf.c"
)
declare -A libs=([web_config]="$(pkg-config --libs yaml-0.1)" [event_query]="" [flags]=""
	[policy]="$(pkg-config --libs yaml-0.1)" [accept]="$(pkg-config --libs zlib)")

for target in web_config event_query flags policy accept; do
	bin=$out/fuzz_$target
	srcs=()
	for f in ${sources[$target]}; do srcs+=("$SRC/$f"); done
	# shellcheck disable=SC2086
	if ! "$CLANG" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I"$SRC/src" -I"$SRC/bpf" -I"$BUILD" "$SRC/tests/fuzz/fuzz_$target.c" "${srcs[@]}" ${libs[$target]} \
		-o "$bin" 2>"$work/build.log"; then
		result 1 "fuzz_$target builds"
		sed 's/^/#   /' "$work/build.log" | head -20
		continue
	fi
	mkdir -p "$work/corpus_$target"
	cp "$SRC/tests/fuzz/corpus/$target/"* "$work/corpus_$target/" 2>/dev/null
	(cd "$out" && "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$out/crash-$target-" "$work/corpus_$target") >"$work/$target.log" 2>&1
	status=$?
	runs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$work/$target.log")
	result "$status" "fuzz_$target: ${runs:-0} inputs in ${SECONDS_EACH} s, no crash, leak or undefined behaviour"
	[ "$status" -ne 0 ] && grep -E "ERROR|runtime error|SUMMARY|artifact" "$work/$target.log" | head -20 | sed 's/^/#   /'
done
echo "1..$n"
exit $((failed > 0))
