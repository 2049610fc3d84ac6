#!/bin/bash
# The Debian package, as an operator gets it: built from the release
# tarball (make dist) with dpkg-buildpackage, checked by lintian, installed
# with dpkg, its installed binary counting a ground truth, and purged.
# Installs into the running system, so it runs from tests/run-all.sh (after
# make check-dist made the tarball), never beside other tests.
# TAP on stdout.  Usage: debian_package.sh TARBALL
. "$(dirname "$0")/../integration/lib.sh"
require_root
tarball=$(realpath "$1")
package=ipc-exporter

if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
	tap_skip_all "$package is installed on this machine already: not replacing it"
fi
purge() { dpkg --purge "$package" >>"$TEST_TMP/purge.log" 2>&1; }
trap 'purge; cleanup' EXIT

# ---- build from the tarball, as Debian builds from an upstream release
mkdir "$TEST_TMP/build"
tar xzf "$tarball" -C "$TEST_TMP/build"
src=$(echo "$TEST_TMP"/build/*/)
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$TEST_TMP/build.log" 2>&1
tap_ok $? "dpkg-buildpackage -us -uc -b builds the package from $(basename "$tarball")"
tail -20 "$TEST_TMP/build.log" | tap_diag | grep -i -e error -e warning
deb=$(echo "$TEST_TMP"/build/${package}_*_amd64.deb)
[ -f "$deb" ] || { tap_ok 1 "the package file exists"; tap_finish; }

lintian --fail-on error "$TEST_TMP"/build/*.changes \
	>"$TEST_TMP/lintian.log" 2>&1
tap_ok $? "lintian reports no errors ($(grep -c '^W:' "$TEST_TMP/lintian.log") warnings)"
tap_diag <"$TEST_TMP/lintian.log"

# ---- install: everything in place, the unit neither enabled nor started
dpkg -i "$deb" >"$TEST_TMP/install.log" 2>&1
tap_ok $? "dpkg -i installs it"
tap_diag <"$TEST_TMP/install.log" | grep -i -e error -e warning
dpkg -L "$package" >"$TEST_TMP/files"
for path in /usr/bin/ipc_exporter /usr/bin/ipcdump /usr/share/man/man8/ipc_exporter.8.gz \
	/usr/share/man/man8/ipcdump.8.gz /lib/systemd/system/ipc_exporter.service /etc/default/ipc_exporter \
	/usr/share/ipc_exporter/prometheus/ipc_exporter_alerts.yml \
	/usr/share/ipc_exporter/dashboards/ipc_exporter.json /usr/share/doc/$package/copyright; do
	grep -qx "$path" "$TEST_TMP/files" && [ -e "$path" ]
	tap_ok $? "installed: $path"
done
unit=/lib/systemd/system/ipc_exporter.service
grep -qx 'ExecStart=/usr/bin/ipc_exporter --web.listen-address=:19163 $ARGS' "$unit"
tap_ok $? "the unit starts the installed binary ($(grep '^ExecStart' "$unit"))"
ls /etc/systemd/system/*.wants/ipc_exporter.service >/dev/null 2>&1
tap_ok $((!$?)) "the unit is not enabled (no link in /etc/systemd/system/*.wants)"
pgrep -f '^/usr/bin/ipc_exporter' >"$TEST_TMP/running"
tap_ok $((!$?)) "nothing started it"
"/usr/bin/ipc_exporter" --version >"$TEST_TMP/version" 2>&1
grep -q "^ipc_exporter, version 0\.1\.0 (revision: [0-9a-f]" "$TEST_TMP/version"
tap_ok $? "the installed binary names its version and the revision it was built from: $(head -1 "$TEST_TMP/version")"

# ---- its installed binary counts exactly (the flags the unit passes, on a free port)
EXPORTER=/usr/bin/ipc_exporter
if exporter_start --own; then
	tap_ok 0 "/usr/bin/ipc_exporter starts"
	prefix=$(unique_prefix p)
	run_ground_truth "pipe, through the installed exporter" pipe "$prefix" "$WORKLOAD" pipe "$prefix" 1 1 300 100
	prefix=$(unique_prefix u)
	run_ground_truth "UNIX socketpair, through the installed exporter" unix-stream "$prefix" \
		"$TOP_BUILDDIR/tests/workloads/socket_workload" socketpair "$prefix" 200 64
	exporter_stop
fi

# ---- purge: nothing left
purge
tap_ok $? "dpkg --purge removes it"
dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"
tap_ok $((!$?)) "dpkg no longer lists it as installed"
left=
while read -r path; do
	[ -d "$path" ] && continue	# directories the system has anyway (/lib, /usr/bin...)
	{ [ -e "$path" ] || [ -L "$path" ]; } && left="$left $path"
done <"$TEST_TMP/files"
[ -e /etc/default/ipc_exporter ] && left="$left /etc/default/ipc_exporter"
tap_eq "${left:-none}" none "no file of the package is left ($(wc -l <"$TEST_TMP/files") paths checked)"
tap_finish
