#!/bin/sh
# proeftuin-restore: the restore procedure of docs/OPERATIONS.md, scripted.
#
#   proeftuin-restore BACKUP_DIR [--data-dir DIR] [--env-file FILE] [--token-file FILE]
#                     [--service UNIT | --no-service] [--user USER]
#
#   0. reads the service's environment file (PROEFTUIND_DATA_DIR, PROEFTUIND_LISTEN,
#      PROEFTUIND_TLS_CERT): the store is restored where the service reads it, and with a service
#      a --data-dir it does not use is refused; finds the token for step 6 before anything stops;
#   1. stops the service (systemctl stop proeftuind), then refuses to go on while any process
#      still holds the store's RocksDB lock (a POSIX lock on DIR/LOCK, found in /proc/locks);
#   2. moves the current data directory aside to DIR.old-<UTC time> (kept: remove it yourself
#      once the restored store runs);
#   3. `proeftuin admin restore --from BACKUP_DIR --data-dir DIR`: verifies the backup's whole
#      chain, copies it (synced to disk), verifies the copy and checks its head equals the backup's;
#   4. brings back admin.token from the old directory (tokens issued before the backup work);
#   5. gives the directory to the service user (when run as root);
#   6. starts the service, waits until it serves, and checks that the log it serves contains and
#      extends the digest the restore printed (`proeftuin audit verify --digest`). This check is
#      part of the restore: when it fails or cannot be done, the script exits 1. It needs the
#      token of an auditor or administrator: --token-file FILE (e.g. /etc/proeftuin/backup.token,
#      the backup job's), else PROEFTUIN_TOKEN / PROEFTUIN_TOKEN_FILE, else DIR/admin.token.
# Defaults: --data-dir PROEFTUIND_DATA_DIR from the environment file, else
# /var/lib/proeftuin/data (the unit's default); --env-file /etc/proeftuin/proeftuind.env;
# --service proeftuind; --user proeftuin. --no-service (nothing is stopped or started, no check
# after the restore) needs an explicit --data-dir, and is refused while a server uses that store.
# PROEFTUIN_CLI [proeftuin] and PROEFTUIND [proeftuind] name the binaries. For step 6 the CLI
# reaches the service at PROEFTUIN_SERVER, else at PROEFTUIND_LISTEN of the environment file (a
# wildcard host as loopback); with TLS set PROEFTUIN_CA (and PROEFTUIN_SERVER to a name in the
# certificate).
# Exit 0 when restored (and, with a service, serving the restored head); 1 on any failure,
# 2 when refused before anything was changed (a usage error, a missing token, or, with
# --no-service, a process that has the store open).
set -eu

cli="${PROEFTUIN_CLI:-proeftuin}"
daemon="${PROEFTUIND:-proeftuind}"
env_file=/etc/proeftuin/proeftuind.env
data_dir=
token_file=
service=proeftuind
user=proeftuin
backup=

say() { echo "proeftuin-restore: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
refuse() { say "$*"; exit 2; }
usage() {
  say "usage: proeftuin-restore BACKUP_DIR [--data-dir DIR] [--env-file FILE] [--token-file FILE]" \
    "[--service UNIT | --no-service] [--user USER]"
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) [ $# -ge 2 ] || usage; data_dir="$2"; shift 2 ;;
    --env-file) [ $# -ge 2 ] || usage; env_file="$2"; shift 2 ;;
    --token-file) [ $# -ge 2 ] || usage; token_file="$2"; shift 2 ;;
    --service) [ $# -ge 2 ] || usage; service="$2"; shift 2 ;;
    --no-service) service=; shift ;;
    --user) [ $# -ge 2 ] || usage; user="$2"; shift 2 ;;
    -h | --help) usage ;;
    -*) say "unknown option $1"; usage ;;
    *) [ -z "$backup" ] || usage; backup="$1"; shift ;;
  esac
done
[ -n "$backup" ] || usage
if [ -z "$service" ] && [ -z "$data_dir" ]; then
  refuse "--no-service needs --data-dir DIR: without a service nothing is stopped, so the script" \
    "never picks the live store by default (to restore the service's store, leave out --no-service)"
fi
[ -d "$backup" ] || fail "no backup directory $backup"

# The value of NAME in the service's environment file (systemd's EnvironmentFile= format: the
# last NAME=value line wins, quotes around the value are removed); empty when it is not set.
# The file is read, never run.
env_value() {
  [ -f "$env_file" ] || return 0
  sed -n "s/^[[:space:]]*$1=//p" "$env_file" | tail -n 1 |
    sed 's/^[[:space:]]*//; s/[[:space:]]*$//; s/^"\(.*\)"$/\1/'"; s/^'\(.*\)'$/\1/"
}
if [ -n "$service" ] && [ -e "$env_file" ] && [ ! -r "$env_file" ]; then
  refuse "cannot read $env_file (the service's settings): run as root, or give --env-file"
fi

# The process that holds the RocksDB lock of the store in directory $1, as "PID NAME" (NAME from
# /proc/PID/comm, "process" when unknown; PID 0 or -1 when the holder is not visible from here);
# nothing when none does. RocksDB holds a POSIX write lock on DIR/LOCK while the store is open;
# /proc/locks lists it by the file's device (hexadecimal MAJOR:MINOR) and inode. A line with the
# same inode on another device (btrfs subvolumes report other devices to stat) counts when the
# process has the very file open.
lock_holder() {
  lock_file="$1/LOCK"
  [ -f "$lock_file" ] && [ -r /proc/locks ] || return 0
  lock_inode="$(stat -L -c '%i' "$lock_file")" || return 0
  lock_id="$(stat -L -c '%d:%i' "$lock_file")" || return 0
  lock_key="$(stat -L -c '%Hd %Ld' "$lock_file" | awk '{ printf "%02x:%02x", $1, $2 }'):$lock_inode" || return 0
  awk -v key="$lock_key" -v inode="$lock_inode" '
    $2 == "->" { next }  # waiting for the lock, not holding it
    {
      for (i = 3; i <= NF; i++) {
        if ($i !~ /^[0-9a-f]+:[0-9a-f]+:[0-9]+$/) continue
        n = split($i, f, ":")
        if (f[n] == inode) print $(i - 1), ($i == key ? "same" : "inode")
        break
      }
    }' /proc/locks |
    while read -r lock_pid how; do
      if [ "$how" = inode ] &&
        ! stat -L -c '%d:%i' /proc/"$lock_pid"/fd/* 2>/dev/null | grep -qx "$lock_id"; then
        continue
      fi
      name=
      if [ "$lock_pid" -gt 0 ] 2>/dev/null; then name="$(cat "/proc/$lock_pid/comm" 2>/dev/null || true)"; fi
      echo "$lock_pid ${name:-process}"
      break
    done
}
# What to say about the holder lock_holder printed: "a proeftuind (pid 123)".
holder_text() {
  case "${1%% *}" in
    0 | -1) echo "a ${1#* } (its pid is not visible here: another container?)" ;;
    *) echo "a ${1#* } (pid ${1%% *})" ;;
  esac
}

# 0. Where the service keeps its store: restore there and nowhere else.
data_dir="${data_dir%/}"
if [ -n "$service" ]; then
  service_dir="$(env_value PROEFTUIND_DATA_DIR)"
  service_dir="${service_dir:-/var/lib/proeftuin/data}"
  service_dir="${service_dir%/}"
  if [ -z "$data_dir" ]; then
    data_dir="$service_dir"
    say "restoring into $data_dir (the data directory of $service; from $env_file or the default)"
  fi
  case "$data_dir" in
    /*) ;;
    *) refuse "the data directory of $service must be an absolute path, not $data_dir (PROEFTUIND_DATA_DIR in $env_file)" ;;
  esac
  if [ "$data_dir" != "$service_dir" ]; then
    refuse "--data-dir $data_dir is not the data directory $service uses ($service_dir: PROEFTUIND_DATA_DIR" \
      "in $env_file, else the default); restore into $service_dir, or use --no-service to restore elsewhere"
  fi

  # The check after the restart (step 6): the token and the address, before anything stops.
  if [ -n "$token_file" ]; then
    [ -r "$token_file" ] || refuse "--token-file: cannot read $token_file"
    PROEFTUIN_TOKEN_FILE="$token_file"
    export PROEFTUIN_TOKEN_FILE
    unset PROEFTUIN_TOKEN  # it would win over the file
  elif [ -n "${PROEFTUIN_TOKEN:-}" ]; then
    :
  elif [ -n "${PROEFTUIN_TOKEN_FILE:-}" ]; then
    [ -r "$PROEFTUIN_TOKEN_FILE" ] || refuse "PROEFTUIN_TOKEN_FILE: cannot read $PROEFTUIN_TOKEN_FILE"
  elif [ -r "$data_dir/admin.token" ]; then
    PROEFTUIN_TOKEN_FILE="$data_dir/admin.token"  # copied back in step 4
    export PROEFTUIN_TOKEN_FILE
    say "the check after the restart uses $data_dir/admin.token (if it was revoked, give --token-file)"
  else
    refuse "the check after the restart needs the token of an auditor or administrator, and there is no" \
      "$data_dir/admin.token: give --token-file FILE (e.g. /etc/proeftuin/backup.token) or set PROEFTUIN_TOKEN_FILE"
  fi
  listen="$(env_value PROEFTUIND_LISTEN)"
  listen="${listen:-127.0.0.1:50051}"
  case "$listen" in
    0.0.0.0:*) probe="127.0.0.1:${listen#0.0.0.0:}" ;;
    "[::]:"*) probe="[::1]:${listen#\[::\]:}" ;;
    *) probe="$listen" ;;
  esac
  server="${PROEFTUIN_SERVER:-$probe}"
  tls_cert="$(env_value PROEFTUIND_TLS_CERT)"
  if [ -n "$tls_cert" ] && [ -z "${PROEFTUIN_CA:-}" ]; then
    refuse "$service serves TLS ($env_file): for the check after the restart set PROEFTUIN_CA to the CA of its" \
      "certificate, and PROEFTUIN_SERVER to a HOST:PORT whose name the certificate carries"
  fi
fi

if [ -n "$service" ]; then
  say "stopping $service"
  systemctl stop "$service"
fi

# Never move aside, or restore into, a store that a process still has open: it would go on
# writing into the restored directory (and its own copy would be moved from under it).
holder="$(lock_holder "$data_dir")"
if [ -n "$holder" ]; then
  if [ -n "$service" ]; then
    fail "$(holder_text "$holder") is using $data_dir: stop it first. \`systemctl stop $service\` returned, but" \
      "the store is still open (a proeftuind started by hand?); nothing else was changed (systemctl start" \
      "$service to go back)"
  fi
  refuse "$(holder_text "$holder") is using $data_dir: stop it first (nothing was changed)"
fi

old=
if [ -d "$data_dir" ] && [ -n "$(ls -A "$data_dir")" ]; then
  base="$data_dir.old-$(date -u +%Y%m%dT%H%M%SZ)"
  old="$base"
  n=0
  while [ -e "$old" ] || [ -L "$old" ]; do n=$((n + 1)); old="$base.$n"; done  # never into an older one
  mv "$data_dir" "$old"
  say "moved the current data directory aside to $old"
fi

out="$(mktemp "${TMPDIR:-/tmp}/proeftuin-restore.XXXXXX")"
trap 'rm -f "$out"' EXIT
if ! "$cli" --no-color admin restore --from "$backup" --data-dir "$data_dir" -o json >"$out"; then
  fail "the backup was not restored; the previous data directory is ${old:-unchanged} (move it back to $data_dir to undo)"
fi
position="$(sed -n 's/^ *"position": *"\{0,1\}\([0-9]*\)"\{0,1\},\{0,1\}$/\1/p' "$out" | head -n 1)"
head_hash="$(sed -n 's/^ *"head_hash": *"\([0-9a-f]*\)",\{0,1\}$/\1/p' "$out" | head -n 1)"
if [ -z "$position" ] || [ -z "$head_hash" ]; then fail "cannot read the restored digest from: $(cat "$out")"; fi
digest="$position:$head_hash"
say "restored $backup into $data_dir: digest $digest"

if [ -n "$old" ] && [ -f "$old/admin.token" ]; then
  cp -p "$old/admin.token" "$data_dir/admin.token"
fi
if [ "$(id -u)" = 0 ] && id "$user" >/dev/null 2>&1; then
  chown -R "$user:$user" "$data_dir"
fi

if [ -n "$service" ]; then
  say "starting $service"
  systemctl start "$service"
  set -- --server "$probe"
  if [ -n "$tls_cert" ]; then set -- "$@" --tls; fi  # serving at all; the check below verifies
  i=0
  until "$daemon" health "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 60 ] || fail "$service does not serve after 60 s: journalctl -u $service (the restored store is in $data_dir, digest $digest)"
    sleep 1
  done
  # 6. The log the service serves must contain and extend the restored head.
  if check="$("$cli" --no-color --server "$server" audit verify --digest "$digest" 2>&1)"; then
    say "$service serves the restored store (its log extends $digest)"
  else
    code=$?
    if [ "$code" = 1 ]; then
      fail "$service serves, but not the restored store: its log does not contain and extend $digest" \
        "(${check}). Does $service read $data_dir? Check PROEFTUIND_DATA_DIR in $env_file and any drop-in" \
        "(systemctl cat $service)."
    fi
    fail "$service serves, but the check that it serves the restored head could not be done: ${check}." \
      "The store is restored in $data_dir (digest $digest). The check needs the token of an auditor or" \
      "administrator (--token-file FILE or PROEFTUIN_TOKEN_FILE) and the server's address (PROEFTUIN_SERVER;" \
      "PROEFTUIN_CA with TLS); run it by hand: proeftuin audit verify --digest $digest"
  fi
fi
echo "$digest"
