#!/usr/bin/env bash
# Installs every build and test dependency of Proeftuin on Debian 12 (bookworm).
# Idempotent: safe to run again; it only installs what is missing. Needs root (or sudo).
# npm packages (tooling only: buf, axe-core) go into the project's own folder (tools/node_modules).
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
  systemd prometheus shellcheck file strace
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

# Tooling from npm, into the project's own folder (never global). Installed (`npm ci`, exactly
# the lockfile) unless tools/node_modules already holds every package of the lockfile at its
# version (optional ones only where they fit this machine) and the lockfile did not change since
# the last install (npm writes node_modules/.package-lock.json at each install): so a folder
# from before a package was added or a version bumped is completed, and a second run does nothing.
npm_tools_current() {
  local lock="$here/tools/package-lock.json" installed="$here/tools/node_modules/.package-lock.json"
  if [ ! -f "$installed" ] || [ "$lock" -nt "$installed" ]; then
    echo "install-deps: tools/package-lock.json is newer than the installed npm tooling" >&2
    return 1
  fi
  node -e '
    const fs = require("fs"), path = require("path");
    const tools = process.argv[1];
    const lock = JSON.parse(fs.readFileSync(path.join(tools, "package-lock.json"), "utf8"));
    // npm os / cpu lists: allowed values, or "!value" for excluded ones.
    const fits = (list, value) => {
      if (!Array.isArray(list) || list.length === 0) return true;
      if (list.includes("!" + value)) return false;
      const allowed = list.filter((v) => !v.startsWith("!"));
      return allowed.length === 0 || allowed.includes(value);
    };
    let complete = true;
    for (const [key, p] of Object.entries(lock.packages || {})) {
      if (key === "" || p.link) continue;
      if (p.optional && !(fits(p.os, process.platform) && fits(p.cpu, process.arch))) continue;
      let version = null;
      try {
        version = JSON.parse(fs.readFileSync(path.join(tools, key, "package.json"), "utf8")).version;
      } catch (e) {}
      if (version === null || (p.version && version !== p.version)) {
        console.error("install-deps: npm tooling: " + key.replace(/^.*node_modules\//, "") + " " + (p.version || "") +
                      (version === null ? " is missing" : " is at " + version));
        complete = false;
      }
    }
    process.exit(complete ? 0 : 1);
  ' "$here/tools"
}
if ! npm_tools_current; then
  echo "install-deps: installing npm tooling into tools/" >&2
  (cd "$here/tools" && npm ci --no-audit --no-fund)
else
  echo "install-deps: npm tooling in tools/ is complete" >&2
fi
