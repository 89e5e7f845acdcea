#!/bin/sh
# The crash loop (issue 8): proeftuind killed with SIGKILL under load ROUNDS times (default 100)
# on one data directory, restarted and checked each round: every acknowledged command present
# where its answer said, no gaps, no half-written append, the hash chain valid, the views equal
# a rebuild. Prints one line per round and a summary line; exits 0 when every check held.
#
# Usage: ops/crash-loop.sh [ROUNDS] [crash_loop options, e.g. --seed S --clients C]
# The build directory is $BUILD_DIR (default build/release); build the targets first:
#   cmake --build build/release --target crash_loop proeftuind
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-100}"
case "$rounds" in
  '' | *[!0-9]*)
    echo "usage: ops/crash-loop.sh [ROUNDS] [--seed S] [--clients C]" >&2
    exit 2
    ;;
esac
[ "$#" -gt 0 ] && shift
build="${BUILD_DIR:-$root/build/release}"
driver="$build/tests/crash_loop"
if [ ! -x "$driver" ]; then
  echo "crash-loop: $driver not found; build it: cmake --build $build --target crash_loop proeftuind" >&2
  exit 1
fi
exec "$driver" --rounds "$rounds" "$@"
