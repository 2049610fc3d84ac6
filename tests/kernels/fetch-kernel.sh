#!/bin/bash
# fetch-kernel.sh SERIES CACHE_DIR -> prints the directory of an unpacked
# Debian kernel package of that series (5.10, 6.1, 6.12): the newest the
# archive serves, downloaded once into CACHE_DIR.  The system's apt setup is
# not touched: a private sources list, lists and cache live in CACHE_DIR/apt.
set -eu
series=$1
cache=$2
apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$cache/unpacked"

cat >"$apt_dir/sources.list" <<'EOF2'
deb http://deb.debian.org/debian bullseye main
deb http://deb.debian.org/debian-security bullseye-security main
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian-security bookworm-security main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian bookworm-backports main
EOF2
apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir" -o Dir::Cache::archives="$apt_dir/archives"
	-o Dir::State::Status=/var/lib/dpkg/status -o APT::Sandbox::User=root -q)

# A kernel unpacked earlier is used as is: runs stay offline and repeatable.
existing=$(ls -d "$cache/unpacked/linux-image-$series"[.-]*-amd64-unsigned 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$existing" ] && [ -e "$existing/.complete" ]; then
	echo "$existing"
	exit 0
fi

# Lists older than a day are refreshed.
if [ -z "$(find "$apt_dir/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	apt-get "${apt_opts[@]}" update >&2
fi
case $series in
5.10) pattern='^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$' ;;
6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$' ;;
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
