#!/bin/bash
# The long randomized differential test: RUNS runs (default 10) of the agent
# differential test, ROUNDS pauses each (default 40), with the default ring
# buffer, with a 16 KiB one that loses records, and with the resize-remap
# model (default ring); each run draws a new seed.
# Prints every failing seed (replay: MAPWATCH_DIFF_SEED=SEED), the records
# lost and the host's load after each run, and a summary.
# Not part of CI: it takes the machine for a while.
# usage: tests/soak/differential.sh BUILD_DIR [RUNS [ROUNDS]]
set -u
build=$(cd "$1" && pwd)
runs=${2:-10}
rounds=${3:-40}
test_binary=$build/tests/integration/agent/agent_differential_test
log=$(mktemp /tmp/mapwatch-differential.XXXXXX)
trap 'rm -f "$log"' EXIT
passed=0
failed=0
for run in $(seq 1 "$runs"); do
	if MAPWATCH_DIFF_ROUNDS=$rounds "$test_binary" >"$log" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "run $run FAILED:"
		grep -E '^differential: seed [0-9]+ ring' "$log"
		grep -A3 'Assertion Failed' "$log" | grep -v '^--$' | head -8
	fi
	grep -E 'operations, .* records lost' "$log"
	echo "run $run: load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "differential: $passed of $runs runs passed ($rounds pauses each: default ring, 16K ring, model)," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
[ "$failed" -eq 0 ]
