#!/bin/sh
# The whole test suite: set-up, the normal build and the sanitizer build
# (ASan + UBSan), every CTest test in both. Run as root: the BPF tests load
# the real programs.
set -eu
cd "$(dirname "$0")/.."

sh deploy/setup-debian.sh --test
# The whole suite, as root: a test that cannot run (no BPF, an agent that does
# not start, no libFuzzer) fails instead of skipping, as in CI.
export CI="${CI:-true}"
jobs=$(nproc)
started=$(date +%s)
phase() { echo "== $1 ($(($(date +%s) - started)) s since the start)"; }

# Each fuzz harness runs 10 s here, which keeps the whole run under 20
# minutes; MAPWATCH_FUZZ_SECONDS in the build runs them longer.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAPWATCH_TESTS=ON -DMAPWATCH_FUZZ_SECONDS=10
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMAPWATCH_SANITIZE=ON -DMAPWATCH_TESTS=ON
cmake --build build-asan -j"$jobs"

status=0
# agent_differential_test (label differential) runs its short version here, 6
# pauses in each of its runs; tests/soak/differential.sh runs it long.
phase "tests: normal build"
ctest --test-dir build --output-on-failure || status=1
# The fuzz harnesses carry ASan and UBSan themselves: they run once, above.
# The differential test runs once too, in the normal build: its workers under
# ASan would take more of the 20 minutes than they tell. So does cli_outputs
# (40 agents killed at random moments, about 100 s): it checks that outputs
# are replaced whole, which the sanitizers add nothing to; every other output
# test runs in both builds.
phase "tests: sanitizer build (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure -LE 'bench|fuzz|fresh|differential' \
	-E '^cli_outputs$' || status=1
phase "done, status $status"
exit $status
