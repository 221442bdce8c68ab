#!/bin/sh
# Usage: check-agent-options.sh MAPWATCH_BINARY UNIT_FILE
# The unit's ExecStart must be a command line mapwatch accepts. mapwatch
# parses every option before acting on --help and exits 2 on a bad one, so
# "the same arguments plus --help" exits 0 only if each of them is valid.
set -eu

binary=$1
unit=$2

exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$exec_start" ] || {
	echo "FAIL: no ExecStart in $unit"
	exit 1
}
# Drop the install path; run the binary built in this tree instead.
set -- $exec_start
shift

if ! "$binary" "$@" --help >/dev/null; then
	echo "FAIL: mapwatch does not accept the unit's arguments: $*"
	exit 1
fi

# Guard against a --help that skips the checks: a bad option must still fail.
status=0
"$binary" agent --no-such-option --help >/dev/null 2>&1 || status=$?
if [ "$status" -ne 2 ]; then
	echo "FAIL: mapwatch agent --no-such-option --help exited $status, not 2"
	exit 1
fi
echo "PASS: mapwatch accepts: $*"
