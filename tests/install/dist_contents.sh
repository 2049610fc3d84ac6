#!/bin/bash
# The release tarball (make dist) holds every file git tracks, so that
# what is built and tested from it is the project, not a part of it.
# TAP on stdout.  Usage: dist_contents.sh TARBALL (from a git checkout)
. "$(dirname "$0")/../integration/lib.sh"
tarball=$1
git -C "$TOP_SRCDIR" rev-parse --git-dir >/dev/null 2>&1 || tap_skip_all "not a git checkout"
tar tzf "$tarball" | sed 's|^[^/]*/||; /\/$/d; /^$/d' | sort >"$TEST_TMP/tarball"
# (.gitignore describes a checkout, not a release)
git -C "$TOP_SRCDIR" ls-files | grep -vx '.gitignore' | sort >"$TEST_TMP/tracked"
missing=$(comm -23 "$TEST_TMP/tracked" "$TEST_TMP/tarball")
tap_eq "${missing:-none}" none "$(basename "$tarball") holds every file git tracks ($(wc -l <"$TEST_TMP/tracked"))"
for generated in configure Makefile.in .revision; do
	grep -qx "$generated" "$TEST_TMP/tarball"
	tap_ok $? "$(basename "$tarball") holds $generated (built without autotools, revision named)"
done
tap_finish
