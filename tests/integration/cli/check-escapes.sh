#!/bin/bash
# File names and command names are bytes anyone can choose. A process named
# with an escape sequence and a newline maps a deleted file named the same
# way: no human-readable output (scan's table and --by-file, trace's lines,
# the agent's summary line, error lines) may pass those bytes to a terminal,
# and each spells them as /proc does (\033, \012).
# usage: check-escapes.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
work=$(mktemp -d /tmp/mapwatch-escapes.XXXXXX)
holder_pid=""
trace_pid=""
agent_pid=""

cleanup() {
	kill_and_reap $holder_pid $trace_pid $agent_pid
	rm -rf "$work"
}
trap cleanup EXIT

# no_raw_bytes NAME FILE: no ESC, no BEL, no DEL, and every newline ends a line the tool meant.
no_raw_bytes() {
	if LC_ALL=C grep -q $'[\033\007\177]' "$2"; then
		fail "$1: a raw control byte: $(cat -A "$2" | head -5)"
	else
		pass "$1: no raw control byte"
	fi
}

# The holder: comm "x<ESC>[31m<LF>y", and a deleted file named "<ESC>[2J<ESC>[31mred<LF>fake line".
# On SIGUSR1 it maps the file again (for trace), then says so.
python3 - "$work" >"$work/holder.out" 2>"$work/holder.err" <<'EOF' &
import ctypes, mmap, os, signal, sys, time

work = sys.argv[1]
name = "\x1b[2J\x1b[31mred\nfake line.index"
path = os.path.join(work, name)
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"x\x1b[31m\ny", 0, 0, 0)  # PR_SET_NAME
with open(path, "wb") as f:
    f.write(b"x" * 8192)
fd = os.open(path, os.O_RDWR)
held = [mmap.mmap(fd, 8192)]
os.unlink(path)

def again(signum, frame):
    held.append(mmap.mmap(fd, 4096))
    print("mapped again", flush=True)

signal.signal(signal.SIGUSR1, again)
print("ready", flush=True)
while True:
    time.sleep(3600)
EOF
holder_pid=$!
if ! wait_for -p "$holder_pid" -l "$work/holder.err" 60 "the holder's orphan" \
	grep -q ready "$work/holder.out"; then
	finish
	exit 1
fi
name='\\033\[2J\\033\[31mred\\012fake line\.index'
comm='x\\033\[31m\\012y'

# scan's table: the comm on the process's row, the path on its orphan's line.
"$mapwatch" scan --pid "$holder_pid" >"$work/scan.txt" 2>"$work/err"
no_raw_bytes "scan table" "$work/scan.txt"
grep -qE "^$holder_pid +$comm " "$work/scan.txt" && pass "scan table: comm escaped" ||
	fail "scan table comm: $(cat -A "$work/scan.txt")"
grep -qE " $work/$name  \(deleted before start\)$" "$work/scan.txt" &&
	pass "scan table: path escaped" || fail "scan table path: $(cat -A "$work/scan.txt")"
"$mapwatch" scan --by-file --pid "$holder_pid" >"$work/by-file.txt" 2>"$work/err"
no_raw_bytes "scan --by-file" "$work/by-file.txt"
grep -qE " $holder_pid +$work/$name$" "$work/by-file.txt" && pass "scan --by-file: path escaped" ||
	fail "scan --by-file: $(cat -A "$work/by-file.txt")"

# trace: the mapping of that file, its comm and name escaped; every line is one event.
# The holder maps it again on each SIGUSR1, sent until trace prints (then attached).
"$mapwatch" trace --pid "$holder_pid" >"$work/trace.txt" 2>"$work/trace.err" &
trace_pid=$!
wait_for_trace -l "$work/trace.err" "$work/trace.txt" "$trace_pid" kill -USR1 "$holder_pid"
kill -INT "$trace_pid"
wait "$trace_pid"
status=$?
trace_pid=""
[ "$status" -eq 0 ] && pass "trace ends with status 0" ||
	fail "trace: status $status: $(cat "$work/trace.err")"
no_raw_bytes "trace" "$work/trace.txt"
if grep -qE "^[0-9:.]+ mmap pid=$holder_pid comm=$comm .*( name=[^ ]*|name_hash=[0-9a-f]{16}) " "$work/trace.txt"; then
	pass "trace: the mmap line, comm escaped"
else
	fail "trace mmap line: $(cat -A "$work/trace.txt" | head -5)"
fi
bad_lines=$(grep -cvE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} [a-z]+ pid=' "$work/trace.txt")
[ "$bad_lines" -eq 0 ] && pass "trace: every line is an event" ||
	fail "trace: $bad_lines lines that are no event: $(cat -A "$work/trace.txt" | head -5)"

# A name the kernel sends: a new file, mapped while every process is traced,
# its name escaped as one field (space, escape and newline spelled out).
# The file is mapped once trace has printed (so is attached): any process
# started is an event it prints.
"$mapwatch" trace >"$work/trace2.txt" 2>"$work/trace.err" &
trace_pid=$!
if wait_for_trace -l "$work/trace.err" "$work/trace2.txt" "$trace_pid" /bin/true; then
	python3 -c '
import mmap, os, sys
path = os.path.join(sys.argv[1], "new \x1b[5m\nname.bin")
with open(path, "wb") as f:
    f.write(b"x" * 4096)
with open(path, "r+b") as f:
    mmap.mmap(f.fileno(), 4096).close()
os.unlink(path)
' "$work"
	# printed at trace's next drain
	poll 60 grep -qa ' name=new' "$work/trace2.txt"
fi
kill -INT "$trace_pid"
wait "$trace_pid"
trace_pid=""
no_raw_bytes "trace of a new file" "$work/trace2.txt"
grep -qF ' name=new\040\033[5m\012name.bin ' "$work/trace2.txt" &&
	pass "trace: a file name with a space, an escape and a newline, one field" ||
	fail "trace name: $(grep -a 'name=new' "$work/trace2.txt" | cat -A | head -3)"

# The agent's summary line, on standard output with -v (or without outputs named).
"$mapwatch" agent -v --interval 1 --textfile "$work/m.prom" >"$work/summary.txt" \
	2>"$work/agent.err" &
agent_pid=$!
# each write of the textfile is followed by its summary: the first is out by the second write
wait_for_new_write -p "$agent_pid" -l "$work/agent.err" "$work/m.prom" 2 ""
kill -INT "$agent_pid"
wait "$agent_pid"
agent_pid=""
no_raw_bytes "agent summary" "$work/summary.txt"
grep -qE '^[0-9:]{8} orphaned=[0-9]+ \(' "$work/summary.txt" && pass "agent summary printed" ||
	fail "agent summary: $(cat -A "$work/summary.txt")"
no_raw_bytes "agent log" "$work/agent.err"

# Error lines that quote a path or a value as given.
bad=$'\033[2J\nfake'
"$mapwatch" scan --snapshot "$work/$bad/s.json" >/dev/null 2>"$work/err1"
"$mapwatch" agent --textfile "$work/$bad/m.prom" >/dev/null 2>"$work/err2"
"$mapwatch" scan --comm "$bad-long-enough-to-be-refused" >/dev/null 2>"$work/err3"
"$mapwatch" scan --cgroup "$bad" >/dev/null 2>"$work/err4"
for i in 1 2 3 4; do
	no_raw_bytes "error line $i" "$work/err$i"
	[ "$(wc -l <"$work/err$i")" -eq 1 ] && grep -qF '\033[2J\012fake' "$work/err$i" &&
		pass "error line $i: one line, the value escaped" ||
		fail "error line $i: $(cat -A "$work/err$i")"
done

finish
