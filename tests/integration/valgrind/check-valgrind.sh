#!/bin/bash
# valgrind memcheck of `mapwatch scan` and of a short agent run in which a
# process maps files, unlinks some, forks and exits: no error, no definite or
# indirect leak (--error-exitcode), and the outputs still right.
# usage: check-valgrind.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/mapwatch-valgrind.XXXXXX)
agent_pid=""
holder_pid=""
memcheck=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
	--suppressions="$here/libbpf.supp")

cleanup() {
	kill_and_reap $agent_pid $holder_pid
	rm -rf "$work"
}
trap cleanup EXIT

# What valgrind reported (-q: errors only); the agent's own log lines are not.
errors_of() { grep '^==[0-9]*==' "$1"; }

# A process with orphans for both runs: maps 20 files, unlinks 10; on a line on its
# stdin, maps and unlinks 5 more, forks a child that holds them and exits.
mkfifo "$work/holder.in"
python3 - "$work" "$work/holder.in" >"$work/holder.out" <<'PY' &
import mmap, os, sys, time
directory, held = sys.argv[1], []
def map_files(prefix, count, unlink):
    for i in range(count):
        path = os.path.join(directory, "%s-%020d.index" % (prefix, i))
        with open(path, "wb") as file:
            file.write(b"v" * 8192)
        with open(path, "r+b") as file:
            held.append(mmap.mmap(file.fileno(), 8192))
        if i < unlink:
            os.unlink(path)
map_files("before", 20, 10)
print("ready", flush=True)
for line in open(sys.argv[2]):
    map_files("during", 5, 5)
    if os.fork() == 0:
        time.sleep(0.2)
        os._exit(0)
    os.wait()
    print("done", flush=True)
PY
holder_pid=$!
exec 3>"$work/holder.in"
wait_for -p "$holder_pid" 60 "the holder's orphans" grep -q ready "$work/holder.out"

# ---- scan ----
if "${memcheck[@]}" "$mapwatch" scan --json >"$work/scan.json" 2>"$work/scan.err" &&
	! errors_of "$work/scan.err" | grep -q .; then
	pass "scan under memcheck: no error"
else
	fail "scan under memcheck: $(errors_of "$work/scan.err" | head -40)"
fi
python3 -c '
import json, sys
processes = [p for p in json.load(open(sys.argv[1]))["processes"] if p["pid"] == int(sys.argv[2])]
assert processes and processes[0]["orphaned_mappings"] == 10, processes
' "$work/scan.json" "$holder_pid" && pass "scan under memcheck found the 10 orphans" ||
	fail "scan under memcheck: wrong result"

# ---- a short agent run ----
"${memcheck[@]}" "$mapwatch" agent --interval 0.5 --textfile "$work/m.prom" --snapshot "$work/s.json" \
	>/dev/null 2>"$work/agent.err" &
agent_pid=$!
# loading and seeding under valgrind take long, the more so on a busy host
wait_for_new_write -t 400 -p "$agent_pid" -l "$work/agent.err" "$work/s.json" 1 ""
echo go >&3
wait_for -p "$holder_pid" 60 "the holder's round" grep -q done "$work/holder.out"
# the exit, the deletions and the fork applied and exported: a snapshot with
# the 15 orphans (compared below; waited for here). Each snapshot read once:
# the agent under memcheck needs the CPU more than the polling does.
read_id=""
orphans_of_holder() {
	local id
	id=$(output_id "$work/s.json")
	[ "$id" != "$read_id" ] || return 1
	read_id=$id
	python3 -c '
import json, sys
processes = [p for p in json.load(open(sys.argv[1]))["processes"] if p["pid"] == int(sys.argv[2])]
sys.exit(not (processes and processes[0]["orphaned_mappings"] == int(sys.argv[3])))
' "$work/s.json" "$holder_pid" "$1" 2>/dev/null
}
poll -p "$agent_pid" 120 orphans_of_holder 15
# and a write asked for by SIGUSR1, under memcheck too
write_now -t 300 -p "$agent_pid" -l "$work/agent.err" "$work/s.json"
kill -TERM "$agent_pid"
wait "$agent_pid"
status=$?
agent_pid=""
if [ "$status" -eq 0 ] && ! errors_of "$work/agent.err" | grep -q .; then
	pass "agent under memcheck: no error, clean stop"
else
	fail "agent under memcheck: status $status: $(errors_of "$work/agent.err" | head -40)"
fi
python3 -c '
import json, sys
processes = [p for p in json.load(open(sys.argv[1]))["processes"] if p["pid"] == int(sys.argv[2])]
assert processes and processes[0]["orphaned_mappings"] == 15, processes
' "$work/s.json" "$holder_pid" && pass "the agent under memcheck followed the deletions" ||
	fail "the agent under memcheck: wrong snapshot: $(head -c 600 "$work/s.json")"

exec 3>&-
finish
