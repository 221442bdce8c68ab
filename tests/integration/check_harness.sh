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
