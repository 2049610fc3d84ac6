#!/bin/bash
# Runs inside the test guest (tests/kernels/guest-init): the integration
# tests named in PLAN, each framed by markers that run-matrix.sh reads.
# PLAN: line 1 the source dir, line 2 the build dir, then one test per line.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/run/tmp LANG=C.UTF-8
export TMPDIR=/run/tmp	# the rest of the host's tree is read-only here
export IPC_TEST_GUEST=1	# heavy tests run a lighter round under TCG
# Debian's kernels attach fentry (CONFIG_FUNCTION_TRACER, unlike the CI
# host): tests check that the exporter takes its fentry hooks here.
# But arm64 6.1: BPF trampolines came to arm64 later (attaching gives
# -524, ENOTSUPP), so the sys_exit path it is there.
case "$(uname -m) $(uname -r)" in
"aarch64 6.1."*) ;;
*) export IPC_EXPECT_FENTRY=1 ;;
esac
# ... and where tracing programs may take spin locks (6.1+, not 5.10) the
# mechanism hooks load, by default.
case $(uname -r) in 5.*) ;; *) [ -n "${IPC_EXPECT_FENTRY:-}" ] && export IPC_EXPECT_MECHANISMS=1 ;; esac
plan=$1
{ read -r TOP_SRCDIR; read -r TOP_BUILDDIR; mapfile -t tests; } <"$plan"
export TOP_SRCDIR TOP_BUILDDIR
ip link set lo up
echo "=== guest kernel $(uname -r)"
# Attaching the first probes to a tracepoint patches kernel text (jump
# labels, static calls), and QEMU's multi-threaded TCG has been seen to
# oops on that (int3 in syscall exit, 6.12).  Exporters that stay attached
# for the whole run keep most attaches and detaches away from those code
# patches: one on the default hooks and, where those are the mechanism
# hooks, one on the sys_exit path.  They are also the exporters of the
# tests that ask for nothing special (IPC_SHARED_EXPORTERS, read by
# tests/integration/lib.sh): under TCG a start takes 20 s on the sys_exit
# path and about a minute on the mechanism hooks.  The test that runs last
# (run-matrix.sh --last: startup_errors.sh) takes the default one over and
# stops it.
# Two empty programs on each syscall tracepoint for the whole run, so that
# the tracepoints are called through their iterator however many programs
# tests attach and detach (bench/hook_floor.bpf.c, keeper).
# Neither these nor the keepers below in a guest that runs the bench: it
# times programs attached alone.
case " ${tests[*]} " in *bench/*) keep=0 ;; *) keep=1 ;; esac
[ "$keep" = 1 ] && "$TOP_BUILDDIR/bench/hook_floor" keeper >"$TMPDIR/hook_floor.out" 2>&1 &
for _ in $(seq 1 300); do
	[ "$keep" = 1 ] || break
	grep -q ready "$TMPDIR/hook_floor.out" && break
	sleep 0.2
done
IPC_SHARED_EXPORTERS=
port=19100
for hooks in auto sys-exit; do	# loading side by side: TCG has two CPUs
	[ "$keep" = 1 ] || break
	port=$((port + 1))
	case $hooks in sys-exit) [ -n "${IPC_EXPECT_MECHANISMS:-}" ] || continue ;; esac
	"$TOP_BUILDDIR/src/ipc_exporter" --web.listen-address="127.0.0.1:$port" --hooks=$hooks >"$TMPDIR/keeper-$hooks.log" 2>&1 &
	IPC_SHARED_EXPORTERS+="${IPC_SHARED_EXPORTERS:+ }$hooks=$port:$!:$TMPDIR/keeper-$hooks.log"
done
for shared in $IPC_SHARED_EXPORTERS; do
	port=${shared#*=}
	port=${port%%:*}
	for _ in $(seq 1 300); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break
		sleep 0.5
	done
done
export IPC_SHARED_EXPORTERS
echo "=== exporters shared by the tests: $IPC_SHARED_EXPORTERS"
cd "$TOP_BUILDDIR" || exit 1
for t in "${tests[@]}"; do
	echo "=== begin $t"
	start=$(date +%s)
	# hooks=sys-exit:TEST runs TEST with the exporter forced onto that path;
	# timeout=S:TEST gives it S seconds instead of 300 (the guest bench)
	hooks= limit=300 script=$t
	while [[ $script == hooks=*:* || $script == timeout=*:* ]]; do
		case $script in
		hooks=*) hooks=${script%%:*}; hooks=${hooks#hooks=} ;;
		timeout=*) limit=${script%%:*}; limit=${limit#timeout=} ;;
		esac
		script=${script#*:}
	done
	IPC_HOOKS=$hooks timeout "$limit" bash "$TOP_SRCDIR/$script" 2>&1
	echo "=== end $t status $? seconds $(($(date +%s) - start))"
done
