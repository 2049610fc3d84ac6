#!/bin/bash
# Runs inside the test guest (tests/kernels/guest-init): the integration
# tests named in PLAN, each framed by markers that run-matrix.sh reads.
# PLAN: line 1 the source dir, line 2 the build dir, then one test per line.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/run/tmp LANG=C.UTF-8
export TMPDIR=/run/tmp	# the rest of the host's tree is read-only here
plan=$1
{ read -r TOP_SRCDIR; read -r TOP_BUILDDIR; mapfile -t tests; } <"$plan"
export TOP_SRCDIR TOP_BUILDDIR
ip link set lo up
echo "=== guest kernel $(uname -r)"
cd "$TOP_BUILDDIR" || exit 1
for t in "${tests[@]}"; do
	echo "=== begin $t"
	start=$(date +%s)
	timeout 300 bash "$TOP_SRCDIR/$t" 2>&1
	echo "=== end $t status $? seconds $(($(date +%s) - start))"
done
