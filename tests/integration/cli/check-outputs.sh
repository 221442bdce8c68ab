#!/bin/bash
# The agent's two output files as their readers and the host see them:
# whole and valid whenever read, even with the agent SIGKILLed at random
# moments; never written through a symlink planted in their directory;
# mode 0644 whatever the umask; and a textfile that cannot be written does
# not stop the snapshot, with one log line when it fails and one when it
# works again.
# usage: check-outputs.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/mapwatch-outputs.XXXXXX)
agent_pid=""
holder_pid=""
reader_pid=""
# Kills at random moments: enough rounds that several land inside a write.
rounds=40

cleanup() {
	kill_and_reap $agent_pid $holder_pid $reader_pid
	rm -rf "$work"
}
trap cleanup EXIT

# start_agent DIR [options...]: an agent writing DIR/m.prom and DIR/s.json every 50 ms.
start_agent() {
	local dir=$1
	shift
	"$mapwatch" agent --interval 0.05 --textfile "$dir/m.prom" --snapshot "$dir/s.json" "$@" \
		>/dev/null 2>>"$dir/agent.err" &
	agent_pid=$!
}

stop_agent() {
	kill -TERM "$agent_pid" 2>/dev/null
	wait "$agent_pid" 2>/dev/null
	agent_pid=""
}

# A process holding 300 orphans: snapshots of ~100 KiB, so writes take long enough to be hit.
mkdir "$work/held"
python3 - "$work/held" >"$work/holder.out" <<'EOF' &
import mmap, os, sys, time
held = []
for i in range(300):
    path = os.path.join(sys.argv[1], "%020d.index" % i)
    with open(path, "wb") as file:
        file.write(b"x" * 4096)
    with open(path, "r+b") as file:
        held.append(mmap.mmap(file.fileno(), 4096))
    os.unlink(path)
print("ready", flush=True)
time.sleep(3600)
EOF
holder_pid=$!
wait_for -p "$holder_pid" 60 "the holder's orphans" grep -q ready "$work/holder.out"

# ---- SIGKILL at random moments, a reader polling both files all along ----
mkdir "$work/kill" "$work/samples"
python3 "$here/read_outputs.py" "$work/kill/s.json" "$work/kill/m.prom" "$work/kill/stop" \
	"$work/samples" >"$work/reader.out" 2>"$work/reader.err" &
reader_pid=$!
killed_mid_run=0
mid_write=0
for round in $(seq "$rounds"); do
	before=$(output_id "$work/kill/s.json")
	# the holder only: its start-up (seeding) then does not grow with whatever
	# else the host runs, 40 times over; the snapshot is the holder's anyway
	start_agent "$work/kill" --pid "$holder_pid"
	# Its first write, however long loading takes on a busy host; then a kill
	# up to 0.6 s later, among its writes every 50 ms.
	wait_for_new_write -p "$agent_pid" -l "$work/kill/agent.err" "$work/kill/s.json" 1 "$before"
	sleep "0.$((RANDOM % 6))$((RANDOM % 10))"
	kill -9 "$agent_pid" 2>/dev/null && killed_mid_run=$((killed_mid_run + 1))
	wait "$agent_pid" 2>/dev/null
	agent_pid=""
	# a temporary file left behind is a kill that landed inside a write (the
	# next start removes it); test_atomic_file kills inside a write on purpose
	mid_write=$((mid_write + $(ls "$work/kill" | grep -c '\.tmp\.')))
	kill -0 "$reader_pid" 2>/dev/null || break
done
touch "$work/kill/stop"
wait "$reader_pid"
reader_status=$?
reader_pid=""
if [ "$reader_status" -eq 0 ] && [ "$killed_mid_run" -eq "$rounds" ]; then
	pass "$rounds agents killed at random moments, $mid_write inside a write: a reader saw only whole files ($(cat "$work/reader.out"))"
else
	fail "a reader saw a bad file after $round of $rounds kills: $(head -c 3000 "$work/reader.err")"
fi
reads=$(awk '{ print $2 }' "$work/reader.out")
[ "${reads:-0}" -gt 200 ] && pass "the reader read $reads times" || fail "only ${reads:-0} reads"
# promtool on every distinct textfile the reader saw (up to its cap)
bad=""
for sample in "$work"/samples/*.prom; do
	promtool check metrics <"$sample" >"$work/promtool.out" 2>&1
	if grep -v 'map_count non-histogram and non-summary metrics should not have "_count" suffix' \
		"$work/promtool.out" | grep -q .; then
		bad="$sample: $(cat "$work/promtool.out")"
		break
	fi
done
samples=$(ls "$work"/samples | wc -l)
if [ -z "$bad" ] && [ "$samples" -gt 10 ]; then
	pass "promtool accepts all $samples distinct textfiles read"
else
	fail "promtool on $samples textfiles: $bad"
fi

# ---- symlinks planted in the output directory ----
mkdir "$work/links" "$work/outside"
for name in m.prom s.json; do
	echo precious >"$work/outside/$name"
	ln -s "$work/outside/$name" "$work/links/$name"
	# names a writer that picked its temporary name predictably would use
	for suffix in .tmp .tmp.0 .tmp.000000 .tmp.XXXXXX .tmp.$$ .new .part "~"; do
		echo precious >"$work/outside/$name$suffix"
		ln -s "$work/outside/$name$suffix" "$work/links/$name$suffix"
	done
done
before=$(output_id "$work/links/m.prom")
start_agent "$work/links"
# its own file at each name (a new inode there: the symlink's is replaced),
# then writes enough for every temporary name to have been used
wait_for_new_write -p "$agent_pid" -l "$work/links/agent.err" "$work/links/m.prom" 1 "$before"
wait_for_new_write -p "$agent_pid" -l "$work/links/agent.err" "$work/links/s.json" 5
stop_agent
intact=$(grep -l -x precious "$work"/outside/* | wc -l)
total=$(ls "$work"/outside | wc -l)
[ "$intact" -eq "$total" ] && pass "no file behind a planted symlink was written ($total)" ||
	fail "$((total - intact)) of $total files behind planted symlinks were changed"
for name in m.prom s.json; do
	if [ -f "$work/links/$name" ] && [ ! -L "$work/links/$name" ]; then
		pass "$name replaced the symlink at its name with a file of its own"
	else
		fail "$name: $(ls -l "$work/links/$name")"
	fi
done

# ---- modes: 0644 whatever the umask, so node_exporter (another user) reads them ----
for mask in 077 000; do
	mkdir "$work/mode$mask"
	(umask "$mask" && exec "$mapwatch" agent --interval 0.05 --textfile "$work/mode$mask/m.prom" \
		--snapshot "$work/mode$mask/s.json" >/dev/null 2>&1) &
	agent_pid=$!
	# the textfile is written before the snapshot: both there once it is
	wait_for_new_write -p "$agent_pid" "$work/mode$mask/s.json" 1 ""
	stop_agent
	modes=$(stat -c %a "$work/mode$mask/m.prom" "$work/mode$mask/s.json" | sort -u)
	[ "$modes" = 644 ] && pass "files are 0644 under umask $mask" ||
		fail "under umask $mask the files are $(stat -c '%n %a' "$work/mode$mask"/*)"
done

# ---- a textfile that cannot be written does not stop the snapshot ----
mkdir "$work/fail"
start_agent "$work/fail" --interval 0.1
wait_for_new_write -p "$agent_pid" -l "$work/fail/agent.err" "$work/fail/s.json" 1 ""
# rename() cannot replace a directory with a file, even as root. The agent
# may put a new file there between the rm and the mkdir: again until it sticks.
to_directory() { rm -f "$1" 2>/dev/null && mkdir "$1" 2>/dev/null; [ -d "$1" ]; }
wait_for -p "$agent_pid" 60 "the textfile made a directory" to_directory "$work/fail/m.prom"
# five snapshots, each begun after the textfile became a directory (counted
# from now: the write in progress may have had its textfile in place)
wait_for_new_write -p "$agent_pid" -l "$work/fail/agent.err" "$work/fail/s.json" 6 &&
	pass "the snapshot went on being replaced while the textfile failed"
rmdir "$work/fail/m.prom"
wait_for -p "$agent_pid" -l "$work/fail/agent.err" 60 "the textfile back" \
	test -f "$work/fail/m.prom"
# the snapshot follows the textfile in each write, its log line too; three
# more writes, for a second recovery line to show if there were one
wait_for_new_write -p "$agent_pid" -l "$work/fail/agent.err" "$work/fail/s.json" 3
stop_agent
failed=$(grep -c "cannot write textfile $work/fail/m.prom" "$work/fail/agent.err")
again=$(grep -c "writing textfile $work/fail/m.prom again" "$work/fail/agent.err")
if [ -f "$work/fail/m.prom" ] && [ "$failed" -eq 1 ] && [ "$again" -eq 1 ]; then
	pass "the log says the textfile failure once and its recovery once"
else
	fail "textfile back: $([ -f "$work/fail/m.prom" ] && echo yes || echo no); log: $(cat "$work/fail/agent.err")"
fi
grep -q "cannot write snapshot" "$work/fail/agent.err" && fail "the snapshot was reported failing" ||
	pass "the snapshot never failed"

finish
