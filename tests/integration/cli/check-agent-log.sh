#!/bin/bash
# What the agent logs, as journald or `kubectl logs` shows it: one line at
# start (processes seeded, programs attached, outputs with their paths, the
# default textfile named as such), one when an output fails and one when it
# works again, every path escaped so that no file name writes to the log.
# usage: check-agent-log.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$(realpath "$1")
work=$(mktemp -d /tmp/mapwatch-agent-log.XXXXXX)
agent_pid=""

cleanup() {
	kill_and_reap $agent_pid
	rm -rf "$work"
}
trap cleanup EXIT

# agent_writes FILE LOG: a write now, and until the snapshot FILE is that write.
agent_writes() { write_now -p "$agent_pid" -l "$2" "$1"; }

# Outputs named: the start line names both, and how many processes and programs.
"$mapwatch" agent --interval 600 --textfile "$work/m.prom" --snapshot "$work/s.json" \
	>/dev/null 2>"$work/named.err" &
agent_pid=$!
if poll -p "$agent_pid" 60 grep -q "agent started" "$work/named.err"; then
	line=$(head -1 "$work/named.err")
	pattern="^mapwatch: agent started: ([0-9]+) processes seeded, ([0-9]+) BPF programs attached; textfile $work/m.prom, snapshot $work/s.json, every 600s$"
	if [[ $line =~ $pattern ]]; then
		seeded=${BASH_REMATCH[1]}
		programs=${BASH_REMATCH[2]}
		listed=$(ls -d /proc/[0-9]* | wc -l)
		[ "$seeded" -ge 2 ] && [ "$seeded" -le "$listed" ] &&
			pass "start line: $seeded processes seeded of $listed in /proc" ||
			fail "start line: $seeded processes seeded, /proc lists $listed"
		links=$(ls -l "/proc/$agent_pid/fd" | grep -c 'anon_inode:bpf_link')
		[ "$programs" -gt 0 ] && [ "$programs" -eq "$links" ] &&
			pass "start line: $programs programs attached, as many BPF links held" ||
			fail "start line: $programs programs attached, the agent holds $links BPF links"
	else
		fail "start line: $line"
	fi
	[ "$(wc -l <"$work/named.err")" -eq 1 ] && pass "one line, nothing else" ||
		fail "more than the start line: $(cat "$work/named.err")"
else
	fail "no start line: $(cat "$work/named.err")"
fi
kill -TERM "$agent_pid"
wait "$agent_pid"
status=$?
agent_pid=""
[ "$status" -eq 0 ] && pass "SIGTERM: status 0" || fail "SIGTERM: status $status"

# The default textfile: where node_exporter reads it when that directory
# exists (a tmpfs over it, in a mount namespace of its own, leaves the host's
# alone), else in the working directory; the line says it is the default.
default_dir=/var/lib/prometheus/node-exporter
if [ -d "$default_dir" ]; then
	expected="$default_dir/mapwatch.prom"
else
	default_dir=$work/cwd
	mkdir "$default_dir"
	expected=mapwatch.prom
fi
unshare -m --propagation private bash -c '
	. "$4"
	if [ "$1" = /var/lib/prometheus/node-exporter ]; then
		mount -t tmpfs tmpfs "$1" || exit 3
	fi
	cd "$1" || exit 3
	"$2" agent --interval 600 >/dev/null 2>"$3/default.err" &
	pid=$!
	# its first textfile, written once it has started
	poll -p $pid 60 test -s "$1/mapwatch.prom"
	kill -TERM $pid
	wait $pid
	[ -s "$1/mapwatch.prom" ] || exit 4' sh "$default_dir" "$mapwatch" "$work" \
	"$(realpath "$(dirname "$0")/../check_harness.sh")"
status=$?
line=$(head -1 "$work/default.err" 2>/dev/null)
if [ "$status" -eq 0 ] &&
	[[ $line == *"; textfile $expected (the default; --textfile changes it), every 600s" ]]; then
	pass "the default textfile, named as such"
else
	fail "default textfile: status $status, line: $line"
fi

# An output that fails and recovers, in a directory whose name holds an
# escape sequence and a newline: one line each time, the name escaped.
dir="$work/$(printf 'out\033[2J\nx')"
mkdir "$dir"
"$mapwatch" agent --interval 600 --textfile "$dir/m.prom" --snapshot "$work/t.json" \
	>/dev/null 2>"$work/fail.err" &
agent_pid=$!
# its first files written: the next writes are the ones asked for
wait_for_new_write -p "$agent_pid" -l "$work/fail.err" "$work/t.json" 1 ""
mv "$dir" "$dir.away"
agent_writes "$work/t.json" "$work/fail.err"
agent_writes "$work/t.json" "$work/fail.err"
mv "$dir.away" "$dir"
agent_writes "$work/t.json" "$work/fail.err"
kill -TERM "$agent_pid"
wait "$agent_pid"
agent_pid=""
escaped="$work/out\\\\033\\[2J\\\\012x/m.prom"
grep -q $'\033' "$work/fail.err" && fail "a raw escape byte in the log" ||
	pass "no raw escape byte in the log"
[ "$(wc -l <"$work/fail.err")" -eq 3 ] && pass "three lines: start, failure, recovery" ||
	fail "log lines: $(cat -A "$work/fail.err")"
grep -qE "^mapwatch: agent started: .*; textfile $escaped, snapshot " "$work/fail.err" &&
	pass "the start line escapes the path" || fail "start line: $(cat -A "$work/fail.err")"
[ "$(grep -cE "^mapwatch: cannot write textfile $escaped: No such file or directory$" "$work/fail.err")" -eq 1 ] &&
	pass "one failure line for two failed writes" || fail "failure lines: $(cat -A "$work/fail.err")"
grep -qE "^mapwatch: writing textfile $escaped again$" "$work/fail.err" &&
	pass "one line when it works again" || fail "recovery line: $(cat -A "$work/fail.err")"

finish
