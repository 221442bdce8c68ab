#!/bin/bash
# The memory deleted files pin, what leaked it, and `mapwatch release`: real
# JVMs hold MappedByteBuffers of deleted files (Holder.java). The cause is
# reported by scan and the agent; release frees what the JVM dropped, says
# when nothing was freed, works for a JVM in its own pid and mount namespaces,
# refuses a process that is no JVM (exit 4); page cache bytes match fincore
# for partly touched files shared between processes, each file once.
# usage: check-release.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
holder="$(cd "$(dirname "$0")" && pwd)/Holder.java"
work=$(mktemp -d /tmp/mapwatch-release.XXXXXX)
agent_pid="" jvm_pid="" ns_pid="" java_pid="" other_pid="" sharer_pid="" nobody_pid="" child=""

cleanup() {
	# the namespace's pid 1 is no child of ours: killed by its pid
	[ -n "$java_pid" ] && kill -9 "$java_pid" 2>/dev/null
	# nor is the sharer's forked child
	[ -n "$child" ] && kill -9 "$child" 2>/dev/null
	kill_and_reap $jvm_pid $ns_pid $other_pid $sharer_pid $nobody_pid
	[ -n "$agent_pid" ] && kill -INT "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	umount "$work/ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# snapshot_says PID EXPRESSION: the agent's snapshot, read whole, makes the
# Python EXPRESSION about process PID's entry p (None when not listed) true.
snapshot_says() {
	python3 - "$work/snapshot.json" "$1" "$2" <<'PY' 2>/dev/null
import json, sys
document = json.load(open(sys.argv[1]))
p = next((x for x in document["processes"] if x["pid"] == int(sys.argv[2])), None)
sys.exit(0 if eval(sys.argv[3]) else 1)
PY
}

# --help says what a GC costs; no or two --pid is bad usage
"$mapwatch" release --help >"$work/help" 2>&1
status=$?
[ "$status" -eq 0 ] && grep -q "^usage: mapwatch release --pid PID" "$work/help" &&
	grep -q "stop-the-world full collection" "$work/help" && grep -q "4 not a JVM" "$work/help" &&
	pass "release --help: the cost and the exit statuses" || fail "release --help: $status $(cat "$work/help")"
"$mapwatch" release >/dev/null 2>&1
status=$?
"$mapwatch" release --pid 1 --pid 2 >/dev/null 2>&1
status_two=$?
[ "$status" -eq 2 ] && [ "$status_two" -eq 2 ] && pass "release without one --pid: exit 2" ||
	fail "release without one --pid: status $status and $status_two"

"$mapwatch" agent --interval 0.2 --snapshot "$work/snapshot.json" \
	--textfile "$work/mapwatch.prom" --top 0 >"$work/agent.out" 2>"$work/agent.err" &
agent_pid=$!
wait_for -p "$agent_pid" -l "$work/agent.err" 120 "agent wrote a snapshot" \
	test -s "$work/snapshot.json" || { finish; exit 1; }

# A JVM with 3 deleted files of 64 pages, 16 of each touched. Its stdin is a
# fifo opened read-write here, so it reads "drop" when told and never blocks
# on the open. Run with -XX:+DisableExplicitGC, which GC.run ignores.
mkfifo "$work/jvm.in"
exec 7<>"$work/jvm.in"
mkdir "$work/files"
java -XX:+DisableExplicitGC "$holder" "$work/files" 3 64 16 <"$work/jvm.in" \
	>"$work/jvm.out" 2>"$work/jvm.err" &
jvm_pid=$!
wait_for -p "$jvm_pid" -l "$work/jvm.err" 180 "the JVM is ready" \
	grep -q '^ready' "$work/jvm.out" || { finish; exit 1; }

"$mapwatch" scan --pid "$jvm_pid" >"$work/scan.out" 2>&1
if grep -q "^    cause: jvm_mapped_buffers: .*(3 files: " "$work/scan.out"; then
	pass "scan: a JVM's deleted files are MappedByteBuffers awaiting a GC"
else
	fail "scan cause: $(cat "$work/scan.out")"
fi
"$mapwatch" scan --json --pid "$jvm_pid" >"$work/scan.json" 2>&1
if python3 - "$work/scan.json" "$jvm_pid" "$work/files" <<'PY'; then
import json, sys
document = json.load(open(sys.argv[1]))
p = next(x for x in document["processes"] if x["pid"] == int(sys.argv[2]))
cause = p["cause"]
assert document["version"] == 3, document["version"]
assert cause["name"] == "jvm_mapped_buffers" and cause["jvm"] and cause["files"] == 3, cause
assert sorted(cause["examples"]) == sorted(
    "%s/%020d.index" % (sys.argv[3], i * 1000) for i in range(3)), cause
PY
	pass "scan --json: the cause with its evidence"
else
	fail "scan --json cause: $(cat "$work/scan.json")"
fi
if wait_for -l "$work/agent.err" 120 "the agent reports the JVM's cause" \
	snapshot_says "$jvm_pid" 'p and p["orphaned_mappings"] == 3 and p["cause"]["name"] == "jvm_mapped_buffers"'; then
	pass "agent: the JVM's orphans and their cause"
fi

# Still referenced: the GC runs and frees nothing, and release says so.
"$mapwatch" release --pid "$jvm_pid" >"$work/held.out" 2>"$work/held.err"
status=$?
if [ "$status" -eq 3 ] && grep -q "^nothing was freed after a stop-the-world full GC" "$work/held.out" &&
	grep -q "^note: -XX:+DisableExplicitGC turns off System.gc() only" "$work/held.out" &&
	grep -q "^before: 3 deleted files" "$work/held.out" && grep -q "^after: 3 deleted files" "$work/held.out"; then
	pass "release: nothing freed while the buffers are referenced (exit 3)"
else
	fail "release of held buffers: status $status $(cat "$work/held.out" "$work/held.err")"
fi

echo drop >&7
wait_for -p "$jvm_pid" -l "$work/jvm.err" 60 "the JVM dropped its buffers" \
	grep -q '^dropped' "$work/jvm.out"
"$mapwatch" release --pid "$jvm_pid" >"$work/release.out" 2>"$work/release.err"
status=$?
if [ "$status" -eq 0 ] && grep -q "^GC.run will do a stop-the-world full GC" "$work/release.out" &&
	grep -q "^after: 0 deleted files" "$work/release.out" &&
	grep -q "^freed 3 of 3 deleted files" "$work/release.out"; then
	pass "release: a full GC unmaps the dropped buffers (exit 0)"
else
	fail "release: status $status $(cat "$work/release.out" "$work/release.err")"
fi
if [ "$(grep -c deleted "/proc/$jvm_pid/maps")" -eq 0 ]; then
	pass "release: /proc/$jvm_pid/maps maps no deleted file"
else
	fail "release: /proc/$jvm_pid/maps still has $(grep deleted "/proc/$jvm_pid/maps")"
fi
if wait_for -l "$work/agent.err" 120 "the agent sees the orphans go" \
	snapshot_says "$jvm_pid" 'p is None or p["orphaned_mappings"] == 0'; then
	pass "agent: the released JVM's orphans are gone"
fi

# Not a JVM: one line, exit 4, nothing asked of it.
sleep 1000 &
other_pid=$!
"$mapwatch" release --pid "$other_pid" >"$work/other.out" 2>"$work/other.err"
status=$?
if [ "$status" -eq 4 ] && [ ! -s "$work/other.out" ] && [ "$(wc -l <"$work/other.err")" -eq 1 ] &&
	grep -q "is not a JVM" "$work/other.err" && kill -0 "$other_pid"; then
	pass "release: a process that is no JVM is refused (exit 4)"
else
	fail "release of sleep: status $status $(cat "$work/other.out" "$work/other.err")"
fi
"$mapwatch" release --pid 4194304 >/dev/null 2>"$work/none.err"
status=$?
[ "$status" -eq 1 ] && grep -q "no such process" "$work/none.err" &&
	pass "release: no such process (exit 1)" || fail "release of no process: $status $(cat "$work/none.err")"

# The same JVM in its own pid and mount namespaces, with a /tmp of its own:
# the attach socket is only reachable through /proc/PID/root/tmp, and the
# JVM knows itself as pid 1. G1 with -XX:+ExplicitGCInvokesConcurrent.
mkfifo "$work/ns.in"
exec 8<>"$work/ns.in"
# The source is copied into the new /tmp: the tree may itself be under /tmp (a
# clone in /tmp), which the tmpfs hides.
unshare --pid --fork --kill-child --mount --mount-proc sh -c \
	'source=$(cat "$0") && mount -t tmpfs tmpfs /tmp && mkdir /tmp/files &&
	printf "%s\n" "$source" >/tmp/Holder.java &&
	exec java -XX:+ExplicitGCInvokesConcurrent /tmp/Holder.java /tmp/files 2 32 8' \
	"$holder" <"$work/ns.in" >"$work/ns.out" 2>"$work/ns.err" &
ns_pid=$!
if wait_for -p "$ns_pid" -l "$work/ns.err" 180 "the namespaced JVM is ready" grep -q '^ready 1$' "$work/ns.out"; then
	java_pid=$(pgrep -P "$ns_pid" | head -n 1)
	echo drop >&8
	wait_for -p "$ns_pid" -l "$work/ns.err" 60 "the namespaced JVM dropped its buffers" \
		grep -q '^dropped' "$work/ns.out"
	"$mapwatch" release --pid "$java_pid" >"$work/nsrelease.out" 2>"$work/nsrelease.err"
	status=$?
	if [ "$status" -eq 0 ] && grep -q "^GC.run will do a concurrent G1 cycle" "$work/nsrelease.out" &&
		grep -q "^before: 2 deleted files" "$work/nsrelease.out" &&
		grep -q "^freed 2 of 2 deleted files" "$work/nsrelease.out" &&
		[ ! -e /tmp/.java_pid1 ] && [ ! -e "/tmp/.java_pid$java_pid" ]; then
		pass "release: a JVM in its own pid and mount namespaces, concurrent G1 cycle"
	else
		fail "release in namespaces: status $status $(cat "$work/nsrelease.out" "$work/nsrelease.err")"
	fi
fi

# A JVM that runs as nobody: the attach file must be its own, and the socket
# is reached as its user.
chmod 711 "$work"
mkdir -m 777 "$work/nobody"
mkfifo -m 666 "$work/nobody.in"
exec 9<>"$work/nobody.in"
setpriv --reuid=65534 --regid=65534 --clear-groups java "$holder" "$work/nobody" 2 16 4 \
	<"$work/nobody.in" >"$work/nobody.out" 2>"$work/nobody.err" &
nobody_pid=$!
if wait_for -p "$nobody_pid" -l "$work/nobody.err" 180 "the JVM of nobody is ready" \
	grep -q '^ready' "$work/nobody.out"; then
	echo drop >&9
	wait_for -p "$nobody_pid" -l "$work/nobody.err" 60 "the JVM of nobody dropped its buffers" \
		grep -q '^dropped' "$work/nobody.out"
	"$mapwatch" release --pid "$nobody_pid" >"$work/nobody-release.out" 2>"$work/nobody-release.err"
	status=$?
	if [ "$status" -eq 0 ] && grep -q "^freed 2 of 2 deleted files" "$work/nobody-release.out" &&
		[ -z "$(ls -A /tmp | grep "^\.attach_pid$nobody_pid\$")" ]; then
		pass "release: a JVM running as another user, its attach file removed"
	else
		fail "release as nobody: status $status $(cat "$work/nobody-release.out" "$work/nobody-release.err")"
	fi
fi

# Page cache against fincore: one sparse deleted file of 256 pages, 10 of
# them written through the mapping, shared by a process and its child (and
# mapped twice in the parent), a second file of 8 pages with 3 written.
python3 - "$work" >"$work/sharer.out" 2>"$work/sharer.err" <<'PY' &
import mmap, os, sys, time
work = sys.argv[1]
held = []
def deleted(name, pages, written):
    path = os.path.join(work, name)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.ftruncate(fd, pages * 4096)
    mapping = mmap.mmap(fd, pages * 4096, mmap.MAP_SHARED)
    # no readahead: the pages written are the pages cached
    mapping.madvise(mmap.MADV_RANDOM)
    for page in range(written):
        mapping[page * 4096] = 1
    held.append(mapping)
    held.append(mmap.mmap(fd, pages * 4096, mmap.MAP_SHARED, mmap.PROT_READ))
    os.close(fd)
    os.unlink(path)
deleted("shared.bin", 256, 10)
deleted("small.bin", 8, 3)
child = os.fork()
if child == 0:
    time.sleep(3600)
    os._exit(0)
print("ready", os.getpid(), child, flush=True)
time.sleep(3600)
PY
sharer_pid=$!
if wait_for -p "$sharer_pid" -l "$work/sharer.err" 60 "the sharers are ready" ends_a_line "$work/sharer.out"; then
	read -r _ parent child <"$work/sharer.out"
	"$mapwatch" scan --json --pid "$parent" --pid "$child" >"$work/cache.json" 2>"$work/cache.err"
	truth=""
	for range in $(awk '/ \(deleted\)$/ {print $1}' "/proc/$parent/maps" | sort -u); do
		truth+="$(stat -L -c %i "/proc/$parent/map_files/$range") $(fincore --bytes --noheadings --output RES "/proc/$parent/map_files/$range")"$'\n'
	done
	if python3 - "$work/cache.json" "$parent" "$child" "$truth" <<'PY'; then
import json, sys
document = json.load(open(sys.argv[1]))
truth = {}
for line in sys.argv[4].split("\n"):
    if line.strip():
        ino, res = line.split()
        truth[int(ino)] = int(res)
assert len(truth) == 2, truth
# 10 and 3 pages written; fincore says what the kernel holds
problems = []
for pid in (int(sys.argv[2]), int(sys.argv[3])):
    p = next(x for x in document["processes"] if x["pid"] == pid)
    for orphan in p["orphans"]:
        if orphan["cached_bytes"] != truth[orphan["ino"]]:
            problems.append("pid %d ino %d: %s, fincore %d" % (pid, orphan["ino"], orphan["cached_bytes"], truth[orphan["ino"]]))
    if p["orphaned_files_cached_bytes"] != sum(truth.values()):
        problems.append("pid %d total %d, fincore %d" % (pid, p["orphaned_files_cached_bytes"], sum(truth.values())))
if document["orphaned_files_cached_bytes"] != sum(truth.values()):
    problems.append("host %d, fincore %d" % (document["orphaned_files_cached_bytes"], sum(truth.values())))
if min(truth.values()) <= 0 or max(truth.values()) >= 256 * 4096:
    problems.append("not partly touched: %s" % truth)
if problems:
    sys.exit("; ".join(problems))
PY
		pass "cached bytes match fincore, each shared file once"
	else
		fail "cached bytes: $(cat "$work/cache.err") truth: $truth"
	fi
	if wait_for -l "$work/agent.err" 120 "the textfile has the sharers' page cache" \
		grep -q "^mapwatch_process_orphaned_files_cached_bytes{pid=\"$parent\",.*} [1-9]" "$work/mapwatch.prom"; then
		pass "textfile: per-process cached bytes"
	fi
	grep -q "^mapwatch_orphaned_files_cached_bytes [0-9]" "$work/mapwatch.prom" &&
		pass "textfile: host cached bytes" || fail "textfile: no mapwatch_orphaned_files_cached_bytes"
fi

finish
