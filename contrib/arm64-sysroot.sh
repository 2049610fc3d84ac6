#!/bin/bash
# arm64-sysroot.sh [--guest] DIR: Debian bookworm's arm64 development
# packages, and everything they depend on, unpacked (dpkg -x) into DIR, a
# sysroot for
#
#   ./configure --host=aarch64-linux-gnu --with-sysroot=DIR
#
# With --guest, also the programs the integration tests run (bash, curl,
# python3, iproute2, script...), so that DIR can be an arm64 test guest's
# root (tests/kernels/run-matrix.sh --arch arm64).  Downloads once: the
# packages stay in DIR/.apt/archives, a second run unpacks only what is new.
# Nothing of the system's apt or dpkg setup is used or changed
# (contrib/private-apt.sh); no package script runs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/private-apt.sh"

guest=0
if [ "${1:-}" = --guest ]; then
	guest=1
	shift
fi
[ $# -eq 1 ] || { echo "usage: $0 [--guest] DIR" >&2; exit 2; }
mkdir -p "$1"
root=$(cd "$1" && pwd)

# what configure looks for (contrib/install-deps.sh, the arm64 side)
packages=(libc6-dev libbpf-dev libelf-dev zlib1g-dev libmicrohttpd-dev libyaml-dev libgnutls28-dev libcrypt-dev)
# what tests/kernels/guest-init and the tests it runs call
[ "$guest" = 1 ] && packages+=(base-files netbase busybox-static dash bash coreutils grep sed gawk findutils procps psmisc iproute2
	curl python3 bsdutils util-linux mount kmod bpftool)

private_apt "$root/.apt" arm64
private_apt_update
# Bookworm's own first: backports only where asked for by name.
apt-get "${apt_opts[@]}" -o APT::Default-Release=bookworm --no-install-recommends -y -d \
	install "${packages[@]}" >&2

for deb in "$root/.apt/archives/"*.deb; do
	stamp=$root/.apt/unpacked/$(basename "$deb")
	[ -e "$stamp" ] && continue
	dpkg-deb -x "$deb" "$root"
	mkdir -p "$root/.apt/unpacked" && : >"$stamp"
done

# Absolute symbolic links point into the host's root from outside the
# sysroot: make those the linker follows relative (libfoo.so -> /lib/...).
find "$root/usr/lib/aarch64-linux-gnu" "$root/lib/aarch64-linux-gnu" -maxdepth 1 -type l 2>/dev/null |
	while read -r link; do
		target=$(readlink "$link")
		case $target in
		/*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link" ;;
		esac
	done
# What package scripts and a booted system would add, for a guest's root:
# mount points (guest-init mounts /proc, /sys, /dev, /run), the users.
if [ "$guest" = 1 ]; then
	mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp"
	# /var/run is /run (ip netns writes /var/run/netns): the guest's /run is a tmpfs
	[ -L "$root/var/run" ] || { rmdir "$root/var/run" && ln -s ../run "$root/var/run"; }
	# the alternatives the tests call by their generic names (update-alternatives, in a postinst)
	ln -sfn gawk "$root/usr/bin/awk"
	[ -e "$root/etc/passwd" ] || printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' \
		'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$root/etc/passwd"
	[ -e "$root/etc/group" ] || printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
	[ -e "$root/etc/hosts" ] || printf '%s\n' '127.0.0.1 localhost' '::1 localhost ip6-localhost' >"$root/etc/hosts"
fi
echo "$root"
