#!/usr/bin/env bash
# buf lint on every proto; buf breaking (WIRE_JSON) on the stored-event protos against the
# previous commit, when the clone has one. A stored event must never change incompatibly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
buf=tools/node_modules/.bin/buf
[ -x "$buf" ] || { echo "check-protos: buf missing; run ops/install-deps.sh" >&2; exit 1; }

"$buf" lint
echo "check-protos: buf lint clean" >&2

# The protos whose messages are stored in the event log (the storage format).
stored=(proeftuin/v1/common.proto proeftuin/v1/store.proto)
for f in proto/proeftuin/v1/*_events.proto; do
  [ -e "$f" ] && stored+=("${f#proto/}")
done

if ! git rev-parse -q --verify HEAD~1 >/dev/null 2>&1; then
  echo "check-protos: buf breaking SKIPPED: this clone has no previous commit to compare with" >&2
  exit 0
fi
args=()
for f in "${stored[@]}"; do
  if git cat-file -e "HEAD~1:proto/$f" 2>/dev/null; then args+=(--path "proto/$f"); fi
done
if [ "${#args[@]}" -eq 0 ]; then
  echo "check-protos: buf breaking: no stored-event proto existed in the previous commit" >&2
  exit 0
fi
"$buf" breaking --against ".git#ref=HEAD~1" "${args[@]}"
echo "check-protos: buf breaking clean against HEAD~1 for: ${stored[*]}" >&2
