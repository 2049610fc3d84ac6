#!/bin/sh
# Installs, from Debian's archive, what ipc_exporter needs to build and run;
# with --tests, also what its test suite needs.  Debian 12 or later, as root.
set -eu

build="autoconf automake make gcc pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
libmicrohttpd-dev"
tests="curl prometheus python3 linux-perf bpftrace util-linux iproute2 qemu-system-x86 busybox-static cpio"

packages=$build
[ "${1:-}" = --tests ] && packages="$packages $tests"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (sudo $0 $*)" >&2
	exit 1
fi
missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# No recommends: the prometheus package would also bring and start node_exporter.
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
