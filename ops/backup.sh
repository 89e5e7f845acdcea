#!/bin/sh
# proeftuin-backup: one online backup of the running proeftuind, then retention.
#
#   1. `proeftuin admin backup --to $PROEFTUIN_BACKUP_DIR/<UTC time>`: the server writes a
#      consistent RocksDB checkpoint while it keeps serving, and verifies its whole chain;
#   2. the CLI verifies the copy again offline, trusting no server (PROEFTUIN_BACKUP_VERIFY=0 skips);
#   3. the summary goes to <name>.json beside it, and <data dir>/last-backup gets the time (the
#      server reports its age as proeftuin_backup_age_seconds);
#   4. retention: the newest PROEFTUIN_BACKUP_KEEP complete backups stay, older ones and failed
#      attempts go.
# Installed as /usr/lib/proeftuin/proeftuin-backup, run by proeftuin-backup.service (hourly).
#
# Environment (defaults in brackets); the CLI reads PROEFTUIN_SERVER, PROEFTUIN_TOKEN_FILE,
# PROEFTUIN_TOKEN and PROEFTUIN_CA itself (docs/CLI.md):
#   PROEFTUIN_BACKUP_DIR   [/var/backups/proeftuin]  on the server's machine
#   PROEFTUIN_BACKUP_KEEP  [48]                      complete backups to keep, at least 1
#   PROEFTUIN_DATA_DIR     [/var/lib/proeftuin/data] where last-backup goes (and admin.token is)
#   PROEFTUIN_BACKUP_VERIFY [1]                      verify the copy offline as well
#   PROEFTUIN_CLI          [proeftuin]               the CLI binary
# Exit 0 when the backup was written and verified; 1 otherwise (nothing is pruned then).
set -eu

dir="${PROEFTUIN_BACKUP_DIR:-/var/backups/proeftuin}"
keep="${PROEFTUIN_BACKUP_KEEP:-48}"
data_dir="${PROEFTUIN_DATA_DIR:-/var/lib/proeftuin/data}"
cli="${PROEFTUIN_CLI:-proeftuin}"
verify="${PROEFTUIN_BACKUP_VERIFY:-1}"

say() { echo "proeftuin-backup: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

case "$keep" in '' | *[!0-9]*) fail "PROEFTUIN_BACKUP_KEEP must be a number of backups, got '$keep'" ;; esac
[ "$keep" -ge 1 ] || fail "PROEFTUIN_BACKUP_KEEP must be at least 1"
if [ -z "${PROEFTUIN_TOKEN:-}" ] && [ -z "${PROEFTUIN_TOKEN_FILE:-}" ]; then
  PROEFTUIN_TOKEN_FILE="$data_dir/admin.token"
  export PROEFTUIN_TOKEN_FILE
fi

mkdir -p "$dir"
# One backup at a time (a manual run and the timer), so retention never removes a backup that
# another run is still writing.
exec 9>"$dir/.lock"
flock -n 9 || fail "another backup is running (lock $dir/.lock)"
name="$(date -u +%Y%m%dT%H%M%S.%3NZ)"
target="$dir/$name"
summary="$(mktemp "$dir/.summary.XXXXXX")"
trap 'rm -f "$summary"' EXIT

if ! "$cli" --no-color admin backup --to "$target" -o json >"$summary"; then
  rm -rf -- "$target"
  fail "the server did not write a verified backup to $target"
fi
if [ "$verify" != 0 ] && ! "$cli" --no-color audit verify --data-dir "$target" -o json >/dev/null; then
  rm -rf -- "$target"
  fail "the backup in $target does not verify offline"
fi
mv "$summary" "$target.json"
position="$(sed -n 's/^ *"position": *"\{0,1\}\([0-9]*\)"\{0,1\},\{0,1\}$/\1/p' "$target.json" | head -n 1)"

# For the metrics: the time of the last good backup (atomically replaced).
if [ -d "$data_dir" ]; then
  if printf '%s %s %s\n' "$(date -u +%s)" "$name" "${position:-?}" >"$data_dir/.last-backup.tmp"; then
    mv "$data_dir/.last-backup.tmp" "$data_dir/last-backup"
  else
    say "warning: cannot write $data_dir/last-backup (the backup itself is fine)"
  fi
fi
say "backup $target written and verified (position ${position:-?})"

# Retention: names are UTC times, so they sort by age (a glob sorts ascending: oldest first).
# Keep the newest $keep complete backups (a directory with its .json); remove older ones and
# failed attempts (no .json).
is_backup() { echo "$1" | grep -Eq '^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z$'; }
complete=0
for path in "$dir"/[0-9]*Z; do
  if [ -d "$path" ] && [ -f "$path.json" ] && is_backup "${path##*/}"; then complete=$((complete + 1)); fi
done
excess=$((complete - keep))
for path in "$dir"/[0-9]*Z; do
  if [ ! -d "$path" ] || ! is_backup "${path##*/}"; then continue; fi
  if [ -f "$path.json" ]; then
    [ "$excess" -gt 0 ] || continue
    excess=$((excess - 1))
  fi
  rm -rf -- "$path" "$path.json"
  say "removed old backup $path"
done
say "$((complete < keep ? complete : keep)) backup(s) kept in $dir"
