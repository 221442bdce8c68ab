#!/bin/sh
# Every benchmark, side by side in one run, as README shows them:
#   sh tests/bench/run-benchmarks.sh
# Builds first (Release), runs as root (the syscall benchmark loads the BPF programs).
set -eu
cd "$(dirname "$0")/../.."
sh deploy/setup-debian.sh >/dev/null
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_store bench_proc_maps bench_syscall_overhead >/dev/null

echo "## reference store: lookups under roll churn, remap vs locked-unmap"
build-bench/tests/bench/store/bench_store
echo
echo "## reading one process's mappings: PROCMAP_QUERY vs /proc/PID/maps text"
build-bench/tests/bench/proc/bench_proc_maps
echo
echo "## what mapwatch costs the traced syscalls"
build-bench/tests/bench/agent/bench_syscall_overhead
echo
echo "## startup scan: mapwatch scan against reading every /proc/PID/maps, lsof and lsfd"
cmake --build build-bench -j"$(nproc)" --target bench_scan >/dev/null
build-bench/tests/bench/scan/bench_scan
