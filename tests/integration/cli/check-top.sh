#!/bin/bash
# mapwatch top in a real terminal (tmux): it draws, sorts, opens a process's
# detail view with its orphaned files, and quits on q.
# usage: check-top.sh PATH_TO_MAPWATCH
set -u
mapwatch=$1
session=mapwatch-top-$$
work=$(mktemp -d /tmp/mapwatch-top.XXXXXX)
failures=0
passes=0
holder=""

cleanup() {
	tmux kill-session -t "$session" 2>/dev/null
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
pass() { passes=$((passes + 1)); echo "ok: $1"; }
fail() { failures=$((failures + 1)); echo "FAIL: $1"; }

screen() { tmux capture-pane -p -t "$session"; }
wait_for() {
	for _ in $(seq 50); do
		screen | grep -q -- "$1" && return 0
		sleep 0.2
	done
	return 1
}

# A process holding one orphaned mapping, to select and open.
python3 -c '
import mmap, os, sys, time
path = sys.argv[1]
with open(path, "wb") as f:
    f.write(b"x" * 65536)
f = open(path, "r+b")
m = mmap.mmap(f.fileno(), 65536)
f.close()
os.unlink(path)
sys.stdout.write("ready\n"); sys.stdout.flush()
time.sleep(60)
' "$work/top-orphan.bin" >"$work/holder.out" &
holder=$!
for _ in $(seq 50); do grep -q ready "$work/holder.out" && break; sleep 0.1; done

tmux new-session -d -s "$session" -x 160 -y 40 "$mapwatch top --interval 0.5 --pid $holder; echo exited \$?; sleep 30"
wait_for "mapwatch top" && pass "header drawn" || fail "no header: $(screen)"
wait_for "ORPHANED" && pass "process table drawn" || fail "no table: $(screen)"
wait_for "python3" && pass "the orphan holder is listed" || fail "holder not listed: $(screen)"
tmux send-keys -t "$session" s
wait_for "sort: map count" && pass "s changes the sort" || fail "sort: $(screen)"
tmux send-keys -t "$session" Enter
wait_for "top-orphan.bin" && pass "detail view lists the orphaned file" || fail "detail: $(screen)"
tmux send-keys -t "$session" Escape
wait_for "Enter: orphaned files" && pass "Esc goes back" || fail "back: $(screen)"
tmux send-keys -t "$session" q
wait_for "exited 0" && pass "q quits with status 0" || fail "quit: $(screen)"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
