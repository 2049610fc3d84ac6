#!/bin/bash
# --process-labels=pid,exe,cgroup: every flow and signal series carries the
# exact pid, executable and cgroup of both ends, for processes and cgroups
# that existed before the exporter started and for ones that are gone by
# the time of the scrape.
. "$(dirname "$0")/lib.sh"
require_root

cgroup_root=$(findmnt -t cgroup2 -n -o TARGET | head -1)
[ -n "$cgroup_root" ] || tap_skip_all "no cgroup2 file system mounted"

# Expected series, from the truth's flow/signal lines and its "pid NAME PID"
# lines; every process of the workload runs EXE in CGROUP.  LABELS is the
# --process-labels value the exporter runs with.
check_labeled_truth() { # BEFORE AFTER TRUTH EXE CGROUP LABELS
	local kind a b c d e src_pid dst_pid src_exe dst_exe src_cg dst_cg labels series got want family
	while read -r kind a b c d e; do
		case $kind in flow) src=$b dst=$c ;; signal) src=$b dst=$c ;; *) continue ;; esac
		src_pid=$(awk -v n="$src" '$1 == "pid" && $2 == n { p = $3 } END { print p + 0 }' "$3")
		dst_pid=$(awk -v n="$dst" '$1 == "pid" && $2 == n { p = $3 } END { print p + 0 }' "$3")
		src_exe=$4 dst_exe=$4 src_cg=$5 dst_cg=$5
		if [ "$src" = "[kernel]" ]; then src_exe= src_cg=; fi
		labels="src_comm=\"$src\",dst_comm=\"$dst\""
		case ,$6, in *,pid,*) labels="$labels,src_pid=\"$src_pid\",dst_pid=\"$dst_pid\"" ;; esac
		case ,$6, in *,exe,*) labels="$labels,src_exe=\"$src_exe\",dst_exe=\"$dst_exe\"" ;; esac
		case ,$6, in *,cgroup,*) labels="$labels,src_cgroup=\"$src_cg\",dst_cgroup=\"$dst_cg\"" ;; esac
		if [ "$kind" = signal ]; then
			series="ipc_signals_total{signal=\"$(signal_name "$a")\",$labels}"
			got=$(($(series_value "$2" "$series") - $(series_value "$1" "$series")))
			tap_eq "$got" "$d" "$series"
			continue
		fi
		for family in messages bytes; do
			series="ipc_${family}_total{mechanism=\"$a\",$labels}"
			want=$d
			[ "$family" = bytes ] && want=$e
			got=$(($(series_value "$2" "$series") - $(series_value "$1" "$series")))
			tap_eq "$got" "$want" "$series"
		done
	done <"$3"
}

# Runs a command in a new cgroup: the shell moves itself in, then execs.
in_cgroup() { # CGROUP_DIR COMMAND...
	local dir=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}

export IPC_WORKLOAD_PIDS=1
exe=$(readlink -f "$WORKLOAD")

# 1. Before the exporter: a cgroup, and a workload exec'd in it whose
#    writer waits for a go file.  Names come from /proc and the cgroup tree.
early_cg=ipc_early_$$_$RANDOM
mkdir "$cgroup_root/$early_cg"
early=$(unique_prefix e)
in_cgroup "$cgroup_root/$early_cg" "$WORKLOAD" pipe "$early" 1 1 30 100 --go-file "$TEST_TMP/go" >"$TEST_TMP/early_truth" &
early_pid=$!
exporter_start --process-labels=pid,exe,cgroup || { touch "$TEST_TMP/go"; wait; tap_finish; }
scrape "$TEST_TMP/before"
touch "$TEST_TMP/go"
wait "$early_pid"
tap_ok $? "a workload started before the exporter ran"
scrape "$TEST_TMP/after"
tap_diag <"$TEST_TMP/early_truth"
check_labeled_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/early_truth" "$exe" "/$early_cg" pid,exe,cgroup
rmdir "$cgroup_root/$early_cg"

# 2. After: a cgroup made now and a copy of the workload, both removed
#    before the scrape, so only what the kernel noted at mkdir and exec can
#    name them.  The writer renames itself half-way.
late_cg=ipc_late_$$_$RANDOM
mkdir "$cgroup_root/$late_cg"
late=$(unique_prefix l)
cp "$WORKLOAD" "$TEST_TMP/labels_workload"
scrape "$TEST_TMP/before"
in_cgroup "$cgroup_root/$late_cg" "$TEST_TMP/labels_workload" pipe "$late" 1 1 40 64 --rename-after 15 >"$TEST_TMP/late_truth"
tap_ok $? "a workload in a new cgroup ran"
in_cgroup "$cgroup_root/$late_cg" "$TEST_TMP/labels_workload" signal "$late" 10 7 >>"$TEST_TMP/late_truth"
tap_ok $? "a signal workload in the same cgroup ran"
rm "$TEST_TMP/labels_workload"
rmdir "$cgroup_root/$late_cg"
scrape "$TEST_TMP/after"
tap_diag <"$TEST_TMP/late_truth"
check_labeled_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/late_truth" "$TEST_TMP/labels_workload" "/$late_cg" \
	pid,exe,cgroup
renamed=$(grep -c "_comm=\"$late-v0\"" "$TEST_TMP/after")
tap_ok $((renamed > 0 ? 0 : 1)) "the renamed writer has series of its own"

"$PROMTOOL" check metrics <"$TEST_TMP/after" >/dev/null 2>&1
tap_ok $? "page with process labels passes promtool"

# 3. Each label on its own: the series carry that label and no other.
# Not in the matrix (a start takes 20 s under TCG): which labels a series
# carries is user space's choice, the kernel side is the same as above.
modes="pid exe cgroup"
[ "${IPC_TEST_GUEST:-0}" = 1 ] && modes=
for mode in $modes; do
	exporter_stop
	exporter_start --process-labels=$mode || continue
	cg=ipc_${mode}_$$_$RANDOM
	mkdir "$cgroup_root/$cg"
	prefix=$(unique_prefix m)
	scrape "$TEST_TMP/before"
	in_cgroup "$cgroup_root/$cg" "$WORKLOAD" pipe "$prefix" 2 1 20 100 >"$TEST_TMP/truth"
	tap_ok $? "--process-labels=$mode: workload ran"
	rmdir "$cgroup_root/$cg"
	scrape "$TEST_TMP/after"
	check_labeled_truth "$TEST_TMP/before" "$TEST_TMP/after" "$TEST_TMP/truth" "$exe" "/$cg" $mode
done
tap_finish
