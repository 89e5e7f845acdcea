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
for t in "${targets[@]}"; do
  name="$(basename "$t")"
  corpus="var/fuzz/$name"
  mkdir -p "$corpus"
  seeds=()
  [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
  log="$(mktemp)"
  if ! "$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="var/fuzz/$name-" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    echo "run-fuzzers: $name FAILED" >&2
    exit 1
  fi
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
  echo "run-fuzzers: $name ok, $execs executions in ${seconds}s, 0 crashes" >&2
  rm -f "$log"
done
