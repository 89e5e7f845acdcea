#!/usr/bin/env bash
# Installs every build and test dependency of Proeftuin on Debian 12 (bookworm).
# Idempotent: safe to run again; it only installs what is missing. Needs root (or sudo).
# npm packages (tooling only: buf) go into the project's own folder (tools/node_modules).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev rocksdb-tools libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libssl-dev libcivetweb-dev libgoogle-perftools-dev
  python3-grpcio python3-grpc-tools python3-protobuf grpc-proto
  tzdata openssl chromium
  systemd prometheus shellcheck file
)

# Node.js and npm run the proto tooling; take Debian's unless a Node.js is already installed.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

"${sudo_cmd[@]}" apt-get update -qq
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present" >&2
fi

# Tooling from npm, into the project's own folder (never global).
if [ ! -x "$here/tools/node_modules/.bin/buf" ]; then
  echo "install-deps: installing npm tooling into tools/" >&2
  (cd "$here/tools" && npm ci --no-audit --no-fund)
fi
