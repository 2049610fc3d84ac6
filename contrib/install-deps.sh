#!/bin/sh
# Installs, from Debian's archive, what ipc_exporter needs to build and run;
# with --tests, also what its test suite needs.  Debian 12 or later, as root.
# --list prints the packages instead (tests/install/packages_of_execs.py
# checks every program the suite runs against that list).
#
# The lists name every package whose programs the build or the tests run,
# unless a fresh Debian machine always has it (Essential or Priority:
# required): not what this machine happens to have.
set -eu

# libyaml-dev, libgnutls28-dev, libcrypt-dev: --web.config.file (YAML, TLS
# client certificates, bcrypt); git: the build names the source revision
# (git describe; "unknown" outside a checkout)
build="autoconf automake make gcc libc6-dev pkg-config clang llvm bpftool libbpf-dev libelf-dev
zlib1g-dev libmicrohttpd-dev libyaml-dev libgnutls28-dev libcrypt-dev git"
# procps: pgrep/pkill/ps; kmod, cpio, xz-utils, zstd, busybox-static: the
# kernel matrix's initramfs; bpftrace: the bench's peer and the suite's
# record of the programs it ran; redis-server, redis-tools: the bench's real
# server and client (redis-benchmark); util-linux: taskset, also for the
# bench; openssl: the TLS tests' certificates and s_client;
# libclang-rt-14-dev: libFuzzer and the sanitizers for clang (which only
# recommends it); dpkg-dev, debhelper, lintian: the Debian package built,
# checked and installed (tests/install/debian_package.sh); python3-yaml:
# the Kubernetes manifests read (tests/integration/deployment_restrictions.sh);
# python3-prometheus-client: its strict OpenMetrics parser reads the
# OpenMetrics page (tests/integration/openmetrics.sh); qemu-system-arm,
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross: the arm64 build and its
# kernel matrix.
tests="curl prometheus python3 python3-prometheus-client procps linux-perf bpftrace util-linux iproute2 qemu-system-x86
busybox-static cpio kmod xz-utils zstd redis-server redis-tools openssl libclang-rt-14-dev
dpkg-dev debhelper lintian python3-yaml qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross"

list=false
with_tests=false
for arg; do
	case $arg in
	--tests) with_tests=true ;;
	--list) list=true ;;
	*) echo "usage: $0 [--tests] [--list]" >&2; exit 2 ;;
	esac
done
packages=$build
$with_tests && packages="$packages $tests"
if $list; then
	echo $packages
	exit 0
fi

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
