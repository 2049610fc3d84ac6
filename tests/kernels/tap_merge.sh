# Sourced by run-matrix.sh (each guest test's TAP, read back from the
# console) and unit_tests.sh (each unit test's, inside a guest): one TAP
# stream made of others.
# tap_emit ok|not_ok DESCRIPTION: the merged stream's next result;
# tap_passed and tap_failed count them (a caller may reset them).
tap_count=0 tap_passed=0 tap_failed=0
tap_emit() {
	tap_count=$((tap_count + 1))
	if [ "$1" = ok ]; then
		tap_passed=$((tap_passed + 1))
		echo "ok $tap_count - $2"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_count - $2"
	fi
}

# tap_merge NAME TAP: TAP's results as "NAME: description", its comments as
# they are, and one failure more when they are not as many as its plan
# says; tap_results: how many results it had.
tap_merge() {
	local name=$1 tap=$2 line planned
	tap_results=0
	while IFS= read -r line; do
		case $line in
		"ok "*) tap_results=$((tap_results + 1)); tap_emit ok "$name: ${line#ok * - }" ;;
		"not ok "*) tap_results=$((tap_results + 1)); tap_emit not_ok "$name: ${line#not ok * - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <<<"$tap"
	planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' <<<"$tap")
	[ "${planned:-x}" = "$tap_results" ] ||
		tap_emit not_ok "$name: ran as planned ($tap_results results, plan ${planned:-missing})"
}
