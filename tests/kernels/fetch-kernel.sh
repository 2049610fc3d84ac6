#!/bin/bash
# fetch-kernel.sh SERIES CACHE_DIR [ARCH] -> prints the directory of an
# unpacked Debian kernel package of that series (5.10, 6.1, 6.12) for ARCH
# (amd64, the default, or arm64): the newest the
# archive serves, downloaded once into CACHE_DIR.  The system's apt setup is
# not touched: a private sources list, lists and cache live in
# CACHE_DIR/apt (CACHE_DIR/apt-arm64), see contrib/private-apt.sh.
set -eu
series=$1
cache=$2
arch=${3:-amd64}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../contrib/private-apt.sh"
case $arch in
amd64) flavour=amd64 apt_dir=$cache/apt ;;
arm64) flavour=arm64 apt_dir=$cache/apt-arm64 ;;
*) echo "fetch-kernel: unknown architecture $arch" >&2; exit 2 ;;
esac
mkdir -p "$cache/unpacked"
private_apt "$apt_dir" "$arch"

# A kernel unpacked earlier is used as is: runs stay offline and repeatable.
existing=$(ls -d "$cache/unpacked/linux-image-$series"[.-]*[0-9]-$flavour-unsigned 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$existing" ] && [ -e "$existing/.complete" ]; then
	echo "$existing"
	exit 0
fi

# Lists older than a day are refreshed.
private_apt_update
case $series in
5.10) pattern="^linux-image-5\\.10\\.0-[0-9]+-$flavour-unsigned\$" ;;
6.1) pattern="^linux-image-6\\.1\\.0-[0-9]+-$flavour-unsigned\$" ;;
6.12) pattern="^linux-image-6\\.12\\.[0-9]+\\+deb[0-9]+-$flavour-unsigned\$" ;;
*) echo "fetch-kernel: unknown series $series" >&2; exit 2 ;;
esac
# The newest first; an index can name a file the mirror no longer has.
for pkg in $(apt-cache "${apt_opts[@]}" pkgnames linux-image- | grep -E "$pattern" | sort -rV); do
	rm -f "$apt_dir/archives/$pkg"_*.deb
	if (cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" download "$pkg" >&2 2>/dev/null); then
		dir=$cache/unpacked/$pkg
		rm -rf "$dir"
		dpkg-deb -x "$apt_dir/archives/$pkg"_*.deb "$dir"
		rm -f "$apt_dir/archives/$pkg"_*.deb
		touch "$dir/.complete"
		echo "$dir"
		exit 0
	fi
	echo "fetch-kernel: $pkg could not be downloaded, trying an older one" >&2
done
echo "fetch-kernel: no kernel of series $series could be downloaded" >&2
exit 1
