#!/usr/bin/env bash
# Runs every libFuzzer target of a PROEFTUIN_FUZZ build for a bounded time and reports the
# executions reached. Usage: ops/run-fuzzers.sh BUILD_DIR SECONDS_PER_TARGET
# A long run: ops/run-fuzzers.sh build/asan 3600   (corpora are kept in var/fuzz/<target>)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build="${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}"
seconds="${2:?usage: run-fuzzers.sh BUILD_DIR SECONDS}"
mapfile -t targets < <(find "$build/tests" -maxdepth 1 -type f -name '*_fuzzer' -perm -u+x | sort)
if [ "${#targets[@]}" -eq 0 ]; then
  echo "run-fuzzers: no fuzz targets in $build (configure with -DPROEFTUIN_FUZZ=ON)" >&2
  exit 1
fi
# Targets run side by side, one per core (PROEFTUIN_FUZZ_JOBS, default nproc): each fuzzer is
# single-threaded, so every target still gets its SECONDS of one core. Results are reported in
# target order once all have ended.
parallel="${PROEFTUIN_FUZZ_JOBS:-$(nproc)}"
if ! [[ "$parallel" =~ ^[1-9][0-9]*$ ]]; then
  echo "run-fuzzers: PROEFTUIN_FUZZ_JOBS must be a positive number, not '$parallel'" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
run_one() {
  local t="$1" name corpus seeds=()
  name="$(basename "$t")"
  corpus="var/fuzz/$name"
  mkdir -p "$corpus"
  [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
  local rc=0
  "$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="var/fuzz/$name-" \
    "$corpus" "${seeds[@]}" >"$work/$name.log" 2>&1 || rc=$?
  echo "$rc" >"$work/$name.rc"
}
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  run_one "$t" &
done
wait
failed=0
for t in "${targets[@]}"; do
  name="$(basename "$t")"
  rc="$(cat "$work/$name.rc" 2>/dev/null || echo missing)"
  if [ "$rc" != 0 ]; then
    cat "$work/$name.log" >&2 2>/dev/null || true
    echo "run-fuzzers: $name FAILED (exit status $rc)" >&2
    failed=1
    continue
  fi
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name.log" | grep -o '[0-9]*$' || echo '?')"
  echo "run-fuzzers: $name ok, $execs executions in ${seconds}s, 0 crashes" >&2
done
exit "$failed"
