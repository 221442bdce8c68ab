#!/bin/bash
# The page cache deleted files pin, as the agent reads it in the kernel once
# an interval and scan reads it with cachestat(2), against fincore: four
# sparse files with a known few pages touched, one of them mapped by four
# processes in two containers and outside any (and twice by one), each file
# counted once per process, per container and on the host. The sums per
# container in the JSON and the textfile, and the processes per leak cause.
# usage: check-page-cache.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
work=$(mktemp -d /tmp/mapwatch-cache.XXXXXX)
page=$(getconf PAGESIZE)
pids=()
children=()
agent_pid=""

mount_point=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
if [ -z "$mount_point" ]; then
	echo "FAIL: no cgroup v2 hierarchy is mounted"
	exit 1
fi
id_a=aaaaaaaaaaaa0123456789abcdef0123456789abcdef0123456789abcdef$(printf '%04x' $(($$ % 65536)))
id_b=bbbbbbbbbbbb0123456789abcdef0123456789abcdef0123456789abcdef$(printf '%04x' $(($$ % 65536)))
base=/mapwatch-cache-test-$$
cgroup_a=$base/system.slice/docker-$id_a.scope
cgroup_b=$base/kubepods.slice/cri-containerd-$id_b.scope
cgroup_out=$base/system.slice/other.service

cleanup() {
	# the forked child is no child of ours: killed by its pid
	for child in "${children[@]}"; do
		kill -9 "$child" 2>/dev/null
	done
	kill_and_reap $agent_pid "${pids[@]}"
	# the deepest first: a cgroup goes once it has no children and no processes
	find "$mount_point$base" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$mount_point$cgroup_a" "$mount_point$cgroup_b" "$mount_point$cgroup_out" || {
	echo "FAIL: cannot make cgroups under $mount_point"
	exit 1
}

# Maps each SPEC'd file (path:pages:first:count:w|r:copies), touches count
# pages from first (writes or reads) through the last copy, with no
# readahead, so those pages and no others are brought into the page cache.
cat >"$work/holder.py" <<'PY'
import mmap, os, sys, time
ready, page, fork = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "fork"
held = []
for spec in sys.argv[4:]:
    path, pages, first, count, mode, copies = spec.split(":")
    pages, first, count, copies = int(pages), int(first), int(count), int(copies)
    fd = os.open(path, os.O_RDWR)
    for _ in range(copies):
        mapping = mmap.mmap(fd, pages * page, mmap.MAP_SHARED)
        mapping.madvise(mmap.MADV_RANDOM)
        held.append(mapping)
    os.close(fd)
    for at in range(first, first + count):
        if mode == "w":
            held[-1][at * page] = 1
        else:
            held[-1][at * page]
if fork:
    child = os.fork()
    if child == 0:
        time.sleep(3600)
        os._exit(0)
    with open(ready + ".child", "w") as out:
        out.write("%d\n" % child)
open(ready, "w").close()
time.sleep(3600)
PY

# holder NAME CGROUP fork|alone SPEC...: a process moved into CGROUP before
# it maps anything (exec'd there, so the agent reads the cgroup it runs in);
# its pid in $holder.
holder() {
	local name=$1 cgroup=$2
	shift 2
	bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec python3 "$@"' sh "$mount_point$cgroup" \
		"$work/holder.py" "$work/$name.ready" "$page" "$@" 2>>"$work/holders.err" &
	holder=$!
	pids+=("$holder")
	wait_for -p "$holder" -l "$work/holders.err" 60 "holder $name's mappings" test -e "$work/$name.ready" &&
		return 0
	finish
	exit 1
}

for file in shared:256 a:8 b:64 c:16; do
	truncate -s $((${file#*:} * page)) "$work/${file%:*}.bin"
done

"$mapwatch" agent --interval 0.2 --top 0 --cgroup "$base" --snapshot "$work/snapshot.json" \
	--textfile "$work/mapwatch.prom" >"$work/agent.out" 2>"$work/agent.err" &
agent_pid=$!
wait_for -p "$agent_pid" -l "$work/agent.err" 120 "agent wrote a snapshot" \
	test -s "$work/snapshot.json" || { finish; exit 1; }

# In container A, 10 pages of the shared file written (mapped twice) and 3
# of a, shared with a forked child; in container B, 5 pages of the shared
# file read and 7 of b written; outside, the shared file untouched, 2 of c.
holder in-a "$cgroup_a" fork "$work/shared.bin:256:0:10:w:2" "$work/a.bin:8:2:3:w:1"
in_a=$holder
read -r in_a_child <"$work/in-a.ready.child"
children+=("$in_a_child")
holder in-b "$cgroup_b" alone "$work/shared.bin:256:100:5:r:1" "$work/b.bin:64:10:7:w:1"
in_b=$holder
holder outside "$cgroup_out" alone "$work/shared.bin:256:0:0:r:1" "$work/c.bin:16:0:2:w:1"
outside=$holder
rm "$work"/*.bin

# truth: "ino bytes" per deleted file, from fincore through the holders' mappings
truth() {
	local pid range
	for pid in "$in_a" "$in_b" "$outside"; do
		for range in $(awk '/ \(deleted\)$/ {print $1}' "/proc/$pid/maps"); do
			echo "$(stat -L -c %i "/proc/$pid/map_files/$range")" \
				"$(fincore --bytes --noheadings --output RES "/proc/$pid/map_files/$range")"
		done
	done | sort -u >"$work/truth"
}

# agrees SNAPSHOT SOURCE: the snapshot's figures match fincore's, each file
# once per process, container and host, all measured by SOURCE; why not in $work/why.
agrees() {
	truth
	python3 - "$1" "$2" "$work/truth" "$page" "$in_a" "$in_a_child" "$in_b" "$outside" \
		"$id_a" "$id_b" >"$work/why" 2>&1 <<'PY'
import json, sys
document = json.load(open(sys.argv[1]))
source = sys.argv[2]
page = int(sys.argv[4])
in_a, in_a_child, in_b, outside = (int(x) for x in sys.argv[5:9])
id_a, id_b = sys.argv[9:11]
truth = {}
for line in open(sys.argv[3]):
    ino, res = line.split()
    truth[int(ino)] = int(res)
problems = []
if len(truth) != 4:
    sys.exit("fincore saw %d deleted files: %s" % (len(truth), truth))
processes = {p["pid"]: p for p in document["processes"]}
inos = {}
for pid in (in_a, in_a_child, in_b, outside):
    p = processes.get(pid)
    if not p:
        problems.append("pid %d not listed" % pid)
        continue
    mapped = set()
    for orphan in p["orphans"]:
        mapped.add(orphan["ino"])
        if orphan["cached_bytes"] != truth.get(orphan["ino"]):
            problems.append("pid %d ino %d: %s, fincore %s" % (pid, orphan["ino"], orphan["cached_bytes"], truth.get(orphan["ino"])))
    inos[pid] = mapped
    want = sum(truth[i] for i in mapped if i in truth)
    if len(mapped) != 2 or p["orphaned_files_cached_bytes"] != want:
        problems.append("pid %d: %d files, %d bytes, fincore %d" % (pid, len(mapped), p["orphaned_files_cached_bytes"], want))
if problems:
    sys.exit("; ".join(problems))
total = sum(truth.values())
if document["orphaned_files"] != 4 or document["orphaned_files_cached_bytes"] != total:
    problems.append("host: %d files, %d bytes, fincore %d" % (document["orphaned_files"], document["orphaned_files_cached_bytes"], total))
sources = document["cached_bytes_sources"]
if sources != {"kernel": 4 if source == "kernel" else 0, "cachestat": 4 if source == "cachestat" else 0, "unmeasured": 0}:
    problems.append("sources %s, wanted all 4 by %s" % (sources, source))
containers = {c["container_id"]: c for c in document["containers"]}
want = {
    id_a: (2, 2, sum(truth[i] for i in inos[in_a])),
    id_b: (1, 2, sum(truth[i] for i in inos[in_b])),
}
got = {cid: (c["processes"], c["orphaned_files"], c["orphaned_files_cached_bytes"]) for cid, c in containers.items()}
if got != want:
    problems.append("containers %s, wanted %s" % (got, want))
# the figures are a known few pages, not the whole files: 10 written and 5
# read of the shared file, 3, 7 and 2 of the others (fincore may see more,
# never fewer)
shared = (inos[in_a] & inos[in_b]).pop()
if truth[shared] < 15 * page or truth[shared] >= 256 * page:
    problems.append("shared file not partly cached: %d" % truth[shared])
if min(truth.values()) < 2 * page:
    problems.append("a file not cached: %s" % truth)
if problems:
    sys.exit("; ".join(problems))
PY
}

# asks the agent for a snapshot taken after the truth, until they agree
agent_agrees() {
	write_now -p "$agent_pid" -l "$work/agent.err" "$work/snapshot.json" &&
		cp "$work/snapshot.json" "$work/agreed.json" && agrees "$work/agreed.json" kernel
}
if poll -p "$agent_pid" 120 agent_agrees; then
	pass "agent: cached bytes read in the kernel match fincore, per file, process, container and host"
else
	fail "agent: $(cat "$work/why") truth: $(cat "$work/truth" | tr '\n' ' ')$(tails "$work/agent.err")"
fi

# the textfile of the same agent: the per-container families, under --top
sample() { awk -v name="$1" '$1 == name { print $2 }' "$work/mapwatch.prom"; }
textfile_agrees() {
	truth
	local total a b
	total=$(awk '{ sum += $2 } END { print sum }' "$work/truth")
	# each container's sum is its files', the shared one once
	a=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(next(c["orphaned_files_cached_bytes"] for c in d["containers"] if c["container_id"] == sys.argv[2]))' \
		"$work/agreed.json" "$id_a")
	b=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(next(c["orphaned_files_cached_bytes"] for c in d["containers"] if c["container_id"] == sys.argv[2]))' \
		"$work/agreed.json" "$id_b")
	[ "$(sample mapwatch_orphaned_files_cached_bytes)" = "$total" ] &&
		[ "$(sample "mapwatch_container_orphaned_files_cached_bytes{container=\"$id_a\"}")" = "$a" ] &&
		[ "$(sample "mapwatch_container_orphaned_files_cached_bytes{container=\"$id_b\"}")" = "$b" ] &&
		[ "$(sample "mapwatch_container_orphaned_files{container=\"$id_a\"}")" = 2 ] &&
		[ "$(sample "mapwatch_processes_with_orphans{cause=\"none\"}")" = 4 ] &&
		[ "$(sample "mapwatch_processes_with_orphans{cause=\"jvm_mapped_buffers\"}")" = 0 ]
}
if poll -p "$agent_pid" 60 textfile_agrees; then
	pass "agent textfile: host and per-container cached bytes, processes per cause"
else
	fail "agent textfile: $(grep -E "^mapwatch_(orphaned_files_cached_bytes|container_|processes_with)" "$work/mapwatch.prom")"
fi
# promtool: 0 clean, 3 lint findings; the only ones allowed are the _count
# suffixes of the two names deploy/reference.md ("Metrics") keeps
if command -v promtool >/dev/null; then
	promtool check metrics <"$work/mapwatch.prom" >"$work/promtool.out" 2>&1
	status=$?
	if { [ "$status" -eq 0 ] || [ "$status" -eq 3 ]; } &&
		! grep -v -e '^mapwatch_max_map_count non-histogram' -e '^mapwatch_process_map_count non-histogram' \
			"$work/promtool.out" | grep -q .; then
		pass "agent textfile: promtool check metrics"
	else
		fail "promtool ($status): $(cat "$work/promtool.out")"
	fi
fi

# --top 1: only the container with the most page cache keeps its series
kill -TERM "$agent_pid"
wait "$agent_pid"
agent_pid=""
"$mapwatch" scan --json --cgroup "$base" --top 1 --textfile "$work/scan.prom" \
	>"$work/scan.json" 2>"$work/scan.err"
if agrees "$work/scan.json" cachestat; then
	pass "scan: cached bytes measured with cachestat(2) match fincore, per file, process, container and host"
else
	fail "scan: $(cat "$work/why") $(cat "$work/scan.err")"
fi
top=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["containers"][0]["container_id"])' "$work/scan.json")
series=$(grep -c "^mapwatch_container_orphaned_files_cached_bytes{" "$work/scan.prom")
[ "$series" -eq 1 ] && grep -q "^mapwatch_container_orphaned_files_cached_bytes{container=\"$top\"} [1-9]" "$work/scan.prom" &&
	pass "scan --top 1: one container series, the one with the most page cache" ||
	fail "scan --top 1: $series series: $(grep "^mapwatch_container_" "$work/scan.prom")"

finish
