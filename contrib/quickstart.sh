#!/bin/sh
# Quick start on a fresh Debian 12 machine, as root: install what is needed,
# build, and run the exporter in the foreground on :19163 (Ctrl-C stops it).
set -eu
cd "$(dirname "$0")/.."
contrib/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"
exec src/ipc_exporter "$@"
