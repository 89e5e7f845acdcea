#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it needs, checks the protos
# (buf lint, buf breaking on stored events), builds and tests with g++ (normal build), then with
# clang under AddressSanitizer + UndefinedBehaviorSanitizer (test suite only) and runs every
# libFuzzer target for a bounded time. Exits non-zero on the first failure.
#
# Environment: PROEFTUIN_FUZZ_SECONDS (default 20 per target), PROEFTUIN_SKIP_ASAN=1 (local only).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "install dependencies"
./ops/install-deps.sh

step "proto checks"
./ops/check-protos.sh

jobs="$(nproc)"
# The release suite runs two tests per core: about half of a test's time is spent waiting
# (fsync, a server starting, a child process); on two cores -j4 takes it from 165 to 109-126 s.
# The sanitizer suite stays at one per core: at -j4 (248-288 s against about 300) one of six runs
# had a TLS test's process abort, which no run at -j2 has shown (README, "Build time").
test_jobs="$((2 * jobs))"
step "normal build (g++)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc
cmake --build build/release -j "$jobs"
step "test suite (g++)"
ctest --test-dir build/release --output-on-failure -j "$test_jobs"

if [ "${PROEFTUIN_SKIP_ASAN:-0}" = 1 ] && [ "${CI:-}" != true ]; then
  step "sanitizer build skipped (PROEFTUIN_SKIP_ASAN=1)"
  exit 0
fi

step "sanitizer build (clang: ASan + UBSan, libFuzzer targets)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DPROEFTUIN_SANITIZE=ON -DPROEFTUIN_FUZZ=ON -DPROEFTUIN_TESTS_ONLY=ON
cmake --build build/asan -j "$jobs"
step "test suite (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp" \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"

step "fuzz targets"
./ops/run-fuzzers.sh build/asan "${PROEFTUIN_FUZZ_SECONDS:-20}"

step "all tests passed"
