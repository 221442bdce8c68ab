#!/bin/bash
# Black-box checks of the mapwatch binary as a user meets it: exit statuses,
# one-line errors, faults named with their fix, files never half-written.
# usage: check-cli.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
work=$(mktemp -d /tmp/mapwatch-cli.XXXXXX)
chmod 1777 "$work"
agent_pid=""
trace_pid=""

cleanup() {
	kill_and_reap $agent_pid $trace_pid
	rm -rf "$work"
}
trap cleanup EXIT

# expect_exit NAME STATUS STDERR_PATTERN -- command...
expect_exit() {
	local name=$1 want=$2 pattern=$3
	shift 4
	"$@" >"$work/out" 2>"$work/err"
	local got=$?
	local lines
	lines=$(wc -l <"$work/err")
	if [ "$got" -ne "$want" ]; then
		fail "$name: exit $got, wanted $want; stderr: $(cat "$work/err")"
	elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$work/err"; then
		fail "$name: stderr lacks '$pattern': $(cat "$work/err")"
	elif [ "$want" -ne 0 ] && [ "$lines" -ne 1 ]; then
		fail "$name: $lines lines on stderr, wanted one: $(cat "$work/err")"
	else
		pass "$name"
	fi
}

expect_exit "no command" 2 "no command" -- "$mapwatch"
expect_exit "unknown command" 2 "unknown command" -- "$mapwatch" frobnicate
expect_exit "bad interval" 2 "--interval" -- "$mapwatch" agent --interval -5
expect_exit "bad pid" 2 "--pid" -- "$mapwatch" scan --pid abc
expect_exit "option of another command" 2 "does not take" -- "$mapwatch" trace --top 3
expect_exit "short option of another command named as typed" 2 "does not take option '-n'" -- \
	"$mapwatch" scan -n 1
expect_exit "unknown option" 2 "unknown option '--frobnicate'" -- "$mapwatch" agent --frobnicate
expect_exit "option without its value" 2 "needs a value" -- "$mapwatch" agent --interval
expect_exit "hexadecimal interval" 2 "--interval: '0x10'" -- "$mapwatch" agent --interval 0x10
expect_exit "ring buffer not a power of two" 2 "--ring-buffer-size" -- \
	"$mapwatch" agent --ring-buffer-size 3000
expect_exit "kernel table too small" 2 "--max-inodes" -- "$mapwatch" agent --max-inodes 5
expect_exit "one file for both outputs" 2 "same file" -- \
	"$mapwatch" agent --textfile "$work/same" --snapshot "$work/same"
expect_exit "stray argument" 2 "unexpected argument 'extra'" -- "$mapwatch" agent extra
expect_exit "version" 0 "" -- "$mapwatch" --version
grep -Eq '^mapwatch [0-9]+\.[0-9]+\.[0-9]+$' "$work/out" && pass "version format" ||
	fail "version format: $(cat "$work/out")"
for command in agent top scan trace; do
	expect_exit "$command --help" 0 "" -- "$mapwatch" "$command" --help
	grep -q "usage: mapwatch $command" "$work/out" && pass "$command usage" ||
		fail "$command usage missing"
done

# Output faults are found before anything is loaded.
expect_exit "missing output directory" 1 "does not exist" -- \
	"$mapwatch" agent --textfile "$work/no/such/dir/m.prom"
touch "$work/plainfile"
expect_exit "output directory is a file" 1 "--snapshot" -- \
	"$mapwatch" agent --snapshot "$work/plainfile/s.json"
expect_exit "output path is a directory" 1 "is a directory" -- \
	"$mapwatch" agent --snapshot "$work"
mkdir "$work/readonly"
if mount --bind -o ro "$work/readonly" "$work/readonly" 2>/dev/null &&
	mount -o remount,bind,ro "$work/readonly" 2>/dev/null; then
	expect_exit "read-only output directory" 1 "cannot write" -- \
		"$mapwatch" agent --textfile "$work/readonly/m.prom"
	umount "$work/readonly"
else
	fail "could not make a read-only bind mount to test with"
fi

# Without privileges: one line naming the cause and the fix.
if command -v setpriv >/dev/null; then
	expect_exit "unprivileged agent" 1 "root" -- setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all --bounding-set=-all \
		"$mapwatch" agent --snapshot "$work/unprivileged.json" \
		--textfile "$work/unprivileged.prom"
	[ ! -e "$work/unprivileged.json" ] && pass "nothing written without privileges" ||
		fail "unprivileged agent wrote a snapshot"
fi

# scan --json is the snapshot schema.
if "$mapwatch" scan --json >"$work/scan.json" 2>"$work/err" &&
	python3 -c '
import json, sys
from snapshot_orphans import orphan_mappings
document = json.load(open(sys.argv[1]))
assert document["version"] == 3 and document["source"] == "scan", document
assert isinstance(document["max_map_count"], int) and document["max_map_count"] > 0
for process in document["processes"]:
    assert process["orphaned_mappings"] or process["resize_remaps"] or process["stale_mappings"], process
    # scan lists every orphaned mapping: the ranges of each file are all its mappings
    assert process["orphan_ranges_omitted"] == 0, process
    assert process["orphaned_mappings"] == len(orphan_mappings(process)), process
    assert all(o["mappings"] == len(o["ranges"]) for o in process["orphans"]), process
' "$work/scan.json"; then
	pass "scan --json schema"
else
	fail "scan --json: $(cat "$work/err")"
fi

# The agent mounts tracefs itself when it is missing (private mount namespace).
# trace is stopped once it has printed an event: attached by then, so
# SIGINT is its clean stop (each date and sleep below is an event it sees).
unshare -m --propagation private sh -c '
	umount /sys/kernel/debug/tracing 2>/dev/null
	umount /sys/kernel/tracing 2>/dev/null
	mountpoint -q /sys/kernel/tracing && exit 3
	"$1" trace >"$3" 2>"$2" &
	trace=$!
	deadline=$(($(date +%s) + 60))
	while [ ! -s "$3" ] && kill -0 $trace 2>/dev/null; do
		[ "$(date +%s)" -lt $deadline ] || { kill -9 $trace; exit 5; }
		sleep 0.05
	done
	kill -INT $trace 2>/dev/null
	wait $trace
	status=$?
	mountpoint -q /sys/kernel/tracing || exit 4
	exit $status' sh "$mapwatch" "$work/tracefs.err" "$work/tracefs.out"
status=$?
if [ "$status" -eq 0 ]; then
	pass "tracefs mounted by the agent"
else
	# 3: tracefs still mounted, 4: not mounted after, 5: no event in 60 s
	fail "tracefs not handled: status $status: $(cat "$work/tracefs.err")"
fi

# Kernel faults, each in a private mount namespace: one line naming the cause
# and the fix, status 1, no output file.
# expect_fault NAME PATTERN SETUP [WRAPPER...]: the agent, run by WRAPPER, after SETUP.
expect_fault() {
	local name=$1 pattern=$2 setup=$3
	shift 3
	rm -f "$work/fault.prom"
	expect_exit "$name" 1 "$pattern" -- unshare -m --propagation private sh -c \
		"$setup"' || exit 99; exec "$@"' sh "$@" "$mapwatch" agent --interval 1 \
		--textfile "$work/fault.prom"
	[ ! -e "$work/fault.prom" ] && pass "$name: nothing written" ||
		fail "$name: the textfile was written"
}
expect_fault "no kernel BTF" "no kernel BTF at /sys/kernel/btf/vmlinux" \
	"mount -t tmpfs none /sys/kernel/btf"
head -c 4096 /dev/urandom >"$work/garbage.btf"
expect_fault "kernel BTF that is not BTF" "/sys/kernel/btf/vmlinux is not valid BTF" \
	"mount --bind '$work/garbage.btf' /sys/kernel/btf/vmlinux"
# Without CAP_SYS_ADMIN the agent cannot mount tracefs itself, as under the systemd unit.
expect_fault "tracefs missing and not mountable" "tracefs is not mounted and cannot be mounted" \
	"{ umount /sys/kernel/debug/tracing; umount /sys/kernel/tracing; umount /sys/kernel/debug; } \
	2>/dev/null; ! mountpoint -q /sys/kernel/tracing" \
	setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin --

# trace --json: one JSON object per line, a file mapping among them. The
# file is mapped once trace has printed an event (so is attached), and
# trace stopped once it has printed that file's events.
"$mapwatch" trace --json >"$work/trace.jsonl" 2>"$work/err" &
trace_pid=$!
if wait_for_trace -l "$work/err" "$work/trace.jsonl" "$trace_pid" /bin/true; then
	python3 -c '
import mmap, os, sys
path = sys.argv[1]
with open(path, "wb") as f:
    f.write(b"x" * 8192)
with open(path, "r+b") as f:
    m = mmap.mmap(f.fileno(), 8192)
    m.close()
os.unlink(path)
' "$work/traced.bin"
	poll 60 grep -q traced.bin "$work/trace.jsonl"
fi
kill -INT "$trace_pid"
wait "$trace_pid"
trace_pid=""
if python3 -c '
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
assert any(e.get("type") == "mmap" and "traced.bin" in json.dumps(e) for e in events), "no mmap of traced.bin"
' "$work/trace.jsonl"; then
	pass "trace --json"
else
	fail "trace --json: $(head -c 300 "$work/trace.jsonl") $(cat "$work/err")"
fi

# Readers never see a partial file, even across SIGKILL mid-write.
"$mapwatch" agent --interval 0.05 --snapshot "$work/s.json" --textfile "$work/m.prom" \
	>/dev/null 2>"$work/agent.err" &
agent_pid=$!
# the textfile is written before the snapshot: both there once the snapshot is
wait_for_new_write -p "$agent_pid" -l "$work/agent.err" "$work/s.json" 1 ""
# 50 reads across at least 5 replacements of the snapshot (a new inode each),
# however long a busy host takes to give them; 120 s only against a hang
python3 -c '
import json, os, sys, time
snapshot, textfile = sys.argv[1], sys.argv[2]
deadline = time.time() + 120
reads, inodes = 0, set()
while reads < 50 or len(inodes) < 6:
    assert time.time() < deadline, (reads, len(inodes))
    with open(snapshot) as f:
        inodes.add(os.fstat(f.fileno()).st_ino)
        document = json.load(f)
    assert document["version"] == 3 and document["source"] == "agent"
    text = open(textfile).read()
    assert text.endswith("\n") and "mapwatch_last_update_timestamp_seconds " in text, text[-200:]
    reads += 1
' "$work/s.json" "$work/m.prom" && pass "readers see whole files while the agent writes" ||
	fail "a reader saw a partial file: $(cat "$work/agent.err")"
kill -9 "$agent_pid"
wait "$agent_pid" 2>/dev/null
agent_pid=""
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/s.json" &&
	pass "snapshot whole after SIGKILL" || fail "snapshot broken after SIGKILL"
if command -v promtool >/dev/null; then
	# deploy/reference.md ("Metrics") keeps the names mapwatch_max_map_count
	# and mapwatch_process_map_count, which the linter's _count rule flags.
	promtool check metrics <"$work/m.prom" >"$work/promtool.out" 2>&1
	if grep -v 'map_count non-histogram and non-summary metrics should not have "_count" suffix' \
		"$work/promtool.out" | grep -q .; then
		fail "promtool: $(cat "$work/promtool.out")"
	else
		pass "textfile passes promtool after SIGKILL"
	fi
fi

# SIGTERM: a clean stop with status 0.
"$mapwatch" agent --interval 1 --snapshot "$work/t.json" --textfile "$work/t.prom" \
	>/dev/null 2>"$work/agent.err" &
agent_pid=$!
# written once: its signals are handled by then
wait_for_new_write -p "$agent_pid" -l "$work/agent.err" "$work/t.json" 1 ""
kill -TERM "$agent_pid"
wait "$agent_pid"
status=$?
agent_pid=""
[ "$status" -eq 0 ] && pass "SIGTERM stops the agent with status 0" ||
	fail "SIGTERM: status $status: $(cat "$work/agent.err")"

finish
