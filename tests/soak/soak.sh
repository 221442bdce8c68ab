#!/bin/bash
# Soak: the agent for SECONDS (default 600) under ~RATE events/s (default
# 100000) of mmap/munmap, with a churn of short-lived processes and holders
# whose orphans change every second. Passes when the agent's RSS stops
# growing after the warm-up (the first half), no event is lost, and its
# last snapshot equals /proc for the holders. Not part of CI: it takes the
# machine for its whole run.
# usage: tests/soak/soak.sh BUILD_DIR [SECONDS [RATE]]
set -u
. "$(dirname "$0")/../integration/check_harness.sh"
build=$(cd "$1" && pwd)
seconds=${2:-600}
rate=${3:-100000}
mapwatch=$build/mapwatch
load=$build/tests/soak/soak_load
work=$(mktemp -d /tmp/mapwatch-soak.XXXXXX)
agent_pid=""
load_pid=""

cleanup() {
	for pid in $load_pid $agent_pid; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
sample() { awk -v name="$1" '$1 == name { print $2 }' "$work/m.prom"; }

"$mapwatch" agent --interval 5 --top 0 --ranges 0 --textfile "$work/m.prom" --snapshot "$work/s.json" \
	>/dev/null 2>"$work/agent.err" &
agent_pid=$!
# the load starts once the agent has started and written: every event is one it sees
wait_for_new_write -p "$agent_pid" -l "$work/agent.err" "$work/s.json" 1 "" || exit 1
mkdir "$work/files"
"$load" --dir "$work/files" --seconds "$seconds" --rate "$rate" >"$work/holders" 2>"$work/load.err" &
load_pid=$!

started=$EPOCHSECONDS
events_before=$(awk '/^mapwatch_events_total/ { sum += $2 } END { print sum }' "$work/m.prom")
: >"$work/rss"
# the agent's RSS every 10 s until the load prints its holders' pids: its end
next_sample=0
while ! ends_a_line "$work/holders"; do
	kill -0 "$load_pid" 2>/dev/null || { echo "FAIL: the load died: $(cat "$work/load.err")"; exit 1; }
	kill -0 "$agent_pid" 2>/dev/null || { echo "FAIL: the agent died: $(cat "$work/agent.err")"; exit 1; }
	if [ $((EPOCHSECONDS - started)) -ge "$next_sample" ]; then
		echo "$((EPOCHSECONDS - started)) $(rss_kib "$agent_pid")" >>"$work/rss"
		next_sample=$((next_sample + 10))
	fi
	sleep 0.5
done
elapsed=$((EPOCHSECONDS - started))

# the last snapshot, once everything has landed: a write asked for drains
# the ring buffer first
write_now -p "$agent_pid" -l "$work/agent.err" "$work/s.json" || exit 1
events=$(awk '/^mapwatch_events_total/ { sum += $2 } END { print sum }' "$work/m.prom")
lost=$(sample mapwatch_events_lost_total)
corrections=$(sample mapwatch_reconcile_corrections_total)
rss_end=$(rss_kib "$agent_pid")
echo "$elapsed $rss_end" >>"$work/rss"

PYTHONPATH="$(dirname "$0")/../integration/cli" python3 - "$work" "$elapsed" "$seconds" "$events_before" "$events" "$lost" "$corrections" \
	$(cat "$work/holders") <<'PY'
import json, os, sys
from snapshot_orphans import orphan_mappings
work, elapsed, seconds, events_before, events, lost, corrections = sys.argv[1:8]
holders = [int(pid) for pid in sys.argv[8:]]
elapsed, events, lost = int(elapsed), int(events) - int(events_before), int(lost)
seconds = float(seconds)
problems = []

# RSS: the growth after the warm-up (first half: its tables and heap reach their
# high-water marks within ~5 minutes at this load) against the size then
samples = [tuple(map(int, line.split())) for line in open(os.path.join(work, "rss"))]
warm = [rss for at, rss in samples if at >= elapsed / 2]
first, peak, last = warm[0], max(warm), warm[-1]
if peak > first * 1.05 + 1024:
    problems.append("RSS grew after the warm-up: %d KiB then, %d KiB at most" % (first, peak))
if lost:
    problems.append("%d events lost" % lost)

def truth(pid):
    """Orphans of pid as /proc shows them: (start, end, ino) of deleted files with no links."""
    found = set()
    for line in open("/proc/%d/maps" % pid):
        fields = line.split(None, 5)
        if len(fields) < 6 or not fields[5].rstrip("\n").endswith(" (deleted)"):
            continue
        start, end = fields[0].split("-")
        try:
            if os.stat("/proc/%d/map_files/%s" % (pid, fields[0])).st_nlink:
                continue
        except FileNotFoundError:
            continue
        found.add((start, end, int(fields[4])))
    return found

snapshot = json.load(open(os.path.join(work, "s.json")))
for pid in holders:
    entries = [p for p in snapshot["processes"] if p["pid"] == pid]
    seen = {(o["start"], o["end"], o["ino"]) for o in orphan_mappings(entries[0])} if entries else set()
    true = truth(pid)
    if seen != true:
        problems.append("holder %d: %d orphans in the snapshot, %d in /proc, %d differ"
                        % (pid, len(seen), len(true), len(seen ^ true)))
print("soak: %.0f s of load, %d events (%.0f/s), %d lost, %d corrections; agent RSS %d KiB after "
      "warm-up, %d KiB at most, %d KiB at the end; %d holders' orphans %s /proc"
      % (seconds, events, events / seconds, lost, int(corrections), first, peak, last,
         len(holders), "equal" if not any("holder" in p for p in problems) else "differ from"))
for problem in problems:
    print("FAIL: " + problem)
sys.exit(1 if problems else 0)
PY
