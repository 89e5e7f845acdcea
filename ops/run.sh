#!/usr/bin/env bash
# Runs Proeftuin with its embedded store, from a fresh Debian 12 machine: installs what it
# needs, builds (g++), and starts the service with its data in ./var/data.
# Extra arguments go to the service.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./ops/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/release -j "$(nproc)"
mkdir -p var/data
if [ -x build/release/services/server/proeftuind ]; then
  exec build/release/services/server/proeftuind --data-dir var/data "$@"
fi
cat >&2 <<'MSG'
proeftuind (the gRPC server, issue 4) does not exist yet. What exists is the event store;
running its benchmark against ./var instead, which exercises the embedded store end to end.
MSG
if [ -x build/release/eventstore/eventstore_bench ]; then
  exec build/release/eventstore/eventstore_bench --dir var/bench --quick "$@"
fi
echo "run: the event store library is built; nothing runnable exists yet." >&2
