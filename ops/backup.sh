#!/bin/sh
# proeftuin-backup: one online backup of the running proeftuind, then retention.
#
#   1. `proeftuin admin backup --to $PROEFTUIN_BACKUP_DIR/<UTC time>`: the server writes a
#      consistent RocksDB checkpoint while it keeps serving, and verifies its whole chain;
#   2. the CLI verifies the copy again offline, trusting no server, and checks that it continues
#      the previous complete backup: the same store (its store id) and a log that contains and
#      extends that backup's head (`audit verify --digest`, which checks the whole chain too);
#      PROEFTUIN_BACKUP_VERIFY=0 skips the offline verify only when there is no previous backup
#      to compare with or another store id (a copy whose chain is broken then counts as a history
#      that changed: exit 3, kept);
#   3. the summary (with the store id) goes to <name>.json beside it, and <data dir>/last-backup
#      gets the time (the server reports it as proeftuin_backup_last_success_timestamp_seconds
#      {source="file"});
#   4. retention: the newest PROEFTUIN_BACKUP_KEEP complete backups stay, older ones and failed
#      attempts go.
# When the new backup does not continue the previous one, the store's identity or history changed
# (proeftuind made a new, empty store because its data directory was missing or empty, or a store
# was restored from an older backup): retention would then remove every backup of the history
# that came before. The script keeps every backup instead, keeps the new one as
# <name>.new-history.json (not a complete backup: retention never counts nor removes it, and the
# next run again compares with the previous complete one), does not write last-backup, and exits
# 3. Once the new history is the right one, move the old backups aside (docs/OPERATIONS.md), or
# accept it for one run with PROEFTUIN_BACKUP_NEW_HISTORY=1.
# Installed as /usr/lib/proeftuin/proeftuin-backup, run by proeftuin-backup.service (hourly).
#
# Environment (defaults in brackets); the CLI reads PROEFTUIN_SERVER, PROEFTUIN_TOKEN_FILE,
# PROEFTUIN_TOKEN and PROEFTUIN_CA itself (docs/CLI.md):
#   PROEFTUIN_BACKUP_DIR   [/var/backups/proeftuin]  on the server's machine
#   PROEFTUIN_BACKUP_KEEP  [48]                      complete backups to keep, at least 1
#   PROEFTUIN_DATA_DIR     [/var/lib/proeftuin/data] where last-backup goes (and admin.token is)
#   PROEFTUIN_BACKUP_VERIFY [1]                      verify the copy offline as well (see 2.)
#   PROEFTUIN_BACKUP_NEW_HISTORY [0]                 1: accept a backup that does not continue the
#                                                    previous one (for one run; prunes nothing)
#   PROEFTUIN_CLI          [proeftuin]               the CLI binary
# Exit 0 when the backup was written and verified; 1 otherwise (nothing is pruned then); 3 when it
# was written and verified but does not continue the previous complete backup (nothing is pruned).
set -eu

dir="${PROEFTUIN_BACKUP_DIR:-/var/backups/proeftuin}"
keep="${PROEFTUIN_BACKUP_KEEP:-48}"
data_dir="${PROEFTUIN_DATA_DIR:-/var/lib/proeftuin/data}"
cli="${PROEFTUIN_CLI:-proeftuin}"
verify="${PROEFTUIN_BACKUP_VERIFY:-1}"
new_history="${PROEFTUIN_BACKUP_NEW_HISTORY:-0}"

say() { echo "proeftuin-backup: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

case "$keep" in '' | *[!0-9]*) fail "PROEFTUIN_BACKUP_KEEP must be a number of backups, got '$keep'" ;; esac
[ "$keep" -ge 1 ] || fail "PROEFTUIN_BACKUP_KEEP must be at least 1"
case "$new_history" in 0 | 1) ;; *) fail "PROEFTUIN_BACKUP_NEW_HISTORY must be 0 or 1, got '$new_history'" ;; esac
if [ -z "${PROEFTUIN_TOKEN:-}" ] && [ -z "${PROEFTUIN_TOKEN_FILE:-}" ]; then
  PROEFTUIN_TOKEN_FILE="$data_dir/admin.token"
  export PROEFTUIN_TOKEN_FILE
fi

# A string field of a summary (.json) or of CLI JSON output: `field NAME FILE`.
field() { sed -n 's/^ *"'"$1"'": *"\{0,1\}\([^"]*\)"\{0,1\},\{0,1\}$/\1/p' "$2" | head -n 1; }
is_backup() { echo "$1" | grep -Eq '^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z$'; }

mkdir -p "$dir"
# One backup at a time (a manual run and the timer), so retention never removes a backup that
# another run is still writing.
exec 9>"$dir/.lock"
flock -n 9 || fail "another backup is running (lock $dir/.lock)"
name="$(date -u +%Y%m%dT%H%M%S.%3NZ)"
target="$dir/$name"
summary="$(mktemp "$dir/.summary.XXXXXX")"
trap 'rm -f "$summary" "$summary.raw"' EXIT

# The previous complete backup (a directory with its .json; names are UTC times, and a glob sorts
# ascending, so the last one is the newest).
previous=
for path in "$dir"/[0-9]*Z; do
  if [ -d "$path" ] && [ -f "$path.json" ] && is_backup "${path##*/}"; then previous="$path"; fi
done

# The store the server serves: recorded in the summary, compared with the previous backup's.
if ! "$cli" --no-color admin stats -o json >"$summary.raw"; then
  fail "cannot ask the server for its store id (admin stats); no backup was made"
fi
store_id="$(field store_id "$summary.raw")"
[ -n "$store_id" ] || fail "the server did not report its store id (admin stats); no backup was made"

if ! "$cli" --no-color admin backup --to "$target" -o json >"$summary.raw"; then
  rm -rf -- "$target"
  fail "the server did not write a verified backup to $target"
fi
# The summary: the CLI's JSON with the store id as its first field.
awk -v id="$store_id" 'NR == 1 && $0 == "{" { print; printf " \"store_id\": \"%s\",\n", id; next } { print }' \
  "$summary.raw" >"$summary"
position="$(field position "$summary")"
head_hash="$(field head_hash "$summary")"

# Does the new backup continue the previous complete one? continues: yes, no (why says how not), or
# empty when there is no previous complete backup (the first one).
continues=
why=
if [ -n "$previous" ]; then
  previous_store="$(field store_id "$previous.json")"
  previous_position="$(field position "$previous.json")"
  previous_hash="$(field head_hash "$previous.json")"
  if [ -n "$previous_store" ] && [ "$previous_store" != "$store_id" ]; then
    continues=no
    why="the store's identity changed: the server serves store $store_id, the previous backup $previous is of store $previous_store (a new, empty store, made by proeftuind when its data directory was missing or empty?)"
  elif ! printf '%s' "$previous_position" | grep -Eqx '[0-9]+' ||
    ! printf '%s' "$previous_hash" | grep -Eqx '[0-9a-f]{64}'; then
    continues=no
    why="the head of the previous backup $previous cannot be read from $previous.json (position '$previous_position', hash '$previous_hash'), so it cannot be checked that the new backup continues it"
  elif check="$("$cli" --no-color audit verify --data-dir "$target" --digest "$previous_position:$previous_hash" 2>&1 >/dev/null)"; then
    continues=yes  # and the copy's whole chain verified offline
  else
    code=$?
    if [ "$code" != 1 ]; then
      rm -rf -- "$target"
      fail "cannot check the backup in $target offline: $check"
    fi
    continues=no
    why="the store's history changed: the log of the new backup (position ${position:-?}) does not contain and extend the head $previous_position:$previous_hash of the previous backup $previous (a store restored from an older backup, or a new one?): $check"
  fi
fi
if [ "$continues" != yes ] && [ "$verify" != 0 ] && ! "$cli" --no-color audit verify --data-dir "$target" -o json >/dev/null; then
  rm -rf -- "$target"
  fail "the backup in $target does not verify offline"
fi

if [ "$continues" = no ] && [ "$new_history" != 1 ]; then
  mv "$summary" "$target.new-history.json"
  say "FAILED: the new backup $target does not continue the previous complete backup: $why."
  say "Every backup is kept (nothing was pruned, last-backup was not written); the new one is kept as" \
    "$target.new-history.json, which retention neither counts nor removes. If the data directory" \
    "$data_dir is wrong (a store made anew), stop proeftuind, bring back the right store and start it" \
    "again: the next backup continues the previous one. If the new history is right (a deliberate" \
    "restore), move the old backups out of $dir (docs/OPERATIONS.md, 'Backup and restore'), or accept" \
    "it for one run with PROEFTUIN_BACKUP_NEW_HISTORY=1. Remove the *.new-history backups you do not need."
  exit 3
fi
mv "$summary" "$target.json"

# For the metrics: the time of the last good backup (atomically replaced).
if [ -d "$data_dir" ]; then
  if printf '%s %s %s\n' "$(date -u +%s)" "$name" "${position:-?}" >"$data_dir/.last-backup.tmp"; then
    mv "$data_dir/.last-backup.tmp" "$data_dir/last-backup"
  else
    say "warning: cannot write $data_dir/last-backup (the backup itself is fine)"
  fi
fi
say "backup $target written and verified (position ${position:-?}, head ${head_hash:-?})"
if [ "$continues" = no ]; then
  say "PROEFTUIN_BACKUP_NEW_HISTORY=1: the new history is accepted ($why); nothing pruned in this run," \
    "from the next run on retention removes the oldest backups, those of the old history first"
  exit 0
fi

# Retention: keep the newest $keep complete backups (a directory with its .json); remove older ones
# and failed attempts (no .json). Backups kept as <name>.new-history.json are left alone.
complete=0
for path in "$dir"/[0-9]*Z; do
  if [ -d "$path" ] && [ -f "$path.json" ] && is_backup "${path##*/}"; then complete=$((complete + 1)); fi
done
excess=$((complete - keep))
for path in "$dir"/[0-9]*Z; do
  if [ ! -d "$path" ] || ! is_backup "${path##*/}" || [ -f "$path.new-history.json" ]; then continue; fi
  if [ -f "$path.json" ]; then
    [ "$excess" -gt 0 ] || continue
    excess=$((excess - 1))
  fi
  rm -rf -- "$path" "$path.json"
  say "removed old backup $path"
done
say "$((complete < keep ? complete : keep)) backup(s) kept in $dir"
