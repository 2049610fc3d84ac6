#!/bin/bash
# The benchmark inside a qemu guest of the kernel matrix, where the exporter
# takes the mechanism hooks (fentry/fexit), as root:
#   bench/run-bench-guest.sh [--kernel 6.12] [--rounds N] [--output FILE]
# Boots the kernel (tests/kernels: Debian's image, cached) with this build,
# runs bench/run-bench.sh --guest there and writes its report to FILE
# (default bench-results-guest.md).  Under TCG every workload is some ten
# to fifty times slower than natively: only ratios measured within the one
# guest mean anything.  About 25 minutes with 5 rounds on 2 vCPUs.
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${IPC_BUILDDIR:-$top_srcdir}
kernel=6.12
rounds=5
output=bench-results-guest.md
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--output) output=$2; shift ;;
	-h|--help) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run-bench-guest: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $rounds in ''|*[!0-9]*|0) echo "run-bench-guest: --rounds wants a positive number" >&2; exit 2 ;; esac
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# run-matrix.sh runs "tests" in the guest: this one is bench/guest-bench.sh,
# given an hour; the report comes back on the console.  The guest sees the
# build tree (read-only): the rounds go there.
echo "$rounds" >"$builddir/bench/guest-rounds" || exit 1
IPC_GUEST_TIMEOUT=4000 TOP_SRCDIR=$top_srcdir TOP_BUILDDIR=$builddir \
	"$top_srcdir/tests/kernels/run-matrix.sh" --kernels "$kernel" "timeout=3600:bench/guest-bench.sh" >"$log" 2>&1
sed -n 's/^# report: \{0,1\}//p' "$log" >"$output"
if ! grep -q '^ok ' "$log" || ! [ -s "$output" ]; then
	echo "run-bench-guest: the guest run failed:" >&2
	tail -30 "$log" >&2
	exit 1
fi
cat "$output"
