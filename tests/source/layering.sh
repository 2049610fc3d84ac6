#!/bin/bash
# src/ is grouped by concern, and a folder uses only the folders below it:
#   programs (src/*.c) -> web -> metrics, events -> policy -> kernel -> identity -> util
# metrics and events sit side by side and use neither each other.  The
# kernel programs' shared headers (bpf/ipc_types.h, bpf/pipe_queue.h,
# bpf/syscall_numbers.h) are below everything; their skeleton belongs to the
# kernel side and above.
# Includes name their folder ("util/log.h"), so the rule can be read off them.
. "$(dirname "$0")/../integration/lib.sh"

layer_rank() {
	case $1 in
	util) echo 0 ;; identity) echo 1 ;; kernel) echo 2 ;; policy) echo 3 ;; metrics | events) echo 4 ;;
	web) echo 5 ;; .) echo 6 ;; *) echo -1 ;;
	esac
}

# Prints one line per include that breaks the rule, for the tree at $1.
layering_violations() {
	local root=$1 file folder rank inc target
	while IFS= read -r file; do
		folder=$(dirname "${file#"$root"/}")
		rank=$(layer_rank "$folder")
		if [ "$rank" -lt 0 ]; then
			echo "$file: folder $folder has no place in the layers"
			continue
		fi
		while IFS= read -r inc; do
			case $inc in
			ipc_types.h | pipe_queue.h | syscall_numbers.h | revision.h) continue ;;	# revision.h: made by the build
			ipc_exporter.skel.h) target=kernel ;;
			*/*) target=${inc%%/*} ;;
			*) echo "$file: includes \"$inc\" without its folder"; continue ;;
			esac
			[ "$target" = "$folder" ] && continue
			if [ "$(layer_rank "$target")" -lt 0 ] || [ "$(layer_rank "$target")" -ge "$rank" ]; then
				echo "$file: $folder includes $inc"
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
	done < <(find "$root" -name '*.[ch]' | sort)
}

src=$TOP_SRCDIR/src
for folder in . util identity kernel policy metrics events web; do
	[ -d "$src/$folder" ]
	tap_ok $? "src/$folder exists"
done
bad=$(layering_violations "$src")
tap_eq "$bad" "" "every include in src/ points to its own folder or one below ($(find "$src" -name '*.[ch]' | wc -l) files)"

# The check itself: each kind of breach is caught.
fake=$TEST_TMP/src
mkdir -p "$fake"/{util,identity,kernel,metrics,events,web,misc}
printf '#include "web/http_server.h"\n' >"$fake/util/log.c"
printf '#include "ipc_exporter.skel.h"\n' >"$fake/identity/names.c"
printf '#include "events/debug_events.h"\n' >"$fake/metrics/page.c"
printf '#include "strbuf.h"\n' >"$fake/kernel/loader.c"
printf '#include "util/log.h"\n#include "kernel/flow_tables.h"\n#include "ipc_types.h"\n' >"$fake/metrics/ok.c"
printf '#include "util/log.h"\n' >"$fake/misc/x.c"
got=$(layering_violations "$fake" | sed "s|^$fake/||")
want="identity/names.c: identity includes ipc_exporter.skel.h
kernel/loader.c: includes \"strbuf.h\" without its folder
metrics/page.c: metrics includes events/debug_events.h
misc/x.c: folder misc has no place in the layers
util/log.c: util includes web/http_server.h"
tap_eq "$got" "$want" "the check catches an upward include, a sideways one, the skeleton below the kernel side, a bare name and an unknown folder"
tap_finish
