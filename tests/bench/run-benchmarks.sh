#!/bin/sh
# Every benchmark in one run, as one table (tests/bench/README.md shows the
# latest as printed, with what it says):
#   sh tests/bench/run-benchmarks.sh
# Builds first (Release) and runs as root: the agent benchmarks load the BPF
# programs and start bpftrace. Takes about a quarter of an hour; run it on an
# idle machine, the goals are read from it.
set -eu
cd "$(dirname "$0")/../.."
sh deploy/setup-debian.sh --test >/dev/null
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target mapwatch bench_store bench_proc_maps bench_scan \
	bench_scale bench_agent_cost bench_agent_load bench_detection_latency >/dev/null

bench=build-bench/tests/bench
output=$(mktemp)
trap 'rm -f "$output"' EXIT
{
	$bench/agent/bench_agent_cost --mapwatch build-bench/mapwatch \
		--peer tests/bench/agent/peer-file-mappings.bt --bpf-stats
	$bench/agent/bench_agent_load --mapwatch build-bench/mapwatch
	$bench/agent/bench_detection_latency
	$bench/scan/bench_scan
	$bench/scale/bench_scale
	$bench/proc/bench_proc_maps
	$bench/store/bench_store
} >"$output"

# One header, the rows in order, then the notes that say how each was measured.
grep -m1 '^workload ' "$output"
grep -v -e '^workload ' -e '^# ' "$output"
echo
grep '^# ' "$output"
