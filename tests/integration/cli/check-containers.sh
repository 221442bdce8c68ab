#!/bin/bash
# Processes in containers, as on a Kubernetes node: cgroups named as the
# kubelet and containerd name them (a pod's slice, a container's
# cri-containerd-ID.scope) and one outside. scan (text, --json, --textfile)
# and the agent (snapshot, textfile) carry each process's cgroup and
# container, the container label only where there is one; --cgroup keeps
# scan, the agent (seeded and new processes) and trace to one subtree.
# usage: check-containers.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
work=$(mktemp -d /tmp/mapwatch-containers.XXXXXX)
pids=()
agent_pid=""

mount_point=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
if [ -z "$mount_point" ]; then
	echo "FAIL: no cgroup v2 hierarchy is mounted"
	exit 1
fi
id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
uid=8d2f6c8e-3b1a-4c2d-9e5f-$(printf '%012x' $$)
base=/mapwatch-test-$$
pod=$base/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid//-/_}.slice
container=$pod/cri-containerd-$id.scope
other=$base/system.slice/other.service

cleanup() {
	kill_and_reap $agent_pid "${pids[@]}"
	# the deepest first: a cgroup goes once it has no children and no processes
	find "$mount_point$base" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$mount_point$container" "$mount_point$other" || {
	echo "FAIL: cannot make cgroups under $mount_point"
	exit 1
}

# holder NAME CGROUP: a process in CGROUP (moved there before it maps anything)
# holding a deleted file NAME; its pid in $holder.
holder() {
	bash -c 'echo $$ >"$1/cgroup.procs" && exec python3 -c "
import mmap, os, sys, time
path = sys.argv[1]
with open(path, \"wb\") as f:
    f.write(b\"x\" * 8192)
with open(path, \"r+b\") as f:
    held = mmap.mmap(f.fileno(), 8192)
os.unlink(path)
open(path + \".ready\", \"w\").close()
time.sleep(3600)
" "$2"' sh "$mount_point$2" "$work/$1" 2>>"$work/holders.err" &
	holder=$!
	pids+=("$holder")
	wait_for -p "$holder" -l "$work/holders.err" 60 "holder $1's orphan" test -e "$work/$1.ready" &&
		return 0
	finish
	exit 1
}

holder in-container "$container"
inside=$holder
holder outside "$other"
outside=$holder

# ---- scan ----
"$mapwatch" scan --json --pid "$inside" --pid "$outside" --textfile "$work/scan.prom" \
	>"$work/scan.json" 2>"$work/err"
if python3 - "$work/scan.json" "$inside" "$outside" "$container" "$other" "$id" "$uid" \
	>"$work/why" 2>&1 <<'EOF'; then
import json, sys
document = json.load(open(sys.argv[1]))
inside, outside = int(sys.argv[2]), int(sys.argv[3])
container, other, cid, uid = sys.argv[4:8]
by_pid = {p["pid"]: p for p in document["processes"]}
problems = []
want = {inside: (container, cid, uid), outside: (other, None, None)}
for pid, (cgroup, container_id, pod_uid) in want.items():
    p = by_pid.get(pid)
    if not p:
        problems.append("pid %d not listed" % pid)
        continue
    got = (p["cgroup"], p["container_id"], p["pod_uid"])
    if got != (cgroup, container_id, pod_uid):
        problems.append("pid %d: %s, wanted %s" % (pid, got, (cgroup, container_id, pod_uid)))
if problems:
    sys.exit("; ".join(problems))
EOF
	pass "scan --json: cgroup, container and pod of each process"
else
	fail "scan --json: $(cat "$work/why") $(cat "$work/err")"
fi
grep -q "^mapwatch_process_orphaned_bytes{pid=\"$inside\",comm=\"python3\",container=\"$id\"} 8192$" \
	"$work/scan.prom" && pass "scan --textfile: the container label on the container's process" ||
	fail "scan --textfile: $(grep "pid=\"$inside\"" "$work/scan.prom" | head -3)"
grep -q "^mapwatch_process_orphaned_bytes{pid=\"$outside\",comm=\"python3\"} 8192$" "$work/scan.prom" &&
	pass "scan --textfile: no container label outside containers" ||
	fail "scan --textfile outside: $(grep "pid=\"$outside\"" "$work/scan.prom" | head -3)"
grep -qF "mapwatch_process_cgroup_info{pid=\"$inside\",comm=\"python3\",container=\"$id\",cgroup=\"$container\",pod_uid=\"$uid\"} 1" \
	"$work/scan.prom" && pass "scan --textfile: the cgroup on its info series" ||
	fail "scan --textfile info: $(grep cgroup_info "$work/scan.prom" | head -3)"

"$mapwatch" scan --pid "$inside" >"$work/scan.txt" 2>"$work/err"
grep -qF "    container ${id:0:12}  pod $uid  cgroup $container" "$work/scan.txt" &&
	pass "scan table: the container under its process" || fail "scan table: $(cat "$work/scan.txt")"

# --cgroup: as /proc/PID/cgroup spells it, or as a directory under the mount.
for spelled in "$base/kubepods.slice" "$mount_point$base/kubepods.slice/"; do
	"$mapwatch" scan --json --cgroup "$spelled" >"$work/filtered.json" 2>"$work/err"
	listed=$(python3 -c 'import json, sys; print(" ".join(str(p["pid"]) for p in json.load(open(sys.argv[1]))["processes"]))' \
		"$work/filtered.json")
	[ "$listed" = "$inside" ] && pass "scan --cgroup $spelled: only the process under it" ||
		fail "scan --cgroup $spelled: listed '$listed', wanted $inside: $(cat "$work/err")"
done
"$mapwatch" scan --json --cgroup "$other" --cgroup "$container" >"$work/filtered.json" 2>"$work/err"
listed=$(python3 -c 'import json, sys; print(" ".join(sorted(str(p["pid"]) for p in json.load(open(sys.argv[1]))["processes"])))' \
	"$work/filtered.json")
[ "$listed" = "$(printf '%s\n' "$inside" "$outside" | sort | tr '\n' ' ' | sed 's/ $//')" ] &&
	pass "scan with two --cgroup: both" || fail "scan with two --cgroup: '$listed'"

# ---- agent --cgroup: a seeded process, a new one in the container, one outside ----
"$mapwatch" agent --interval 600 --top 0 --cgroup "$base/kubepods.slice" --snapshot "$work/s.json" \
	--textfile "$work/m.prom" >/dev/null 2>"$work/agent.err" &
agent_pid=$!
# started and seeded once its first snapshot is in: the holders below are new to it
wait_for_new_write -p "$agent_pid" -l "$work/agent.err" "$work/s.json" 1 ""
holder new-in-container "$container"
new_inside=$holder
holder new-outside "$other"
new_outside=$holder
# a write asked for drains the ring buffer first: it has both new holders
write_now -p "$agent_pid" -l "$work/agent.err" "$work/s.json"
if python3 - "$work/s.json" "$inside" "$new_inside" "$container" "$id" "$uid" >"$work/why" 2>&1 <<'EOF'; then
import json, sys
document = json.load(open(sys.argv[1]))
inside, new_inside = int(sys.argv[2]), int(sys.argv[3])
container, cid, uid = sys.argv[4:7]
listed = {p["pid"]: p for p in document["processes"]}
problems = []
if set(listed) != {inside, new_inside}:
    problems.append("listed %s, wanted %s" % (sorted(listed), sorted({inside, new_inside})))
for pid in (inside, new_inside):
    p = listed.get(pid)
    if p and (p["cgroup"], p["container_id"], p["pod_uid"], p["orphaned_mappings"]) != (container, cid, uid, 1):
        problems.append("pid %d: %s" % (pid, (p["cgroup"], p["container_id"], p["pod_uid"], p["orphaned_mappings"])))
if problems:
    sys.exit("; ".join(problems))
EOF
	pass "agent --cgroup: the seeded and the new process in the container, attributed; none outside"
else
	fail "agent --cgroup: $(cat "$work/why") $(cat "$work/agent.err")"
fi
grep -q "pid=\"$new_outside\"\|pid=\"$outside\"" "$work/m.prom" &&
	fail "agent textfile: a process outside the --cgroup" ||
	pass "agent textfile: nothing outside the --cgroup"
grep -q "^mapwatch_process_orphaned_mappings{pid=\"$new_inside\",comm=\"python3\",container=\"$id\"} 1$" \
	"$work/m.prom" && pass "agent textfile: the new process with its container label" ||
	fail "agent textfile: $(grep "pid=\"$new_inside\"" "$work/m.prom" | head -3)"
kill -TERM "$agent_pid"
wait "$agent_pid"
agent_pid=""

# ---- trace --cgroup: events of the container's processes only ----
# Attached once it prints: a process started in the container, until it does.
"$mapwatch" trace --cgroup "$container" >"$work/trace.txt" 2>"$work/trace.err" &
agent_pid=$!
# in_container: a process started in the container, gone at once
in_container() { sh -c 'echo $$ >"$1/cgroup.procs" && exec true' sh "$mount_point$container"; }
attached=0
wait_for_trace -l "$work/trace.err" "$work/trace.txt" "$agent_pid" in_container && attached=1
holder traced-in-container "$container"
traced_inside=$holder
holder traced-outside "$other"
traced_outside=$holder
# Then one more process in the container: once trace prints it, all that came
# before it in the ring buffer is printed too, the outside holder's events
# among them were they let through.
if [ "$attached" -eq 1 ]; then
	sh -c 'echo $$ >"$1/cgroup.procs" && exec true' sh "$mount_point$container" &
	marker=$!
	wait "$marker"
	poll 60 grep -q " pid=$marker " "$work/trace.txt"
fi
kill -INT "$agent_pid"
wait "$agent_pid"
agent_pid=""
grep -qE "^[0-9:.]+ mmap pid=$traced_inside .* name=traced-in-container " "$work/trace.txt" &&
	pass "trace --cgroup: the mapping in the container" ||
	fail "trace --cgroup: no mmap of $traced_inside: $(head -c 600 "$work/trace.txt") $(cat "$work/trace.err")"
grep -qE " pid=$traced_outside " "$work/trace.txt" &&
	fail "trace --cgroup: an event of a process outside" ||
	pass "trace --cgroup: nothing from outside"

finish
