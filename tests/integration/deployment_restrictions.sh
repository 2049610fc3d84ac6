#!/bin/bash
# The deployments in contrib/ against the binary, where neither systemd
# (as PID 1), Kubernetes nor an image registry is at hand:
# - the systemd unit: the exporter is run under what each of its directives
#   does (an unused uid for DynamicUser=, setpriv for the capabilities and
#   no-new-privileges, a mount namespace for ProtectSystem= and friends, a
#   seccomp filter, tests/helpers/seccomp_exec, for RestrictAddressFamilies=,
#   MemoryDenyWriteExecute=, RestrictNamespaces= and
#   SystemCallArchitectures=) and counts a pipe, a UNIX socket, loopback TCP
#   and UDP to this host's own address exactly; each address family and
#   capability it allows is needed (without it something observable
#   fails), and a directive the harness does not know fails the test;
# - the DaemonSet: its flags, ports and probe, its capabilities (enough, and
#   each needed), its read-only root with /tmp alone writable, hostPID and
#   hostNetwork (without them the exporter misses what it should count);
# - the Service, PodMonitor, Containerfile and Prometheus configuration: the
#   port names and numbers agree, the job is the alert rules'.
. "$(dirname "$0")/lib.sh"
require_root
python3 -c 'import yaml' 2>/dev/null || tap_skip_all "needs python3-yaml"
command -v setpriv >/dev/null && command -v unshare >/dev/null || tap_skip_all "needs setpriv and unshare"
deadline_in 120
UNIT=$TOP_SRCDIR/contrib/systemd/ipc_exporter.service.in
K8S=$TOP_SRCDIR/contrib/kubernetes
CONTAINERFILE=$TOP_SRCDIR/contrib/Containerfile
PROM_CONFIG=$TOP_SRCDIR/contrib/prometheus/prometheus.yml
RULES=$TOP_SRCDIR/contrib/prometheus/ipc_exporter_alerts.yml
SECCOMP_EXEC=$TOP_BUILDDIR/tests/helpers/seccomp_exec
UDP=$TOP_BUILDDIR/tests/workloads/udp_workload
SOCKETS=$TOP_BUILDDIR/tests/workloads/socket_workload
# The build, seen inside the sandboxes at a path no Protect*= hides.
STAGE=/srv

[ -x "$SECCOMP_EXEC" ] || { tap_ok 1 "$SECCOMP_EXEC is built (make check builds it)"; tap_finish; }

# ---- flags ------------------------------------------------------------------
"$EXPORTER" --help >"$TEST_TMP/help" 2>&1
known_flags=$(grep -oE -- '--[a-z][a-z.-]+' "$TEST_TMP/help" | sort -u)
default_port=$(grep -oE 'default :[0-9]+' "$TEST_TMP/help" | grep -oE '[0-9]+')
tap_eq "$default_port" 19163 "the exporter's default port is 19163"
check_flags() { # WHAT ARGS...: every --flag is one --help lists
	local arg unknown='' n=0
	for arg in "${@:2}"; do
		case $arg in --*) ;; *) continue ;; esac
		n=$((n + 1))
		grep -qxF -- "${arg%%=*}" <<<"$known_flags" || unknown+=" ${arg%%=*}"
	done
	tap_eq "$unknown" "" "$1: every flag is one ipc_exporter --help lists (flags: $n)"
}
port_of() { # ARGS...: the port of the (last) --web.listen-address
	local arg port=
	for arg; do case $arg in --web.listen-address=*) port=${arg##*:} ;; esac; done
	echo "${port:-$default_port}"
}

# ---- the unit ---------------------------------------------------------------
awk '/^\[/ { section = $0; next } section == "[Service]" && /^[A-Za-z]+=/' "$UNIT" >"$TEST_TMP/unit"
declare -A unit
while IFS= read -r line; do unit[${line%%=*}]=${line#*=}; done <"$TEST_TMP/unit"
# What the harness does for each directive; a new one must be added here.
declare -A how=(
	[Type]=- [ExecStart]=- [ExecReload]="SIGHUP sent" [Restart]=- [RestartSec]=-
	[EnvironmentFile]="ARGS from the package's defaults (debian/ipc_exporter.default)"
	[DynamicUser]="an unused uid and gid" [CapabilityBoundingSet]=setpriv [AmbientCapabilities]=setpriv
	[NoNewPrivileges]=setpriv [ProtectSystem]="every mount read-only" [ReadOnlyPaths]="every mount read-only"
	[ProtectKernelTunables]="every mount read-only, /proc/sys too" [ProtectControlGroups]="every mount read-only"
	[ProtectHome]="empty read-only tmpfs" [PrivateTmp]="tmpfs" [PrivateDevices]="a /dev of null, zero, full,
	random, urandom, tty, ptmx, pts, shm" [ProtectHostname]="unshare -u" [RestrictAddressFamilies]=seccomp
	[MemoryDenyWriteExecute]=seccomp [RestrictNamespaces]=seccomp [SystemCallArchitectures]=seccomp
	[MemoryMax]="peak resident checked" [TasksMax]="threads checked"
	[ProtectKernelModules]="not emulated: the bounding set has no CAP_SYS_MODULE"
	[ProtectKernelLogs]="not emulated: the bounding set has no CAP_SYSLOG, the private /dev no kmsg"
	[ProtectClock]="not emulated: the bounding set has no CAP_SYS_TIME"
	[RestrictRealtime]="not emulated: the exporter sets no scheduling policy"
	[RestrictSUIDSGID]="not emulated: nothing is writable but a private /tmp"
	[LockPersonality]="not emulated: the exporter never calls personality(2)"
)
unknown=
for key in "${!unit[@]}"; do [ -n "${how[$key]:-}" ] || unknown+=" $key"; done
tap_eq "$unknown" "" "the harness knows every directive of the unit's [Service] (${#unit[@]})"
for key in "${!unit[@]}"; do [ "${how[$key]}" = - ] || echo "$key=${unit[$key]}: ${how[$key]}"; done | sort | tap_diag
tap_eq "${unit[DynamicUser]:-}/${unit[NoNewPrivileges]:-}/${unit[ProtectSystem]:-}/${unit[PrivateTmp]:-}" \
	yes/yes/strict/yes "the directives the harness applies as yes/strict are set so"
# $ARGS: from the defaults file the package installs as the unit's EnvironmentFile
defaults=$TOP_SRCDIR/debian/ipc_exporter.default
ARGS=
# shellcheck source=/dev/null
[ -f "$defaults" ] && ARGS=$(. "$defaults" && echo "$ARGS")
read -ra exec_start <<<"${unit[ExecStart]//\$ARGS/$ARGS}"
tap_eq "${exec_start[0]}" "@bindir@/ipc_exporter" "ExecStart runs the installed exporter"
if [ -f "$defaults" ]; then
	read -ra example <<<"$(sed -n 's/^#.*ARGS="\(.*\)"$/\1/p' "$defaults")"
	check_flags "the defaults file's example ARGS" "${example[@]}"
fi
check_flags "the unit's ExecStart" "${exec_start[@]:1}"
tap_eq "$(port_of "${exec_start[@]:1}")" "$default_port" "the unit serves on the default port"
tap_eq "${unit[CapabilityBoundingSet]}" "${unit[AmbientCapabilities]}" "the unit's bounding and ambient sets are the same"
caps_list() { # "CAP_A CAP_B" -> +a,+b for setpriv
	local c out=
	for c in $1; do c=${c#CAP_}; out+=${out:+,}+${c,,}; done
	echo "$out"
}
# Capabilities this test cannot give, not being in its own bounding set (a
# container running the suite may lack some): left out, and said so.
declare -A cap_number=([CAP_SYS_PTRACE]=19 [CAP_SYS_ADMIN]=21 [CAP_SYS_RESOURCE]=24 [CAP_PERFMON]=38 [CAP_BPF]=39)
own_bounding=$((16#$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)))
givable() { # "CAP_A CAP_B" -> those this test can give
	local c out=
	for c in $1; do
		[ -n "${cap_number[$c]:-}" ] && [ $((own_bounding >> ${cap_number[$c]} & 1)) = 0 ] &&
			{ echo "$c is not in this test's own bounding set: left out" | tap_diag >&2; continue; }
		out+=${out:+ }$c
	done
	echo "$out"
}
grep -q "CAP_SYS_RESOURCE.*5\.11\|5\.11.*CAP_SYS_RESOURCE" "$UNIT"
tap_ok $? "the unit says CAP_SYS_RESOURCE is for kernels before 5.11"

# A uid and gid no user or group has (systemd's DynamicUser= range).
dynamic_uid=
for id in $(seq 61184 61284); do
	getent passwd "$id" >/dev/null || getent group "$id" >/dev/null || { dynamic_uid=$id; break; }
done

# The sandbox: a mount and UTS namespace with every mount read-only but
# /proc and /dev, /proc/sys too (ProtectSystem=strict, ReadOnlyPaths=,
# ProtectKernelTunables=, ProtectControlGroups=); then, as the options
# say, private tmpfs on /tmp and /var/tmp (PrivateTmp=), empty ones on
# /home, /root, /run/user (ProtectHome=), and a /dev of the usual devices
# (PrivateDevices=, and a container's /dev: a writable /dev/shm of its
# own).  The build is bound on $STAGE first, so that none of these hides it.
SANDBOX_SCRIPT='
set -e
stage=$1 build=$2 tmp=$3 home=$4 dev=$5
shift 5
mount -n --bind "$build" "$stage"
mount -n --bind /proc/sys /proc/sys
for mp in $(awk "{ print \$5 }" /proc/self/mountinfo | sort -u); do
	case $mp in /proc | /dev | /dev/*) continue ;; esac
	mount -n -o remount,bind,ro "$mp" 2>/dev/null || echo "sandbox: left writable: $mp" >&2
done
if [ "$tmp" = private ]; then
	mount -n -t tmpfs -o mode=1777 tmpfs /tmp
	[ -d /var/tmp ] && mount -n -t tmpfs -o mode=1777 tmpfs /var/tmp
fi
if [ "$home" = protect ]; then
	for d in /home /root /run/user; do [ -d $d ] && mount -n -t tmpfs -o ro,mode=755 tmpfs $d; done
fi
if [ "$dev" != - ]; then
	# as systemd makes it: device nodes cloned, ptys (here a devpts of its
	# own: the same kind of file), its own shm
	nodes=$(stat -c "%n %a %t %T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx)
	mount -n -t tmpfs -o mode=755,nosuid tmpfs /dev
	echo "$nodes" | while read -r path mode major minor; do
		mknod -m "$mode" "$path" c $((0x$major)) $((0x$minor))
	done
	mkdir /dev/pts /dev/shm
	mount -n -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts
	mount -n -t tmpfs -o mode=1777 tmpfs /dev/shm
	[ "$dev" = private-ro-shm ] && mount -n -o remount,ro /dev/shm
fi
exec "$@"
'
# in_sandbox TMP HOME DEV COMMAND...: TMP private|ro, HOME protect|-,
# DEV private|private-ro-shm|- (the host's, /dev/shm writable).
# Replaces the shell it runs in: only in the background (sandboxed_start),
# so that the PID signalled is the sandbox's, not a shell's.
in_sandbox() {
	exec unshare -m -u --propagation private sh -c "$SANDBOX_SCRIPT" sandbox "$STAGE" "$TOP_BUILDDIR" "$@"
}

SANDBOXED_LOG=
SANDBOXED_PID=
# sandboxed_start NAME COMMAND...: runs COMMAND (its exporter logging to
# NAME.log) until it listens or exits; its status
sandboxed_start() {
	local name=$1
	shift
	SANDBOXED_LOG=$TEST_TMP/$name.log
	"$@" >"$SANDBOXED_LOG" 2>&1 &
	SANDBOXED_PID=$!
	wait_until 30 eval 'grep -q "^ipc_exporter: listening on" "$SANDBOXED_LOG" || gone $SANDBOXED_PID'
	grep -q "^ipc_exporter: listening on" "$SANDBOXED_LOG"
}
sandboxed_stop() {
	[ -n "$SANDBOXED_PID" ] || return 0
	# the exporter itself: unshare --fork (a pid namespace) waits for it
	kill -TERM "$(exporter_pid_under "$SANDBOXED_PID" || echo "$SANDBOXED_PID")" 2>/dev/null
	wait "$SANDBOXED_PID"
	local status=$?
	SANDBOXED_PID=
	return $status
}
trap 'sandboxed_stop; cleanup' EXIT
exporter_pid_under() { # PID -> the ipc_exporter process at or below it
	local p=$1 child
	while [ "$(cat /proc/"$p"/comm 2>/dev/null)" != ipc_exporter ]; do
		child=$(cat /proc/"$p"/task/*/children 2>/dev/null | awk '{ print $1; exit }')
		[ -n "$child" ] || return 1
		p=$child
	done
	echo "$p"
}

# unit_start NAME FAMILIES CAPS ARGS...: the exporter as the unit runs it,
# with these address families and capabilities
unit_start() {
	local name=$1 families=$2 caps
	caps=$(caps_list "$3")
	shift 3
	sandboxed_start "$name" in_sandbox private protect private \
		setpriv --reuid="$dynamic_uid" --regid="$dynamic_uid" --clear-groups \
		--bounding-set=-all${caps:+,$caps} --inh-caps=-all${caps:+,$caps} --ambient-caps=-all${caps:+,$caps} \
		--no-new-privs \
		"$STAGE/tests/helpers/seccomp_exec" --address-families="${families// /,}" \
		$([ "${unit[MemoryDenyWriteExecute]}" = yes ] && echo --deny-write-execute) \
		$([ "${unit[RestrictNamespaces]}" = yes ] && echo --restrict-namespaces) \
		$([ "${unit[SystemCallArchitectures]}" = native ] && echo --native) \
		-- "$STAGE/src/ipc_exporter" "$@"
}

# The unit's own port may be taken by an exporter on this host: the same
# form (all interfaces), another port.
port=$((20000 + RANDOM % 20000))
unit_args=()
for arg in "${exec_start[@]:1}"; do
	case $arg in --web.listen-address=*) arg=${arg%:*}:$port ;; esac
	unit_args+=("$arg")
done
# The host's own addresses, not loopback: UDP between two of its processes
# over one is loopback-udp when the exporter knows the address (netlink).
own_addr=$(ip -o -4 addr show scope global 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')
own_addr6=$(ip -o -6 addr show scope global 2>/dev/null | awk '$0 !~ /tentative|deprecated/ { split($4, a, "/"); print a[1]; exit }')
echo "this host's own addresses: ${own_addr:-none} ${own_addr6:-none}; DynamicUser= as uid ${dynamic_uid:-none}" | tap_diag

# runs the cases a unit exporter must count exactly on port $EXPORTER_PORT
count_cases() { # LABEL
	local prefix
	prefix=$(unique_prefix p)
	run_ground_truth "$1: a pipe" pipe "$prefix" "$WORKLOAD" pipe "$prefix" 1 1 200 100
	prefix=$(unique_prefix s)
	run_ground_truth "$1: a UNIX socket" unix-stream "$prefix" "$SOCKETS" socketpair "$prefix" 50 64 write
	prefix=$(unique_prefix t)
	run_ground_truth "$1: loopback TCP" loopback-tcp "$prefix" "$SOCKETS" server "$prefix" tcp 127.0.0.1 20 100 write
}
own_udp_case() { # LABEL ADDR -> the case's checks; the count in $own_udp_got
	local prefix
	prefix=$(unique_prefix o)
	run_ground_truth "$1: UDP to this host's own address $2" loopback-udp "$prefix" \
		"$UDP" forms "$prefix" "$2" recvfrom unconnected 40 100
}

if [ -z "$dynamic_uid" ]; then
	tap_ok 1 "a free uid for DynamicUser= (61184-61284 are all taken)"
else
	read -ra families <<<"${unit[RestrictAddressFamilies]}"
	unit_caps=$(givable "${unit[CapabilityBoundingSet]}")
	unit_start unit "${families[*]}" "$unit_caps" "${unit_args[@]}"
	tap_ok $? "under the unit's restrictions (uid $dynamic_uid, $unit_caps, ${families[*]}): started"
	tap_diag <"$SANDBOXED_LOG" | grep -v "hook \|CO-RE" | tail -8
	grep -q "^ipc_exporter: files are told by their operations" "$SANDBOXED_LOG"
	tap_ok $? "under the unit: the file kinds are learned (a socket, a FIFO in the private /tmp, a pty)"
	EXPORTER_PORT=$port
	count_cases "under the unit"
	if [ -n "$own_addr" ]; then
		own_udp_case "under the unit" "$own_addr"
		[ -n "$own_addr6" ] && own_udp_case "under the unit" "$own_addr6"
		scrape "$TEST_TMP/unit_page"
		tap_eq "$(series_value "$TEST_TMP/unit_page" ipc_exporter_local_address_errors_total)" 0 \
			"under the unit: the host's addresses were learned (ipc_exporter_local_address_errors_total 0)"
		known=$(series_value "$TEST_TMP/unit_page" ipc_exporter_local_addresses)
		tap_ok $((known >= 2 ? 0 : 1)) "under the unit: ipc_exporter_local_addresses counts loopback and this host's ($known)"
	else
		echo "ok $((TAP_COUNT += 1)) # SKIP this host has no address but loopback: UDP to its own address not tested"
	fi
	"$CURL" -sf -o /dev/null "http://[::1]:$port/"
	tap_ok $? "under the unit: it answers on IPv6 too ([::1]:$port, AF_INET6)"
	exporter=$(exporter_pid_under "$SANDBOXED_PID")
	status=$(cat /proc/"$exporter"/status 2>/dev/null)
	tap_eq "$(awk '$1 == "Uid:" { print $2 }' <<<"$status")" "$dynamic_uid" "under the unit: it runs as the dynamic uid"
	tap_eq "$(awk '$1 == "Seccomp:" { print $2 }' <<<"$status")" 2 "under the unit: under the seccomp filter"
	hwm=$(awk '$1 == "VmHWM:" { print $2 }' <<<"$status")
	max=${unit[MemoryMax]%M}
	tap_ok $((hwm < max * 1024 ? 0 : 1)) "under the unit: peak resident ${hwm} kB is under MemoryMax=${unit[MemoryMax]}"
	threads=$(awk '$1 == "Threads:" { print $2 }' <<<"$status")
	tap_ok $((threads < ${unit[TasksMax]} ? 0 : 1)) "under the unit: $threads threads, under TasksMax=${unit[TasksMax]}"
	kill -HUP "$exporter"
	sleep 0.3
	"$CURL" -sf -o /dev/null "http://127.0.0.1:$port/"
	tap_ok $? "under the unit: ExecReload's SIGHUP leaves it serving"
	sandboxed_stop
	tap_eq $? 0 "under the unit: SIGTERM, clean exit"

	# Each family the unit allows is needed: without it, what it is for fails.
	without() { local f out=; for f in "${families[@]}"; do [ "$f" = "$1" ] || out+=" $f"; done; echo "$out"; }
	for family in "${families[@]}"; do
		case $family in
		AF_NETLINK)
			unit_start no-netlink "$(without AF_NETLINK)" "$unit_caps" "${unit_args[@]}"
			tap_ok $? "without AF_NETLINK: started"
			if [ -n "$own_addr" ]; then
				scrape "$TEST_TMP/before"
				prefix=$(unique_prefix n)
				"$UDP" forms "$prefix" "$own_addr" recvfrom unconnected 40 100 >"$TEST_TMP/truth"
				scrape "$TEST_TMP/after"
				tap_eq "$(series_value "$TEST_TMP/after" \
					"ipc_messages_total{mechanism=\"loopback-udp\",src_comm=\"$prefix-cli0\",dst_comm=\"$prefix-srv0\"}")" 0 \
					"without AF_NETLINK (the negative control): UDP to $own_addr is not counted"
			fi
			errors=$(series_value "$TEST_TMP/after" ipc_exporter_local_address_errors_total)
			tap_ok $((errors > 0 ? 0 : 1)) "without AF_NETLINK: ipc_exporter_local_address_errors_total says so ($errors)"
			tap_eq "$(series_value "$TEST_TMP/after" ipc_exporter_scrape_error)" 1 "without AF_NETLINK: ipc_exporter_scrape_error 1"
			;;
		AF_UNIX)
			unit_start no-unix "$(without AF_UNIX)" "$unit_caps" "${unit_args[@]}"
			tap_ok $? "without AF_UNIX: started"
			grep -q "file operations of a socket could not be learned" "$SANDBOXED_LOG"
			tap_ok $? "without AF_UNIX: the socket's file kind is not learned (every read and write then costs more)"
			;;
		AF_INET6)
			unit_start no-inet6 "$(without AF_INET6)" "$unit_caps" "${unit_args[@]}"
			tap_ok $? "without AF_INET6: started (IPv4 alone)"
			"$CURL" -sf -o /dev/null --max-time 5 "http://[::1]:$port/"
			tap_ok $((! $?)) "without AF_INET6: nothing answers on [::1]:$port"
			;;
		AF_INET)
			# :PORT is served over IPv6 (IPv4-mapped too), so an IPv4 address it is
			unit_start no-inet "$(without AF_INET)" "$unit_caps" "${unit_args[@]}" \
				--web.listen-address=127.0.0.1:$((port + 1))
			tap_ok $((! $?)) "without AF_INET: an IPv4 listen address cannot be served (nor any on a host without IPv6)"
			tap_diag <"$SANDBOXED_LOG" | grep -v "hook \|CO-RE" | tail -2
			;;
		*) tap_ok 1 "the unit allows $family: the harness knows no use for it" ;;
		esac
		sandboxed_stop
	done

	# Each capability it gives is needed, but CAP_SYS_RESOURCE from 5.11 on.
	kernel=$(uname -r)
	kernel_5_11=$([ "$(printf '%s\n' 5.11 "${kernel%%-*}" | sort -V | head -1)" = 5.11 ] && echo yes || echo no)
	for cap in ${unit[CapabilityBoundingSet]}; do
		if [[ " $unit_caps " != *" $cap "* ]]; then
			echo "ok $((TAP_COUNT += 1)) # SKIP without $cap: this test cannot give it in the first place"
			continue
		fi
		caps=
		for c in $unit_caps; do [ "$c" = "$cap" ] || caps+=" $c"; done
		unit_start "no-$cap" "${families[*]}" "$caps" "${unit_args[@]}"
		started=$?
		sandboxed_stop
		if [ "$cap" = CAP_SYS_RESOURCE ] && [ "$kernel_5_11" = yes ]; then
			tap_ok $started "without CAP_SYS_RESOURCE: started ($kernel charges BPF memory to the cgroup, 5.11+)"
		else
			tap_ok $((! started)) "without $cap: refused"
			grep -q "lacks .*$cap" "$SANDBOXED_LOG"
			tap_ok $? "without $cap: the error names it"
			tap_diag <"$SANDBOXED_LOG" | grep -v "hook \|CO-RE" | tail -1
		fi
	done
fi

# ---- the Kubernetes manifests, the Containerfile, prometheus.yml ------------
python3 - "$K8S" "$CONTAINERFILE" "$PROM_CONFIG" "$RULES" "$TOP_SRCDIR/dashboards/ipc_exporter.json" \
	>"$TEST_TMP/manifests" <<'EOF'
import json, re, shlex, sys, yaml
k8s, containerfile, prom, rules, dashboard = sys.argv[1:]
ds = yaml.safe_load(open(k8s + "/daemonset.yaml"))
svc = yaml.safe_load(open(k8s + "/service.yaml"))
pm = yaml.safe_load(open(k8s + "/podmonitor.yaml"))
pod = ds["spec"]["template"]
c = pod["spec"]["containers"][0]
sc = c["securityContext"]
def out(key, value):
    print(f"{key}\t{value}")
out("args", " ".join(shlex.quote(a) for a in c.get("args", [])))
out("command", " ".join(c.get("command", [])))
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
out("container_ports", " ".join(f"{k}={v}" for k, v in sorted(ports.items())))
probe = c["livenessProbe"]["httpGet"]
out("probe_path", probe["path"])
out("probe_port", ports.get(probe["port"], probe["port"]))
out("probe_scheme", probe.get("scheme", "HTTP"))
out("cap_add", " ".join(sc["capabilities"]["add"]))
out("cap_drop", " ".join(sc["capabilities"]["drop"]))
out("run_as_user", sc.get("runAsUser", ""))
out("read_only_root", sc.get("readOnlyRootFilesystem"))
out("no_escalation", sc.get("allowPrivilegeEscalation") is False)
out("host_pid", pod["spec"].get("hostPID", False))
out("host_network", pod["spec"].get("hostNetwork", False))
volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
for m in c["volumeMounts"]:
    v = volumes[m["name"]]
    kind = "hostPath " + v["hostPath"]["path"] if "hostPath" in v else ",".join(k for k in v if k != "name")
    out("mount", f"{m['mountPath']} {bool(m.get('readOnly'))} {kind}")
# the Service and PodMonitor reach the pods by the port's name, the same labels
labels = pod["metadata"]["labels"]
def selects(selector):
    return all(labels.get(k) == v for k, v in selector.items())
out("ds_selector_ok", selects(ds["spec"]["selector"]["matchLabels"]))
out("svc_selector_ok", selects(svc["spec"]["selector"]))
out("svc_port", " ".join(f"{p['targetPort']}={ports.get(p['targetPort'], '?')}/{p['port']}" for p in svc["spec"]["ports"]))
out("pm_selector_ok", selects(pm["spec"]["selector"]["matchLabels"]))
out("pm_namespace_ok", ds["metadata"]["namespace"] in pm["spec"]["namespaceSelector"]["matchNames"])
out("pm_ports", " ".join(f"{e['port']}={ports.get(e['port'], '?')}" for e in pm["spec"]["podMetricsEndpoints"]))
out("pm_job", labels.get(pm["spec"].get("jobLabel", ""), "(namespace/name)"))
# what the alert rules and the dashboard expect of job
jobs = set(re.findall(r'job="([^"]+)"', open(rules).read()))
out("rules_jobs", " ".join(sorted(jobs)))
d = json.load(open(dashboard))
out("dashboard_job_variable", any(v.get("name") == "job" for v in d["templating"]["list"]))
p = yaml.safe_load(open(prom))
out("prom_jobs", " ".join(s["job_name"] for s in p["scrape_configs"]))
out("prom_ports", " ".join(sorted({t.rsplit(":", 1)[1] for s in p["scrape_configs"] for sc_ in s.get("static_configs", []) for t in sc_["targets"]})))
# the Containerfile: ENTRYPOINT and CMD (exec form), EXPOSE
text = open(containerfile).read()
for word in ("ENTRYPOINT", "CMD", "EXPOSE", "USER"):
    m = re.search(rf"^{word}\s+(.*)$", text, re.M)
    value = m.group(1) if m else ""
    if value.startswith("["):
        value = " ".join(shlex.quote(a) for a in json.loads(value))
    out(word.lower(), value)
EOF
tap_ok $? "the manifests, Containerfile and prometheus.yml parse"
declare -A m
while IFS=$'\t' read -r key value; do
	[ "$key" = mount ] && { m[mounts]+="$value"$'\n'; continue; }
	m[$key]=$value
done <"$TEST_TMP/manifests"
tap_diag <"$TEST_TMP/manifests"

eval "ds_args=(${m[args]})"
eval "entrypoint=(${m[entrypoint]})"
eval "cmd=(${m[cmd]})"
check_flags "the DaemonSet's args" "${ds_args[@]}"
check_flags "the Containerfile's CMD" "${cmd[@]}"
tap_eq "${entrypoint[*]}" /usr/bin/ipc_exporter "the Containerfile's ENTRYPOINT is the packaged exporter"
tap_eq "${m[command]}" "" "the DaemonSet keeps the image's ENTRYPOINT (args only)"
ds_port=$(port_of "${ds_args[@]}")
tap_eq "${m[container_ports]}" "metrics=$ds_port" "containerPort metrics is the port of --web.listen-address ($ds_port)"
tap_eq "${m[probe_port]}" "$ds_port" "the liveness probe asks that port"
tap_eq "${m[svc_port]}" "metrics=$ds_port/$ds_port" "the Service's port is the container's, by name"
tap_eq "${m[pm_ports]}" "metrics=$ds_port" "the PodMonitor scrapes the container's port, by name"
tap_eq "${m[expose]}" "$(port_of "${cmd[@]}")" "the Containerfile EXPOSEs its CMD's port"
tap_eq "$(port_of "${cmd[@]}")" "$ds_port" "the image and the DaemonSet serve on one port"
tap_eq "${m[ds_selector_ok]}/${m[svc_selector_ok]}/${m[pm_selector_ok]}/${m[pm_namespace_ok]}" True/True/True/True \
	"the DaemonSet, Service and PodMonitor select the pods by their labels, in their namespace"
tap_eq "${m[pm_job]}" "${m[rules_jobs]}" "the PodMonitor's job is the one the alert rules use"
tap_eq "${m[prom_jobs]}" "${m[rules_jobs]}" "prometheus.yml's job_name is the one the alert rules use"
tap_eq "${m[dashboard_job_variable]}" True "the dashboard selects by job"
tap_eq "${m[prom_ports]}" "$default_port" "prometheus.yml's targets are on the default port"
sed "s|/usr/share/ipc_exporter/prometheus/ipc_exporter_alerts.yml|$RULES|" "$PROM_CONFIG" >"$TEST_TMP/prometheus.yml"
out=$("$PROMTOOL" check config "$TEST_TMP/prometheus.yml" 2>&1)
tap_ok $? "promtool check config accepts prometheus.yml (with the repository's rules)"
echo "$out" | tap_diag
tap_eq "${m[read_only_root]}/${m[no_escalation]}/${m[cap_drop]}" True/True/ALL \
	"the DaemonSet: read-only root, no privilege escalation, every capability dropped first"
grep -q "SYS_RESOURCE.*5\.11" "$K8S/daemonset.yaml"
tap_ok $? "the DaemonSet says SYS_RESOURCE is needed before 5.11 only"
while read -r path readonly kind; do
	[ -n "$path" ] || continue
	case $kind in
	"hostPath "*)
		tap_ok "$([ -e "${kind#hostPath }" ]; echo $?)" "the hostPath ${kind#hostPath } exists"
		tap_eq "$readonly" True "the hostPath $path is mounted read-only"
		;;
	*) echo "$path: $kind, writable" | tap_diag ;;
	esac
done <<<"${m[mounts]}"
writable=$(awk '$2 == "False" { print $1 }' <<<"${m[mounts]}" | tr '\n' ' ')
tap_eq "$writable" "" "the DaemonSet mounts nothing writable"

# The container: root, bounded to exactly the added capabilities, no new
# privileges, the root read-only, a /dev of its own with a writable
# /dev/shm (as every container has), the host's pid and network namespaces.
k8s_caps=
for c in $(givable "$(for c in ${m[cap_add]}; do echo CAP_$c; done)"); do c=${c#CAP_}; k8s_caps+="${k8s_caps:+,}+${c,,}"; done
container_start() { # NAME SHM(rw|ro) CAPS PIDNS(host|own) NETNS(host|own)
	local ns=() args=("${ds_args[@]}")
	[ "$4" = own ] && ns+=(-p -f --kill-child=SIGTERM --mount-proc)
	[ "$5" = own ] && ns+=(-n)
	args=("${args[@]/#--web.listen-address=*/--web.listen-address=:$kport}")
	sandboxed_start "$1" in_sandbox ro - "$([ "$2" = ro ] && echo private-ro-shm || echo private)" unshare "${ns[@]}" \
		setpriv --bounding-set=-all${3:+,$3} --inh-caps=-all --no-new-privs \
		"$STAGE/src/ipc_exporter" "${args[@]}"
}
kport=$((20000 + RANDOM % 20000))
tap_eq "${m[run_as_user]}" 0 "the DaemonSet runs the exporter as root in the container (capabilities, not ambient ones)"
container_start container rw "$k8s_caps" host host
tap_ok $? "as the DaemonSet runs it (root, ${m[cap_add]} only, no new privileges, read-only root): started"
tap_diag <"$SANDBOXED_LOG" | grep -v "hook \|CO-RE" | tail -4
grep -q "^ipc_exporter: files are told by their operations" "$SANDBOXED_LOG"
tap_ok $? "as the DaemonSet runs it: the file kinds are learned (its FIFO made in /dev/shm)"
code=$("$CURL" -s -o /dev/null -w '%{http_code}' "${m[probe_scheme],,}://127.0.0.1:$kport${m[probe_path]}")
tap_eq "$code" 200 "the liveness probe ${m[probe_path]} answers 200"
EXPORTER_PORT=$kport
count_cases "as the DaemonSet runs it"
[ -n "$own_addr" ] && own_udp_case "as the DaemonSet runs it (hostNetwork)" "$own_addr"
sandboxed_stop
tap_eq $? 0 "as the DaemonSet runs it: SIGTERM, clean exit"

for cap in ${m[cap_add]}; do
	caps=
	for c in ${m[cap_add]}; do [ "$c" = "$cap" ] || caps+="${caps:+,}+${c,,}"; done
	container_start "k8s-no-$cap" rw "$caps" host host
	tap_ok $((! $?)) "the DaemonSet without $cap: refused"
	grep -q "lacks .*CAP_$cap" "$SANDBOXED_LOG"
	tap_ok $? "the DaemonSet without $cap: the error names CAP_$cap"
	sandboxed_stop
done

# The FIFO it makes for a moment at start needs a writable /tmp, /dev/shm
# or /run: a container's /dev/shm is one, so no volume is needed.  The
# negative control: with /dev/shm read-only too, the FIFO's kind is not
# learned.
container_start k8s-ro-shm ro "$k8s_caps" host host
tap_ok $? "with /dev/shm read-only too: started"
grep -q "file operations of a FIFO could not be learned" "$SANDBOXED_LOG"
tap_ok $? "with /dev/shm read-only too: the FIFO's file kind is not learned"
sandboxed_stop

# hostPID: in a pid namespace of its own the exporter knows itself as the
# kernel numbers it (its iterator notes it), so the file kinds are learned
# (they were not while it told the kernel its getpid()) and its ground
# truth is exact there too.  What needs the host's pid
# namespace: --process-labels=pid (refused without it), exe labels (the
# host's /proc/PID/exe) and, where the mechanism hooks attach (6.1+), the
# start bridge (the host's threads in /proc): so the DaemonSet has hostPID.
container_start k8s-own-pidns rw "$k8s_caps" own host
tap_ok $? "in a pid namespace of its own: started"
grep -q "^ipc_exporter: files are told by their operations" "$SANDBOXED_LOG"
tap_ok $? "in a pid namespace of its own: the file kinds are learned (it knows its pid as the kernel numbers it)"
EXPORTER_PORT=$kport
count_cases "in a pid namespace of its own"
sandboxed_stop
saved_args=("${ds_args[@]}")
ds_args+=(--process-labels=pid)
container_start k8s-own-pidns-pids rw "$k8s_caps" own host
tap_ok $((! $?)) "in a pid namespace of its own, --process-labels=pid: refused"
grep -q "pid namespace of its own" "$SANDBOXED_LOG"
tap_ok $? "... saying why (its pids would not be the host's)"
sandboxed_stop
ds_args=("${saved_args[@]}")
tap_eq "${m[host_pid]}" True "so the DaemonSet has hostPID: true (pid and exe labels, the start bridge)"

# hostNetwork: in a network namespace of its own (a pod's), the exporter
# knows that namespace's addresses, not the host's: UDP between two host
# processes over the host's address is not counted.
if [ -n "$own_addr" ]; then
	container_start k8s-own-netns rw "$k8s_caps" host own
	tap_ok $? "in a network namespace of its own: started"
	own_net_pid=$(exporter_pid_under "$SANDBOXED_PID")
	prefix=$(unique_prefix h)
	"$UDP" forms "$prefix" "$own_addr" recvfrom unconnected 40 100 >"$TEST_TMP/truth"
	nsenter -t "$own_net_pid" -n "$CURL" -sf "http://127.0.0.1:$kport/metrics" >"$TEST_TMP/netns_page"
	got=$(series_value "$TEST_TMP/netns_page" \
		"ipc_messages_total{mechanism=\"loopback-udp\",src_comm=\"$prefix-cli0\",dst_comm=\"$prefix-srv0\"}")
	sandboxed_stop
	tap_eq "$got" 0 "in a network namespace of its own: UDP to the host's $own_addr is not counted"
	tap_eq "${m[host_network]}" True "so the DaemonSet has hostNetwork: true"
fi
tap_finish
