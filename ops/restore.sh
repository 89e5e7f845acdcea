#!/bin/sh
# proeftuin-restore: the restore procedure of docs/OPERATIONS.md, scripted.
#
#   proeftuin-restore BACKUP_DIR [--data-dir DIR] [--service UNIT | --no-service] [--user USER]
#
#   1. stops the service (systemctl stop proeftuind);
#   2. moves the current data directory aside to DIR.old-<UTC time> (kept: remove it yourself
#      once the restored store runs);
#   3. `proeftuin admin restore --from BACKUP_DIR --data-dir DIR`: verifies the backup's whole
#      chain, copies it, verifies the copy and checks its head equals the backup's;
#   4. brings back admin.token from the old directory (tokens issued before the backup work);
#   5. gives the directory to the service user (when run as root);
#   6. starts the service, waits until it serves, and checks that its log extends the digest
#      the restore printed (needs an auditor's or administrator's token).
# Defaults: --data-dir /var/lib/proeftuin/data, --service proeftuind, --user proeftuin.
# PROEFTUIN_CLI [proeftuin] and PROEFTUIND [proeftuind] name the binaries; the CLI reads
# PROEFTUIN_SERVER, PROEFTUIN_TOKEN_FILE and PROEFTUIN_CA (docs/CLI.md) for step 6.
# Exit 0 when restored (and, with a service, serving the restored head); 1 on any failure,
# 2 on a usage error.
set -eu

cli="${PROEFTUIN_CLI:-proeftuin}"
daemon="${PROEFTUIND:-proeftuind}"
data_dir=/var/lib/proeftuin/data
service=proeftuind
user=proeftuin
backup=

say() { echo "proeftuin-restore: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
usage() { say "usage: proeftuin-restore BACKUP_DIR [--data-dir DIR] [--service UNIT | --no-service] [--user USER]"; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) [ $# -ge 2 ] || usage; data_dir="$2"; shift 2 ;;
    --service) [ $# -ge 2 ] || usage; service="$2"; shift 2 ;;
    --no-service) service=; shift ;;
    --user) [ $# -ge 2 ] || usage; user="$2"; shift 2 ;;
    -h | --help) usage ;;
    -*) say "unknown option $1"; usage ;;
    *) [ -z "$backup" ] || usage; backup="$1"; shift ;;
  esac
done
[ -n "$backup" ] || usage
[ -d "$backup" ] || fail "no backup directory $backup"
data_dir="${data_dir%/}"

if [ -n "$service" ]; then
  say "stopping $service"
  systemctl stop "$service"
fi

old=
if [ -d "$data_dir" ] && [ -n "$(ls -A "$data_dir")" ]; then
  old="$data_dir.old-$(date -u +%Y%m%dT%H%M%SZ)"
  mv "$data_dir" "$old"
  say "moved the current data directory aside to $old"
fi

if ! "$cli" --no-color admin restore --from "$backup" --data-dir "$data_dir" -o json >"${TMPDIR:-/tmp}/proeftuin-restore.$$"; then
  rm -f "${TMPDIR:-/tmp}/proeftuin-restore.$$"
  fail "the backup was not restored; the previous data directory is ${old:-unchanged} (move it back to $data_dir to undo)"
fi
result="$(cat "${TMPDIR:-/tmp}/proeftuin-restore.$$")"
rm -f "${TMPDIR:-/tmp}/proeftuin-restore.$$"
position="$(echo "$result" | sed -n 's/^ *"position": *"\{0,1\}\([0-9]*\)"\{0,1\},\{0,1\}$/\1/p' | head -n 1)"
head_hash="$(echo "$result" | sed -n 's/^ *"head_hash": *"\([0-9a-f]*\)",\{0,1\}$/\1/p' | head -n 1)"
say "restored $backup into $data_dir: digest $position:$head_hash"

if [ -n "$old" ] && [ -f "$old/admin.token" ]; then
  cp -p "$old/admin.token" "$data_dir/admin.token"
fi
if [ "$(id -u)" = 0 ] && id "$user" >/dev/null 2>&1; then
  chown -R "$user:$user" "$data_dir"
fi

if [ -n "$service" ]; then
  say "starting $service"
  systemctl start "$service"
  # The health probe finds the listen address (and TLS) in the service's environment file.
  if [ -r /etc/proeftuin/proeftuind.env ]; then
    set -a
    # shellcheck disable=SC1091
    . /etc/proeftuin/proeftuind.env
    set +a
  fi
  i=0
  until "$daemon" health >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 60 ] || fail "$service does not serve after 60 s: journalctl -u $service"
    sleep 1
  done
  # The log the service serves must contain and extend the restored head.
  if "$cli" --no-color audit verify --digest "$position:$head_hash" >/dev/null 2>&1; then
    say "$service serves the restored store (its log extends $position:$head_hash)"
  else
    say "$service serves; check it extends the restored head: proeftuin audit verify --digest $position:$head_hash"
  fi
fi
echo "$position:$head_hash"
