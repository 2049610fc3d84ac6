#!/bin/bash
# Inside the guest (bench/run-bench-guest.sh): bench/run-bench.sh --guest,
# its report on the console as TAP comments ("# report: ...").
out=$TMPDIR/bench-guest.md
IPC_BUILDDIR=$TOP_BUILDDIR bash "$TOP_SRCDIR/bench/run-bench.sh" --guest --rounds "$(cat "$TOP_BUILDDIR/bench/guest-rounds" 2>/dev/null || echo 5)" \
	--output "$out" >/dev/null 2>"$TMPDIR/bench-guest.err"
status=$?
sed 's/^/# report: /' "$out" 2>/dev/null
echo "1..1"
if [ $status -eq 0 ]; then echo "ok 1 - run-bench.sh --guest"; else
	echo "not ok 1 - run-bench.sh --guest (status $status)"
	sed 's/^/#   /' "$TMPDIR/bench-guest.err" | tail -20
fi
