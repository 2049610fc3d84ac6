# Sourced by contrib/arm64-sysroot.sh and tests/kernels/fetch-kernel.sh:
# apt run against Debian's archive with a configuration of its own, so that
# the system's apt setup (/etc/apt sources, pins) and dpkg's database are
# neither read for packages nor changed.
#
# private_apt DIR ARCH: sets the array apt_opts for apt-get and apt-cache:
# sources list, lists, cache and an empty package status under DIR, ARCH
# (amd64, arm64) as the only architecture.  The system's apt.conf.d is
# still read (proxies, the archive's keyrings); its sources and pins are not,
# nor its hooks: an update of these lists is not the system's (its
# Post-Invoke-Success ran appstreamcli and PackageKit over it).
# private_apt_update: refreshes the lists when older than a day.

private_apt() {
	local dir=$1 arch=$2
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	cat >"$dir/sources.list" <<'EOF'
deb http://deb.debian.org/debian bullseye main
deb http://deb.debian.org/debian-security bullseye-security main
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian-security bookworm-security main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian bookworm-backports main
EOF
	# nothing installed: apt resolves a package's whole dependency closure
	[ -e "$dir/status" ] || : >"$dir/status"
	cat >"$dir/no-hooks.conf" <<'EOF'
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
#clear DPkg::Pre-Invoke;
#clear DPkg::Post-Invoke;
#clear DPkg::Pre-Install-Pkgs;
EOF
	apt_opts=(-c "$dir/no-hooks.conf" -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
		-o Dir::State="$dir" -o Dir::State::Lists="$dir/lists" -o Dir::State::Status="$dir/status"
		-o Dir::Cache="$dir" -o Dir::Cache::archives="$dir/archives"
		-o APT::Architecture="$arch" -o APT::Architectures="$arch"
		-o APT::Sandbox::User=root -q)
}

private_apt_update() {
	local lists
	lists=$(printf '%s\n' "${apt_opts[@]}" | sed -n 's/^Dir::State::Lists=//p')
	if [ -z "$(find "$lists" -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
		apt-get "${apt_opts[@]}" update >&2
	fi
}
