# Sourced by the shell checks: the tally of what passed and failed, and the
# processes a check started, killed when it ends however it ends.
failures=0
passes=0
# The checks' Python reads the snapshot through snapshot_orphans.py.
export PYTHONPATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cli${PYTHONPATH:+:$PYTHONPATH}"
pass() { passes=$((passes + 1)); echo "ok: $1"; }
fail() { failures=$((failures + 1)); echo "FAIL: $1"; }

# kill_and_reap PID...: SIGKILL each one given and wait for it (empty ones skipped).
kill_and_reap() {
	local pid
	for pid in "$@"; do
		[ -n "$pid" ] || continue
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}

# finish: the tally, and the status ctest reads (0 when nothing failed).
finish() {
	echo "$passes passed, $failures failed"
	[ "$failures" -eq 0 ]
}

# ---- waiting for what another process does ----
# Never a fixed sleep: on a host whose cores are busy, an agent can take
# seconds to load and attach. Each wait polls a condition against a deadline
# far beyond what an idle host needs, and says what it saw when it gives up.

# poll [-p PID] SECONDS COMMAND...: until COMMAND succeeds, tried every 50 ms.
# Status 0 then, 1 once SECONDS have passed, 2 once PID has exited (no use
# waiting on). Quiet: for a caller that reports itself.
poll() {
	local pid=""
	[ "$1" = -p ] && pid=$2 && shift 2
	local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@"; do
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			# it may have done it just before it went
			"$@" && return 0
			return 2
		fi
		[ "${EPOCHREALTIME/./}" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# tails LOG...: the last lines of each, to say what a wait saw.
tails() {
	local log
	for log in "$@"; do
		printf '\n--- last lines of %s:\n' "$log"
		tail -n 8 "$log" 2>&1 | cat -v
	done
}

# wait_options ARGS...: the leading -p PID, -l LOG and -t SECONDS of a wait
# into wait_pid, wait_logs and wait_seconds (default 60); how many words
# they took in wait_shift.
wait_options() {
	wait_pid="" wait_logs=() wait_seconds=60 wait_shift=0
	while :; do
		case ${1-} in
		-p) wait_pid=$2 ;;
		-l) wait_logs+=("$2") ;;
		-t) wait_seconds=$2 ;;
		*) return 0 ;;
		esac
		shift 2
		wait_shift=$((wait_shift + 2))
	done
}

# wait_failed STATUS DESCRIPTION: the failure for poll's STATUS, with what the logs say.
wait_failed() {
	local why="not within $wait_seconds s"
	[ "$1" -eq 2 ] && why="process $wait_pid exited first"
	fail "$2: $why$(tails "${wait_logs[@]}")"
}

# wait_for [-p PID] [-l LOG]... SECONDS DESCRIPTION COMMAND...: until COMMAND
# succeeds. Past SECONDS, or once PID has exited, a failure naming
# DESCRIPTION with the last lines of each LOG, and status 1.
wait_for() {
	wait_options "$@"
	shift "$wait_shift"
	wait_seconds=$1
	local what=$2 status=0
	shift 2
	poll ${wait_pid:+-p "$wait_pid"} "$wait_seconds" "$@" || status=$?
	[ "$status" -eq 0 ] && return 0
	wait_failed "$status" "$what"
	return 1
}

# ends_a_line FILE: FILE has text and ends with a newline: a helper's line
# printed whole (a long write can be seen before all of it is in).
ends_a_line() { [ -s "$1" ] && [ -z "$(tail -c 1 "$1")" ]; }

# output_id FILE: changes each time a writer renames a new file into place.
# The inode with its change time, as an inode number alone can come back;
# empty while FILE is missing. FILE itself, not what a symlink there names.
output_id() { stat -c '%i %z' -- "$1" 2>/dev/null; }

# replaced_times FILE COUNT: counts the changes of FILE's output_id since
# the last call (state in replaced_last, replaced_count); true at COUNT.
replaced_times() {
	local id
	id=$(output_id "$1")
	if [ -n "$id" ] && [ "$id" != "$replaced_last" ]; then
		replaced_last=$id
		replaced_count=$((replaced_count + 1))
	fi
	[ "$replaced_count" -ge "$2" ]
}

# wait_for_new_write [-t SECONDS] [-p PID] [-l LOG]... FILE [COUNT [SINCE]]:
# until FILE has been replaced COUNT times (default 1), counted from SINCE,
# an output_id taken before the writer could write (default: now; empty:
# FILE was missing). Twice is an interval begun after the call, written
# whole. Writes closer together than a poll count once: never too many.
wait_for_new_write() {
	wait_options "$@"
	shift "$wait_shift"
	local file=$1 count=${2:-1} status=0
	replaced_last=${3-$(output_id "$1")}
	replaced_count=0
	poll ${wait_pid:+-p "$wait_pid"} "$wait_seconds" replaced_times "$file" "$count" ||
		status=$?
	[ "$status" -eq 0 ] && return 0
	wait_failed "$status" "$file replaced $replaced_count times, wanted $count"
	return 1
}

# write_now [-t SECONDS] -p PID [-l LOG]... FILE: the agent PID writes now
# (SIGUSR1), and FILE is that write, with all that happened before the call.
# Asked twice: a write the agent made on its own (orphans appeared, or an
# interval) may be under way when the first ask comes, holding less; the
# second ask comes once a write was seen, so the write it waits for began
# after the first ask was read.
write_now() {
	wait_options "$@"
	shift "$wait_shift"
	local file=$1 before round options=(-t "$wait_seconds" -p "$wait_pid") log
	for log in "${wait_logs[@]}"; do
		options+=(-l "$log")
	done
	for round in 1 2; do
		before=$(output_id "$file")
		kill -USR1 "$wait_pid" || return 1
		wait_for_new_write "${options[@]}" "$file" 1 "$before" || return 1
	done
}

# trace_started OUT POKE...: true once OUT has a line; else runs POKE once.
trace_started() {
	[ -s "$1" ] && return 0
	shift
	"$@" >/dev/null 2>&1
	return 1
}

# wait_for_trace [-l LOG]... OUT PID POKE...: until `mapwatch trace` (PID),
# printing to OUT, has printed an event. It says nothing when it is ready,
# and prints only once every program is attached: POKE, run between looks,
# makes an event it follows (a process started, a file mapped).
wait_for_trace() {
	local logs=()
	while [ "$1" = -l ]; do
		logs+=("$1" "$2")
		shift 2
	done
	local out=$1 pid=$2
	shift 2
	wait_for -p "$pid" "${logs[@]}" 60 "trace's first event" trace_started "$out" "$@"
}
